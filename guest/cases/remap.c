// SPDX-License-Identifier: GPL-2.0
/*
 * remap: the host moves the page behind a guest frame between one update
 * of a Xen area and the next, as a VMM does when it migrates or compacts
 * guest memory (RIG_CMD_MEM_MOVE: a copy in a new host page, mapped where
 * the old one was).  KVM's MMU notifier must make every gfn-to-pfn cache on
 * the frame let go of the old page: the next write lands in the new page
 * and the old one, which the VMM keeps and compares with what it held at
 * the move, never changes again.
 *
 * In Xen the areas are guest memory like any other, written through the
 * p2m at each update: a page the toolstack moved is simply where the next
 * write goes.  Each area lives alone in its own page, so that a move hits
 * one cache: the runstate area, vcpu_info (registered away from
 * shared_info), a vcpu_time_info area and shared_info itself.
 *
 * The whole --late memslot moved to a new host address (RIG_CMD_SLOT_MOVE:
 * deleted and created again at the same GPAs) bumps the memslot
 * generation: a runstate area and a vcpu_time_info area there must be
 * written in the new mapping, and the old one must stay as it was.
 *
 * An update that never reached the new page leaves it holding the copy,
 * which is what each "lands_in_new_page" check tells apart; a write
 * through a stale mapping shows in the old page.
 */
#include <stddef.h>
#include <stdint.h>
#include "apic.h"
#include "case.h"
#include "compiler.h"
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


static uint8_t sh_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t vi_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t rs_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t ti_page[PAGE_SIZE] __aligned(PAGE_SIZE);

static volatile struct shared_info *const sh = (void *)sh_page;
static volatile struct vcpu_info *const vi = (void *)vi_page;
static volatile struct vcpu_time_info *const ti = (void *)ti_page;
static bool tsc_adjust;

/*
 * Make KVM update the vCPU's clock (a write of IA32_TSC_ADJUST with its
 * own value requests it) and Xen (a reschedule at the halt).  True if
 * vcpu_info.time shows an update.
 */
static bool clock_update(void)
{
	uint32_t v = vi->time.version;

	pvclock_poke();
	apic_sleep_ms(5);
	return vi->time.version != v;
}

static bool move(uint8_t *page, const char *name)
{
	return report_need(rig_mem_move(RIG_GFN(page)) == 0,
			   "RIG_CMD_MEM_MOVE failed", "%s", name);
}

/* The old page of @page, unchanged since its move. */
static void old_unchanged(uint8_t *page, const char *name)
{
	uint32_t r = rig_mem_old_changed(RIG_GFN(page));

	if (r == RIG_REFUSED) {
		report_error("RIG_CMD_MEM_OLD_CHANGED refused", "%s", name);
		return;
	}
	if (!report(r == 0, "%s", name))
		report_info("KVM wrote the old host page of gfn %#x after the move",
			    RIG_GFN(page));
}

static void runstate(void)
{
	struct rs_snapshot s0, s1, s2;

	memset(rs_page, 0, sizeof(rs_page));
	if (!report_need(runstate_register(rs_page) == 0,
			 "runstate registration failed", "runstate_register"))
		return;
	force_update(1);
	runstate_read(rs_page, rs_layout_native(), &s0);
	if (!move(rs_page, "runstate_move"))
		return;
	/* The move's own exit re-enters the vCPU; the halt is a switch too. */
	force_update(2);
	runstate_read(rs_page, rs_layout_native(), &s1);
	if (!report(s1.entry > s0.entry && rs_sum(&s1) > rs_sum(&s0),
		    "runstate_update_lands_in_new_page")) {
		rs_dump("before the move", &s0);
		rs_dump("after", &s1);
	}
	force_update(2);
	old_unchanged(rs_page, "runstate_old_page_unchanged");

	/*
	 * The contents thrown away under the cache: the next update writes
	 * the whole area again, as Xen's copy at every switch does.
	 */
	if (!report_need(rig_mem_discard(RIG_GFN(rs_page)) == 0,
			 "RIG_CMD_MEM_DISCARD failed", "runstate_discard"))
		return;
	force_update(2);
	runstate_read(rs_page, rs_layout_native(), &s2);
	if (!report(s2.state == RUNSTATE_running && s2.entry >= s1.entry &&
		    s2.time[RUNSTATE_running] >= s1.time[RUNSTATE_running],
		    "runstate_discarded_page_rewritten"))
		rs_dump("after the discard", &s2);
	runstate_register(NULL);
}

