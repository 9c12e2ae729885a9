// SPDX-License-Identifier: GPL-2.0
/*
 * Moving, discarding and dirty-logging guest frames (remap.c), through the
 * control port as the guest sees it.  The memory operations are real
 * (anonymous mappings of this process); KVM's dirty log is a fake.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include <rig/abi.h>

#include "ctlport.h"
#include "ctlport_cmd.h"
#include "remap.h"
#include "vmm.h"

#define PG	MEM_PAGE_SIZE
#define FRAMES	16

struct fake_log {
	bool on;
	int set_ret, get_ret;
	unsigned int sets, gets;
	uint64_t pending[1];	/* what the next KVM_GET_DIRTY_LOG reports */
};

static int fake_set_log(void *ctx, const struct mem_range *slot, bool on)
{
	struct fake_log *f = ctx;

	f->sets++;
	if (f->set_ret)
		return f->set_ret;
	f->on = on;
	return 0;
}

static int fake_get_log(void *ctx, uint64_t *bitmap)
{
	struct fake_log *f = ctx;

	f->gets++;
	if (f->get_ret)
		return f->get_ret;
	bitmap[0] = f->pending[0];
	f->pending[0] = 0;
	return 0;
}

/* KVM's side of RIG_CMD_SLOT_MOVE: where the memslot is, or deleted. */
struct fake_slot {
	void *hva;
	unsigned int dels, sets;
	int set_ret;
};

struct rig {
	uint8_t *ram;
	struct fake_slot fs;
	struct mem_range late;
	bool late_plugged;
	struct remap r;
	struct fake_log log;
	struct ctlport c;
};

static int setup(void **state)
{
	static struct rig rig;

	memset(&rig, 0, sizeof(rig));
	rig.ram = mmap(NULL, FRAMES * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(rig.ram, MAP_FAILED);
	rig.r.ram = rig.ram;
	rig.r.ram_size = FRAMES * PG;
	rig.r.slot = (struct mem_range){ 0, FRAMES * PG };
	rig.r.set_log = fake_set_log;
	rig.r.get_log = fake_get_log;
	rig.r.ctx = &rig.log;
	rig.c.remap = &rig.r;
	*state = &rig;
	return 0;
}

static int teardown(void **state)
{
	struct rig *rig = *state;
	unsigned int i;

	for (i = 0; i < rig->r.nr_moved; i++)
		munmap(rig->r.moved[i].page, PG);
	munmap(rig->ram, FRAMES * PG);
	free(rig->r.dirty);
	free(rig->r.scratch);
	return 0;
}

/* The frame keeps its contents at the same address; the old page is apart. */
static void test_move(void **state)
{
	struct rig *rig = *state;
	uint8_t *f = rig->ram + 3 * PG;

	memset(f, 0x5a, PG);
	f[17] = 0x11;
	assert_int_equal(cmd(&rig->c, RIG_CMD_MEM_MOVE, 3), 0);
	assert_int_equal(f[0], 0x5a);
	assert_int_equal(f[17], 0x11);
	assert_int_equal(f[PG - 1], 0x5a);
	assert_int_equal(rig->r.nr_moved, 1);
	assert_ptr_not_equal(rig->r.moved[0].page, f);
	assert_int_equal(rig->r.moved[0].page[17], 0x11);

	/* writes to the frame now go to the new page only */
	f[100] = 0x77;
	assert_int_equal(cmd(&rig->c, RIG_CMD_MEM_OLD_CHANGED, 3), 0);
	assert_int_equal(rig->r.moved[0].page[100], 0x5a);

	/* a stale writer to the old page is seen */
	rig->r.moved[0].page[PG - 1] = 0;
	assert_int_equal(cmd(&rig->c, RIG_CMD_MEM_OLD_CHANGED, 3), 1);

	/* a second move: its old page is the one asked about */
	assert_int_equal(cmd(&rig->c, RIG_CMD_MEM_MOVE, 3), 0);
	assert_int_equal(cmd(&rig->c, RIG_CMD_MEM_OLD_CHANGED, 3), 0);
	assert_int_equal(rig->r.moved[1].page[100], 0x77);
	assert_int_equal(f[100], 0x77);

	/* never moved, out of RAM */
	assert_int_equal(cmd(&rig->c, RIG_CMD_MEM_OLD_CHANGED, 4), 0xffffffff);
	assert_int_equal(cmd(&rig->c, RIG_CMD_MEM_MOVE, FRAMES), 0xffffffff);
	assert_int_equal(cmd(&rig->c, RIG_CMD_MEM_MOVE, 0xffffffff),
			 0xffffffff);
}

/* Only REMAP_MAX_MOVED old pages are kept; then moves are refused. */
static void test_move_limit(void **state)
{
	struct rig *rig = *state;
	unsigned int i;

	for (i = 0; i < REMAP_MAX_MOVED; i++)
		assert_int_equal(cmd(&rig->c, RIG_CMD_MEM_MOVE, i % FRAMES), 0);
	assert_int_equal(cmd(&rig->c, RIG_CMD_MEM_MOVE, 0), 0xffffffff);
}

static void test_discard(void **state)
{
	struct rig *rig = *state;

	memset(rig->ram + 5 * PG, 0xee, 2 * PG);
	assert_int_equal(cmd(&rig->c, RIG_CMD_MEM_DISCARD, 5), 0);
	assert_int_equal(rig->ram[5 * PG], 0);
	assert_int_equal(rig->ram[6 * PG - 1], 0);
	/* the neighbour keeps its contents */
	assert_int_equal(rig->ram[6 * PG], 0xee);
	assert_int_equal(cmd(&rig->c, RIG_CMD_MEM_DISCARD, FRAMES), 0xffffffff);
}

/* Per frame, cleared on read, folded across reads, nothing before "on". */
static void test_dirty(void **state)
{
	struct rig *rig = *state;

	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_TEST, 1), 0xffffffff);
	rig->log.pending[0] = 1u << 2;		/* written before logging */
	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_LOG, 1), 0);
	assert_true(rig->log.on);
	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_TEST, 2), 0);

	rig->log.pending[0] = (1u << 2) | (1u << 9);
	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_TEST, 2), 1);
	/* frame 9 was folded in by that read and is still reported */
	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_TEST, 9), 1);
	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_TEST, 9), 0);
	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_TEST, 2), 0);
	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_TEST, FRAMES), 0xffffffff);

	/* KVM failing the read: refused, not "clean" */
	rig->log.get_ret = -EINVAL;
	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_TEST, 2), 0xffffffff);
	rig->log.get_ret = 0;

	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_LOG, 0), 0);
	assert_false(rig->log.on);
	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_TEST, 2), 0xffffffff);

	/* KVM refusing the flag: refused, logging stays off */
	rig->log.set_ret = -EINVAL;
	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_LOG, 1), 0xffffffff);
	assert_int_equal(cmd(&rig->c, RIG_CMD_DIRTY_TEST, 2), 0xffffffff);
}

