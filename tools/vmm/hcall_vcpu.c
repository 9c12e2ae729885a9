// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_op(cmd, vcpuid, arg): the runstate area, vcpu_info and the time area;
 * the timer commands are in hcall_timer.c.
 *
 * Xen takes the runstate and time areas as linear addresses and walks the
 * guest's page tables at every update; KVM takes one guest-physical address.
 * So the VMM translates once, at registration, answers what Xen would
 * answer (0, for any address) and notes in the log what KVM made of it.
 */
#include <errno.h>
#include <stdint.h>	/* the Xen headers need it first */
#include <string.h>

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/vcpu.h>
#include <xen/foreign/x86_32.h>
#include <xen/foreign/x86_64.h>

#include "hcall_priv.h"
#include "kvm_xen_uapi.h"

#define PAGE_SIZE	4096u

/* struct vcpu_runstate_info as a 32-bit guest lays it out: packed, 44 B. */
struct runstate_compat {
	int32_t state;
	uint64_t state_entry_time;
	uint64_t time[4];
} __attribute__((packed));

_Static_assert(sizeof(struct runstate_compat) == 44, "compat runstate");
_Static_assert(sizeof(struct vcpu_runstate_info) == 48, "native runstate");
_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16, "vcpu_info arg");
_Static_assert(sizeof(struct vcpu_info_x86_32) == 64 &&
	       sizeof(struct vcpu_info_x86_64) == 64, "vcpu_info");
_Static_assert(offsetof(struct vcpu_info_x86_32, evtchn_pending_sel) == 4 &&
	       offsetof(struct vcpu_info_x86_64, evtchn_pending_sel) == 8,
	       "evtchn_pending_sel");

static const char *vcpu_op_name(uint32_t cmd)
{
	switch (cmd) {
	case VCPUOP_get_runstate_info:		 return "get_runstate_info";
	case VCPUOP_register_runstate_memory_area: return "register_runstate_memory_area";
	case VCPUOP_register_vcpu_info:		 return "register_vcpu_info";
	case VCPUOP_register_vcpu_time_memory_area: return "register_vcpu_time_memory_area";
	case VCPUOP_set_periodic_timer:		 return "set_periodic_timer";
	case VCPUOP_stop_periodic_timer:	 return "stop_periodic_timer";
	case VCPUOP_set_singleshot_timer:	 return "set_singleshot_timer";
	case VCPUOP_stop_singleshot_timer:	 return "stop_singleshot_timer";
	default:				 return NULL;
	}
}

/*
 * The commands Xen's hvm_vcpu_op() passes on to do_vcpu_op(): what an HVM
 * guest may use, including vCPU bring-up.
 */
static bool hvm_vcpu_op_allowed(uint32_t cmd)
{
	switch (cmd) {
	case VCPUOP_initialise:
	case VCPUOP_up:
	case VCPUOP_down:
	case VCPUOP_is_up:
	case VCPUOP_get_runstate_info:
	case VCPUOP_register_runstate_memory_area:
	case VCPUOP_set_periodic_timer:
	case VCPUOP_stop_periodic_timer:
	case VCPUOP_set_singleshot_timer:
	case VCPUOP_stop_singleshot_timer:
	case VCPUOP_register_vcpu_info:
	case VCPUOP_register_vcpu_time_memory_area:
		return true;
	default:
		return false;
	}
}

/*
 * KVM puts the part of the area past the first page at the physically next
 * page; Xen follows the page tables.  Say so when the two differ.
 */
static void check_second_page(struct hcall_env *env, struct hcall_res *res,
			      uint64_t va, uint64_t gpa, unsigned int size)
{
	unsigned int first = PAGE_SIZE - (va & (PAGE_SIZE - 1));
	uint64_t gpa2;

	if (first >= size)
		return;
	if (hc_translate(env, res, va + first, &gpa2))
		hcall_note(res, "Xen: tail of the area unmapped, dropped at each update");
	else if (gpa2 != gpa + first)
		hcall_note(res, "Xen: tail at gpa %#llx, KVM writes it at gpa %#llx",
			   (unsigned long long)gpa2,
			   (unsigned long long)(gpa + first));
}

