// SPDX-License-Identifier: GPL-2.0
/*
 * set_timer_op, the vcpu_op timer commands and VIRQ_TIMER against a fake
 * KVM: what reaches the VMM while KVM runs no timer for the vCPU, the
 * hand-over to KVM's TIMER attribute, a 32-bit caller's high half, Xen's
 * version-dependent answers, and timers before shared_info exists.
 */
#include <setjmp.h>
#include <stdint.h>	/* the Xen headers need it first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>

#include "evtchn_helpers.h"

#define MS		1000000ull
#define NOW		(5ull << 30 | 12345)	/* past 2^32 ns: 5.4 s */

static int64_t set_timer_op32(struct fixture *f, uint64_t timeout)
{
	/* EBX low, ECX high, garbage above both */
	return hc(f, false, __HYPERVISOR_set_timer_op,
		  HI32 | (uint32_t)timeout, HI32 | timeout >> 32, HI32);
}

static int64_t set_timer_op64(struct fixture *f, uint64_t timeout)
{
	return hc(f, true, __HYPERVISOR_set_timer_op, timeout, 0xdead, 0);
}

static int64_t singleshot(struct fixture *f, bool lm, uint64_t when,
			  uint32_t flags)
{
	struct vcpu_set_singleshot_timer t = {
		.timeout_abs_ns = when, .flags = flags,
	};

	memcpy(f->ram + ARG, &t, sizeof(t));
	return hc(f, lm, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer,
		  0, ARG);
}

static const struct kvm_xen_vcpu_attr *timer_set(struct fixture *f)
{
	return last_vcpu_set(f, KVM_XEN_VCPU_ATTR_TYPE_TIMER);
}

/* ------------------------------------------------------ set_timer_op */

/*
 * A 32-bit caller's 64-bit timeout is EBX:ECX (compat_set_timer_op): with
 * the clock past 2^32 ns, a deadline 20 ms ahead needs its high half.
 */
static void test_set_timer_op_high_half(void **state)
{
	struct fixture *f = *state;

	f->kvm.clock = NOW;
	assert_int_equal(set_timer_op32(f, NOW + 20 * MS), 0);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, NOW + 20 * MS);
	assert_string_equal(f->line,
		"hcall set_timer_op(5388721465) longmode=0: kept for a VIRQ_TIMER bind -> 0");
	/* 2^32 ns further out stays that far out */
	assert_int_equal(set_timer_op32(f, NOW + (1ull << 32) + 20 * MS), 0);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, NOW + (1ull << 32) + 20 * MS);
	/* a 64-bit caller's is RDI alone */
	assert_int_equal(set_timer_op64(f, NOW + 30 * MS), 0);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, NOW + 30 * MS);
	/* the low half alone would have been long past */
	assert_true((uint32_t)(NOW + 20 * MS) < NOW);
}

static void test_set_timer_op_cases(void **state)
{
	struct fixture *f = *state;

	f->kvm.clock = NOW;
	/* 0 stops it */
	set_timer_op64(f, NOW + MS);
	assert_int_equal(set_timer_op64(f, 0), 0);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, 0);
	assert_int_equal(set_timer_op32(f, 0), 0);
	/* Xen's Linux workaround: negative, or 2^50 ns ahead: in 100 ms */
	assert_int_equal(set_timer_op64(f, 1ull << 63), 0);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, NOW + 100 * MS);
	assert_non_null(strstr(f->line, "huge timeout: in 100 ms"));
	assert_int_equal(set_timer_op32(f, NOW + (1ull << 50) + MS), 0);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, NOW + 100 * MS);
	assert_int_equal(set_timer_op64(f, NOW + (1ull << 50) - 1), 0);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, NOW + (1ull << 50) - 1);
	/* in the past: fires at once, into no port */
	assert_int_equal(set_timer_op64(f, 1), 0);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, 0);
	assert_non_null(strstr(f->line, "no VIRQ_TIMER port: the event is dropped"));
	assert_int_equal(f->kvm.nr_vcpu_set, 0);
	assert_int_equal(f->kvm.nr_sends, 0);
}

