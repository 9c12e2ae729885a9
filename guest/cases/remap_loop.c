// SPDX-License-Identifier: GPL-2.0
/*
 * remap-loop: the memory under the runstate area, vcpu_info and shared_info
 * moved to a new host address again and again, between every update and
 * every event, for half a second of guest time.  The three areas live in the
 * VMM's --late range, one page each, and each round moves the whole memslot
 * (RIG_CMD_SLOT_MOVE: deleted and created again at a new userspace address,
 * a new memslot generation), so that every gfn-to-pfn cache on them must
 * resolve its GPA again before its next write.
 *
 * In Xen the areas are written through the p2m at each update: wherever
 * the toolstack put the page is where the write goes.  So, in every round:
 * the event sent after the move sets its pending bit, selector and
 * upcall_pending in the new mapping and is delivered exactly once (nothing
 * lost, nothing twice), the runstate area is written again (running, a
 * later entry time, no later than the Xen clock), and none of the three
 * frames of the mapping the move left behind changes afterwards.
 *
 * The checks count the rounds that went wrong and report each property
 * once, with the first bad round; "# remaps: N in T ms" is what tools/bench.sh
 * reads.
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
#include "rig.h"
#include "rs_common.h"
#include "runstate.h"
#include "string.h"
#include "xen.h"
#include "xen_ops.h"

#define LOOP_NS		500000000ull	/* guest time the loop runs: the default matrix
					 * stays within its time budget */
#define LOOP_MAX	20000		/* rounds, should the clock stop */
#define CLOCK_SLACK_NS	50000000ull	/* TCG: entry time vs. the clock */

struct tally {
	unsigned int bad;
	unsigned int first;		/* round of the first bad one */
};

static void tally(struct tally *t, bool ok, unsigned int round)
{
	if (ok)
		return;
	if (!t->bad++)
		t->first = round;
}

static void tally_report(const struct tally *t, unsigned int rounds,
			 const char *name)
{
	if (!report(!t->bad, "%s", name))
		report_info("%u of %u rounds bad, the first at round %u",
			    t->bad, rounds, t->first);
}

static bool old_unchanged(void *page)
{
	return rig_slot_old_changed(RIG_GFN(page)) == 0;
}

static void case_remap_loop(const struct guest_config *cfg)
{
	uint32_t base;
	struct tally moved = { 0 }, ev_new = { 0 }, event = { 0 },
		     rs_valid = { 0 },
		     rs_old = { 0 }, vi_old = { 0 }, sh_old = { 0 };
	volatile struct vcpu_info *vi;
	struct rs_snapshot prev, s, bad_prev, bad_s;
	uint64_t bad_now = 0;
	uint8_t *rs_page, *vi_page, *sh_page;
	uint64_t start, now, ms;
	unsigned int round, events;
	bool vi_ok, rs_ok;
	uint32_t port;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	base = rig_plug_late("slot_plug");
	if (!base)
		return;
	rs_page = (uint8_t *)(unsigned long)base;
	vi_page = rs_page + PAGE_SIZE;
	sh_page = rs_page + 2 * PAGE_SIZE;
	vi = (volatile struct vcpu_info *)vi_page;
	memset(rs_page, 0, PAGE_SIZE);
	if (!evtchn_setup_pages(sh_page, vi_page))
		return;
	if (!report_need(evtchn_bind_ipi(0, &port) == 0,
			 "EVTCHNOP_bind_ipi failed", "bind_ipi"))
		return;
	if (!report_need(runstate_register(rs_page) == 0,
			 "runstate registration failed", "runstate_register"))
		return;
	/* The LAPIC enabled, as the upcall injection wants it. */
	apic_sleep_ms(1);
	evtchn_clear_all();
	evtchn_reset_seen();
	if (!report_need(evtchn_set_callback_vector() == 0,
			 "HVM_PARAM_CALLBACK_IRQ failed", "callback_vector"))
		return;
	vi->evtchn_upcall_mask = 0;
	force_update(0);
	runstate_read(rs_page, rs_layout_native(), &prev);

	start = pvclock_read_ns(&vi->time);
	now = start;
	for (round = 0; round < LOOP_MAX && now - start < LOOP_NS; round++) {
		if (rig_slot_move()) {
			tally(&moved, false, round);
			break;
		}
		/* An event right after the move: taken once, here. */
		events = evtchn_seen.events;
		evtchn_send(port);
		/*
		 * Interrupts are off: the pending bit, the selector and
		 * upcall_pending are in the new mapping, and the frames of
		 * the old one are as they were, before the handler runs.
		 */
		tally(&ev_new, evtchn_pending(port) &&
		      evtchn_sel_bit(port / evtchn_layout()->bits) &&
		      vi->evtchn_upcall_pending, round);
		vi_ok = old_unchanged(vi_page);
		tally(&sh_old, old_unchanged(sh_page), round);
		asm volatile("sti; nop; cli" ::: "memory");
		if (evtchn_seen.events == events)
			evtchn_take_ms(port, 50);
		tally(&event, evtchn_seen.events == events + 1 &&
		      evtchn_seen.last == port && !evtchn_pending(port),
		      round);

		/* The exit re-enters the vCPU: a runstate update. */
		force_update(0);
		runstate_read(rs_page, rs_layout_native(), &s);
		now = pvclock_read_ns(&vi->time);
		rs_ok = s.state == RUNSTATE_running && s.entry > prev.entry &&
			rs_sum(&s) > rs_sum(&prev) &&
			s.entry <= now + CLOCK_SLACK_NS;
		if (!rs_ok && !rs_valid.bad) {
			/* What the first bad one looked like, for the report. */
			bad_prev = prev;
			bad_s = s;
			bad_now = now;
		}
		tally(&rs_valid, rs_ok, round);
		prev = s;

		tally(&rs_old, old_unchanged(rs_page), round);
		/* after the handler's and the clock's writes too */
		tally(&vi_old, old_unchanged(vi_page) && vi_ok, round);
	}
	ms = now - start;
	do_div(ms, 1000000);

	/* Nothing late either: no event is delivered a second time. */
	events = evtchn_seen.events;
	apic_sleep_ms(20);
	report(!moved.bad && round > 0, "slot_moved_every_round");
	tally_report(&ev_new, round, "event_pending_in_new_mapping");
	tally_report(&event, round, "event_delivered_once_per_round");
	if (!report(evtchn_seen.events == events && evtchn_seen.events == round,
		    "no_event_lost_or_doubled"))
		report_info("%u events taken in %u rounds", evtchn_seen.events,
			    round);
	tally_report(&rs_valid, round, "runstate_valid_in_new_mapping");
	if (rs_valid.bad)
		report_info("first bad runstate: state %d; since the round before entry %lld ns, sum %lld ns, time[runnable] %lld ns; entry %lld ns after the clock",
			    (int)bad_s.state,
			    (long long)(bad_s.entry - bad_prev.entry),
			    (long long)(rs_sum(&bad_s) - rs_sum(&bad_prev)),
			    (long long)(bad_s.time[RUNSTATE_runnable] -
					bad_prev.time[RUNSTATE_runnable]),
			    (long long)(bad_s.entry - bad_now));
	tally_report(&rs_old, round, "runstate_old_mapping_unchanged");
	tally_report(&vi_old, round, "vcpu_info_old_mapping_unchanged");
	tally_report(&sh_old, round, "shared_info_old_mapping_unchanged");
	report_info("remaps: %u in %llu ms", round, (unsigned long long)ms);
	runstate_register(NULL);
	evtchn_close(port);
}
DEFINE_CASE("remap-loop", case_remap_loop);
