// SPDX-License-Identifier: GPL-2.0
/*
 * set_timer_op and the vcpu_op timer commands, as far as they reach the
 * VMM, and the hand-over of the vCPU's timer to KVM.
 *
 * KVM runs Xen's singleshot timer in the kernel once the vCPU's TIMER
 * attribute holds a port: set_timer_op and VCPUOP_{set,stop}_singleshot
 * then never exit.  The VMM gives KVM that port when the guest binds
 * VIRQ_TIMER and shared_info exists.  Until then the calls come here.
 * Xen's timer runs whether a port is bound or not and, at expiry, raises
 * whatever port is bound then (or nothing), so the VMM keeps the expiry:
 * a later bind hands it to KVM, an expired one fires at once.
 *
 * KVM has no periodic timer; hcall_ops.periodic_timer runs one outside the
 * guest's vCPU thread.  Times are kvmclock nanoseconds, Xen's system time.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>	/* the Xen headers need it first */

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/vcpu.h>

#include "hcall_priv.h"
#include "kvm_xen_uapi.h"

#define MILLISECS(ms)		((uint64_t)(ms) * 1000000)
/* Xen's STIME_DELTA_MAX: the longest period it accepts. */
#define STIME_DELTA_MAX		(~0ull >> 2)

/* struct vcpu_set_singleshot_timer as a 32-bit guest lays it out. */
struct singleshot_compat {
	uint64_t timeout_abs_ns;
	uint32_t flags;
} __attribute__((packed));

_Static_assert(sizeof(struct singleshot_compat) == 12, "compat singleshot");
_Static_assert(sizeof(struct vcpu_set_singleshot_timer) == 16 &&
	       offsetof(struct vcpu_set_singleshot_timer, flags) == 8,
	       "native singleshot");
_Static_assert(sizeof(struct vcpu_set_periodic_timer) == 8, "periodic");

static uint64_t now_ns(struct hcall_env *env, struct hcall_res *res)
{
	uint64_t ns = 0;
	int ret = env->ops->get_clock(env->ops_ctx, &ns);

	if (ret)
		hcall_note(res, "KVM_GET_CLOCK = %s", host_errno_name(ret));
	return ns;
}

/* Xen's send_timer_event(): VIRQ_TIMER, or nothing when none is bound. */
static void send_timer_event(struct hcall_env *env, struct hcall_res *res,
			     uint32_t vcpu)
{
	uint32_t port = hcall_vcpu(env, vcpu)->virq_port[VIRQ_TIMER];

	if (!port) {
		hcall_note(res, "no VIRQ_TIMER port: the event is dropped");
		return;
	}
	evtchn_raise(env, res, port);
}

/* The port the periodic timer may raise through KVM now, or 0. */
static uint32_t kvm_timer_port(struct hcall_env *env, uint32_t vcpu)
{
	return env->st.shinfo_mapped ?
	       hcall_vcpu(env, vcpu)->virq_port[VIRQ_TIMER] : 0;
}

/* The periodic timer fired at period_last + k * period while nobody looked. */
static uint64_t periodic_catch_up(struct hcall_timer *t, uint64_t now)
{
	uint64_t k;

	if (!t->period || now < t->period_last + t->period)
		return 0;
	k = (now - t->period_last) / t->period;
	t->period_last += k * t->period;
	return k;
}

static void periodic_update(struct hcall_env *env, struct hcall_res *res,
			    uint32_t vcpu)
{
	struct hcall_timer *t = &hcall_vcpu(env, vcpu)->timer;
	uint32_t port = kvm_timer_port(env, vcpu);
	int ret;

	ret = env->ops->periodic_timer(env->ops_ctx, port, hcall_apic_id(vcpu),
				       t->period ? t->period_last + t->period : 0,
				       t->period);
	if (t->period)
		hcall_note(res, "periodic timer: port %u every %llu ns from %llu = %s",
			   port, (unsigned long long)t->period,
			   (unsigned long long)(t->period_last + t->period),
			   host_errno_name(ret));
	else
		hcall_note(res, "periodic timer stopped = %s",
			   host_errno_name(ret));
}

