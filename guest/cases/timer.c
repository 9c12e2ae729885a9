// SPDX-License-Identifier: GPL-2.0
/*
 * timer: Xen's singleshot timer and set_timer_op as KVM runs them in the
 * kernel once VIRQ_TIMER is bound (the VMM hands the port to KVM's TIMER
 * attribute), in the guest's own word size: the event-channel reference's
 * assertions 58-64.
 *
 * Every event is measured against the Xen clock (a registered
 * vcpu_time_info, which KVM writes fresh at its registration): it must
 * not come before its deadline, and must come within SLACK of it.  The
 * vCPU waits with interrupts off but in HLT, where the APIC timer wakes it
 * every millisecond to look at the port's pending bit; no upcall is set up,
 * so an event only sets pending.  Every check stops the timer and clears
 * the event state when it is done, so that none leaks into the next.
 *
 * Run it with the VMM's kvmclock started past 2^32 ns (vmm --clock): then
 * a 32-bit set_timer_op deadline needs its high half in ECX (#63).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "case.h"
#include "compiler.h"
#include "evtchn.h"
#include "ktap.h"
#include "pvclock.h"
#include "rs_common.h"
#include "runstate.h"
#include "string.h"
#include "xen.h"
#include "xen_ops.h"

#define MS		1000000ull
/* TCG on a loaded machine: an event this late is lost, not slow. */
#define SLACK		(500 * MS)
/* How long a timer that must not fire is watched. */
#define QUIET		(200 * MS)

static volatile struct vcpu_info *vi;
static uint32_t port;
/* The clock: KVM writes it with vcpu_info.time, at the same updates. */
static struct vcpu_time_info clock_area __aligned(64);
static uint64_t clock_va;
static bool timer_clock_lags;

static uint64_t now(void)
{
	return pvclock_read_ns(&clock_area);
}

static void check(const char *name, long got, long want)
{
	if (!report(got == want, "%s", name))
		report_info("%s: got %ld, want %ld", name, got, want);
}

static long singleshot_at(unsigned int vcpu, void *arg)
{
	return xen_vcpu_op(VCPUOP_set_singleshot_timer, vcpu, arg);
}

static long singleshot(unsigned int vcpu, uint64_t when, uint32_t flags)
{
	struct vcpu_set_singleshot_timer t = {
		.timeout_abs_ns = when, .flags = flags,
	};

	return singleshot_at(vcpu, &t);
}

static long stop_singleshot(unsigned int vcpu)
{
	return xen_vcpu_op(VCPUOP_stop_singleshot_timer, vcpu, NULL);
}

/* No timer left running, no event left pending. */
static void reset(void)
{
	stop_singleshot(0);
	xen_set_timer_op(0);
	evtchn_clear_all();
}

/*
 * The event of a timer due at @deadline: not early, and within SLACK.
 * With KVM's timer clock behind the Xen clock (clock_check()) every
 * event is late by that much: the one check says so, these are skipped.
 */
static void on_time(const char *name, uint64_t deadline)
{
	uint64_t when;
	bool got;

	if (timer_clock_lags) {
		report_skip("KVM's timer clock lags the Xen clock (singleshot_1ms_past_fires_at_once)",
			    "%s", name);
		return;
	}
	got = evtchn_wait(port, now, deadline + SLACK, &when);

	if (!report(got && when >= deadline, "%s", name)) {
		if (got)
			report_info("%s: pending %llu ns before its deadline",
				    name, (unsigned long long)(deadline - when));
		else
			report_info("%s: nothing %llu ns after the deadline",
				    name, (unsigned long long)(when - deadline));
	}
}

/*
 * #59 at its edge: a deadline 1 ms behind the Xen clock has passed, so
 * the event is pending on return.  KVM converts the deadline with the
 * guest TSC it computes for the vCPU; on the rig's TCG host the TSC the
 * guest reads now and then runs seconds ahead of that (the pvclock says
 * tsc_timestamp 0 just after the vCPU was made, and RDTSC reads seconds'
 * worth), so the guest's clock is ahead of KVM's, the deadline still
 * ahead for KVM, and every timer of that VM fires late by the difference,
 * which is measured here.
 */
