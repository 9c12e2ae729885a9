// SPDX-License-Identifier: GPL-2.0
/*
 * Hypercall dispatch: argument decoding for both ABIs, every handled call's
 * result, guest-pointer checks at the exact RAM boundary and on wrap-around,
 * and the privilege check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/sched.h>
#include <xen/version.h>

#include <rig/abi.h>

#include "fake_kvm.h"
#include "hypercall.h"
#include "serial.h"

#define RAM_SIZE	(1u << 20)
#define HI32		0xdead000000000000ull	/* garbage in upper halves */

struct fixture {
	struct hcall_env env;
	struct fake_kvm kvm;
	struct serial con;
	FILE *out;
	char *text;
	size_t text_len;
	uint8_t *ram;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ram = calloc(1, RAM_SIZE);
	f->out = open_memstream(&f->text, &f->text_len);
	if (!f->ram || !f->out)
		return -1;
	serial_init(&f->con, f->out, SERIAL_DEFAULT_CAP);
	f->env = (struct hcall_env) {
		.mem = { .base = f->ram, .size = RAM_SIZE },
		.console = &f->con,
		.xen_major = 4,
		.xen_minor = 17,
		.ops = &fake_kvm_ops,
		.ops_ctx = &f->kvm,
	};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fclose(f->out);
	free(f->text);
	free(f->ram);
	free(f);
	return 0;
}

static const char *output(struct fixture *f)
{
	serial_flush(&f->con);
	fflush(f->out);
	return f->text;
}

static struct hcall_res call(struct fixture *f, bool longmode, uint64_t nr,
			     uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct hcall in = {
		.nr = nr,
		.params = { a0, a1, a2, HI32 | 4, HI32 | 5, HI32 | 6 },
		.longmode = longmode,
	};
	struct hcall_res res;

	hcall_dispatch(&f->env, &in, &res);
	return res;
}

static struct hcall_res shutdown_call(struct fixture *f, bool longmode,
				      uint64_t gpa, uint32_t reason);

static int64_t ret64(struct fixture *f, uint64_t nr, uint64_t a0,
		     uint64_t a1, uint64_t a2)
{
	struct hcall_res res = call(f, true, nr, a0, a1, a2);

	assert_int_equal(res.action, HCALL_CONTINUE);
	return res.ret;
}

static int64_t ret32(struct fixture *f, uint64_t nr, uint64_t a0,
		     uint64_t a1, uint64_t a2)
{
	struct hcall_res res = call(f, false, nr, a0, a1, a2);

	assert_int_equal(res.action, HCALL_CONTINUE);
	return res.ret;
}

/* The numbers of the Xen ABI, not whatever the headers were built for. */
static void test_hypercall_numbers(void **state)
{
	struct fixture *f = *state;
	struct hcall_res res;

	assert_int_equal(ret64(f, 17, XENVER_version, 0, 0), 0x40011);
	memcpy(f->ram + 0x100, "n\n", 2);
	assert_int_equal(ret64(f, 18, CONSOLEIO_write, 2, 0x100), 0);
	res = shutdown_call(f, true, 0x2000, SHUTDOWN_crash);
	assert_int_equal(res.exit_code, RIG_EXIT_CRASH);
	memcpy(f->ram + 0x2000, &(uint32_t){ SHUTDOWN_crash }, 4);
	res = call(f, true, 29, SCHEDOP_shutdown, 0x2000, 0);
	assert_int_equal(res.action, HCALL_EXIT);
	assert_int_equal(res.exit_code, RIG_EXIT_CRASH);
	assert_int_equal(ret64(f, 6, SCHEDOP_yield, 0, 0), -XEN_ENOSYS);
	assert_string_equal(output(f), "n\n");
}

static void test_xen_version(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ret64(f, __HYPERVISOR_xen_version, XENVER_version, 0, 0),
			 0x40011);
	assert_int_equal(ret32(f, __HYPERVISOR_xen_version, XENVER_version, 0, 0),
			 0x40011);
	f->env.xen_major = 0x1234;
	f->env.xen_minor = 0xffff;
	assert_int_equal(ret64(f, __HYPERVISOR_xen_version, XENVER_version, 0, 0),
			 0x1234ffff);
}