/*
 * Register a linear-address area (runstate or time) with KVM as a GPA: 0
 * deregisters; an address that does not translate leaves the old one, since
 * KVM has no way to wait for a mapping as Xen does.
 */
static void register_va_area(struct hcall_env *env, struct hcall_res *res,
			     uint32_t vcpu, uint16_t type, uint64_t va,
			     unsigned int size)
{
	uint64_t gpa;
	int ret;

	if (!va) {
		hc_vcpu_set_gpa(env, res, vcpu, type, KVM_XEN_INVALID_GPA);
		return;
	}
	if (hc_translate(env, res, va, &gpa)) {
		hcall_note(res, "Xen keeps the VA and writes once it is mapped; KVM keeps the old area");
		return;
	}
	check_second_page(env, res, va, gpa, size);
	ret = hc_vcpu_set_gpa(env, res, vcpu, type, gpa);
	if (ret && type == KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR)
		hcall_note(res, "KVM dropped the previous area");
}

/* VCPUOP_register_runstate_memory_area: Xen returns 0 for any address. */
static int64_t register_runstate(struct hcall_env *env, const struct hcall *c,
				 uint32_t vcpuid, uint64_t arg,
				 struct hcall_res *res)
{
	uint64_t va = 0;

	/* A 32-bit caller's handle is 4 bytes: Xen reads no more. */
	if (gva_read(env, res, arg, &va, c->longmode ? 8 : 4)) {
		hcall_describe(res, "vcpu_op(register_runstate_memory_area, %u, arg %#llx)",
			       vcpuid, (unsigned long long)arg);
		return -XEN_EFAULT;
	}
	hcall_describe(res, "vcpu_op(register_runstate_memory_area, %u, va %#llx)",
		       vcpuid, (unsigned long long)va);
	register_va_area(env, res, vcpuid, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR,
			 va, c->longmode ? sizeof(struct vcpu_runstate_info) :
					   sizeof(struct runstate_compat));
	return 0;
}

/*
 * VCPUOP_register_vcpu_time_memory_area: a linear address, 0 for none; a
 * 32-bit caller's handle is 4 bytes (compat_vcpu_op).  Xen answers 0 for
 * any address, replaces the old handle with it and from then on writes
 * only there, through the page tables, across a page if it must, and
 * nothing while the address does not reach RAM.  KVM takes one GPA whose
 * 32 bytes fit a page, refuses one that crosses (-EINVAL, keeping the old
 * area), and on -EFAULT (no memslot) keeps its cache at the new GPA.  So
 * the VMM gives KVM only an area it can write; for any other address it
 * unregisters KVM's area, which is what the guest sees of Xen then: the
 * old area written no more.
 */
static int64_t register_time_area(struct hcall_env *env, const struct hcall *c,
				  uint32_t vcpuid, uint64_t arg,
				  struct hcall_res *res)
{
	struct hcall_vcpu *st = hcall_vcpu(env, vcpuid);
	const unsigned int size = sizeof(struct vcpu_time_info);
	uint64_t va = 0, gpa;

	if (gva_read(env, res, arg, &va, c->longmode ? 8 : 4)) {
		hcall_describe(res, "vcpu_op(register_vcpu_time_memory_area, %u, arg %#llx)",
			       vcpuid, (unsigned long long)arg);
		return -XEN_EFAULT;
	}
	hcall_describe(res, "vcpu_op(register_vcpu_time_memory_area, %u, va %#llx)",
		       vcpuid, (unsigned long long)va);
	if (!va)
		goto unregister;
	if (hc_translate(env, res, va, &gpa)) {
		hcall_note(res, "Xen keeps the VA and writes once it is mapped; KVM cannot follow it");
		goto unregister;
	}
	if ((gpa & (PAGE_SIZE - 1)) + size > PAGE_SIZE) {
		hcall_note(res, "crosses a page, which KVM refuses; Xen writes both pages");
		goto unregister;
	}
	if (!gmem_ptr(&env->mem, gpa, size)) {
		hcall_note(res, "not RAM; Xen writes it once it is, KVM cannot follow it");
		goto unregister;
	}
	if (!hc_vcpu_set_gpa(env, res, vcpuid,
			     KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO, gpa)) {
		st->time_area_set = true;
		st->time_area_gpa = gpa;
		return 0;
	}
	/* KVM's cache may be left at the refused GPA: take it down. */
unregister:
	if (!hc_vcpu_set_gpa(env, res, vcpuid,
			     KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO,
			     KVM_XEN_INVALID_GPA))
		st->time_area_set = false;
	return 0;
}