/*
 * What KVM made of the deadline it was just handed: armed, and how far
 * ahead of its own clock, or fired at once.  KVM runs the timer on its
 * kvmclock (KVM_GET_CLOCK) while the guest computed the deadline from the
 * vcpu_time_info KVM publishes, so a deadline that is far further ahead
 * here than the guest asked for shows the two clocks apart (the guest
 * would see its timer late by that much).
 */
static void timer_read_back(struct hcall_env *env, struct hcall_res *res,
			    uint32_t vcpu)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_TIMER };
	uint64_t now;
	int ret;

	ret = env->ops->vcpu_get_attr(hcall_vcpu_ctx(env, vcpu), &a);
	if (ret) {
		hcall_note(res, "KVM_XEN_VCPU_GET_ATTR(TIMER) = %s",
			   host_errno_name(ret));
		return;
	}
	if (!a.u.timer.expires_ns) {
		hcall_note(res, "KVM_XEN_VCPU_GET_ATTR(TIMER) = 0: port %u, fired at once",
			   a.u.timer.port);
		return;
	}
	now = now_ns(env, res);
	hcall_note(res, "KVM_XEN_VCPU_GET_ATTR(TIMER) = 0: port %u, expires %llu, %lld ns after KVM's clock %llu",
		   a.u.timer.port, (unsigned long long)a.u.timer.expires_ns,
		   (long long)(a.u.timer.expires_ns - now),
		   (unsigned long long)now);
}

/*
 * Give KVM the timer on @port with the expiry the VMM kept; KVM fires an
 * expired one at once.
 */
static void timer_to_kvm(struct hcall_env *env, struct hcall_res *res,
			 uint32_t vcpu, uint32_t port)
{
	struct hcall_timer *t = &hcall_vcpu(env, vcpu)->timer;
	struct kvm_xen_vcpu_attr a = {
		.type = KVM_XEN_VCPU_ATTR_TYPE_TIMER,
		.u.timer = {
			.port = port,
			.priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL,
			.expires_ns = t->expires,
		},
	};

	if (hc_vcpu_set(env, res, vcpu, &a)) {
		hcall_note(res, "the timer stays with the VMM, which fires it only when asked again");
		return;
	}
	t->in_kvm = true;
	if (t->expires)
		timer_read_back(env, res, vcpu);
	t->expires = 0;
}

void timer_virq_bound(struct hcall_env *env, struct hcall_res *res,
		      uint32_t vcpu, uint32_t port)
{
	struct hcall_timer *t = &hcall_vcpu(env, vcpu)->timer;
	uint64_t now = now_ns(env, res);

	t->bound_at = now;
	/* It fired while no port was bound: Xen dropped it then. */
	if (t->expires && t->expires <= now) {
		hcall_note(res, "the singleshot timer expired with no port bound");
		t->expires = 0;
	}
	if (env->st.shinfo_mapped)
		timer_to_kvm(env, res, vcpu, port);
	else
		hcall_note(res, "the timer goes to KVM once shared_info is mapped");
	if (t->period) {
		periodic_catch_up(t, now);
		periodic_update(env, res, vcpu);
	}
}

void timer_virq_closed(struct hcall_env *env, struct hcall_res *res,
		       uint32_t vcpu)
{
	struct hcall_timer *t = &hcall_vcpu(env, vcpu)->timer;
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_TIMER };
	int ret;

	if (t->in_kvm) {
		/* Xen's timer keeps running without a port: keep its expiry. */
		ret = env->ops->vcpu_get_attr(hcall_vcpu_ctx(env, vcpu), &a);
		hcall_note(res, "KVM_XEN_VCPU_GET_ATTR(TIMER) = %s, expires %llu",
			   host_errno_name(ret),
			   ret ? 0ull : (unsigned long long)a.u.timer.expires_ns);
		t->expires = ret ? 0 : a.u.timer.expires_ns;
		a = (struct kvm_xen_vcpu_attr){
			.type = KVM_XEN_VCPU_ATTR_TYPE_TIMER,
		};
		hc_vcpu_set(env, res, vcpu, &a);
		t->in_kvm = false;
	}
	if (t->period)
		periodic_update(env, res, vcpu);
}

