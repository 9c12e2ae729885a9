// SPDX-License-Identifier: GPL-2.0
/*
 * smp-flip: for about two seconds vCPU 1 rewrites the hypercall-page MSR
 * (from the build's own mode, so the word-size latch stays what it is but
 * KVM rewrites the page and re-latches) and re-registers its runstate and
 * time areas, alternating between two places, and sends vCPU 0 an IPI
 * each round; vCPU 0 meanwhile runs its singleshot timer, re-armed 3 ms
 * ahead each time it fires, and takes both on its per-vCPU upcall vector.
 *
 * Xen: every IPI and every timer expiry is one event on vCPU 0, none on
 * vCPU 1, no timer event before its deadline or lost; every area is valid
 * for its owner the moment its registration returns (version even and the
 * clock not behind the last one, give or take RS_CLOCK_SLACK_NS; running, bit 63 clear, #11, #12, and its
 * state_entry_time not after the Xen clock, give or take the rig's
 * RS_CLOCK_SLACK_NS: KVM keeps the runstate in get_kvmclock_ns() and
 * publishes the pvclock per vCPU, a few ms apart on an emulated host).
 */
#include <stddef.h>
#include <stdint.h>
#include "apic.h"
#include "case.h"
#include "compiler.h"
#include "div64.h"
#include "evtchn.h"
#include "ktap.h"
#include "processor.h"
#include "pvclock.h"
#include "rs_common.h"
#include "runstate.h"
#include "smp.h"
#include "smp_evtchn.h"
#include "string.h"
#include "wordsize.h"
#include "xen.h"
#include "xen_ops.h"

#define MS		1000000ull
#define FLIP_MS		2000	/* how long vCPU 1 flips */
#define TIMER_AHEAD	(3 * MS)
#define LATE		(2000 * MS)	/* an event later than this is lost */
#define IPI_WAIT	(500 * MS)

static uint8_t shinfo_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t vi_page[SMP_MAX_CPUS][PAGE_SIZE] __aligned(PAGE_SIZE);
static struct vcpu_time_info time0 __aligned(64);
/* vCPU 1's two places for each area */
static struct {
	struct vcpu_time_info time __aligned(64);
	uint8_t runstate[64] __aligned(64);
} alt[2] __aligned(PAGE_SIZE);
static struct vcpu_time_info *volatile time1;

static uint64_t clock0(void)
{
	return pvclock_read_ns(&time0);
}

static uint64_t clock1(void)
{
	return pvclock_read_ns(time1);
}

static void check(const char *name, long got, long want)
{
	if (!report(got == want, "%s", name))
		report_info("%s: got %ld, want %ld", name, got, want);
}

static struct {
	uint32_t p0;
	/* the flips */
	unsigned int rounds, msr_faults, reg_errors, bad_time, bad_runstate;
	unsigned int sent, lost;
	uint64_t last_clock;
	struct rs_snapshot bad;	/* the first bad runstate snapshot */
	uint32_t bad_version;	/* and time area */
	uint64_t bad_clock, bad_last;
	uint64_t bad_now;
} ap;

static volatile bool flipping;

/* The owner's look at an area it just registered. */
static void ap_check_areas(unsigned int k)
{
	const uint8_t *rs = alt[k].runstate;
	struct rs_snapshot s;
	uint64_t now;

	time1 = &alt[k].time;
	now = clock1();
	if (!alt[k].time.version || (alt[k].time.version & 1) ||
	    now + RS_CLOCK_SLACK_NS < ap.last_clock) {
		if (!ap.bad_time++) {
			ap.bad_version = alt[k].time.version;
			ap.bad_clock = now;
			ap.bad_last = ap.last_clock;
		}
	}
	ap.last_clock = now;
	runstate_read(rs, rs_layout_native(), &s);
	if (s.state != RUNSTATE_running || s.update ||
	    s.entry > now + RS_CLOCK_SLACK_NS) {
		if (!ap.bad_runstate++) {
			ap.bad = s;
			ap.bad_now = now;
		}
	}
}

static void ap_flip(void *arg)
{
	volatile struct evtchn_cpu_seen *seen0 = &evtchn_cpu_seen[0];
	uint64_t end, va, wait;
	unsigned int k, before;

	end = clock1() + FLIP_MS * MS;
	ap.last_clock = 0;
	while (clock1() < end) {
		k = ap.rounds & 1;
		/* The latch, from this build's mode: same word size, page refilled. */
		wrmsr(ws_msr(), (uintptr_t)hypercall_page);
		va = (uintptr_t)alt[k].runstate;
		if (xen_vcpu_op(VCPUOP_register_runstate_memory_area, 1, &va))
			ap.reg_errors++;
		va = (uintptr_t)&alt[k].time;
		if (xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 1, &va))
			ap.reg_errors++;
		ap_check_areas(k);
		/* One IPI, taken before the next. */
		before = seen0->count[ap.p0];
		if (evtchn_send(ap.p0))
			ap.lost++;
		ap.sent++;
		wait = clock1() + IPI_WAIT;
		while (seen0->count[ap.p0] == before && clock1() < wait)
			cpu_relax();
		if (seen0->count[ap.p0] == before)
			ap.lost++;
		ap.rounds++;
	}
	__atomic_store_n(&flipping, false, __ATOMIC_RELEASE);
}