/*
 * VCPUOP_get_runstate_info: Xen's vcpu_runstate_get adds the time spent in
 * the current state so far; KVM's RUNSTATE_DATA stops at the last update.
 */
static int64_t get_runstate(struct hcall_env *env, const struct hcall *c,
			    uint32_t vcpuid, uint64_t arg,
			    struct hcall_res *res)
{
	struct kvm_xen_vcpu_attr a = {
		.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA,
	};
	struct vcpu_runstate_info rs = { 0 };
	struct runstate_compat rc;
	uint64_t now = 0;
	int ret;

	hcall_describe(res, "vcpu_op(get_runstate_info, %u, va %#llx)", vcpuid,
		       (unsigned long long)arg);
	ret = env->ops->vcpu_get_attr(hcall_vcpu_ctx(env, vcpuid), &a);
	if (ret) {
		hcall_note(res, "KVM_XEN_VCPU_GET_ATTR(RUNSTATE_DATA) = %s; Xen always succeeds",
			   host_errno_name(ret));
		return ret;
	}
	hcall_note(res, "KVM_XEN_VCPU_GET_ATTR(RUNSTATE_DATA) = 0 (state %llu, entry %llu, times %llu/%llu/%llu/%llu)",
		   (unsigned long long)a.u.runstate.state,
		   (unsigned long long)a.u.runstate.state_entry_time,
		   (unsigned long long)a.u.runstate.time_running,
		   (unsigned long long)a.u.runstate.time_runnable,
		   (unsigned long long)a.u.runstate.time_blocked,
		   (unsigned long long)a.u.runstate.time_offline);
	ret = env->ops->get_clock(env->ops_ctx, &now);
	hcall_note(res, "KVM_GET_CLOCK = %s (%llu)", host_errno_name(ret),
		   (unsigned long long)now);

	rs.state = a.u.runstate.state;
	rs.state_entry_time = a.u.runstate.state_entry_time;
	rs.time[RUNSTATE_running] = a.u.runstate.time_running;
	rs.time[RUNSTATE_runnable] = a.u.runstate.time_runnable;
	rs.time[RUNSTATE_blocked] = a.u.runstate.time_blocked;
	rs.time[RUNSTATE_offline] = a.u.runstate.time_offline;
	if (!ret && a.u.runstate.state <= RUNSTATE_offline &&
	    now > rs.state_entry_time)
		rs.time[rs.state] += now - rs.state_entry_time;

	/*
	 * A vCPU asking about itself is making a hypercall, so running: that
	 * is what Xen reports.  KVM can still say runnable here: a vCPU
	 * preempted inside KVM_RUN is marked runnable and only becomes
	 * running again when its next entry processes the steal-time request,
	 * which an exit to the VMM can come before.  Another vCPU's state is
	 * what KVM says.
	 */
	if (vcpuid == env->caller && rs.state != RUNSTATE_running) {
		hcall_note(res, "the caller is running; KVM said state %u",
			   (unsigned int)rs.state);
		rs.state = RUNSTATE_running;
	}

	if (c->longmode)
		return gva_write(env, res, arg, &rs, sizeof(rs));
	rc.state = rs.state;
	rc.state_entry_time = rs.state_entry_time;
	memcpy(rc.time, rs.time, sizeof(rc.time));
	return gva_write(env, res, arg, &rc, sizeof(rc));
}

