// SPDX-License-Identifier: GPL-2.0
/*
 * The rig control port: the answers the guest reads back and RIG_CMD_EXIT.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <xen/xen.h>
#include <xen/sched.h>

#include <rig/abi.h>

#include "ctlport.h"
#include "log.h"
#include "vmm.h"

static int out32(struct ctlport *c, uint16_t port, uint32_t v)
{
	return ctlport_pio(c, port, true, &v, 4, 1);
}

static uint32_t in32(struct ctlport *c, uint16_t port)
{
	uint32_t v = 0x12345678;

	assert_int_equal(ctlport_pio(c, port, false, &v, 4, 1), VMM_CONTINUE);
	return v;
}

static void test_queries(void **state)
{
	struct ctlport c = { .last_longmode = 1, .hcall_count = 42 };

	assert_int_equal(out32(&c, RIG_PORT_CMD, RIG_CMD_LAST_LONGMODE),
			 VMM_CONTINUE);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 1);
	assert_int_equal(out32(&c, RIG_PORT_CMD, RIG_CMD_HCALL_COUNT),
			 VMM_CONTINUE);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 42);

	c.last_longmode = 0;
	out32(&c, RIG_PORT_CMD, RIG_CMD_LAST_LONGMODE);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0);
}

static void test_data_roundtrip(void **state)
{
	struct ctlport c = { 0 };

	out32(&c, RIG_PORT_DATA, 0xcafef00d);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0xcafef00d);
}

static void test_exit(void **state)
{
	struct ctlport c = { 0 };

	out32(&c, RIG_PORT_DATA, SHUTDOWN_poweroff);
	assert_int_equal(out32(&c, RIG_PORT_CMD, RIG_CMD_EXIT), RIG_EXIT_POWEROFF);
	out32(&c, RIG_PORT_DATA, SHUTDOWN_crash);
	assert_int_equal(out32(&c, RIG_PORT_CMD, RIG_CMD_EXIT), RIG_EXIT_CRASH);
	out32(&c, RIG_PORT_DATA, SHUTDOWN_reboot);
	assert_int_equal(out32(&c, RIG_PORT_CMD, RIG_CMD_EXIT), RIG_EXIT_OTHER);
}

static void test_unknown_command(void **state)
{
	struct ctlport c = { 0 };

	assert_int_equal(out32(&c, RIG_PORT_CMD, 0x99), VMM_CONTINUE);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0xffffffff);
	assert_int_equal(out32(&c, RIG_PORT_CMD, 0), VMM_CONTINUE);
}

struct fake_slots {
	unsigned int calls;
	struct mem_range last;
	int ret;
};

static int fake_add_slot(void *ctx, const struct mem_range *r)
{
	struct fake_slots *s = ctx;

	s->calls++;
	s->last = *r;
	return s->ret;
}

/* RIG_CMD_MEM_PLUG: once, only with a --late range; then it is present. */
static void test_mem_plug(void **state)
{
	struct mem_layout l = {
		.ram_size = 64 << 20,
		.late = { 0x3000000, 0x100000 },
	};
	struct fake_slots s = { 0 };
	struct ctlport c = {
		.mem = &l, .add_slot = fake_add_slot, .slot_ctx = &s,
	};

	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_LATE_BASE);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0x3000000);
	assert_false(mem_present(&l, 0x3000800, 44));

	assert_int_equal(out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_PLUG),
			 VMM_CONTINUE);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.last.start, 0x3000000);
	assert_int_equal(s.last.size, 0x100000);
	assert_true(mem_present(&l, 0x3000800, 44));

	/* already plugged */
	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_PLUG);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0xffffffff);
	assert_int_equal(s.calls, 1);
	/* the base is still reported */
	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_LATE_BASE);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0x3000000);
}