/* --------------------------------------------------- singleshot timer */

/* 16 bytes for a 64-bit caller, padding included; 12 for a 32-bit one. */
static void test_singleshot_layout(void **state)
{
	struct fixture *f = *state;
	uint64_t arg = RAM_SIZE - 12;

	f->kvm.clock = NOW;
	put64(f, arg, NOW + 20 * MS);
	put32(f, arg + 8, 0);
	assert_int_equal(hc(f, false, __HYPERVISOR_vcpu_op,
			    VCPUOP_set_singleshot_timer, 0, arg), 0);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, NOW + 20 * MS);
	assert_int_equal(hc(f, true, __HYPERVISOR_vcpu_op,
			    VCPUOP_set_singleshot_timer, 0, arg), -XEN_EFAULT);
	assert_int_equal(hc(f, true, __HYPERVISOR_vcpu_op,
			    VCPUOP_set_singleshot_timer, 0, arg - 4), 0);
	/* another vCPU: -ENOENT before anything is read */
	assert_int_equal(hc(f, true, __HYPERVISOR_vcpu_op,
			    VCPUOP_set_singleshot_timer, 1, RAM_SIZE),
			 -XEN_ENOENT);
	assert_int_equal(hc(f, true, __HYPERVISOR_vcpu_op,
			    VCPUOP_stop_singleshot_timer, 1000, 0), -XEN_ENOENT);
	assert_int_equal(hc(f, false, __HYPERVISOR_vcpu_op,
			    VCPUOP_stop_singleshot_timer, HI32, 0), 0);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, 0);
}

/*
 * A past timeout with VCPU_SSHOTTMR_future: -ETIME before 4.17.3, an
 * event at once since (the flag ignored); without it, an event at once.
 */
static void test_singleshot_future_flag(void **state)
{
	struct fixture *f = *state;

	f->kvm.clock = NOW;
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
	assert_int_equal(map_shinfo(f), 0);
	f->env.st.vcpu[0].timer.in_kvm = false;		/* as if KVM had refused it */

	assert_int_equal(singleshot(f, true, NOW - 1, VCPU_SSHOTTMR_future), 0);
	assert_int_equal(f->kvm.nr_sends, 1);
	assert_int_equal(f->kvm.sends[0].port, 1);
	f->env.xen_minor = 16;
	assert_int_equal(singleshot(f, false, NOW - 1, VCPU_SSHOTTMR_future),
			 -XEN_ETIME);
	assert_int_equal(f->kvm.nr_sends, 1);
	assert_int_equal(singleshot(f, false, NOW - 1, 0), 0);
	assert_int_equal(f->kvm.nr_sends, 2);
	/* a future one is kept either way */
	assert_int_equal(singleshot(f, true, NOW + MS, VCPU_SSHOTTMR_future), 0);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, NOW + MS);
	assert_non_null(strstr(f->line, "KVM has no timer for port 1"));
}

/*
 * Should a timer call reach the VMM while KVM runs the timer (KVM answers
 * them itself then), KVM's timer is what changes; 0 is long past.
 */
static void test_calls_while_kvm_has_timer(void **state)
{
	struct fixture *f = *state;
	const struct kvm_xen_vcpu_attr *t;

	f->kvm.clock = NOW;
	assert_int_equal(singleshot(f, true, 0, 0), 0);
	assert_non_null(strstr(f->line, "no VIRQ_TIMER port"));
	assert_int_equal(map_shinfo(f), 0);
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
	assert_int_equal(singleshot(f, true, NOW + MS, 0), 0);
	t = timer_set(f);
	assert_int_equal(t->u.timer.port, 1);
	assert_int_equal(t->u.timer.expires_ns, NOW + MS);
	assert_int_equal(hc(f, true, __HYPERVISOR_vcpu_op,
			    VCPUOP_stop_singleshot_timer, 0, 0), 0);
	t = timer_set(f);
	assert_int_equal(t->u.timer.port, 1);
	assert_int_equal(t->u.timer.expires_ns, 0);
	assert_int_equal(singleshot(f, false, 0, 0), 0);
	assert_int_equal(f->kvm.nr_sends, 1);
	assert_int_equal(f->kvm.sends[0].port, 1);
	assert_int_equal(set_timer_op64(f, NOW + 2 * MS), 0);
	assert_int_equal(timer_set(f)->u.timer.expires_ns, NOW + 2 * MS);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, 0);
}

