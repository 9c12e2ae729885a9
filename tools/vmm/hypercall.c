// SPDX-License-Identifier: GPL-2.0
/*
 * Xen hypercalls, dispatched from KVM_EXIT_XEN.
 *
 * KVM has already picked the arguments out of the registers of the caller's
 * ABI.  What is left follows Xen: a 32-bit caller's arguments are 32 bits
 * wide whatever the upper register halves hold, only ring 0 may call, and
 * every failure is a negative Xen errno.  Guest pointers are linear
 * addresses, translated page by page and checked against the memory layout
 * before any access.
 */
#include <stddef.h>
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

#include "hcall_priv.h"
#include "kvm_xen_uapi.h"
#include "serial.h"

#define PAGE_SIZE	4096u

struct hcall_desc {
	const char *name;
	hcall_fn fn;
};


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
static int64_t do_xen_version(struct hcall_env *env, const struct hcall *c,
			      const uint64_t *p, struct hcall_res *res)
{
	/* cmd is an int in the Xen ABI: upper register bits are not part of it. */
	uint32_t cmd = p[0];

	hcall_describe(res, "xen_version(%u)", cmd);
	switch (cmd) {
	case XENVER_version:
		return (int64_t)((uint32_t)env->xen_major << 16 | env->xen_minor);
	default:
		return -XEN_ENOSYS;
	}
}

/*
 * Host pointer to the page-bounded piece of [va, va + len) at va, or NULL.
 * The console checks every piece before printing any, so that a fault
 * prints nothing.
 */
static const void *console_piece(struct hcall_env *env, uint64_t va,
				 size_t *len)
{
	uint64_t gpa;
	size_t n = PAGE_SIZE - (va & (PAGE_SIZE - 1));

	if (n > *len)
		n = *len;
	*len = n;
	if (env->ops->translate(hcall_vcpu_ctx(env, env->caller), va, &gpa))
		return NULL;
	return gmem_ptr(&env->mem, gpa, n);
}

static int console_write(struct hcall_env *env, struct hcall_res *res,
			 uint64_t buf, uint32_t count)
{
	uint64_t va, left;
	const void *src;
	size_t n;
	int pass;

	if (buf + count < buf)
		return -XEN_EFAULT;
	/*
	 * Xen copies chunk by chunk until it faults, so a buffer longer than
	 * the VMM prints is still -EFAULT when any of it is not there: check
	 * the whole of it, a page at a time (it ends at the end of RAM at the
	 * latest, so the walk is bounded by RAM, not by the count).
	 */
	if (count > HCALL_CONSOLE_MAX) {
		for (va = buf, left = count; left; va += n, left -= n) {
			n = left;
			if (!console_piece(env, va, &n)) {
				hcall_note(res, "copy from va %#llx faulted",
					   (unsigned long long)va);
				return -XEN_EFAULT;
			}
		}
		hcall_note(res, "longer than the VMM prints; Xen would print it all");
		return -XEN_EINVAL;
	}
	for (pass = 0; pass < 2; pass++) {
		for (va = buf, left = count; left; va += n, left -= n) {
			n = left;
			src = console_piece(env, va, &n);
			if (!src) {
				hcall_note(res, "copy from va %#llx faulted",
					   (unsigned long long)va);
				return -XEN_EFAULT;
			}
			if (pass && env->console)
				serial_write(env->console, src, n);
		}
	}
	return 0;
}

