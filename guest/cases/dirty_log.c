// SPDX-License-Identifier: GPL-2.0
/*
 * dirty-log: with dirty logging on for guest RAM (KVM_MEM_LOG_DIRTY_PAGES,
 * RIG_CMD_DIRTY_LOG), is a frame dirty after each kind of write KVM makes
 * through a gfn-to-pfn cache?  A VMM migrating the guest copies only what
 * the log names, so a frame written but left clean arrives stale: in Xen
 * every hypervisor write to guest memory goes through paging_mark_dirty()
 * (copy_to_guest, map_domain_gfn users), so each answer here is "dirty".
 *
 * Each area lives alone in its own page and the guest does not write it
 * between the read that clears the frame's bit and the one that checks it
 * (reading does not dirty a frame).  Two controls show the log is real: a
 * frame the guest writes is dirty, one nobody writes stays clean.
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
static uint8_t wr_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t quiet_page[PAGE_SIZE] __aligned(PAGE_SIZE);

static volatile struct shared_info *const sh = (void *)sh_page;
static volatile struct vcpu_info *const vi = (void *)vi_page;

/* Forget what was logged for @page so far; false if the VMM refused. */
static bool clean(uint8_t *page, const char *name)
{
	return report_need(rig_dirty_test(RIG_GFN(page)) != RIG_REFUSED,
			   "RIG_CMD_DIRTY_TEST refused", "%s_clean", name);
}

static void dirty(uint8_t *page, bool want, const char *name)
{
	uint32_t r = rig_dirty_test(RIG_GFN(page));

	if (r == RIG_REFUSED) {
		report_error("RIG_CMD_DIRTY_TEST refused", "%s", name);
		return;
	}
	if (!report(r == want, "%s", name))
		report_info("gfn %#x is %s", RIG_GFN(page),
			    r ? "dirty" : "clean");
}

static void controls(void)
{
	if (!clean(wr_page, "guest_write"))
		return;
	((volatile uint8_t *)wr_page)[8]++;
	dirty(wr_page, true, "guest_write_marks_dirty");
}

static void runstate(void)
{
	if (!report_need(runstate_register(rs_page) == 0,
			 "runstate registration failed", "runstate_register"))
		return;
	if (!clean(rs_page, "runstate"))
		return;
	force_update(2);
	dirty(rs_page, true, "runstate_update_marks_dirty");
	runstate_register(NULL);
}

/*
 * Send an event on @port and read both frames' bits (after moving
 * vcpu_info's page first if @move).  KVM also writes vcpu_info at any
 * clock update (a vCPU moving between host CPUs asks for one), which marks
 * it dirty whatever the event did: an attempt during which
 * vcpu_info.time's version changed is made again.  0: read, 1: every
 * attempt had a clock update, -1: the rig failed (reported).
 */
static int event_dirty(uint32_t port, bool move, uint32_t *dsh,
		       uint32_t *dvi)
{
	const char *what = move ? "moved_event" : "event";
	unsigned int tries;
	uint32_t v;

	for (tries = 0; tries < 10; tries++) {
		evtchn_clear_all();
		v = vi->time.version;
		if (rig_dirty_test(RIG_GFN(sh_page)) == RIG_REFUSED ||
		    rig_dirty_test(RIG_GFN(vi_page)) == RIG_REFUSED) {
			report_error("RIG_CMD_DIRTY_TEST refused", "%s_clean", what);
			return -1;
		}
		if (move && rig_mem_move(RIG_GFN(vi_page))) {
			report_error("RIG_CMD_MEM_MOVE failed", "%s_move", what);
			return -1;
		}
		if (evtchn_send(port)) {
			report_error("EVTCHNOP_send failed", "%s_send", what);
			return -1;
		}
		if (!evtchn_pending(port) || !vi->evtchn_upcall_pending) {
			report_error("the event was not delivered",
				     "%s_delivered", what);
			return -1;
		}
		*dsh = rig_dirty_test(RIG_GFN(sh_page));
		*dvi = rig_dirty_test(RIG_GFN(vi_page));
		if (vi->time.version == v)
			break;
	}
	evtchn_clear_all();
	if (tries == 10)
		return 1;
	if (tries)
		report_info("%s: %u attempts had a clock update", what, tries);
	return 0;
}

static void dirty_answer(uint32_t r, const char *name)
{
	if (!report(r == 1, "%s", name))
		report_info("%s: clean", name);
}