/* ------------------------------------------------ hand-over to KVM */

/*
 * Xen's timer runs with no port bound and fires into whatever is bound at
 * expiry: an expiry set before the bind is KVM's at the bind; one that
 * has passed was dropped.
 */
static void test_bind_carries_expiry(void **state)
{
	struct fixture *f = *state;
	const struct kvm_xen_vcpu_attr *t;

	f->kvm.clock = NOW;
	assert_int_equal(map_shinfo(f), 0);
	assert_int_equal(singleshot(f, true, NOW + 50 * MS, 0), 0);
	f->kvm.clock = NOW + 10 * MS;
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
	t = timer_set(f);
	assert_non_null(t);
	assert_int_equal(t->u.timer.port, 1);
	assert_int_equal(t->u.timer.priority,
			 KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL);
	assert_int_equal(t->u.timer.expires_ns, NOW + 50 * MS);
	assert_true(f->env.st.vcpu[0].timer.in_kvm);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, 0);

	/* closing keeps the running timer (KVM's expiry read back) ... */
	f->kvm.timer.u.timer.expires_ns = NOW + 50 * MS;
	assert_int_equal(port_op(f, EVTCHNOP_close, 1), 0);
	t = timer_set(f);
	assert_int_equal(t->u.timer.port, 0);
	assert_false(f->env.st.vcpu[0].timer.in_kvm);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, NOW + 50 * MS);
	assert_non_null(strstr(f->line,
		"KVM_XEN_VCPU_GET_ATTR(TIMER) = 0, expires 5418721465"));
	/* ... for the next bind, unless it fired meanwhile */
	f->kvm.clock = NOW + 60 * MS;
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
	t = timer_set(f);
	assert_int_equal(t->u.timer.port, 1);
	assert_int_equal(t->u.timer.expires_ns, 0);
	assert_non_null(strstr(f->line, "expired with no port bound"));
}

/* KVM refusing the TIMER attribute: the calls keep coming to the VMM. */
static void test_bind_timer_refused(void **state)
{
	struct fixture *f = *state;

	f->kvm.vcpu_set_ret[KVM_XEN_VCPU_ATTR_TYPE_TIMER] = -EINVAL;
	assert_int_equal(map_shinfo(f), 0);
	assert_int_equal(singleshot(f, true, NOW, 0), 0);
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
	assert_false(f->env.st.vcpu[0].timer.in_kvm);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, NOW);
	assert_non_null(strstr(f->line, "the timer stays with the VMM"));
	/* close: nothing to take back from KVM */
	f->kvm.nr_vcpu_set = 0;
	assert_int_equal(port_op(f, EVTCHNOP_close, 1), 0);
	assert_int_equal(f->kvm.nr_vcpu_set, 0);
}

/*
 * #80: VIRQ_TIMER bound and a past singleshot fired before shared_info is
 * mapped.  On Xen the port is pending once the page is there; KVM must
 * not see the timer before SHARED_INFO (its event would be lost, with a
 * WARN).  The VMM keeps both and hands them over at the mapping.
 */