/* console_io(int cmd, unsigned int count, char *buf) */
static int64_t do_console_io(struct hcall_env *env, const struct hcall *c,
			     const uint64_t *p, struct hcall_res *res)
{
	uint32_t cmd = p[0], count = p[1];
	uint64_t buf = p[2];

	hcall_describe(res, "console_io(%u, %u, %#llx)", cmd, count,
		 (unsigned long long)buf);
	switch (cmd) {
	case CONSOLEIO_write:
		if (!count)
			return 0;
		return console_write(env, res, buf, count);
	case CONSOLEIO_read:
		/* No console input: nothing read. */
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

/*
 * SCHEDOP_block, which KVM leaves to the VMM: Xen's
 * vcpu_block_enable_events() clears upcall_mask, even for HVM, and blocks
 * until an event or interrupt wakes the vCPU.  KVM does the blocking for
 * a vCPU put into HALTED: it wakes on an event's kick whatever IF says,
 * and at once when an interrupt is already deliverable.
 */
static int64_t sched_block(struct hcall_env *env, struct hcall_res *res)
{
	uint8_t *vi = evtchn_vcpu_info(env, env->caller);
	int ret;

	if (vi)
		__atomic_store_n(&vi[offsetof(struct vcpu_info, evtchn_upcall_mask)],
				 0, __ATOMIC_SEQ_CST);
	else
		hcall_note(res, "no vcpu_info yet: no upcall_mask to clear");
	ret = env->ops->set_mp_state(hcall_vcpu_ctx(env, env->caller),
				     KVM_MP_STATE_HALTED);
	hcall_note(res, "KVM_SET_MP_STATE(HALTED) = %s", host_errno_name(ret));
	if (ret)
		hcall_note(res, "Xen would block");
	return 0;
}

/* sched_op(int cmd, void *arg) */
static int64_t do_sched_op(struct hcall_env *env, const struct hcall *c,
			   const uint64_t *p, struct hcall_res *res)
{
	uint32_t cmd = p[0];
	uint64_t arg = p[1];
	struct sched_shutdown ss;

	switch (cmd) {
	case SCHEDOP_yield:
		hcall_describe(res, "sched_op(yield)");
		return 0;
	case SCHEDOP_block:
		hcall_describe(res, "sched_op(block)");
		return sched_block(env, res);
	case SCHEDOP_shutdown:
		if (gva_read(env, res, arg, &ss, sizeof(ss))) {
			hcall_describe(res, "sched_op(shutdown, %#llx)",
				 (unsigned long long)arg);
			return -XEN_EFAULT;
		}
		hcall_describe(res, "sched_op(shutdown, %s)",
			 shutdown_name(ss.reason));
		res->action = HCALL_EXIT;
		res->exit_code = rig_exit_for_shutdown(ss.reason);
		return 0;
	default:
		hcall_describe(res, "sched_op(%u, %#llx)", cmd,
			 (unsigned long long)arg);
		return -XEN_ENOSYS;
	}
}

static const struct hcall_desc hcall_table[] = {
	[__HYPERVISOR_set_timer_op]	= { "set_timer_op", do_set_timer_op },
	[__HYPERVISOR_xen_version]	= { "xen_version", do_xen_version },
	[__HYPERVISOR_memory_op]	= { "memory_op", do_memory_op },
	[__HYPERVISOR_console_io]	= { "console_io", do_console_io },
	[__HYPERVISOR_vm_assist]	= { "vm_assist", do_vm_assist },
	[__HYPERVISOR_vcpu_op]		= { "vcpu_op", do_vcpu_op },
	[__HYPERVISOR_sched_op]		= { "sched_op", do_sched_op },
	[__HYPERVISOR_event_channel_op]	= { "event_channel_op", do_event_channel_op },
	[__HYPERVISOR_hvm_op]		= { "hvm_op", do_hvm_op },
};

#define HCALL_TABLE_SIZE (sizeof(hcall_table) / sizeof(hcall_table[0]))

void hcall_dispatch(struct hcall_env *env, const struct hcall *in,
		    struct hcall_res *res)
{
	uint64_t nr = in->nr, p[6];
	unsigned int i;

	memset(res, 0, sizeof(*res));
	res->action = HCALL_CONTINUE;
	env->caller = hcall_vcpu_exists(env, in->vcpu) ? in->vcpu : 0;

	/* A 32-bit caller passes 32-bit registers: ignore the upper halves. */
	for (i = 0; i < 6; i++)
		p[i] = in->longmode ? in->params[i] : (uint32_t)in->params[i];
	if (!in->longmode)
		nr = (uint32_t)nr;

	/* As Xen does for HVM guests: only ring 0 may make hypercalls. */
	if (in->cpl != 0) {
		hcall_describe(res, "hypercall_%llu from cpl %u",
			 (unsigned long long)nr, in->cpl);
		res->ret = -XEN_EPERM;
		return;
	}

	if (nr >= HCALL_TABLE_SIZE || !hcall_table[nr].fn) {
		hcall_describe(res, "hypercall_%llu(%#llx, %#llx, %#llx)",
			 (unsigned long long)nr, (unsigned long long)p[0],
			 (unsigned long long)p[1], (unsigned long long)p[2]);
		res->ret = -XEN_ENOSYS;
		return;
	}

	res->ret = hcall_table[nr].fn(env, in, p, res);
}

void hcall_domain_init(struct hcall_env *env, struct hcall_res *res)
{
	struct kvm_xen_vcpu_attr a = {
		.type = KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID,
	};
	uint32_t id;

	memset(res, 0, sizeof(*res));
	/*
	 * KVM compares a vcpu_op's vCPU id with this (it defaults to the
	 * vCPU's index); it and the timer attributes need EVTCHN_SEND.
	 */
	if (!(env->kvm_xen_caps & KVM_XEN_HVM_CONFIG_EVTCHN_SEND)) {
		hcall_note(res, "KVM_CAP_XEN_HVM %#x lacks EVTCHN_SEND: no VCPU_ID",
			   env->kvm_xen_caps);
		return;
	}
	for (id = 0; id < hcall_nr_vcpus(env); id++) {
		a.u.vcpu_id = id;
		hc_vcpu_set(env, res, id, &a);
	}
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

/*
 * "xen_version(0) longmode=1 -> 0x40011": what was asked and answered, with
 * the KVM calls made on the way in between when there were any:
 * "... longmode=0: KVM_XEN_VCPU_SET_ATTR(RUNSTATE_ADDR, gpa 0x1000) = 0 -> 0".
 */
int hcall_format(const struct hcall *in, const struct hcall_res *res,
		 char *buf, size_t len)
{
	const char *ename = xen_errno_name(res->ret);
	char ans[48], exit_code[16] = "";

	if (res->ret < 0)
		snprintf(ans, sizeof(ans), "%lld (%s)", (long long)res->ret,
			 ename ? ename : "?");
	else
		snprintf(ans, sizeof(ans), "%#llx",
			 (unsigned long long)res->ret);
	if (res->action == HCALL_EXIT)
		snprintf(exit_code, sizeof(exit_code), ", exit %d",
			 res->exit_code);
	return snprintf(buf, len, "hcall %s longmode=%d%s%s -> %s%s", res->desc,
			in->longmode, res->kvm[0] ? ": " : "", res->kvm, ans,
			exit_code);
}