/*
 * KVM's fast path, with both caches valid: turning the log on changed the
 * memslots, which leaves the vcpu_info cache invalid until an update
 * refreshes it, and the first event would take the deferred path of
 * event_after_move() instead.  A first event makes the caches valid.
 */
static void event(uint32_t port)
{
	uint32_t dsh, dvi;
	int ret;

	evtchn_clear_all();
	if (!report_need(evtchn_send(port) == 0, "EVTCHNOP_send failed",
			 "event_send_first"))
		return;
	apic_sleep_ms(1);
	ret = event_dirty(port, false, &dsh, &dvi);
	if (ret < 0)
		return;
	if (ret) {
		report_skip("a clock update at every attempt",
			    "event_marks_shared_info_dirty");
		report_skip("a clock update at every attempt",
			    "event_marks_vcpu_info_dirty");
		return;
	}
	dirty_answer(dsh, "event_marks_shared_info_dirty");
	dirty_answer(dvi, "event_marks_vcpu_info_dirty");
}

/*
 * The same event right after the host moved vcpu_info's page: KVM finds
 * that cache invalid, keeps the selector in the vCPU and writes vcpu_info
 * at the next entry (kvm_xen_inject_pending_events), a second path.
 */
static void event_after_move(uint32_t port)
{
	uint32_t dsh, dvi;
	int ret = event_dirty(port, true, &dsh, &dvi);

	if (ret < 0)
		return;
	if (ret) {
		report_skip("a clock update at every attempt",
			    "event_after_move_marks_vcpu_info_dirty");
		return;
	}
	dirty_answer(dvi, "event_after_move_marks_vcpu_info_dirty");
}

static void pvclock(bool tsc_adjust)
{
	uint64_t va = (unsigned long)ti_page;
	uint32_t v;

	if (!report_need(xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0,
				     &va) == 0,
			 "VCPUOP_register_vcpu_time_memory_area failed",
			 "time_area_register"))
		return;
	if (!tsc_adjust) {
		report_skip("no IA32_TSC_ADJUST to make KVM update the clock",
			    "pvclock_marks_time_area_dirty");
		report_skip("no IA32_TSC_ADJUST to make KVM update the clock",
			    "pvclock_marks_vcpu_info_dirty");
		goto out;
	}
	if (!clean(ti_page, "pvclock_time_area") ||
	    !clean(vi_page, "pvclock_vcpu_info"))
		goto out;
	v = vi->time.version;
	/* KVM updates the clock when IA32_TSC_ADJUST is written. */
	pvclock_poke();
	apic_sleep_ms(5);
	if (!report_need(vi->time.version != v, "no clock update seen",
			 "pvclock_updated"))
		goto out;
	dirty(ti_page, true, "pvclock_marks_time_area_dirty");
	dirty(vi_page, true, "pvclock_marks_vcpu_info_dirty");
out:
	va = 0;
	xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &va);
}

/* The wallclock, written into shared_info when it is mapped. */
static void wallclock(void)
{
	uint32_t wc = sh->wc_version;

	if (!clean(sh_page, "wallclock"))
		return;
	if (!report_need(xen_shared_info_map(RIG_GFN(sh_page)) == 0,
			 "XENMEM_add_to_physmap(shared_info) failed",
			 "shared_info_map_again"))
		return;
	if (!report_need(sh->wc_version != wc, "the wallclock was not written",
			 "wallclock_written"))
		return;
	dirty(sh_page, true, "wallclock_marks_shared_info_dirty");
}

static void case_dirty_log(const struct guest_config *cfg)
{
	bool tsc_adjust;
	uint32_t port;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	tsc_adjust = pvclock_can_poke();
	if (!evtchn_setup_pages(sh_page, vi_page))
		return;
	if (!report_need(evtchn_bind_ipi(0, &port) == 0,
			 "EVTCHNOP_bind_ipi failed", "bind_ipi"))
		return;
	if (!report_need(rig_dirty_log(true) == 0, "RIG_CMD_DIRTY_LOG refused",
			 "dirty_log_on"))
		return;
	if (!clean(quiet_page, "quiet"))
		return;

	controls();
	runstate();
	event(port);
	event_after_move(port);
	pvclock(tsc_adjust);
	wallclock();
	dirty(quiet_page, false, "untouched_frame_clean");
	report_need(rig_dirty_log(false) == 0, "RIG_CMD_DIRTY_LOG refused",
		    "dirty_log_off");
}
DEFINE_CASE("dirty-log", case_dirty_log);