static void clock_check(void)
{
	uint64_t start, when;
	bool got;

	reset();
	start = now();
	singleshot(0, start - MS, 0);
	xabi(59);
	if (report(evtchn_pending(port), "singleshot_1ms_past_fires_at_once")) {
		reset();
		return;
	}
	timer_clock_lags = true;
	report_info("RDTSC %llu; the clock's tsc_timestamp %llu at %llu ns",
		    (unsigned long long)rdtsc(),
		    (unsigned long long)clock_area.tsc_timestamp,
		    (unsigned long long)clock_area.system_time);
	got = evtchn_wait(port, now, start + 10000 * MS, &when);
	if (got)
		report_info("the timer due 1 ms in the past fired %llu ns later",
			    (unsigned long long)(when - start));
	else
		report_info("the timer due 1 ms in the past did not fire in 10 s");
	reset();
}

/* No event until @until. */
static void quiet(const char *name, uint64_t until)
{
	uint64_t start = now(), when;

	if (!report(!evtchn_wait(port, now, until, &when), "%s", name))
		report_info("%s: pending %llu ns after the watch began",
			    name, (unsigned long long)(when - start));
}

/*
 * #58: the 12-byte compat structure (Xen's compat_vcpu_op copies just
 * that) ends on the last byte of RAM, so the 16-byte native one would run
 * 4 bytes past it: 0 for a 32-bit caller, -EFAULT for a 64-bit one, whose
 * padding Xen copies too.
 */
static void struct_size(void)
{
	uint64_t end = ram_end(), deadline;
	uint8_t *arg;
	long ret;

	if (!end) {
		report_error("no usable multiboot memory information",
			     "singleshot_struct_at_ram_end");
		return;
	}
	arg = (uint8_t *)(unsigned long)(end - 12);
	reset();
	deadline = now() + 20 * MS;
	memcpy(arg, &deadline, 8);
	memset(arg + 8, 0, 4);
	ret = singleshot_at(0, arg);
	xabi(58);
	if (guest_is_64bit()) {
		check("singleshot_padding_past_ram_efault", ret, -XEN_EFAULT);
		xabi(58);
		quiet("singleshot_efault_arms_nothing", deadline + SLACK);
	} else {
		check("singleshot_12_bytes_at_ram_end_zero", ret, 0);
		xabi(58);
		on_time("singleshot_12_bytes_at_ram_end_on_time", deadline);
	}
	reset();
	deadline = now() + 20 * MS;
	xabi(58);
	check("singleshot_20ms_returns_zero", singleshot(0, deadline, 0), 0);
	xabi(58);
	on_time("singleshot_20ms_on_time", deadline);
	reset();
}

/* #59, #60: a deadline in the past fires before the hypercall returns. */
static void past(const struct guest_config *cfg)
{
	/*
	 * Xen before 4.17.3 refused a past deadline with the flag
	 * (-ETIME, no event); 4.17.3 and 4.18 ignore the flag.  xenver=4.17
	 * stands for the last 4.17 release, as the VMM's own timer does.
	 */
	bool ignores_future = cfg->xen_major > 4 ||
			      (cfg->xen_major == 4 && cfg->xen_minor >= 17);
	long ret;

	reset();
	ret = singleshot(0, 1, 0);
	xabi(59);
	check("singleshot_past_returns_zero", ret, 0);
	xabi(59);
	report(evtchn_pending(port), "singleshot_past_pending_on_return");

	reset();
	ret = singleshot(0, 1, VCPU_SSHOTTMR_future);
	xabi(60);
	check("singleshot_past_future_flag_result", ret,
	      ignores_future ? 0 : -XEN_ETIME);
	xabi(60);
	if (!report(evtchn_pending(port) == ignores_future,
		    "singleshot_past_future_flag_event"))
		report_info("pending %d for Xen %u.%u", evtchn_pending(port),
			    cfg->xen_major, cfg->xen_minor);
	reset();
}