static void timer_shinfo_mapped_one(struct hcall_env *env,
				    struct hcall_res *res, uint32_t vcpu)
{
	struct hcall_timer *t = &hcall_vcpu(env, vcpu)->timer;
	uint32_t port = hcall_vcpu(env, vcpu)->virq_port[VIRQ_TIMER];
	uint64_t now, before;

	if (!port)
		return;
	if (t->period) {
		/* A tick since the bind would have left the port pending. */
		now = now_ns(env, res);
		before = t->period_last;
		if (periodic_catch_up(t, now) && t->period_last >= t->bound_at &&
		    t->period_last > before && !env->st.ports[port].early)
			evtchn_raise(env, res, port);
		periodic_update(env, res, vcpu);
	}
	if (!t->in_kvm)
		timer_to_kvm(env, res, vcpu, port);
}

void timer_shinfo_mapped(struct hcall_env *env, struct hcall_res *res)
{
	uint32_t vcpu;

	for (vcpu = 0; vcpu < hcall_nr_vcpus(env); vcpu++)
		timer_shinfo_mapped_one(env, res, vcpu);
}

/* Stop the singleshot timer, KVM's should a call reach the VMM anyway. */
static void singleshot_stop(struct hcall_env *env, struct hcall_res *res,
			    uint32_t vcpu)
{
	struct hcall_timer *t = &hcall_vcpu(env, vcpu)->timer;

	t->expires = 0;
	if (t->in_kvm)
		timer_to_kvm(env, res, vcpu,
			     hcall_vcpu(env, vcpu)->virq_port[VIRQ_TIMER]);
}

/*
 * Xen's singleshot timer set to @when: at once if that has passed, which
 * is what set_timer() does with a past expiry and, since 4.17.3, what
 * VCPUOP_set_singleshot_timer does.
 */
static void singleshot_set(struct hcall_env *env, struct hcall_res *res,
			   uint32_t vcpu, uint64_t when, uint64_t now)
{
	struct hcall_timer *t = &hcall_vcpu(env, vcpu)->timer;
	uint32_t port = hcall_vcpu(env, vcpu)->virq_port[VIRQ_TIMER];

	if (when <= now) {
		singleshot_stop(env, res, vcpu);
		send_timer_event(env, res, vcpu);
		return;
	}
	t->expires = when;
	if (t->in_kvm)
		timer_to_kvm(env, res, vcpu, port);
	else if (!port)
		hcall_note(res, "kept for a VIRQ_TIMER bind");
	else if (!env->st.shinfo_mapped)
		hcall_note(res, "kept until shared_info is mapped");
	else
		hcall_note(res, "KVM has no timer for port %u: it will not fire",
			   port);
}

/*
 * set_timer_op(u64 timeout), a 32-bit caller's in EBX (low) and ECX
 * (high): Xen's do_set_timer_op, including its Linux workaround.
 */
int64_t do_set_timer_op(struct hcall_env *env, const struct hcall *c,
			const uint64_t *p, struct hcall_res *res)
{
	uint64_t timeout = c->longmode ? p[0] : p[0] | p[1] << 32;
	uint32_t vcpu = env->caller;
	uint64_t now;
	int64_t offset;

	hcall_describe(res, "set_timer_op(%llu)", (unsigned long long)timeout);
	if (!timeout) {
		singleshot_stop(env, res, vcpu);
		return 0;
	}
	now = now_ns(env, res);
	offset = (int64_t)(timeout - now);
	if ((int64_t)timeout < 0 || (offset > 0 && (uint32_t)(offset >> 50))) {
		hcall_note(res, "huge timeout: in 100 ms");
		singleshot_set(env, res, vcpu, now + MILLISECS(100), now);
		return 0;
	}
	singleshot_set(env, res, vcpu, timeout, now);
	return 0;
}

