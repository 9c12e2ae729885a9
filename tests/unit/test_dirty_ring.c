// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty ring's harvest (dirty_ring.c) against a fake KVM that pushes
 * and resets entries as virt/kvm/dirty_ring.c does, and RIG_CMD_DIRTY_LOG
 * and RIG_CMD_DIRTY_TEST answering from it through the control port.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>
#include <cmocka.h>

#include <rig/abi.h>

#include "ctlport.h"
#include "ctlport_cmd.h"
#include "dirty_ring.h"
#include "remap.h"
#include "vmm.h"

#define ENTRIES		DIRTY_RING_MIN_ENTRIES
#define FRAMES		1024
/* KVM exits with KVM_EXIT_DIRTY_RING_FULL at this many (64 reserved). */
#define SOFT_LIMIT	(ENTRIES - 64)

/* One vCPU's ring as KVM keeps it: where it pushes and where it resets. */
struct fake_vcpu {
	struct kvm_dirty_gfn gfns[ENTRIES];
	uint32_t dirty_index, reset_index;
};

struct fake_kvm {
	struct fake_vcpu vcpu[2];
	unsigned int resets;
	int reset_ret;
	bool log_on;
};

static struct fake_kvm kvm;
static struct dirty_ring dr;
static uint64_t bitmap[FRAMES / 64];

/* kvm_dirty_ring_push(): 00 -> 01, in order; false when the ring is full. */
static bool push(unsigned int v, uint32_t slot, uint64_t offset)
{
	struct fake_vcpu *f = &kvm.vcpu[v];
	struct kvm_dirty_gfn *e = &f->gfns[f->dirty_index % ENTRIES];

	if (f->dirty_index - f->reset_index >= ENTRIES)
		return false;
	assert_int_equal(e->flags, 0);
	e->slot = slot;
	e->offset = offset;
	e->flags = KVM_DIRTY_GFN_F_DIRTY;
	f->dirty_index++;
	return true;
}

static bool soft_full(unsigned int v)
{
	return kvm.vcpu[v].dirty_index - kvm.vcpu[v].reset_index >= SOFT_LIMIT;
}

/* kvm_dirty_ring_reset(): 1X -> 00 from reset_index, stopping at the rest. */
static int fake_reset(void *ctx)
{
	unsigned int v;
	int n = 0;

	kvm.resets++;
	if (kvm.reset_ret)
		return kvm.reset_ret;
	for (v = 0; v < 2; v++) {
		struct fake_vcpu *f = &kvm.vcpu[v];

		while (f->reset_index != f->dirty_index) {
			struct kvm_dirty_gfn *e = &f->gfns[f->reset_index % ENTRIES];

			if (!(e->flags & KVM_DIRTY_GFN_F_RESET))
				break;
			e->flags = 0;
			f->reset_index++;
			n++;
		}
	}
	return n;
}

static bool dirty_bit(uint64_t frame)
{
	return bitmap[frame / 64] & (1ull << (frame % 64));
}

static int setup(void **state)
{
	memset(&kvm, 0, sizeof(kvm));
	memset(&dr, 0, sizeof(dr));
	memset(bitmap, 0, sizeof(bitmap));
	pthread_mutex_init(&dr.lock, NULL);
	dr.entries = ENTRIES;
	dr.reset = fake_reset;
	dirty_ring_attach(&dr, 0, kvm.vcpu[0].gfns);
	dirty_ring_track(&dr, 0, FRAMES, bitmap);
	return 0;
}

static void test_entries_ok(void **state)
{
	assert_int_equal(dirty_ring_entries_ok(256), 256);
	assert_int_equal(dirty_ring_entries_ok(4096), 4096);
	assert_int_equal(dirty_ring_entries_ok(65536), 65536);
	assert_int_equal(dirty_ring_entries_ok(0), 0);
	assert_int_equal(dirty_ring_entries_ok(128), 0);	/* under a page */
	assert_int_equal(dirty_ring_entries_ok(1000), 0);
	assert_int_equal(dirty_ring_entries_ok(131072), 0);
	assert_int_equal(dirty_ring_entries_ok(1ull << 32), 0);
}

/* Entries become bits, each is marked harvested, KVM is told once. */
static void test_harvest(void **state)
{
	assert_true(push(0, 0, 3));
	assert_true(push(0, 0, 700));
	assert_true(push(0, 0, 3));		/* KVM does not deduplicate */
	assert_int_equal(dirty_ring_harvest(&dr), 3);
	assert_true(dirty_bit(3));
	assert_true(dirty_bit(700));
	assert_false(dirty_bit(4));
	assert_int_equal(kvm.resets, 1);
	assert_int_equal(kvm.vcpu[0].reset_index, 3);
	assert_int_equal(kvm.vcpu[0].gfns[0].flags, 0);
	assert_int_equal(dr.harvested, 3);
	assert_int_equal(dr.others, 0);

	/* Nothing new: no entry taken, no reset asked for. */
	assert_int_equal(dirty_ring_harvest(&dr), 0);
	assert_int_equal(kvm.resets, 1);
}

