// SPDX-License-Identifier: GPL-2.0
/*
 * The serial and control-port I/O path as KVM_EXIT_IO hands it over: a
 * port, a direction, an element size and a count of elements in the data
 * area, for COM1's registers and the rig control port, plugging and
 * unplugging the late range through stub memslot calls, and moving,
 * discarding and dirty-logging the frames of a small real mapping (remap.c)
 * with a stub dirty log.
 *
 * Input: a cap for the serial output, then exits: port selector,
 * direction and size, count, data.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rig/abi.h>

#include "ctlport.h"
#include "input.h"
#include "log.h"
#include "serial.h"
#include "vmm.h"

/* As the run loop's: one page of kvm_run holds the data of a string exit. */
#define DATA_MAX	4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Guest RAM for the remap commands: a few frames, most guesses miss. */
#define REMAP_FRAMES	8

static int set_log(void *ctx, const struct mem_range *slot, bool on)
{
	return *(int *)ctx;
}

static int get_log(void *ctx, uint64_t *bitmap)
{
	bitmap[0] = 0x5;
	return *(int *)ctx;
}

static void remap_free(struct remap *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_moved; i++)
		munmap(r->moved[i].page, MEM_PAGE_SIZE);
	free(r->dirty);
	free(r->scratch);
}

static int plugs;

static int add_slot(void *ctx, const struct mem_range *r)
{
	plugs++;
	return *(int *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *out;
	struct input in = { data, size };
	struct mem_layout l = { .ram_size = 64u << 20,
				.late = { 32u << 20, 1u << 20 } };
	int slot_ret = 0;
	struct ctlport c = { .mem = &l, .add_slot = add_slot,
			     .del_slot = add_slot, .slot_ctx = &slot_ret };
	struct serial s;
	static const unsigned int sizes[] = { 1, 2, 4 };
	uint8_t buf[DATA_MAX];
	unsigned int n;
	static uint8_t *ram;
	static struct remap r;

	if (!out) {
		out = fopen("/dev/null", "w");
		if (!out)
			abort();
		log_quiet = true;
		ram = mmap(NULL, REMAP_FRAMES * MEM_PAGE_SIZE,
			   PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ram == MAP_FAILED)
			abort();
	}
	memset(&r, 0, sizeof(r));
	r.ram = ram;
	r.ram_size = REMAP_FRAMES * MEM_PAGE_SIZE;
	r.slot = (struct mem_range){ 0, r.ram_size };
	r.set_log = set_log;
	r.get_log = get_log;
	r.ctx = &slot_ret;
	c.remap = &r;
	serial_init(&s, out, in_u16(&in));
	slot_ret = in_u8(&in) & 1 ? -1 : 0;
	while (in.left) {
		uint8_t sel = in_u8(&in);
		bool dir_out = sel & 1;
		unsigned int esize = sizes[(sel >> 1) % 3];
		unsigned int count = in_u16(&in) % (DATA_MAX / esize) + 1;
		uint16_t port;

		n = esize * count;
		in_bytes(&in, buf, n);
		if (sel & 0x80) {
			port = sel & 0x40 ? RIG_PORT_CMD : RIG_PORT_DATA;
			if (ctlport_pio(&c, port, dir_out, buf, esize, count) !=
			    VMM_CONTINUE)
				break;	/* RIG_CMD_EXIT: the guest is gone */
		} else {
			port = (sel >> 3) & 7;
			serial_pio(&s, port, dir_out, buf, esize, count);
		}
		if (s.total > s.cap)
			abort();
	}
	serial_flush(&s);
	remap_free(&r);
	return 0;
}