/* Xen's checks, in Xen's order, for the version the VMM plays. */
static int64_t vcpu_info_checks(struct hcall_env *env, uint32_t vcpu,
				bool longmode,
				const struct vcpu_register_vcpu_info *info,
				uint64_t *gpa)
{
	bool registered = hcall_vcpu(env, vcpu)->vcpu_info_registered;
	unsigned int align = longmode ? 8 : 4;
	uint64_t ga = (info->mfn << 12) + info->offset;
	bool gfn_ok = !(info->mfn >> 52);

	if (info->rsvd)
		return -XEN_EINVAL;
	if (hcall_xen_at_least(env, 4, 18)) {
		/* map_guest_area() */
		if (!gfn_ok || !~ga || ga >> 12 != info->mfn)
			return -XEN_EINVAL;
		if (registered)
			return -XEN_EBUSY;
		if ((ga & (PAGE_SIZE - 1)) + sizeof(struct vcpu_info) > PAGE_SIZE)
			return -XEN_ENXIO;
		if (ga & (align - 1))
			return -XEN_ENXIO;
	} else {
		/* map_vcpu_info() */
		if (info->offset > PAGE_SIZE - sizeof(struct vcpu_info))
			return -XEN_ENXIO;
		if (info->offset & (align - 1))
			return -XEN_ENXIO;
		if (registered)
			return -XEN_EINVAL;
	}
	if (!gfn_ok || !gmem_ptr(&env->mem, ga, sizeof(struct vcpu_info)))
		return -XEN_EINVAL;
	*gpa = ga;
	return 0;
}

/*
 * As Xen does on success: carry over the old vcpu_info (the shared_info
 * slot), then mark every event-channel word pending and an upcall due, so
 * the guest rescans after the move.
 */
static void vcpu_info_populate(struct hcall_env *env, uint32_t vcpu,
			       bool longmode, uint64_t gpa)
{
	uint8_t *vi = gmem_ptr(&env->mem, gpa, sizeof(struct vcpu_info));
	const uint8_t *old = NULL;

	if (env->st.shinfo_mapped && !(env->st.shinfo_gfn >> 52))
		old = gmem_ptr(&env->mem, (env->st.shinfo_gfn << 12) +
			       vcpu * sizeof(struct vcpu_info),
			       sizeof(struct vcpu_info));
	if (old && old != vi)
		memmove(vi, old, sizeof(struct vcpu_info));
	if (longmode)
		memset(vi + offsetof(struct vcpu_info_x86_64, evtchn_pending_sel),
		       0xff, 8);
	else
		memset(vi + offsetof(struct vcpu_info_x86_32, evtchn_pending_sel),
		       0xff, 4);
	vi[offsetof(struct vcpu_info_x86_64, evtchn_upcall_pending)] = 1;
}

static int64_t register_vcpu_info(struct hcall_env *env, const struct hcall *c,
				  uint32_t vcpuid, uint64_t arg,
				  struct hcall_res *res)
{
	struct vcpu_register_vcpu_info info;
	uint64_t gpa = 0;
	int64_t ret;

	if (gva_read(env, res, arg, &info, sizeof(info))) {
		hcall_describe(res, "vcpu_op(register_vcpu_info, %u, arg %#llx)",
			       vcpuid, (unsigned long long)arg);
		return -XEN_EFAULT;
	}
	hcall_describe(res, "vcpu_op(register_vcpu_info, %u, mfn %#llx offset %#x%s)",
		       vcpuid, (unsigned long long)info.mfn, info.offset,
		       info.rsvd ? " rsvd set" : "");
	ret = vcpu_info_checks(env, vcpuid, c->longmode, &info, &gpa);
	if (ret)
		return ret;
	ret = hc_vcpu_set_gpa(env, res, vcpuid,
			      KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO, gpa);
	if (ret) {
		hcall_note(res, "Xen would accept it");
		return ret == -EFAULT ? -XEN_EFAULT : -XEN_EINVAL;
	}
	hcall_vcpu(env, vcpuid)->vcpu_info_registered = true;
	hcall_vcpu(env, vcpuid)->vcpu_info_gpa = gpa;
	vcpu_info_populate(env, vcpuid, c->longmode, gpa);
	return 0;
}

/*
 * Whether Xen would call the vCPU up: HVM vCPUs other than 0 start down
 * and come up through the LAPIC's INIT-SIPI, which KVM runs in the kernel;
 * its mp_state says how far that went.
 */