static void test_xen_version_other_cmds(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ret64(f, __HYPERVISOR_xen_version, XENVER_extraversion,
			       0x1000, 0), -XEN_ENOSYS);
	assert_int_equal(ret64(f, __HYPERVISOR_xen_version, 0x7fffffff, 0, 0),
			 -XEN_ENOSYS);
}

/* A 32-bit caller's EAX/EBX..: nothing above bit 31 may leak into the call. */
static void test_abi32_truncates(void **state)
{
	struct fixture *f = *state;
	const uint64_t nr = HI32 | __HYPERVISOR_xen_version;

	assert_int_equal(ret32(f, nr, HI32 | XENVER_version, 0, 0), 0x40011);
	/* ... but a 64-bit caller's hypercall number is all of RAX */
	assert_int_equal(ret64(f, nr, XENVER_version, 0, 0), -XEN_ENOSYS);

	memcpy(f->ram + 0x1000, "abc\n", 4);
	assert_int_equal(ret32(f, __HYPERVISOR_console_io, HI32 | CONSOLEIO_write,
			       HI32 | 4, HI32 | 0x1000), 0);
	/* the same pointer from a 64-bit caller is far beyond RAM */
	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_write, 4,
			       HI32 | 0x1000), -XEN_EFAULT);
	assert_string_equal(output(f), "abc\n");
}

static void test_abi64_full_width(void **state)
{
	struct fixture *f = *state;

	memcpy(f->ram + RAM_SIZE - 3, "xyz", 3);
	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_write, 3,
			       RAM_SIZE - 3), 0);
	assert_string_equal(output(f), "xyz\n");
}

static void test_console_write_bounds(void **state)
{
	struct fixture *f = *state;

	memset(f->ram + RAM_SIZE - 16, 'q', 16);
	/* the last 16 bytes of RAM: fine; one more: fault */
	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_write, 16,
			       RAM_SIZE - 16), 0);
	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_write, 17,
			       RAM_SIZE - 16), -XEN_EFAULT);
	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_write, 1,
			       RAM_SIZE), -XEN_EFAULT);
	assert_int_equal(ret32(f, __HYPERVISOR_console_io, CONSOLEIO_write, 16,
			       RAM_SIZE - 15), -XEN_EFAULT);
	assert_string_equal(output(f), "qqqqqqqqqqqqqqqq\n");
}

/* buf + count wraps to a small address: must not pass as in-bounds. */
static void test_console_write_wraps(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ret32(f, __HYPERVISOR_console_io, CONSOLEIO_write,
			       0x200, 0xffffff00), -XEN_EFAULT);
	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_write,
			       0x200, 0xffffffffffffff00ull), -XEN_EFAULT);
	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_write,
			       0x1, UINT64_MAX), -XEN_EFAULT);
	assert_string_equal(output(f) ? output(f) : "", "");
}

static void test_console_write_limits(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_write,
			       HCALL_CONSOLE_MAX + 1, 0), -XEN_EINVAL);
	/*
	 * count is an unsigned int: -1 is huge, not a negative no-op; and
	 * longer than RAM, where Xen's copy faults: -EFAULT, not -EINVAL.
	 */
	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_write,
			       0xffffffff, 0), -XEN_EFAULT);
	assert_string_equal(output(f) ? output(f) : "", "");
	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_write,
			       HCALL_CONSOLE_MAX + 1, RAM_SIZE - HCALL_CONSOLE_MAX),
			 -XEN_EFAULT);
	/* nothing to copy, so no pointer to check */
	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_write, 0,
			       UINT64_MAX), 0);
	memset(f->ram, 'm', HCALL_CONSOLE_MAX);
	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_write,
			       HCALL_CONSOLE_MAX, 0), 0);
}