/*
 * #61: a vCPU the domain does not have is -ENOENT (do_vcpu_op checks the id
 * first), vCPU 1 as much as 1000, for both commands; and the call leaves
 * the caller's own timer alone.  KVM answers -EINVAL for any id but the
 * caller's.
 */
static void other_vcpu(void)
{
	uint64_t deadline;

	reset();
	deadline = now() + 50 * MS;
	check("singleshot_own_50ms_returns_zero", singleshot(0, deadline, 0), 0);
	xabi(61);
	check("singleshot_missing_vcpu_enoent",
	      singleshot(1000, now() + 10 * MS, 0), -XEN_ENOENT);
	xabi(61);
	check("stop_singleshot_missing_vcpu_enoent", stop_singleshot(1000),
	      -XEN_ENOENT);
	xabi(61);
	check("singleshot_vcpu_1_enoent", singleshot(1, now() + 10 * MS, 0),
	      -XEN_ENOENT);
	xabi(61);
	check("stop_singleshot_vcpu_1_enoent", stop_singleshot(1), -XEN_ENOENT);
	xabi(61);
	on_time("other_vcpu_calls_keep_own_timer", deadline);
	reset();
}

/*
 * A timer armed 20 ms ahead and then stopped or replaced says something
 * only if the stop came before the 20 ms were up: a vCPU preempted in
 * between on a loaded host sees a deadline that has passed, which fires
 * in either hypervisor.  Such a round is done again, up to ROUNDS times.
 */
#define ROUNDS	5

/* #62: stop, re-arm, set_timer_op(0), and one event per expiry. */
static void lifecycle(void)
{
	uint64_t start, deadline, when;
	bool held, fired;
	unsigned int i;
	long ret = 0;

	for (i = 0; i < ROUNDS; i++) {
		reset();
		start = now();
		singleshot(0, start + 20 * MS, 0);
		ret = stop_singleshot(0);
		if (now() < start + 20 * MS)
			break;
	}
	xabi(62);
	check("stop_singleshot_returns_zero", ret, 0);
	xabi(62);
	quiet("stop_singleshot_cancels", start + 100 * MS);

	/*
	 * The re-armed timer is due at 200 ms: a watch that the host held
	 * past its 100 ms may see that one, which says nothing either.
	 */
	for (i = 0; i < ROUNDS; i++) {
		reset();
		start = now();
		singleshot(0, start + 20 * MS, 0);
		deadline = start + 200 * MS;
		ret = singleshot(0, deadline, 0);
		held = now() >= start + 20 * MS;
		fired = evtchn_wait(port, now, start + 100 * MS, &when);
		held |= fired && when >= start + 100 * MS;
		if (!held)
			break;
	}
	check("singleshot_rearm_returns_zero", ret, 0);
	xabi(62);
	if (!report(!fired, "singleshot_rearm_replaces_first"))
		report_info("singleshot_rearm_replaces_first: pending %llu ns after the re-arm",
			    (unsigned long long)(when - start));
	xabi(62);
	on_time("singleshot_rearm_on_time", deadline);

	for (i = 0; i < ROUNDS; i++) {
		reset();
		start = now();
		xen_set_timer_op(start + 20 * MS);
		ret = xen_set_timer_op(0);
		if (now() < start + 20 * MS)
			break;
	}
	xabi(62);
	check("set_timer_op_zero_returns_zero", ret, 0);
	xabi(62);
	quiet("set_timer_op_zero_cancels", start + 100 * MS);

	reset();
	deadline = now() + 20 * MS;
	singleshot(0, deadline, 0);
	on_time("singleshot_first_expiry", deadline);
	evtchn_clear_all();
	xabi(62);
	quiet("singleshot_fires_once", now() + 100 * MS);
	reset();
}