static int vcpu_is_up(struct hcall_env *env, struct hcall_res *res,
		      uint32_t vcpuid)
{
	uint32_t mp = 0;
	int ret;

	if (!env->ops->get_mp_state)
		return 1;
	ret = env->ops->get_mp_state(hcall_vcpu_ctx(env, vcpuid), &mp);
	hcall_note(res, "KVM_GET_MP_STATE = %s (%u)", host_errno_name(ret),
		   mp);
	if (ret)
		return ret;
	return mp != KVM_MP_STATE_UNINITIALIZED &&
	       mp != KVM_MP_STATE_INIT_RECEIVED;
}

/*
 * VCPUOP_is_up, VCPUOP_up and VCPUOP_down.  Xen's VCPUOP_up wants a vCPU
 * that was initialised (for HVM: started by INIT-SIPI or VCPUOP_initialise)
 * and wakes it if VCPUOP_down had put it down.  KVM has no way to hold a
 * started vCPU down that the VMM could use here, so VCPUOP_down is left
 * unimplemented; up then has nothing to undo.
 */
static int64_t vcpu_updown(struct hcall_env *env, uint32_t cmd,
			   uint32_t vcpuid, struct hcall_res *res)
{
	int up;

	hcall_describe(res, "vcpu_op(%s, %u)",
		       cmd == VCPUOP_is_up ? "is_up" :
		       cmd == VCPUOP_up ? "up" : "down", vcpuid);
	if (cmd == VCPUOP_down) {
		hcall_note(res, "KVM cannot hold a vCPU down; Xen would");
		return -XEN_ENOSYS;
	}
	up = vcpu_is_up(env, res, vcpuid);
	if (up < 0)
		return -XEN_EINVAL;
	if (cmd == VCPUOP_is_up)
		return up;
	/* Never initialised: Xen's -EINVAL. */
	return up ? 0 : -XEN_EINVAL;
}

/* vcpu_op(int cmd, unsigned int vcpuid, void *arg) */
int64_t do_vcpu_op(struct hcall_env *env, const struct hcall *c,
		   const uint64_t *p, struct hcall_res *res)
{
	uint32_t cmd = p[0], vcpuid = p[1];
	uint64_t arg = p[2];
	const char *name = vcpu_op_name(cmd);

	/*
	 * Xen's hvm_vcpu_op() refuses a command an HVM guest may not use
	 * before do_vcpu_op() looks at the vCPU id.
	 */
	if (!hvm_vcpu_op_allowed(cmd)) {
		hcall_describe(res, "vcpu_op(%u, %u, %#llx)", cmd, vcpuid,
			       (unsigned long long)arg);
		return -XEN_ENOSYS;
	}
	/* Xen's answer for an id the domain has no vCPU for. */
	if (!hcall_vcpu_exists(env, vcpuid)) {
		if (name)
			hcall_describe(res, "vcpu_op(%s, %u, %#llx)", name,
				       vcpuid, (unsigned long long)arg);
		else
			hcall_describe(res, "vcpu_op(%u, %u, %#llx)", cmd,
				       vcpuid, (unsigned long long)arg);
		return -XEN_ENOENT;
	}
	switch (cmd) {
	case VCPUOP_is_up:
	case VCPUOP_up:
	case VCPUOP_down:
		return vcpu_updown(env, cmd, vcpuid, res);
	case VCPUOP_get_runstate_info:
		return get_runstate(env, c, vcpuid, arg, res);
	case VCPUOP_register_runstate_memory_area:
		return register_runstate(env, c, vcpuid, arg, res);
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(env, c, vcpuid, arg, res);
	case VCPUOP_register_vcpu_time_memory_area:
		return register_time_area(env, c, vcpuid, arg, res);
	case VCPUOP_set_periodic_timer:
	case VCPUOP_stop_periodic_timer:
	case VCPUOP_set_singleshot_timer:
	case VCPUOP_stop_singleshot_timer:
		return vcpu_timer_op(env, c, cmd, vcpuid, arg, res);
	default:
		hcall_describe(res, "vcpu_op(%u, %u, %#llx)", cmd, vcpuid,
			       (unsigned long long)arg);
		return -XEN_ENOSYS;
	}
}