static void test_timer_before_shinfo(void **state)
{
	struct fixture *f = *state;
	const struct kvm_xen_vcpu_attr *t;

	f->kvm.clock = NOW;
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
	assert_non_null(strstr(f->line, "the timer goes to KVM once shared_info is mapped"));
	assert_int_equal(singleshot(f, false, 1, 0), 0);
	assert_non_null(strstr(f->line, "port 1 pending once shared_info is mapped"));
	assert_int_equal(set_timer_op32(f, NOW + 20 * MS), 0);
	assert_non_null(strstr(f->line, "kept until shared_info is mapped"));
	assert_int_equal(f->kvm.nr_vcpu_set, 0);
	assert_int_equal(f->kvm.nr_sends, 0);

	assert_int_equal(map_shinfo(f), 0);
	t = timer_set(f);
	assert_non_null(t);
	assert_int_equal(t->u.timer.port, 1);
	assert_int_equal(t->u.timer.expires_ns, NOW + 20 * MS);
	assert_int_equal(f->kvm.nr_sends, 1);
	assert_int_equal(f->kvm.sends[0].port, 1);
	assert_true(f->env.st.vcpu[0].timer.in_kvm);
}

/*
 * The hand-over at the mapping reads KVM's timer back: still armed, with
 * the distance to KVM's own clock, which is what shows a vcpu_time_info
 * that runs ahead of KVM's clock; or fired at once; or no answer.
 */
static void test_timer_read_back(void **state)
{
	struct fixture *f = *state;

	f->kvm.clock = NOW;
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
	assert_int_equal(set_timer_op64(f, NOW + 2000 * MS), 0);
	f->kvm.clock = NOW + 50 * MS;
	f->kvm.timer.u.timer.port = 1;
	f->kvm.timer.u.timer.expires_ns = NOW + 2000 * MS;
	assert_int_equal(map_shinfo(f), 0);
	assert_non_null(strstr(f->line,
		"KVM_XEN_VCPU_GET_ATTR(TIMER) = 0: port 1, expires 7368721465, 1950000000 ns after KVM's clock 5418721465"));

	/* a deadline KVM took for past: fired at once */
	assert_int_equal(port_op(f, EVTCHNOP_close, 1), 0);
	f->kvm.timer.u.timer.expires_ns = 0;
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
	assert_non_null(strstr(f->line, "port 1, fired at once"));

	/* no answer: said, and the timer is KVM's all the same */
	assert_int_equal(port_op(f, EVTCHNOP_close, 1), 0);
	f->env.st.vcpu[0].timer.expires = NOW + 2000 * MS;
	f->kvm.get_ret = -EINVAL;
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
	assert_non_null(strstr(f->line, "KVM_XEN_VCPU_GET_ATTR(TIMER) = -EINVAL"));
	assert_true(f->env.st.vcpu[0].timer.in_kvm);
}

/* ------------------------------------------------------ periodic timer */

static int64_t periodic(struct fixture *f, bool lm, uint64_t period)
{
	put64(f, ARG, period);
	return hc(f, lm, __HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0,
		  ARG);
}

static void test_periodic_codes(void **state)
{
	struct fixture *f = *state;

	f->kvm.clock = NOW;
	assert_int_equal(periodic(f, true, MS - 1), -XEN_EINVAL);
	assert_int_equal(periodic(f, false, 0), -XEN_EINVAL);
	assert_int_equal(periodic(f, true, 1ull << 62), -XEN_EINVAL);
	assert_int_equal(hc(f, true, __HYPERVISOR_vcpu_op,
			    VCPUOP_set_periodic_timer, 0, RAM_SIZE - 4),
			 -XEN_EFAULT);
	assert_int_equal(hc(f, true, __HYPERVISOR_vcpu_op,
			    VCPUOP_set_periodic_timer, 3, ARG), -XEN_ENOENT);
	assert_int_equal(f->kvm.nr_periodic, 0);
	/* HVM has none by default: stopping it is always fine (Linux probes) */
	assert_int_equal(hc(f, false, __HYPERVISOR_vcpu_op,
			    VCPUOP_stop_periodic_timer, 0, 0), 0);
	assert_int_equal(f->kvm.nr_periodic, 0);
	assert_int_equal(periodic(f, true, (1ull << 62) - 1), 0);
}