/*
 * #63: the whole 64-bit deadline, which a 32-bit caller passes in EBX (low)
 * and ECX (high).  2^32 ns past a deadline is a different deadline; and
 * with the clock past 2^32 ns, a deadline 20 ms ahead without its high half
 * would be long past.
 */
static void high_half(void)
{
	uint64_t start, deadline;

	reset();
	start = now();
	xabi(63);
	check("set_timer_op_2_32_ahead_returns_zero",
	      xen_set_timer_op(start + (1ull << 32) + 20 * MS), 0);
	xabi(63);
	quiet("set_timer_op_2_32_ahead_waits", start + QUIET);

	reset();
	start = now();
	if (start < (1ull << 32) + 20 * MS) {
		xabi(63);
		report_skip("the Xen clock is below 2^32 ns (vmm --clock)",
			    "set_timer_op_high_half_on_time");
		return;
	}
	deadline = start + 20 * MS;
	check("set_timer_op_20ms_returns_zero", xen_set_timer_op(deadline), 0);
	xabi(63);
	on_time("set_timer_op_high_half_on_time", deadline);
	reset();
}

/*
 * #64: set_timer_op's Linux workaround (a negative deadline, or one more
 * than 2^50 ns ahead, is 100 ms from now); the singleshot has none.
 */
static void linux_workaround(void)
{
	uint64_t start;

	reset();
	start = now();
	check("set_timer_op_negative_returns_zero",
	      xen_set_timer_op(start | 1ull << 63), 0);
	xabi(64);
	on_time("set_timer_op_negative_in_100ms", start + 100 * MS);

	/*
	 * Both hypervisors measure "more than 2^50 ns ahead" from their own
	 * now at the hypercall, so the deadline leaves a second for the time
	 * an emulated host takes to get there: 1 ms was seen to run out.
	 */
	reset();
	start = now();
	check("set_timer_op_2_50_ahead_returns_zero",
	      xen_set_timer_op(start + (1ull << 50) + 1000 * MS), 0);
	xabi(64);
	on_time("set_timer_op_2_50_ahead_in_100ms", start + 100 * MS);

	reset();
	start = now();
	check("singleshot_2_51_ahead_returns_zero",
	      singleshot(0, start + (1ull << 51), 0), 0);
	xabi(64);
	quiet("singleshot_2_51_ahead_kept", start + QUIET);
	reset();
}

static void case_timer(const struct guest_config *cfg)
{
	struct shared_info *sh;
	long ret;

	clock_va = (unsigned long)&clock_area;

	_Static_assert(sizeof(struct vcpu_set_singleshot_timer) ==
		       (sizeof(long) == 8 ? 16 : 12), "singleshot argument");

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	ret = xen_shared_info_setup();
	if (!report_need(ret == 0, "shared_info or vcpu_info could not be set up",
			 "shared_info_setup"))
		return;
	sh = xen_shared_info();
	vi = &sh->vcpu_info[0];
	evtchn_attach(sh, (void *)vi, evtchn_own_layout());
	ret = xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &clock_va);
	if (!report_need(ret == 0 && now() != 0,
			 "the vcpu_time_info area could not be registered",
			 "time_area"))
		return;
	report_info("Xen clock %llu ns; in vcpu_info.time %llu ns",
		    (unsigned long long)now(),
		    (unsigned long long)pvclock_read_ns(&vi->time));
	/* with shared_info there, the VMM gives the port to KVM's timer */
	ret = evtchn_bind_virq(VIRQ_TIMER, 0, &port);
	if (!report(ret == 0, "bind_virq_timer")) {
		report_info("bind_virq(VIRQ_TIMER) returned %ld", ret);
		return;
	}

	clock_check();
	struct_size();
	past(cfg);
	other_vcpu();
	lifecycle();
	high_half();
	linux_workaround();
	evtchn_close(port);
}
DEFINE_CASE("timer", case_timer);