static void test_console_other_cmds(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ret64(f, __HYPERVISOR_console_io, CONSOLEIO_read, 16,
			       0x1000), 0);
	assert_int_equal(ret64(f, __HYPERVISOR_console_io, 2, 16, 0x1000),
			 -XEN_ENOSYS);
}

static void test_sched_yield(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ret64(f, __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0), 0);
	assert_int_equal(ret32(f, __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0), 0);
}

static struct hcall_res shutdown_call(struct fixture *f, bool longmode,
				      uint64_t gpa, uint32_t reason)
{
	if (gpa <= RAM_SIZE - sizeof(reason))
		memcpy(f->ram + gpa, &reason, sizeof(reason));
	return call(f, longmode, __HYPERVISOR_sched_op, SCHEDOP_shutdown, gpa, 0);
}

static void test_sched_shutdown_reasons(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint32_t reason;
		int exit_code;
	} map[] = {
		{ SHUTDOWN_poweroff, RIG_EXIT_POWEROFF },
		{ SHUTDOWN_reboot, RIG_EXIT_OTHER },
		{ SHUTDOWN_suspend, RIG_EXIT_OTHER },
		{ SHUTDOWN_crash, RIG_EXIT_CRASH },
		{ SHUTDOWN_watchdog, RIG_EXIT_OTHER },
		{ 0x12345, RIG_EXIT_OTHER },
	};
	struct hcall_res res;
	unsigned int i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		res = shutdown_call(f, i & 1, 0x2000, map[i].reason);
		assert_int_equal(res.ret, 0);
		assert_int_equal(res.action, HCALL_EXIT);
		assert_int_equal(res.exit_code, map[i].exit_code);
		assert_int_equal(rig_exit_for_shutdown(map[i].reason),
				 map[i].exit_code);
	}
}

static void test_sched_shutdown_bounds(void **state)
{
	struct fixture *f = *state;
	struct hcall_res res;

	res = shutdown_call(f, true, RAM_SIZE - 4, SHUTDOWN_crash);
	assert_int_equal(res.action, HCALL_EXIT);
	assert_int_equal(res.exit_code, RIG_EXIT_CRASH);

	res = shutdown_call(f, true, RAM_SIZE - 3, SHUTDOWN_crash);
	assert_int_equal(res.ret, -XEN_EFAULT);
	assert_int_equal(res.action, HCALL_CONTINUE);

	res = shutdown_call(f, false, 0xfffffffe, SHUTDOWN_poweroff);
	assert_int_equal(res.ret, -XEN_EFAULT);
	assert_int_equal(res.action, HCALL_CONTINUE);

	res = shutdown_call(f, true, UINT64_MAX - 1, SHUTDOWN_poweroff);
	assert_int_equal(res.ret, -XEN_EFAULT);
	assert_int_equal(res.action, HCALL_CONTINUE);

	/* 32-bit caller: the high half of the pointer is not part of it */
	memcpy(f->ram + 0x3000, &(uint32_t){ SHUTDOWN_crash }, 4);
	res = call(f, false, __HYPERVISOR_sched_op, SCHEDOP_shutdown,
		   HI32 | 0x3000, 0);
	assert_int_equal(res.action, HCALL_EXIT);
	assert_int_equal(res.exit_code, RIG_EXIT_CRASH);
}

static void test_sched_other_cmds(void **state)
{
	struct fixture *f = *state;

	/* block: the vCPU halts in KVM, Xen's answer is 0 (test_hcall_evtchn) */
	assert_int_equal(ret64(f, __HYPERVISOR_sched_op, SCHEDOP_block, 0, 0),
			 0);
	assert_int_equal(f->kvm.nr_mp_state, 1);
	assert_int_equal(ret64(f, __HYPERVISOR_sched_op, SCHEDOP_shutdown_code,
			       0x2000, 0), -XEN_ENOSYS);
	/* the pre-3.0 sched_op is a different hypercall */
	assert_int_equal(ret64(f, __HYPERVISOR_sched_op_compat, SCHEDOP_yield,
			       0, 0), -XEN_ENOSYS);
}