static void vcpu_info(uint32_t port)
{
	uint32_t v0;

	evtchn_clear_all();
	v0 = vi->time.version;
	if (!move(vi_page, "vcpu_info_move"))
		return;
	if (!report_need(evtchn_send(port) == 0, "EVTCHNOP_send failed",
			 "vcpu_info_send"))
		return;
	if (!report(vi->evtchn_upcall_pending &&
		    evtchn_sel_bit(port / evtchn_layout()->bits),
		    "vcpu_info_event_lands_in_new_page"))
		report_info("upcall_pending %u, selector %#llx",
			    vi->evtchn_upcall_pending,
			    (unsigned long long)evtchn_sel_word());
	if (!tsc_adjust) {
		report_skip("no IA32_TSC_ADJUST to make KVM update the clock",
			    "vcpu_info_time_lands_in_new_page");
	} else {
		clock_update();
		if (!report(vi->time.version != v0 && !(vi->time.version & 1),
			    "vcpu_info_time_lands_in_new_page"))
			report_info("time.version %u, %u before the move",
				    vi->time.version, v0);
	}
	old_unchanged(vi_page, "vcpu_info_old_page_unchanged");
	evtchn_clear_all();
}

static void time_area(void)
{
	uint64_t va = (unsigned long)ti_page;
	uint32_t v0;
	bool same;

	memset(ti_page, 0, sizeof(ti_page));
	if (!report_need(xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0,
				     &va) == 0,
			 "VCPUOP_register_vcpu_time_memory_area failed",
			 "time_area_register"))
		return;
	if (!tsc_adjust) {
		report_skip("no IA32_TSC_ADJUST to make KVM update the clock",
			    "time_area_update_lands_in_new_page");
		report_skip("no IA32_TSC_ADJUST to make KVM update the clock",
			    "time_area_old_page_unchanged");
		return;
	}
	v0 = ti->version;
	if (!move(ti_page, "time_area_move"))
		return;
	if (!clock_update()) {
		report_skip("no clock update seen",
			    "time_area_update_lands_in_new_page");
		report_skip("no clock update seen",
			    "time_area_old_page_unchanged");
		return;
	}
	/* The same update as vcpu_info.time's, which stayed put. */
	same = ti->version != v0 && !(ti->version & 1) &&
	       ti->system_time == vi->time.system_time &&
	       ti->tsc_timestamp == vi->time.tsc_timestamp;
	if (!report(same, "time_area_update_lands_in_new_page"))
		report_info("version %u (%u before the move), system_time %llu, vcpu_info's %llu",
			    ti->version, v0,
			    (unsigned long long)ti->system_time,
			    (unsigned long long)vi->time.system_time);
	clock_update();
	old_unchanged(ti_page, "time_area_old_page_unchanged");
	va = 0;
	xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &va);
}

static void shared_info(uint32_t port)
{
	uint32_t wc0;

	evtchn_clear_all();
	if (!move(sh_page, "shared_info_move"))
		return;
	if (!report_need(evtchn_send(port) == 0, "EVTCHNOP_send failed",
			 "shared_info_send"))
		return;
	if (!report(evtchn_pending(port), "shared_info_event_lands_in_new_page"))
		report_info("pending word 0 %#llx",
			    (unsigned long long)sh->evtchn_pending[0]);
	old_unchanged(sh_page, "shared_info_old_page_unchanged");
	evtchn_clear_all();

	/*
	 * The wallclock is written when shared_info is mapped: map it again
	 * at the frame it is at, after a second move.
	 */
	wc0 = sh->wc_version;
	if (!move(sh_page, "shared_info_move_again"))
		return;
	if (!report_need(xen_shared_info_map(RIG_GFN(sh_page)) == 0,
			 "XENMEM_add_to_physmap(shared_info) failed",
			 "shared_info_map_again"))
		return;
	if (!report(sh->wc_version != wc0 && !(sh->wc_version & 1) &&
		    sh->wc_sec, "shared_info_wallclock_lands_in_new_page"))
		report_info("wc_version %u (%u before), wc_sec %u",
			    sh->wc_version, wc0, sh->wc_sec);
	if (!report_need(evtchn_send(port) == 0, "EVTCHNOP_send failed",
			 "shared_info_send_again"))
		return;
	report(evtchn_pending(port), "shared_info_event_after_remap");
	old_unchanged(sh_page, "shared_info_old_page_unchanged_after_remap");

	/* Its contents dropped: the next event is in the fresh page. */
	if (!report_need(rig_mem_discard(RIG_GFN(sh_page)) == 0,
			 "RIG_CMD_MEM_DISCARD failed", "shared_info_discard"))
		return;
	if (!report_need(evtchn_send(port) == 0, "EVTCHNOP_send failed",
			 "shared_info_send_discarded"))
		return;
	report(evtchn_pending(port), "shared_info_event_after_discard");
	evtchn_clear_all();
}