/*
 * Xen's vcpu_periodic_timer_work(): due since the last event (never, at
 * first), it fires at once, then every period.  Its port follows
 * VIRQ_TIMER, and only once shared_info exists.
 */
static void test_periodic_timer(void **state)
{
	struct fixture *f = *state;

	f->kvm.clock = NOW;
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
	assert_int_equal(periodic(f, false, 10 * MS), 0);
	assert_int_equal(f->kvm.nr_periodic, 1);
	assert_int_equal(f->kvm.periodic[0].port, 0);
	assert_int_equal(f->kvm.periodic[0].first, NOW + 10 * MS);
	assert_int_equal(f->kvm.periodic[0].period, 10 * MS);
	assert_true(f->env.st.ports[1].early);
	/* mapped 25 ms later: pending, and the ticks go to the port */
	f->kvm.clock = NOW + 25 * MS;
	assert_int_equal(map_shinfo(f), 0);
	assert_int_equal(f->kvm.nr_periodic, 2);
	assert_int_equal(f->kvm.periodic[1].port, 1);
	assert_int_equal(f->kvm.periodic[1].first, NOW + 30 * MS);
	assert_int_equal(f->kvm.nr_sends, 1);
	/* a shorter period already due since the last tick: at once */
	f->kvm.clock = NOW + 27 * MS;
	assert_int_equal(periodic(f, true, 5 * MS), 0);
	assert_int_equal(f->kvm.nr_sends, 2);
	assert_int_equal(f->kvm.periodic[2].first, NOW + 32 * MS);
	/* a longer one that is not: from the last tick on */
	f->kvm.clock = NOW + 28 * MS;
	assert_int_equal(periodic(f, true, 20 * MS), 0);
	assert_int_equal(f->kvm.nr_sends, 2);
	assert_int_equal(f->kvm.periodic[3].first, NOW + 47 * MS);
	/* closing the port: the timer runs on, into nothing */
	assert_int_equal(port_op(f, EVTCHNOP_close, 1), 0);
	assert_int_equal(f->kvm.periodic[f->kvm.nr_periodic - 1].port, 0);
	assert_int_equal(f->kvm.periodic[f->kvm.nr_periodic - 1].period,
			 20 * MS);
	/* stop */
	assert_int_equal(hc(f, true, __HYPERVISOR_vcpu_op,
			    VCPUOP_stop_periodic_timer, 0, 0), 0);
	assert_int_equal(f->kvm.periodic[f->kvm.nr_periodic - 1].period, 0);
	assert_int_equal(f->env.st.vcpu[0].timer.period, 0);
}

/* ------------------------------------------------------ domain set-up */

static void test_domain_init(void **state)
{
	struct fixture *f = *state;
	struct hcall_res res;

	hcall_domain_init(&f->env, &res);
	assert_int_equal(f->kvm.nr_vcpu_set, 1);
	assert_int_equal(f->kvm.vcpu_set[0].type, KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID);
	assert_int_equal(f->kvm.vcpu_set[0].u.vcpu_id, 0);
	assert_string_equal(res.kvm, "KVM_XEN_VCPU_SET_ATTR(VCPU_ID, 0) = 0");
	/* a KVM without the attribute: not asked */
	f->env.kvm_xen_caps = 0x1f;
	hcall_domain_init(&f->env, &res);
	assert_int_equal(f->kvm.nr_vcpu_set, 1);
	assert_non_null(strstr(res.kvm, "lacks EVTCHN_SEND"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_set_timer_op_high_half),
		T(test_set_timer_op_cases),
		T(test_singleshot_layout),
		T(test_singleshot_future_flag),
		T(test_calls_while_kvm_has_timer),
		T(test_bind_carries_expiry),
		T(test_bind_timer_refused),
		T(test_timer_before_shinfo),
		T(test_timer_read_back),
		T(test_periodic_codes),
		T(test_periodic_timer),
		T(test_domain_init),
	};

	return cmocka_run_group_tests_name("hcall_timer", tests, NULL, NULL);
}