/* Harvested in order: the first entry that is not 01 ends the harvest. */
static void test_stops_in_order(void **state)
{
	assert_true(push(0, 0, 1));
	assert_true(push(0, 0, 2));
	/* An entry KVM has not finished writing (still 00) and one after. */
	kvm.vcpu[0].gfns[3] = (struct kvm_dirty_gfn){
		.flags = KVM_DIRTY_GFN_F_DIRTY, .slot = 0, .offset = 9 };
	assert_int_equal(dirty_ring_harvest(&dr), 2);
	assert_false(dirty_bit(9));
	assert_int_equal(kvm.vcpu[0].gfns[3].flags, KVM_DIRTY_GFN_F_DIRTY);
}

/* A harvested entry KVM has not reset (1X) is not taken twice. */
static void test_unreset_not_twice(void **state)
{
	kvm.reset_ret = 0;
	assert_true(push(0, 0, 5));
	dr.reset = NULL;			/* as if KVM never reset */
	assert_int_equal(dirty_ring_harvest(&dr), 1);
	assert_int_equal(kvm.vcpu[0].gfns[0].flags, KVM_DIRTY_GFN_F_RESET);
	assert_int_equal(dirty_ring_harvest(&dr), 0);
	assert_int_equal(dr.harvested, 1);
}

/* Other memslots and offsets past the tracked one count, set nothing. */
static void test_others(void **state)
{
	assert_true(push(0, 1, 3));		/* the --late memslot */
	assert_true(push(0, 1u << 16, 4));	/* SMM address space */
	assert_true(push(0, 0, FRAMES));	/* past the slot */
	assert_true(push(0, 0, ~0ull));
	assert_true(push(0, 0, 6));
	assert_int_equal(dirty_ring_harvest(&dr), 5);
	assert_int_equal(dr.others, 4);
	assert_false(dirty_bit(3));
	assert_false(dirty_bit(4));
	assert_true(dirty_bit(6));

	/* Logging off: harvested and dropped. */
	dirty_ring_track(&dr, 0, FRAMES, NULL);
	assert_true(push(0, 0, 7));
	assert_int_equal(dirty_ring_harvest(&dr), 1);
	assert_false(dirty_bit(7));
}

/* Around the end of the ring, many times over. */
static void test_wrap(void **state)
{
	unsigned int round, i, frame = 0;

	for (round = 0; round < 5; round++) {
		for (i = 0; i < ENTRIES / 2 + 7; i++, frame++)
			assert_true(push(0, 0, frame % FRAMES));
		assert_int_equal(dirty_ring_harvest(&dr), ENTRIES / 2 + 7);
	}
	for (i = 0; i < FRAMES; i++)
		assert_true(dirty_bit(i) == (i < frame));
	assert_int_equal(kvm.vcpu[0].reset_index, kvm.vcpu[0].dirty_index);
	assert_int_equal(dr.harvested, frame);
}

/*
 * The vCPU dirties pages until the ring is soft-full and KVM exits with
 * KVM_EXIT_DIRTY_RING_FULL, again and again: every exit empties the ring,
 * nothing is lost, each is counted, and the vCPU can go on.
 */
static void test_full(void **state)
{
	unsigned int frame = 0, exits = 0;

	while (frame < 3 * ENTRIES) {
		assert_true(push(0, 0, frame++));
		if (!soft_full(0))
			continue;
		assert_int_equal(dirty_ring_full_exit(&dr), VMM_CONTINUE);
		exits++;
		assert_int_equal(kvm.vcpu[0].dirty_index, kvm.vcpu[0].reset_index);
	}
	assert_int_equal(exits, 3 * ENTRIES / SOFT_LIMIT);
	assert_int_equal(dr.full_exits, exits);
	/* The last entries, short of the limit, wait for the next harvest. */
	assert_int_equal(dirty_ring_harvest(&dr), 3 * ENTRIES % SOFT_LIMIT);
	for (frame = 0; frame < 3 * ENTRIES; frame++)
		assert_true(dirty_bit(frame));
	assert_false(dirty_bit(3 * ENTRIES));
}

/* Truly full (every entry 01): all taken, the ring empty after. */
static void test_completely_full(void **state)
{
	unsigned int i;

	for (i = 0; i < ENTRIES; i++)
		assert_true(push(0, 0, i));
	assert_false(push(0, 0, ENTRIES));
	assert_int_equal(dirty_ring_full_exit(&dr), VMM_CONTINUE);
	assert_int_equal(dr.harvested, ENTRIES);
	for (i = 0; i < ENTRIES; i++)
		assert_true(dirty_bit(i));
	assert_true(push(0, 0, ENTRIES));
	assert_int_equal(dirty_ring_harvest(&dr), 1);
	assert_true(dirty_bit(ENTRIES));
}