/* frame @gfn of the slot's previous mapping, unchanged since the move */
static void slot_old_unchanged(void *page, const char *name)
{
	uint32_t r = rig_slot_old_changed(RIG_GFN(page));

	if (r == RIG_REFUSED) {
		report_error("RIG_CMD_SLOT_OLD_CHANGED refused", "%s", name);
		return;
	}
	if (!report(r == 0, "%s", name))
		report_info("KVM wrote the old mapping of gfn %#x after the slot move",
			    RIG_GFN(page));
}

static void slot_move(void)
{
	uint32_t base;
	uint8_t *rs, *t;
	volatile struct vcpu_time_info *lt;
	struct rs_snapshot s0, s1;
	uint64_t va;
	uint32_t v0;

	base = rig_plug_late("slot_plug");
	if (!base)
		return;
	rs = (uint8_t *)(unsigned long)base;
	t = rs + PAGE_SIZE;
	lt = (volatile struct vcpu_time_info *)t;
	memset(rs, 0, 2 * PAGE_SIZE);
	if (!report_need(runstate_register(rs) == 0,
			 "runstate registration failed", "slot_runstate_register"))
		return;
	va = (unsigned long)t;
	if (!report_need(xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0,
				     &va) == 0,
			 "VCPUOP_register_vcpu_time_memory_area failed",
			 "slot_time_area_register"))
		goto out;
	force_update(1);
	runstate_read(rs, rs_layout_native(), &s0);
	v0 = lt->version;
	if (!report_need(rig_slot_move() == 0, "RIG_CMD_SLOT_MOVE failed",
			 "slot_move"))
		goto out;
	force_update(2);
	runstate_read(rs, rs_layout_native(), &s1);
	if (!report(s1.state == RUNSTATE_running && s1.entry > s0.entry &&
		    rs_sum(&s1) > rs_sum(&s0),
		    "slot_runstate_update_lands_in_new_mapping")) {
		rs_dump("before the slot move", &s0);
		rs_dump("after", &s1);
	}
	if (!tsc_adjust) {
		report_skip("no IA32_TSC_ADJUST to make KVM update the clock",
			    "slot_time_area_update_lands_in_new_mapping");
	} else {
		clock_update();
		/* The same update as vcpu_info.time's, outside the slot. */
		if (!report(lt->version != v0 && !(lt->version & 1) &&
			    lt->system_time == vi->time.system_time &&
			    lt->tsc_timestamp == vi->time.tsc_timestamp,
			    "slot_time_area_update_lands_in_new_mapping"))
			report_info("version %u (%u before the move), system_time %llu, vcpu_info's %llu",
				    lt->version, v0,
				    (unsigned long long)lt->system_time,
				    (unsigned long long)vi->time.system_time);
		clock_update();
	}
	force_update(2);
	slot_old_unchanged(rs, "slot_runstate_old_mapping_unchanged");
	slot_old_unchanged(t, "slot_time_area_old_mapping_unchanged");
out:
	va = 0;
	xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &va);
	runstate_register(NULL);
}

static void case_remap(const struct guest_config *cfg)
{
	uint32_t port;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	tsc_adjust = pvclock_can_poke();
	if (!evtchn_setup_pages(sh_page, vi_page))
		return;
	if (!report_need(evtchn_bind_ipi(0, &port) == 0, "EVTCHNOP_bind_ipi failed",
			 "bind_ipi"))
		return;

	runstate();
	vcpu_info(port);
	time_area();
	shared_info(port);
	slot_move();
}
DEFINE_CASE("remap", case_remap);
