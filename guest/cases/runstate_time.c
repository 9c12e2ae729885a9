// SPDX-License-Identifier: GPL-2.0
/*
 * runstate-time: the times in the area against the Xen clock and against
 * halts of known length (#11, #13-#17).  Only lower bounds that the guest
 * caused itself are asserted, because emulation stretches everything else;
 * #17's upper bound on running time is the one exception the reference
 * makes, and it is checked together with the blocked time it implies.
 */
#include "apic.h"
#include "case.h"
#include "ktap.h"
#include "rs_common.h"
#include "string.h"
#include "xen.h"

#define SAMPLES		20
#define HALT_MS		20

static uint8_t area_page[PAGE_SIZE] __aligned(PAGE_SIZE);

/*
 * Halt for @ms by the APIC timer and, when the Xen clock is there, until it
 * too has advanced by @ms: the lower bound then holds in the clock the area
 * is kept in, whatever the timer's rate.
 */
static void halt_at_least(unsigned int ms)
{
	uint64_t start = xen_clock_ns();
	unsigned int extra = 0;

	apic_sleep_ms(ms);
	if (!start)
		return;
	/* Bounded: a clock that stopped must fail checks, not hang the case. */
	while (xen_clock_ns() - start < ms * NSEC_PER_MSEC && extra++ < 10 * ms)
		apic_sleep_ms(1);
}

static void read_area(struct rs_snapshot *s)
{
	runstate_read(area_page, rs_layout_native(), s);
}

/* #11, #13, #14, #15 over a series of reads, some across short halts. */
static void check_samples(bool have_clock)
{
	struct rs_snapshot prev, s;
	unsigned int i, bad_state = 0, bad_order = 0, bad_clock = 0, bad_runnable = 0;
	unsigned int bad_near = 0, bad_sum = 0, halted = 0;
	uint64_t now = 0, clock_entry = 0, t0 = 0;
	char near_why[96] = "", sum_why[96] = "", why[96];

	read_area(&prev);
	rs_invariant(&prev, "first read");
	for (i = 0; i < SAMPLES; i++) {
		bool halt = i % 5 == 4;

		if (halt) {
			t0 = xen_clock_ns();
			halt_at_least(1);
		}
		force_update(0);
		read_area(&s);
		now = xen_clock_ns();

		/*
		 * Only after a halt: Xen changes state (and entry time) on the
		 * wake-up, not on an exit to the VMM.
		 */
		if (have_clock && halt) {
			halted++;
			rs_clock_reference(&s, t0, now);
			if (!rs_entry_near_clock(&s, t0, now, why, sizeof(why)) &&
			    !bad_near++)
				str_copy(near_why, why, sizeof(near_why));
		}
		if (have_clock && !rs_sum_le_clock(&s, why, sizeof(why)) &&
		    !bad_sum++)
			str_copy(sum_why, why, sizeof(sum_why));

		if (!rs_valid(&s) && !bad_state++)
			rs_dump("not running", &s);
		if (!rs_not_backwards(&prev, &s) && !bad_order++) {
			rs_dump("earlier", &prev);
			rs_dump("later", &s);
		}
		if (s.time[RUNSTATE_runnable] < prev.time[RUNSTATE_runnable] &&
		    !bad_runnable++) {
			rs_dump("earlier", &prev);
			rs_dump("later", &s);
		}
		if (have_clock && s.entry > now && !bad_clock++)
			clock_entry = s.entry;
		rs_invariant(&s, "sample");
		prev = s;
	}

	xabi(11);
	if (!report(!bad_state, "time_state_running"))
		report_info("%u of %u reads not running", bad_state, SAMPLES);
	xabi(14);
	if (!report(!bad_order, "time_not_backwards"))
		report_info("%u of %u reads went backwards", bad_order, SAMPLES);
	xabi(14);
	if (!report(!bad_runnable, "time_runnable_not_backwards"))
		report_info("%u of %u reads had less runnable time than the one before",
			    bad_runnable, SAMPLES);
	xabi(15);
	if (!have_clock) {
		report_skip("no Xen clock", "time_entry_le_xen_clock");
	} else if (!report(!bad_clock, "time_entry_le_xen_clock")) {
		report_info("%u of %u reads ahead; first: entry %llu, clock %llu",
			    bad_clock, SAMPLES, (unsigned long long)clock_entry,
			    (unsigned long long)now);
	}
	xabi(15);
	if (!have_clock) {
		report_skip("no Xen clock", "time_entry_near_xen_clock");
	} else if (!report(!bad_near, "time_entry_near_xen_clock")) {
		report_info("%u of %u reads after a halt; first: %s", bad_near,
			    halted, near_why);
	}
	xabi(13);
	if (!have_clock) {
		report_skip("no Xen clock", "time_sum_le_xen_clock");
	} else if (!report(!bad_sum, "time_sum_le_xen_clock")) {
		report_info("%u of %u reads; first: %s", bad_sum, SAMPLES,
			    sum_why);
	}
}