/* vCPU 0's side: its timer, re-armed each time it fires. */
static struct {
	unsigned int armed, fired, early, late;
	uint64_t worst;
} tm;

static void run_timer(uint32_t timer)
{
	volatile struct evtchn_cpu_seen *seen0 = &evtchn_cpu_seen[0];
	uint64_t deadline, now;
	unsigned int before;

	while (__atomic_load_n(&flipping, __ATOMIC_ACQUIRE)) {
		before = seen0->count[timer];
		deadline = clock0() + TIMER_AHEAD;
		if (xen_set_timer_op(deadline))
			break;
		tm.armed++;
		while (seen0->count[timer] == before &&
		       clock0() < deadline + LATE)
			apic_sleep_ms(1);
		now = clock0();
		if (seen0->count[timer] == before) {
			tm.late++;
			continue;
		}
		tm.fired += seen0->count[timer] - before;
		if (now < deadline)
			tm.early++;
		else if (now - deadline > tm.worst)
			tm.worst = now - deadline;
	}
}

static void case_smp_flip(const struct guest_config *cfg)
{
	volatile struct evtchn_cpu_seen *seen0 = &evtchn_cpu_seen[0];
	volatile struct evtchn_cpu_seen *seen1 = &evtchn_cpu_seen[1];
	uint64_t worst_us;
	uint32_t p0, timer;
	unsigned int i;
	long ret;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	if (!evtchn_setup_pages(shinfo_page, vi_page[0]))
		return;
	if (!smp_evtchn_start(&time0, vi_page[1], &alt[0].time))
		return;
	time1 = &alt[0].time;
	apic_sleep_ms(100);
	evtchn_clear_all();
	ret = evtchn_bind_ipi(0, &p0);
	ret |= evtchn_bind_virq(VIRQ_TIMER, 0, &timer);
	if (!report_need(!ret && p0 < EVTCHN_CPU_TRACKED &&
			 timer < EVTCHN_CPU_TRACKED, "bind_ipi or bind_virq failed",
			 "ports_bound"))
		return;
	ap.p0 = p0;
	memset((void *)evtchn_cpu_seen, 0,
	       SMP_MAX_CPUS * sizeof(evtchn_cpu_seen[0]));

	flipping = true;
	if (!report_need(smp_call(ap_flip, NULL), "vCPU 1 is busy", "flip_started"))
		return;
	run_timer(timer);
	if (!report_need(smp_wait(FLIP_MS * 2), "vCPU 1 did not finish",
			 "flip_finished"))
		return;
	/* Nothing more may come. */
	for (i = 0; i < 100; i++)
		apic_sleep_ms(1);

	worst_us = tm.worst;
	do_div(worst_us, 1000);
	report_info("vCPU 1: %u rounds, %u IPIs; vCPU 0: %u timers armed, %u fired, worst %llu us late",
		    ap.rounds, ap.sent, tm.armed, tm.fired,
		    (unsigned long long)worst_us);
	report_need(ap.rounds > 10 && tm.armed > 10, "too few rounds to tell",
		    "flip_rounds");
	check("flip_msr_rewrites_no_fault", ap.msr_faults, 0);
	check("flip_reregistrations_return_zero", ap.reg_errors, 0);
	xabi(75);
	check("flip_time_area_valid_for_owner", ap.bad_time, 0);
	if (ap.bad_time)
		report_info("first: version %u, clock %llu after %llu",
			    ap.bad_version, (unsigned long long)ap.bad_clock,
			    (unsigned long long)ap.bad_last);
	xabi(12);
	check("flip_runstate_area_valid_for_owner", ap.bad_runstate, 0);
	if (ap.bad_runstate)
		report_info("first: state %d, bit 63 %d, entry %llu, clock %llu",
			    ap.bad.state, ap.bad.update,
			    (unsigned long long)ap.bad.entry,
			    (unsigned long long)ap.bad_now);
	check("flip_ipis_none_lost", ap.lost, 0);
	check("flip_ipis_taken_once_on_vcpu0", seen0->count[p0], ap.sent);
	check("flip_ipis_none_on_vcpu1", seen1->count[p0], 0);
	check("flip_timer_none_lost", tm.late, 0);
	check("flip_timer_none_early", tm.early, 0);
	check("flip_timer_once_per_arm", tm.fired, tm.armed);
	check("flip_timer_none_on_vcpu1", seen1->count[timer], 0);
}

DEFINE_CASE("smp-flip", case_smp_flip);