/* Every vCPU's ring, whichever vCPU exited. */
static void test_two_vcpus(void **state)
{
	dirty_ring_attach(&dr, 1, kvm.vcpu[1].gfns);
	assert_int_equal(dr.nr_vcpus, 2);
	assert_true(push(0, 0, 10));
	assert_true(push(1, 0, 11));
	assert_true(push(1, 0, 12));
	assert_int_equal(dirty_ring_full_exit(&dr), VMM_CONTINUE);
	assert_true(dirty_bit(10));
	assert_true(dirty_bit(11));
	assert_true(dirty_bit(12));
	assert_int_equal(kvm.resets, 1);
	assert_int_equal(kvm.vcpu[1].reset_index, 2);
}

/* A reset KVM refuses: the harvest says so, a full exit ends the run. */
static void test_reset_fails(void **state)
{
	kvm.reset_ret = -EINVAL;
	assert_true(push(0, 0, 1));
	assert_int_equal(dirty_ring_harvest(&dr), -EINVAL);
	assert_true(push(0, 0, 2));
	assert_int_equal(dirty_ring_full_exit(&dr), RIG_EXIT_HOST);
}

/* A full exit with no ring at all is KVM misbehaving. */
static void test_full_without_ring(void **state)
{
	struct dirty_ring none = { 0 };

	assert_int_equal(dirty_ring_full_exit(NULL), RIG_EXIT_HOST);
	assert_int_equal(dirty_ring_full_exit(&none), RIG_EXIT_HOST);
	assert_int_equal(dirty_ring_harvest(&none), 0);
	dirty_ring_destroy(NULL);
}

static int fake_set_log(void *ctx, const struct mem_range *slot, bool on)
{
	kvm.log_on = on;
	return 0;
}

/* KVM refuses KVM_GET_DIRTY_LOG with a ring: it must not be asked. */
static int fake_get_log(void *ctx, uint64_t *bitmap_out)
{
	fail_msg("KVM_GET_DIRTY_LOG with a dirty ring");
	return -ENXIO;
}

static void remap_ring(struct remap *r, struct ctlport *c)
{
	static uint8_t ram[4 * MEM_PAGE_SIZE];

	memset(r, 0, sizeof(*r));
	memset(c, 0, sizeof(*c));
	r->ram = ram;
	r->ram_size = sizeof(ram);
	r->slot = (struct mem_range){ 0, (uint64_t)FRAMES * MEM_PAGE_SIZE };
	r->set_log = fake_set_log;
	r->get_log = fake_get_log;
	r->ring = &dr;
	c->remap = r;
	/* Logging starts clean: what the ring held before is not counted. */
	dirty_ring_track(&dr, 0, 0, NULL);
}

static void test_ctlport(void **state)
{
	struct remap r;
	struct ctlport c;

	remap_ring(&r, &c);
	assert_true(push(0, 0, 5));
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_TEST, 5), ~0u);	/* not on */
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_LOG, 1), ENTRIES);
	assert_true(kvm.log_on);
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_TEST, 5), 0);

	assert_true(push(0, 0, 5));
	assert_true(push(0, 0, 6));
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_TEST, 5), 1);
	/* 6 was harvested with 5 and kept in the bitmap until asked. */
	assert_int_equal(kvm.vcpu[0].reset_index, kvm.vcpu[0].dirty_index);
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_TEST, 6), 1);
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_TEST, 6), 0);
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_TEST, 5), 0);
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_TEST, FRAMES), ~0u);

	/* What a full exit harvested answers the same way. */
	assert_true(push(0, 0, 900));
	assert_int_equal(dirty_ring_full_exit(&dr), VMM_CONTINUE);
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_TEST, 900), 1);

	/* Off: the ring is emptied, nothing is folded any more. */
	assert_true(push(0, 0, 7));
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_LOG, 0), 0);
	assert_false(kvm.log_on);
	assert_int_equal(kvm.vcpu[0].reset_index, kvm.vcpu[0].dirty_index);
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_TEST, 7), ~0u);
	free(r.dirty);
	free(r.scratch);
}

/* --dirty-ring on a host without the capability: a code of its own. */
static void test_ctlport_absent(void **state)
{
	struct remap r;
	struct ctlport c;
	struct dirty_ring absent = { .absent = true };

	remap_ring(&r, &c);
	r.ring = &absent;
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_LOG, 1), RIG_DIRTY_NO_RING);
	assert_false(kvm.log_on);
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_TEST, 5), ~0u);
	assert_int_equal(cmd(&c, RIG_CMD_DIRTY_LOG, 0), RIG_DIRTY_NO_RING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_ok),
		cmocka_unit_test_setup(test_harvest, setup),
		cmocka_unit_test_setup(test_stops_in_order, setup),
		cmocka_unit_test_setup(test_unreset_not_twice, setup),
		cmocka_unit_test_setup(test_others, setup),
		cmocka_unit_test_setup(test_wrap, setup),
		cmocka_unit_test_setup(test_full, setup),
		cmocka_unit_test_setup(test_completely_full, setup),
		cmocka_unit_test_setup(test_two_vcpus, setup),
		cmocka_unit_test_setup(test_reset_fails, setup),
		cmocka_unit_test(test_full_without_ring),
		cmocka_unit_test_setup(test_ctlport, setup),
		cmocka_unit_test_setup(test_ctlport_absent, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