/* #16: a halt of HALT_MS moves the entry time and the sum by at least it. */
static void check_halt_advance(void)
{
	uint64_t d = HALT_MS * NSEC_PER_MSEC;
	struct rs_snapshot a, b;

	force_update(0);
	read_area(&a);
	halt_at_least(HALT_MS);
	force_update(0);
	read_area(&b);
	rs_invariant(&a, "before halt");
	rs_invariant(&b, "after halt");

	xabi(16);
	if (!report(b.entry >= a.entry + d, "time_halt_entry_advance"))
		report_info("entry advanced %lld ns across a %u ms halt",
			    (long long)(b.entry - a.entry), HALT_MS);
	xabi(16);
	if (!report(rs_sum(&b) >= rs_sum(&a) + d, "time_halt_sum_advance"))
		report_info("sum advanced %lld ns across a %u ms halt",
			    (long long)(rs_sum(&b) - rs_sum(&a)), HALT_MS);
}

/*
 * #17: a halted vCPU is blocked in Xen.  Read right after an update, halt
 * at once, read again: the halt went to time[blocked].
 */
static void check_halt_blocked(void)
{
	uint64_t d = HALT_MS * NSEC_PER_MSEC, blocked, running;
	struct rs_snapshot a, b;

	force_update(0);
	read_area(&a);
	halt_at_least(HALT_MS);
	read_area(&b);
	rs_invariant(&b, "after blocked halt");

	blocked = b.time[RUNSTATE_blocked] - a.time[RUNSTATE_blocked];
	running = b.time[RUNSTATE_running] - a.time[RUNSTATE_running];
	xabi(17);
	if (!report(blocked >= d / 10 * 8 && running < d / 10 * 2,
		    "time_halt_counted_blocked"))
		report_info("%u ms halt: blocked +%llu ns, running +%llu ns",
			    HALT_MS, (unsigned long long)blocked,
			    (unsigned long long)running);
}

static void case_runstate_time(const struct guest_config *cfg)
{
	long ret;
	bool have_clock;

	if (!xen_init()) {
		report_error(XEN_INIT_ERROR, "xen_init");
		return;
	}

	ret = rs_clock_setup();
	if (!report(ret == 0, "time_xen_clock_setup"))
		report_info("xen_shared_info_setup() returned %ld", ret);
	have_clock = ret == 0 && xen_clock_ns() != 0;
	if (ret == 0 && !have_clock)
		report_info("vcpu_info.time never written: no Xen clock");

	/* Poisoned: an area never written must not pass for a valid one. */
	memset(area_page, POISON, sizeof(area_page));
	ret = runstate_register(area_page);
	xabi(10);
	if (!report(ret == 0, "time_register_returns_zero"))
		report_info("register returned %ld", ret);

	check_samples(have_clock);
	check_halt_advance();
	check_halt_blocked();
	rs_report_clock_reference("time_runstate_clock_is_xen_clock");
	rs_report_clock_margins();
	rs_report_invariant("time_invariant_constant");
}
DEFINE_CASE("runstate-time", case_runstate_time);