static int fake_set_slot(void *ctx, const struct mem_range *slot, void *hva)
{
	struct rig *rig = (struct rig *)((char *)ctx - offsetof(struct rig, log));

	if (!hva) {
		rig->fs.dels++;
		rig->fs.hva = NULL;
		return 0;
	}
	rig->fs.sets++;
	if (rig->fs.set_ret)
		return rig->fs.set_ret;
	rig->fs.hva = hva;
	return 0;
}

/*
 * Frames 8..11 are the late range.  After a move the memslot is at a new
 * address, the VMM's view at ram + start shows what the memslot holds, and
 * the previous mapping keeps its contents and is compared page by page.
 */
static void test_slot_move(void **state)
{
	struct rig *rig = *state;
	uint8_t *view = rig->ram + 8 * PG, *first;
	unsigned int i;

	rig->late = (struct mem_range){ 8 * PG, 4 * PG };
	rig->r.late = &rig->late;
	rig->r.late_plugged = &rig->late_plugged;
	rig->r.set_slot = fake_set_slot;
	assert_int_equal(cmd(&rig->c, RIG_CMD_SLOT_MOVE, 0), 0xffffffff);
	assert_int_equal(cmd(&rig->c, RIG_CMD_SLOT_OLD_CHANGED, 8), 0xffffffff);
	rig->late_plugged = true;
	memset(view, 0x5a, 4 * PG);

	assert_int_equal(cmd(&rig->c, RIG_CMD_SLOT_MOVE, 0), 0);
	assert_int_equal(rig->fs.dels, 1);
	first = rig->fs.hva;
	assert_non_null(first);
	assert_ptr_not_equal(first, view);
	assert_int_equal(first[2 * PG + 7], 0x5a);
	/* a write through the memslot is in the view, and not in the old */
	first[PG + 5] = 0x11;
	assert_int_equal(view[PG + 5], 0x11);
	view[3 * PG] = 0x22;
	assert_int_equal(first[3 * PG], 0x22);
	for (i = 8; i < 12; i++)
		assert_int_equal(cmd(&rig->c, RIG_CMD_SLOT_OLD_CHANGED, i), 0);
	/* a stale writer to the old mapping is seen, in its frame only */
	rig->r.slot_old[PG + 9] = 0;
	assert_int_equal(cmd(&rig->c, RIG_CMD_SLOT_OLD_CHANGED, 9), 1);
	assert_int_equal(cmd(&rig->c, RIG_CMD_SLOT_OLD_CHANGED, 8), 0);
	assert_int_equal(cmd(&rig->c, RIG_CMD_SLOT_OLD_CHANGED, 12), 0xffffffff);
	assert_int_equal(cmd(&rig->c, RIG_CMD_SLOT_OLD_CHANGED, 7), 0xffffffff);

	/* again, from a moved slot: the old mapping is the first move's */
	for (i = 0; i < 50; i++)
		assert_int_equal(cmd(&rig->c, RIG_CMD_SLOT_MOVE, 0), 0);
	assert_ptr_not_equal(rig->fs.hva, first);
	assert_int_equal(((uint8_t *)rig->fs.hva)[PG + 5], 0x11);
	((uint8_t *)rig->fs.hva)[5] = 0x33;
	assert_int_equal(view[5], 0x33);
	assert_int_equal(rig->r.slot_old[5], 0x5a);
	assert_int_equal(cmd(&rig->c, RIG_CMD_SLOT_OLD_CHANGED, 8), 0);

	/* KVM refusing the new address: the memslot goes back where it was */
	rig->fs.set_ret = -EINVAL;
	first = rig->fs.hva;
	assert_int_equal(cmd(&rig->c, RIG_CMD_SLOT_MOVE, 0), 0xffffffff);
	rig->fs.set_ret = 0;
	assert_int_equal(view[5], 0x33);
}

/* A control port without the remap state refuses all five commands. */
static void test_bare(void **state)
{
	struct ctlport c = { 0 };
	uint32_t i;

	for (i = RIG_CMD_MEM_MOVE; i <= RIG_CMD_SLOT_OLD_CHANGED; i++)
		assert_int_equal(cmd(&c, i, 1), 0xffffffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_move_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_move, setup, teardown),
		cmocka_unit_test(test_bare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