static void test_unknown_numbers(void **state)
{
	struct fixture *f = *state;
	static const uint64_t nrs[] = {
		0, __HYPERVISOR_memory_op, __HYPERVISOR_sched_op + 1, 63, 64,
		0xffffffff, 1ull << 32, UINT64_MAX,
	};
	unsigned int i;

	for (i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		assert_int_equal(ret64(f, nrs[i], 0, 0, 0), -XEN_ENOSYS);
}

/* Ring 3 is refused before anything is decoded or done. */
static void test_cpl(void **state)
{
	struct fixture *f = *state;
	struct hcall in = {
		.nr = __HYPERVISOR_sched_op,
		.params = { SCHEDOP_shutdown, 0x2000 },
		.longmode = true,
		.cpl = 3,
	};
	struct hcall_res res;

	hcall_dispatch(&f->env, &in, &res);
	assert_int_equal(res.ret, -XEN_EPERM);
	assert_int_equal(res.action, HCALL_CONTINUE);

	in.nr = __HYPERVISOR_xen_version;
	in.params[0] = XENVER_version;
	hcall_dispatch(&f->env, &in, &res);
	assert_int_equal(res.ret, -XEN_EPERM);

	in.longmode = false;
	in.cpl = 1;
	hcall_dispatch(&f->env, &in, &res);
	assert_int_equal(res.ret, -XEN_EPERM);

	in.nr = __HYPERVISOR_console_io;
	in.params[0] = CONSOLEIO_write;
	in.params[1] = 3;
	in.params[2] = 0;
	memcpy(f->ram, "no\n", 3);
	hcall_dispatch(&f->env, &in, &res);
	assert_int_equal(res.ret, -XEN_EPERM);
	assert_string_equal(output(f) ? output(f) : "", "");
}

static void test_log_line(void **state)
{
	struct fixture *f = *state;
	struct hcall in = {
		.nr = __HYPERVISOR_xen_version,
		.params = { XENVER_version },
		.longmode = true,
	};
	struct hcall_res res;
	char line[256];

	hcall_dispatch(&f->env, &in, &res);
	hcall_format(&in, &res, line, sizeof(line));
	assert_string_equal(line, "hcall xen_version(0) longmode=1 -> 0x40011");

	in.params[0] = XENVER_extraversion;
	in.longmode = false;
	hcall_dispatch(&f->env, &in, &res);
	hcall_format(&in, &res, line, sizeof(line));
	assert_string_equal(line, "hcall xen_version(1) longmode=0 -> -38 (ENOSYS)");

	memcpy(f->ram + 0x100, &(uint32_t){ SHUTDOWN_poweroff }, 4);
	in.nr = __HYPERVISOR_sched_op;
	in.params[0] = SCHEDOP_shutdown;
	in.params[1] = 0x100;
	hcall_dispatch(&f->env, &in, &res);
	hcall_format(&in, &res, line, sizeof(line));
	assert_string_equal(line,
			    "hcall sched_op(shutdown, poweroff) longmode=0 -> 0, exit 0");
}

static void test_errno_names(void **state)
{
	assert_string_equal(xen_errno_name(-XEN_EFAULT), "EFAULT");
	assert_string_equal(xen_errno_name(-XEN_EPERM), "EPERM");
	assert_null(xen_errno_name(0));
	assert_null(xen_errno_name(-100000));
	assert_null(xen_errno_name(INT64_MIN));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hypercall_numbers),
		T(test_xen_version),
		T(test_xen_version_other_cmds),
		T(test_abi32_truncates),
		T(test_abi64_full_width),
		T(test_console_write_bounds),
		T(test_console_write_wraps),
		T(test_console_write_limits),
		T(test_console_other_cmds),
		T(test_sched_yield),
		T(test_sched_shutdown_reasons),
		T(test_sched_shutdown_bounds),
		T(test_sched_other_cmds),
		T(test_unknown_numbers),
		T(test_cpl),
		T(test_log_line),
		T(test_errno_names),
	};

	return cmocka_run_group_tests_name("hypercall", tests, NULL, NULL);
}
