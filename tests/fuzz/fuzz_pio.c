// SPDX-License-Identifier: GPL-2.0
/*
 * The serial and control-port I/O path as KVM_EXIT_IO hands it over: a
 * port, a direction, an element size and a count of elements in the data
 * area, for COM1's registers and the rig control port, plugging and
 * unplugging the late range through stub memslot calls, and moving,
 * discarding and dirty-logging the frames of a small real mapping (remap.c)
 * with a stub dirty log, or with a fake dirty ring (dirty_ring.c) that each
 * exit pushes one entry to, emptied at KVM_EXIT_DIRTY_RING_FULL as the run
 * loop does.
 *
 * Input: a cap for the serial output, a byte of flags (memslot calls
 * fail, dirty ring, dirty ring absent), then exits: port selector,
 * direction and size, count, data.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include <rig/abi.h>

#include "ctlport.h"
#include "dirty_ring.h"
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

/* A vCPU's ring as KVM keeps it (virt/kvm/dirty_ring.c), at its smallest. */
#define RING_ENTRIES	DIRTY_RING_MIN_ENTRIES
#define RING_SOFT	(RING_ENTRIES - 64)

static struct kvm_dirty_gfn ring_gfns[RING_ENTRIES];
static uint32_t ring_dirty, ring_reset;

static int ring_kvm_reset(void *ctx)
{
	int n = 0;

	while (ring_reset != ring_dirty) {
		struct kvm_dirty_gfn *e = &ring_gfns[ring_reset % RING_ENTRIES];

		if (!(e->flags & KVM_DIRTY_GFN_F_RESET))
			break;
		e->flags = 0;
		ring_reset++;
		n++;
	}
	return n;
}

/* One entry per exit, from the exit's data: frames in and out of range. */
static void ring_push(struct dirty_ring *dr, const uint8_t *d, unsigned int n)
{
	struct kvm_dirty_gfn *e = &ring_gfns[ring_dirty % RING_ENTRIES];
	uint16_t off = n > 1 ? (uint16_t)(d[0] | d[1] << 8) : 0;

	if (ring_dirty - ring_reset >= RING_ENTRIES)
		abort();	/* KVM would never push into a full ring */
	e->slot = off >> 15;
	e->offset = off % (REMAP_FRAMES + 2);
	e->flags = KVM_DIRTY_GFN_F_DIRTY;
	ring_dirty++;
	if (ring_dirty - ring_reset >= RING_SOFT &&
	    dirty_ring_full_exit(dr) != VMM_CONTINUE)
		abort();
	/* A full exit leaves nothing for KVM to wait on. */
	if (ring_dirty - ring_reset >= RING_SOFT)
		abort();
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
	static struct dirty_ring dr = { .lock = PTHREAD_MUTEX_INITIALIZER };
	uint8_t flags;

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
	flags = in_u8(&in);
	slot_ret = flags & 1 ? -1 : 0;
	if (flags & 6) {
		memset(ring_gfns, 0, sizeof(ring_gfns));
		ring_dirty = ring_reset = 0;
		dirty_ring_destroy(&dr);
		dr.entries = flags & 4 ? 0 : RING_ENTRIES;
		dr.absent = flags & 4;
		dr.reset = ring_kvm_reset;
		dr.bitmap = NULL;
		dirty_ring_attach(&dr, 0, ring_gfns);
		r.ring = &dr;
	}
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
		if (r.ring && dr.entries)
			ring_push(&dr, buf, n);
	}
	serial_flush(&s);
	remap_free(&r);
	return 0;
}
