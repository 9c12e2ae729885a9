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
 *
 * The same checks run with the VMM's dirty ring (vmm --dirty-ring N, the
 * case learns it from RIG_CMD_DIRTY_LOG's answer).  With a ring, KVM's
 * mark_page_dirty_in_slot() pushes the frame to the ring of the vCPU
 * running on that CPU, and a write it marks with no vCPU running (from a
 * VM ioctl, the Xen timer's hrtimer callback, another VMM thread) has no
 * ring: KVM warns and drops it, where the bitmap would have logged it.
 * So the events are also raised from those contexts: by KVM's own timer
 * (set_timer_op) and by the VMM's periodic-timer thread
 * (KVM_XEN_HVM_EVTCHN_SEND), each with valid caches and after a move of
 * vcpu_info's page (the vCPU then finishes the delivery itself).  A last
 * check dirties more frames than the ring holds with no control-port exit
 * in between, so only KVM_EXIT_DIRTY_RING_FULL can have emptied it, and
 * asks for every one.
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

#define MS		1000000ull
/*
 * Frames for the ring-full check: guest RAM nothing else uses in this case
 * (modules, the only other user above 16 MiB, are not loaded here).
 */
#define FLOOD_BASE	0x2000000ul
#define FLOOD_MAX	4096u

/* RIG_CMD_DIRTY_LOG's answer: 0 with the bitmap, else the ring's size. */
static uint32_t ring_entries;

static long periodic_op(unsigned int cmd, uint64_t period)
{
	struct vcpu_set_periodic_timer p = { .period_ns = period };

	return xen_vcpu_op(cmd, 0, &p);
}

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

/*
 * KVM writes the area at registration, in the VMM's KVM_XEN_VCPU_SET_ATTR
 * (a vCPU ioctl: the vCPU is loaded, so a ring has a vCPU to take it), and
 * then at every update.
 */
static void runstate(void)
{
	if (!clean(rs_page, "runstate_register"))
		return;
	if (!report_need(runstate_register(rs_page) == 0,
			 "runstate registration failed", "runstate_register"))
		return;
	dirty(rs_page, true, "runstate_register_marks_dirty");
	if (!clean(rs_page, "runstate"))
		return;
	force_update(2);
	dirty(rs_page, true, "runstate_update_marks_dirty");
	runstate_register(NULL);
}

/*
 * How an event reaches KVM, each from another context.  1: raised and
 * pending, 0: failed (reported), -1: try again (it came too early).
 */
struct trigger {
	const char *what;
	int (*raise)(const struct trigger *t, uint32_t port);
};

/* EVTCHNOP_send, which KVM handles in the vCPU's hypercall exit. */
static int raise_send(const struct trigger *t, uint32_t port)
{
	if (evtchn_send(port)) {
		report_error("EVTCHNOP_send failed", "%s_send", t->what);
		return 0;
	}
	return 1;
}

/*
 * set_timer_op 2 ms ahead: KVM's hrtimer callback delivers the event
 * (kvm_xen_set_evtchn_fast from xen_timer_callback; on 6.1 it wakes the
 * vCPU to do it) while the vCPU waits in HLT.
 */
static int raise_timer(const struct trigger *t, uint32_t port)
{
	if (xen_set_timer_op(pvclock_read_ns(&vi->time) + 2 * MS)) {
		report_error("set_timer_op failed", "%s_set", t->what);
		return 0;
	}
	if (!evtchn_wait_ms(port, 500)) {
		report_error("the timer did not fire", "%s_fired", t->what);
		return 0;
	}
	return 1;
}

/*
 * The VMM's periodic timer, already running: its thread raises the port
 * with KVM_XEN_HVM_EVTCHN_SEND, a VM ioctl made while the vCPU waits in
 * HLT.  One that came before the frames were cleaned does not count.
 */
static int raise_periodic(const struct trigger *t, uint32_t port)
{
	if (evtchn_pending(port))
		return -1;
	if (!evtchn_wait_ms(port, 500)) {
		report_error("no periodic event", "%s_fired", t->what);
		return 0;
	}
	return 1;
}

static const struct trigger by_send = { "event", raise_send };
static const struct trigger by_timer = { "timer_event", raise_timer };
static const struct trigger by_periodic = { "periodic_event", raise_periodic };

/*
 * Raise an event on @port as @t does and read both frames' bits (after
 * moving vcpu_info's page first if @move).  KVM also writes vcpu_info at
 * any clock update (a vCPU moving between host CPUs asks for one), which
 * marks it dirty whatever the event did: an attempt during which
 * vcpu_info.time's version changed is made again.  0: read, 1: every
 * attempt had a clock update, -1: the rig failed (reported).
 */
static int event_dirty(const struct trigger *t, uint32_t port, bool move,
		       uint32_t *dsh, uint32_t *dvi)
{
	const char *pre = move ? "moved_" : "", *what = t->what;
	unsigned int tries;
	uint32_t v;
	int ret;

	for (tries = 0; tries < 10; tries++) {
		evtchn_clear_all();
		v = vi->time.version;
		if (rig_dirty_test(RIG_GFN(sh_page)) == RIG_REFUSED ||
		    rig_dirty_test(RIG_GFN(vi_page)) == RIG_REFUSED) {
			report_error("RIG_CMD_DIRTY_TEST refused",
				     "%s%s_clean", pre, what);
			return -1;
		}
		if (move && rig_mem_move(RIG_GFN(vi_page))) {
			report_error("RIG_CMD_MEM_MOVE failed", "%s%s_move",
				     pre, what);
			return -1;
		}
		ret = t->raise(t, port);
		if (!ret)
			return -1;
		if (ret < 0)
			continue;
		/*
		 * From another CPU KVM sets the pending bit before vcpu_info's
		 * (or the vCPU's own deferred copy of it): give it a moment.
		 */
		if (evtchn_pending(port) && !vi->evtchn_upcall_pending)
			apic_sleep_ms(1);
		if (!evtchn_pending(port) || !vi->evtchn_upcall_pending) {
			report_error("the event was not delivered",
				     "%s%s_delivered", pre, what);
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
		report_info("%s%s: %u attempts had a clock update or came early",
			    pre, what, tries);
	return 0;
}

static void dirty_answer(uint32_t r, const char *fmt, const char *what)
{
	if (!report(r == 1, fmt, what))
		report_info("%s: clean", what);
}

/*
 * KVM's fast path, with both caches valid: turning the log on changed the
 * memslots, which leaves the vcpu_info cache invalid until an update
 * refreshes it, and the first event would take the deferred path of
 * event_after_move() instead.  A first event makes the caches valid.
 */
static void event(const struct trigger *t, uint32_t port)
{
	uint32_t dsh, dvi;
	int ret;

	evtchn_clear_all();
	if (!t->raise(t, port))
		return;
	apic_sleep_ms(1);
	ret = event_dirty(t, port, false, &dsh, &dvi);
	if (ret < 0)
		return;
	if (ret) {
		report_skip("a clock update at every attempt",
			    "%s_marks_shared_info_dirty", t->what);
		report_skip("a clock update at every attempt",
			    "%s_marks_vcpu_info_dirty", t->what);
		return;
	}
	dirty_answer(dsh, "%s_marks_shared_info_dirty", t->what);
	dirty_answer(dvi, "%s_marks_vcpu_info_dirty", t->what);
}

/*
 * The same event right after the host moved vcpu_info's page: KVM finds
 * that cache invalid, keeps the selector in the vCPU and writes vcpu_info
 * at the next entry (kvm_xen_inject_pending_events), a second path.
 */
static void event_after_move(const struct trigger *t, uint32_t port)
{
	uint32_t dsh, dvi;
	int ret = event_dirty(t, port, true, &dsh, &dvi);

	if (ret < 0)
		return;
	if (ret) {
		report_skip("a clock update at every attempt",
			    "%s_after_move_marks_vcpu_info_dirty", t->what);
		return;
	}
	dirty_answer(dvi, "%s_after_move_marks_vcpu_info_dirty", t->what);
}

/* The same two with the events of KVM's timer, then the VMM's thread. */
static void timer_events(void)
{
	uint32_t timer;

	if (!report_need(evtchn_bind_virq(VIRQ_TIMER, 0, &timer) == 0,
			 "EVTCHNOP_bind_virq(VIRQ_TIMER) failed",
			 "bind_virq_timer"))
		return;
	event(&by_timer, timer);
	event_after_move(&by_timer, timer);

	if (!report_need(periodic_op(VCPUOP_set_periodic_timer, 50 * MS) == 0,
			 "VCPUOP_set_periodic_timer failed", "periodic_set"))
		goto out;
	/* The first one is at once: wait for the thread's. */
	evtchn_clear_all();
	event(&by_periodic, timer);
	event_after_move(&by_periodic, timer);
	periodic_op(VCPUOP_stop_periodic_timer, 0);
out:
	xen_set_timer_op(0);
	evtchn_close(timer);
	evtchn_clear_all();
}

/*
 * A quarter more frames dirtied than the ring has entries, with no exit to
 * the VMM for a command in between: the ring cannot hold them, so the
 * only harvests are the ones of KVM_EXIT_DIRTY_RING_FULL, and each frame
 * must still be dirty.  With the bitmap the same frames are one more
 * control.
 */
static void flood(void)
{
	uint32_t n = ring_entries ? ring_entries + ring_entries / 4 : 256;
	volatile uint8_t *p = (volatile uint8_t *)FLOOD_BASE;
	uint32_t i, lost = 0;

	if (n > FLOOD_MAX || ram_end() < FLOOD_BASE + (uint64_t)n * PAGE_SIZE) {
		report_skip("a ring too large for the RAM set aside",
			    "flood_frames_all_dirty");
		return;
	}
	/* Turning the log on again starts every frame clean at once. */
	if (!report_need(rig_dirty_log(true) == ring_entries,
			 "RIG_CMD_DIRTY_LOG refused", "flood_clean"))
		return;
	for (i = 0; i < n; i++)
		p[i * PAGE_SIZE] = (uint8_t)i;
	for (i = 0; i < n; i++) {
		uint32_t r = rig_dirty_test(RIG_GFN(p + i * PAGE_SIZE));

		if (r == RIG_REFUSED) {
			report_error("RIG_CMD_DIRTY_TEST refused", "flood");
			return;
		}
		if (r != 1 && lost++ < 4)
			report_info("flood frame %u (gfn %#x) clean", i,
				    RIG_GFN(p + i * PAGE_SIZE));
	}
	if (!report(!lost, "flood_frames_all_dirty"))
		report_info("%u of %u frames clean", lost, n);
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
	ring_entries = rig_dirty_log(true);
	if (!report_need(ring_entries != RIG_DIRTY_NO_RING &&
			 ring_entries != RIG_REFUSED,
			 ring_entries == RIG_DIRTY_NO_RING ?
			 "vmm --dirty-ring: the host KVM has no KVM_CAP_DIRTY_LOG_RING" :
			 "RIG_CMD_DIRTY_LOG refused", "dirty_log_on"))
		return;
	if (ring_entries)
		report_info("dirty ring: %u entries per vCPU", ring_entries);
	if (!clean(quiet_page, "quiet"))
		return;

	controls();
	runstate();
	event(&by_send, port);
	event_after_move(&by_send, port);
	timer_events();
	pvclock(tsc_adjust);
	wallclock();
	flood();
	dirty(quiet_page, false, "untouched_frame_clean");
	report_need(rig_dirty_log(false) == 0, "RIG_CMD_DIRTY_LOG refused",
		    "dirty_log_off");
}
DEFINE_CASE("dirty-log", case_dirty_log);
