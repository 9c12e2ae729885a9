// SPDX-License-Identifier: GPL-2.0
/*
 * Xen hypercalls, dispatched from KVM_EXIT_XEN.
 *
 * KVM has already picked the arguments out of the registers of the caller's
 * ABI.  What is left follows Xen: a 32-bit caller's arguments are 32 bits
 * wide whatever the upper register halves hold, only ring 0 may call, and
 * every failure is a negative Xen errno.  Guest pointers are guest-physical
 * and checked against RAM before any access.
 */
#include <stdarg.h>
#include <stdint.h>	/* the Xen headers need it first */
#include <stdio.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/sched.h>
#include <xen/version.h>

#include <rig/abi.h>

/* Without __XEN_TOOLS__ the headers give guests the pre-3.0 numbering. */
_Static_assert(__HYPERVISOR_sched_op == 29,
	       "build with -D__XEN_TOOLS__ for the current Xen interface");

#include "hypercall.h"
#include "serial.h"

typedef int64_t (*hcall_fn)(const struct hcall_env *env, const uint64_t *p,
			    struct hcall_res *res);

struct hcall_desc {
	const char *name;
	hcall_fn fn;
};

static void describe(struct hcall_res *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void describe(struct hcall_res *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->desc, sizeof(res->desc), fmt, ap);
	va_end(ap);
}

int rig_exit_for_shutdown(uint32_t reason)
{
	switch (reason) {
	case SHUTDOWN_poweroff:
		return RIG_EXIT_POWEROFF;
	case SHUTDOWN_crash:
		return RIG_EXIT_CRASH;
	default:
		return RIG_EXIT_OTHER;
	}
}

static const char *shutdown_name(uint32_t reason)
{
	switch (reason) {
	case SHUTDOWN_poweroff:
		return "poweroff";
	case SHUTDOWN_reboot:
		return "reboot";
	case SHUTDOWN_suspend:
		return "suspend";
	case SHUTDOWN_crash:
		return "crash";
	case SHUTDOWN_watchdog:
		return "watchdog";
	case SHUTDOWN_soft_reset:
		return "soft_reset";
	default:
		return "unknown";
	}
}

/* xen_version(int cmd, void *arg) */
static int64_t do_xen_version(const struct hcall_env *env, const uint64_t *p,
			      struct hcall_res *res)
{
	/* cmd is an int in the Xen ABI: upper register bits are not part of it. */
	uint32_t cmd = p[0];

	describe(res, "xen_version(%u)", cmd);
	switch (cmd) {
	case XENVER_version:
		return (int64_t)((uint32_t)env->xen_major << 16 | env->xen_minor);
	default:
		return -XEN_ENOSYS;
	}
}

/* console_io(int cmd, unsigned int count, char *buf) */
static int64_t do_console_io(const struct hcall_env *env, const uint64_t *p,
			     struct hcall_res *res)
{
	uint32_t cmd = p[0], count = p[1];
	uint64_t buf = p[2];
	const void *src;

	describe(res, "console_io(%u, %u, %#llx)", cmd, count,
		 (unsigned long long)buf);
	switch (cmd) {
	case CONSOLEIO_write:
		if (count > HCALL_CONSOLE_MAX)
			return -XEN_EINVAL;
		if (!count)
			return 0;
		src = gmem_ptr(&env->mem, buf, count);
		if (!src)
			return -XEN_EFAULT;
		if (env->console)
			serial_write(env->console, src, count);
		return 0;
	case CONSOLEIO_read:
		/* No console input: nothing read. */
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

/* sched_op(int cmd, void *arg) */
static int64_t do_sched_op(const struct hcall_env *env, const uint64_t *p,
			   struct hcall_res *res)
{
	uint32_t cmd = p[0];
	uint64_t arg = p[1];
	struct sched_shutdown ss;
	const void *src;

	switch (cmd) {
	case SCHEDOP_yield:
		describe(res, "sched_op(yield)");
		return 0;
	case SCHEDOP_shutdown:
		src = gmem_ptr(&env->mem, arg, sizeof(ss));
		if (!src) {
			describe(res, "sched_op(shutdown, %#llx)",
				 (unsigned long long)arg);
			return -XEN_EFAULT;
		}
		memcpy(&ss, src, sizeof(ss));
		describe(res, "sched_op(shutdown, %s)",
			 shutdown_name(ss.reason));
		res->action = HCALL_EXIT;
		res->exit_code = rig_exit_for_shutdown(ss.reason);
		return 0;
	default:
		describe(res, "sched_op(%u, %#llx)", cmd,
			 (unsigned long long)arg);
		return -XEN_ENOSYS;
	}
}

static const struct hcall_desc hcall_table[] = {
	[__HYPERVISOR_xen_version]	= { "xen_version", do_xen_version },
	[__HYPERVISOR_console_io]	= { "console_io", do_console_io },
	[__HYPERVISOR_sched_op]		= { "sched_op", do_sched_op },
};

#define HCALL_TABLE_SIZE (sizeof(hcall_table) / sizeof(hcall_table[0]))

void hcall_dispatch(const struct hcall_env *env, const struct hcall *in,
		    struct hcall_res *res)
{
	uint64_t nr = in->nr, p[6];
	unsigned int i;

	memset(res, 0, sizeof(*res));
	res->action = HCALL_CONTINUE;

	/* A 32-bit caller passes 32-bit registers: ignore the upper halves. */
	for (i = 0; i < 6; i++)
		p[i] = in->longmode ? in->params[i] : (uint32_t)in->params[i];
	if (!in->longmode)
		nr = (uint32_t)nr;

	/* As Xen does for HVM guests: only ring 0 may make hypercalls. */
	if (in->cpl != 0) {
		describe(res, "hypercall_%llu from cpl %u",
			 (unsigned long long)nr, in->cpl);
		res->ret = -XEN_EPERM;
		return;
	}

	if (nr >= HCALL_TABLE_SIZE || !hcall_table[nr].fn) {
		describe(res, "hypercall_%llu(%#llx, %#llx, %#llx)",
			 (unsigned long long)nr, (unsigned long long)p[0],
			 (unsigned long long)p[1], (unsigned long long)p[2]);
		res->ret = -XEN_ENOSYS;
		return;
	}

	res->ret = hcall_table[nr].fn(env, p, res);
}

static const char *const xen_errno_names[] = {
#define XEN_ERRNO(name, value) [value] = #name,
#include <xen/errno.h>
};

const char *xen_errno_name(int64_t ret)
{
	if (ret >= 0 || -ret >= (int64_t)(sizeof(xen_errno_names) /
					  sizeof(xen_errno_names[0])))
		return NULL;
	return xen_errno_names[-ret];
}

/* "xen_version(0) longmode=1 -> 0x40011": what was asked and answered. */
int hcall_format(const struct hcall *in, const struct hcall_res *res,
		 char *buf, size_t len)
{
	const char *ename = xen_errno_name(res->ret);
	char ans[48];

	if (res->ret < 0)
		snprintf(ans, sizeof(ans), "%lld (%s)", (long long)res->ret,
			 ename ? ename : "?");
	else
		snprintf(ans, sizeof(ans), "%#llx",
			 (unsigned long long)res->ret);
	if (res->action == HCALL_EXIT)
		return snprintf(buf, len, "hcall %s longmode=%d -> %s, exit %d",
				res->desc, in->longmode, ans, res->exit_code);
	return snprintf(buf, len, "hcall %s longmode=%d -> %s", res->desc,
			in->longmode, ans);
}