static int64_t set_singleshot(struct hcall_env *env, const struct hcall *c,
			      uint32_t vcpuid, uint64_t arg,
			      struct hcall_res *res)
{
	struct vcpu_set_singleshot_timer set;
	struct singleshot_compat sc;
	uint64_t now;
	int ret;

	/* The whole structure, padding included, as Xen copies it. */
	if (c->longmode) {
		ret = gva_read(env, res, arg, &set, sizeof(set));
	} else {
		ret = gva_read(env, res, arg, &sc, sizeof(sc));
		set.timeout_abs_ns = sc.timeout_abs_ns;
		set.flags = sc.flags;
	}
	if (ret) {
		hcall_describe(res, "vcpu_op(set_singleshot_timer, %u, arg %#llx)",
			       vcpuid, (unsigned long long)arg);
		return -XEN_EFAULT;
	}
	hcall_describe(res, "vcpu_op(set_singleshot_timer, %u, %llu, flags %#x)",
		       vcpuid, (unsigned long long)set.timeout_abs_ns, set.flags);
	/* Xen's VCPUOP_set_singleshot_timer: only on the calling vCPU. */
	if (vcpuid != env->caller)
		return -XEN_EINVAL;
	now = now_ns(env, res);
	/*
	 * Before 4.17.3 a past timeout with VCPU_SSHOTTMR_future is -ETIME;
	 * since, the flag is ignored.  4.17 is taken as its last release.
	 */
	if (set.timeout_abs_ns < now && (set.flags & VCPU_SSHOTTMR_future) &&
	    !hcall_xen_at_least(env, 4, 17))
		return -XEN_ETIME;
	singleshot_set(env, res, vcpuid, set.timeout_abs_ns, now);
	return 0;
}

static int64_t set_periodic(struct hcall_env *env, uint32_t vcpu,
			    uint64_t arg, struct hcall_res *res)
{
	struct hcall_timer *t = &hcall_vcpu(env, vcpu)->timer;
	struct vcpu_set_periodic_timer set;
	uint64_t now;

	if (gva_read(env, res, arg, &set, sizeof(set))) {
		hcall_describe(res, "vcpu_op(set_periodic_timer, %u, arg %#llx)",
			       vcpu, (unsigned long long)arg);
		return -XEN_EFAULT;
	}
	hcall_describe(res, "vcpu_op(set_periodic_timer, %u, %llu)", vcpu,
		       (unsigned long long)set.period_ns);
	if (set.period_ns < MILLISECS(1) || set.period_ns > STIME_DELTA_MAX)
		return -XEN_EINVAL;
	/* vcpu_periodic_timer_work(): due since the last event, fire now. */
	now = now_ns(env, res);
	periodic_catch_up(t, now);
	t->period = set.period_ns;
	if (now >= t->period_last + t->period) {
		send_timer_event(env, res, vcpu);
		t->period_last = now;
	}
	periodic_update(env, res, vcpu);
	return 0;
}

int64_t vcpu_timer_op(struct hcall_env *env, const struct hcall *c,
		      uint32_t cmd, uint32_t vcpuid, uint64_t arg,
		      struct hcall_res *res)
{
	uint32_t vcpu = vcpuid;
	struct hcall_timer *t = &hcall_vcpu(env, vcpu)->timer;

	switch (cmd) {
	case VCPUOP_set_singleshot_timer:
		return set_singleshot(env, c, vcpuid, arg, res);
	case VCPUOP_stop_singleshot_timer:
		hcall_describe(res, "vcpu_op(stop_singleshot_timer, %u)",
			       vcpuid);
		if (vcpuid != env->caller)
			return -XEN_EINVAL;
		singleshot_stop(env, res, vcpu);
		return 0;
	case VCPUOP_set_periodic_timer:
		return set_periodic(env, vcpuid, arg, res);
	case VCPUOP_stop_periodic_timer:
		hcall_describe(res, "vcpu_op(stop_periodic_timer, %u)", vcpuid);
		if (t->period) {
			periodic_catch_up(t, now_ns(env, res));
			t->period = 0;
			periodic_update(env, res, vcpu);
		}
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}