static void test_mem_plug_refused(void **state)
{
	struct mem_layout l = { .ram_size = 64 << 20 };
	struct fake_slots s = { 0 };
	struct ctlport c = {
		.mem = &l, .add_slot = fake_add_slot, .slot_ctx = &s,
	};
	struct ctlport bare = { 0 };

	/* no late range */
	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_LATE_BASE);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0);
	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_PLUG);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0xffffffff);
	assert_int_equal(s.calls, 0);

	/* KVM refusing the memslot: -1, and it stays absent */
	l.late = (struct mem_range){ 0x3000000, 0x1000 };
	s.ret = -EEXIST;
	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_PLUG);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0xffffffff);
	assert_false(mem_present(&l, 0x3000000, 1));
	s.ret = 0;
	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_PLUG);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0);

	/* a control port with no layout at all */
	out32(&bare, RIG_PORT_CMD, RIG_CMD_MEM_PLUG);
	assert_int_equal(in32(&bare, RIG_PORT_DATA), 0xffffffff);
	out32(&bare, RIG_PORT_CMD, RIG_CMD_MEM_LATE_BASE);
	assert_int_equal(in32(&bare, RIG_PORT_DATA), 0);
}

/*
 * RIG_CMD_MEM_UNPLUG: only what is plugged; afterwards a hole again, to
 * the hypercall handlers too, and pluggable once more.
 */
static void test_mem_unplug(void **state)
{
	struct mem_layout l = {
		.ram_size = 64 << 20,
		.late = { 0x3000000, 0x100000 },
	};
	struct fake_slots add = { 0 }, del = { 0 };
	struct ctlport c = {
		.mem = &l, .add_slot = fake_add_slot, .slot_ctx = &add,
	};
	struct ctlport bare = { 0 };

	/* not plugged yet: refused, KVM not asked */
	c.del_slot = fake_add_slot;
	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_UNPLUG);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0xffffffff);
	assert_int_equal(add.calls, 0);

	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_PLUG);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0);
	assert_true(mem_present(&l, 0x3000800, 44));

	/* KVM refusing the deletion: -1, and the memory is still there */
	c.slot_ctx = &del;
	del.ret = -EINVAL;
	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_UNPLUG);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0xffffffff);
	assert_true(mem_present(&l, 0x3000800, 44));

	del.ret = 0;
	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_UNPLUG);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0);
	assert_int_equal(del.calls, 2);
	assert_int_equal(del.last.start, 0x3000000);
	assert_int_equal(del.last.size, 0x100000);
	assert_false(mem_present(&l, 0x3000800, 44));

	/* twice: nothing left to unplug */
	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_UNPLUG);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0xffffffff);
	assert_int_equal(del.calls, 2);

	/* and it can come back */
	out32(&c, RIG_PORT_CMD, RIG_CMD_MEM_PLUG);
	assert_int_equal(in32(&c, RIG_PORT_DATA), 0);
	assert_true(mem_present(&l, 0x3000800, 44));

	/* a control port with no layout at all */
	out32(&bare, RIG_PORT_CMD, RIG_CMD_MEM_UNPLUG);
	assert_int_equal(in32(&bare, RIG_PORT_DATA), 0xffffffff);
}

/* Reading the command port gives nothing; narrow reads stay in bounds. */
static void test_odd_accesses(void **state)
{
	struct ctlport c = { .hcall_count = 0x1ff };
	uint8_t b[2] = { 0, 0x77 };

	assert_int_equal(in32(&c, RIG_PORT_CMD), 0xffffffff);
	out32(&c, RIG_PORT_CMD, RIG_CMD_HCALL_COUNT);
	assert_int_equal(ctlport_pio(&c, RIG_PORT_DATA, false, b, 1, 1),
			 VMM_CONTINUE);
	assert_int_equal(b[0], 0xff);
	assert_int_equal(b[1], 0x77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_data_roundtrip),
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_odd_accesses),
		cmocka_unit_test(test_mem_plug),
		cmocka_unit_test(test_mem_plug_refused),
		cmocka_unit_test(test_mem_unplug),
	};

	log_quiet = true;
	return cmocka_run_group_tests_name("ctlport", tests, NULL, NULL);
}
