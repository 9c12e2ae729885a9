// SPDX-License-Identifier: GPL-2.0
/*
 * evtchn-slowpath: events raised while KVM cannot use its cached mapping
 * of the vcpu_info, and the pvclock copies KVM writes through its caches.
 *
 * KVM raises an event in kvm_xen_set_evtchn_fast(): the pending bit in
 * shared_info, then the selector and upcall_pending in the vcpu_info.
 * When the vcpu_info's gfn-to-pfn cache does not pass its check at that
 * moment, it sets the selector bit in a shadow in the vCPU instead, and
 * kvm_xen_inject_pending_events() copies the shadow into the vcpu_info,
 * in the latched word size's layout, sets upcall_pending and injects the
 * per-vCPU upcall vector before the vCPU runs again.  Any memslot change
 * bumps the generation the caches compare with (the VMM's
 * RIG_CMD_MEM_UNPLUG and RIG_CMD_MEM_PLUG of its --late range do), and
 * nothing refreshes the vcpu_info cache until an event or a clock update
 * needs it: the domain-wide callback vector would (every entry checks it
 * for an upcall), so the case uses only the per-vCPU vector.  What Xen
 * does is the same on either path, and so is what each check asserts:
 * the pending bit, the selector bit in the latched layout and nothing
 * else in the vcpu_info's first 32 bytes, upcall_pending, and one upcall
 * once interrupts are on (#41, #50, #53).  Each event is raised once with
 * the cache fresh and several times after a bump, from an in-kernel
 * EVTCHNOP_send on an IPI port and from the in-kernel singleshot timer
 * (set in the past, so that it fires at once).
 *
 * vcpu_info.time (offset 32 in both layouts) and a registered
 * vcpu_time_info are written from one hv_clock in one update: they agree,
 * after the mapping and after a bump and a re-registration that forces an
 * update through the stale caches (#75).
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
#include "trap.h"
#include "xen.h"
#include "xen_ops.h"

#define MS			1000000ull
#define ROUNDS			8
#define VCPU_INFO_TIME		32

static struct vcpu_time_info time_area __aligned(64);
static uint8_t shinfo_page[PAGE_SIZE] __aligned(PAGE_SIZE);
#define VI_BYTES		((volatile uint8_t *)shinfo_page)

static uint64_t now(void)
{
	return pvclock_read_ns(&time_area);
}

/* A memslot change: every GPA-based gfn-to-pfn cache is stale after it. */
static bool bump_generation(void)
{
	return rig_cmd(RIG_CMD_MEM_UNPLUG, 0) == 0 &&
	       rig_cmd(RIG_CMD_MEM_PLUG, 0) == 0;
}

/*
 * What Xen leaves in vCPU 0's vcpu_info and shared_info once @port was
 * raised with nothing else pending: its pending bit, the selector bit of
 * its word in the latched layout, upcall_pending, and no other byte of
 * the vcpu_info's first 32 changed (the other layout's selector, the
 * padding, arch.cr2).  0 when so, else a bit per difference.
 */
static unsigned int raised_state(uint32_t port)
{
	const struct evtchn_layout *l = evtchn_layout();
	unsigned int i, bad = 0;

	if (!evtchn_pending(port))
		bad |= 1;
	if (!evtchn_sel_bit(port / l->bits) ||
	    evtchn_sel_word() != 1ull << (port / l->bits))
		bad |= 2;
	if (VI_BYTES[0] != 1)
		bad |= 4;
	for (i = 1; i < VCPU_INFO_TIME; i++)
		if ((i < l->sel || i >= l->sel + l->bits / 8) && VI_BYTES[i])
			bad |= 8;
	return bad;
}

static void say_state(const char *what, unsigned int round, unsigned int bad)
{
	const struct evtchn_layout *l = evtchn_layout();

	report_info("%s, round %u: %s%s%s%s: selector %#llx (the other layout's %#llx), upcall_pending %u",
		    what, round, bad & 1 ? "no pending bit " : "",
		    bad & 2 ? "wrong selector " : "",
		    bad & 4 ? "no upcall_pending " : "",
		    bad & 8 ? "other bytes written" : "",
		    (unsigned long long)evtchn_sel_word(),
		    (unsigned long long)evtchn_sel_in(l == &evtchn_native ?
						     &evtchn_compat : &evtchn_native),
		    VI_BYTES[0]);
}

struct tally {
	unsigned int rounds, state_bad, upcall_bad, other;
};

/*
 * Interrupts on for a moment: the per-vCPU vector KVM injected must run
 * once, and its scan take @port and leave nothing pending.
 */
static bool one_upcall(uint32_t port)
{
	asm volatile("sti; nop; nop; cli" ::: "memory");
	return evtchn_seen.upcalls == 1 && evtchn_seen.count[port] == 1 &&
	       !evtchn_pending(port) && !VI_BYTES[0];
}

/* An in-kernel EVTCHNOP_send on the IPI port, with IF=0. */
static void ipi_round(uint32_t ipi, bool bump, unsigned int round,
		      struct tally *t)
{
	unsigned int bad;
	long ret;

	evtchn_clear_all();
	evtchn_reset_seen();
	t->rounds++;
	if (bump && !bump_generation()) {
		t->other++;
		return;
	}
	ret = evtchn_send(ipi);
	/* #53: synchronous, before interrupts are on */
	bad = raised_state(ipi);
	if (ret || bad) {
		if (!t->state_bad++)
			say_state(bump ? "send after a bump" : "send", round, bad);
		if (ret)
			report_info("send returned %ld", ret);
	}
	if (!one_upcall(ipi) && !t->upcall_bad++)
		report_info("send, round %u: %u upcalls, port taken %u times",
			    round, evtchn_seen.upcalls, evtchn_seen.count[ipi]);
}

/*
 * The in-kernel singleshot timer set in the past (#59), with IF=0: KVM
 * runs its expiry at once, from the hypercall, through the same raise as
 * at a deadline.  A deadline ahead would depend on KVM's clock agreeing
 * with the guest's (see expect/: it does not on every host boot).  On the
 * slow path the vCPU re-raises the timer's event and copies the selector
 * in before it next enters the guest; the waits are TCG slack.
 */
static void timer_round(uint32_t timer, bool bump, unsigned int round,
			struct tally *t)
{
	uint64_t limit;
	unsigned int bad;

	evtchn_clear_all();
	evtchn_reset_seen();
	t->rounds++;
	if (bump && !bump_generation()) {
		t->other++;
		return;
	}
	if (xen_set_timer_op(1)) {
		t->other++;
		return;
	}
	limit = now() + 200 * MS;
	while ((!evtchn_pending(timer) || !VI_BYTES[0]) && now() < limit)
		cpu_relax();
	bad = raised_state(timer);
	if (bad && !t->state_bad++)
		say_state(bump ? "timer after a bump" : "timer", round, bad);
	if (!one_upcall(timer) && !t->upcall_bad++)
		report_info("timer, round %u: %u upcalls, port taken %u times",
			    round, evtchn_seen.upcalls, evtchn_seen.count[timer]);
}

static void report_tally(const char *name, const struct tally *t)
{
	if (t->other)
		report_info("%s: %u rounds could not be set up", name, t->other);
	if (t->state_bad || t->upcall_bad)
		report_info("%s: %u of %u rounds with the wrong state, %u without one upcall",
			    name, t->state_bad, t->rounds, t->upcall_bad);
	xabi(41);
	xabi(53);
	report(!t->state_bad && !t->other, "%s_selector_and_upcall_pending", name);
	xabi(50);
	report(!t->upcall_bad && !t->other, "%s_one_upcall", name);
}

/* A consistent copy of the vcpu_time_info at @p. */
static void time_read(const volatile struct vcpu_time_info *p,
		      struct vcpu_time_info *out)
{
	uint32_t v;

	do {
		v = p->version;
		barrier();
		out->tsc_timestamp = p->tsc_timestamp;
		out->system_time = p->system_time;
		out->tsc_to_system_mul = p->tsc_to_system_mul;
		out->tsc_shift = p->tsc_shift;
		out->flags = p->flags;
		barrier();
	} while ((v & 1) || v != p->version);
	out->version = v;
}

/*
 * #75: vcpu_info.time and the registered area hold the same update (read
 * both again if an update came between them).
 */
static void times_agree(const char *name)
{
	const volatile struct vcpu_time_info *vt =
		(const volatile void *)(VI_BYTES + VCPU_INFO_TIME);
	struct vcpu_time_info a, b;
	uint32_t va;
	int tries = 0;
	bool same;

	do {
		va = vt->version;
		time_read(vt, &a);
		time_read(&time_area, &b);
	} while (va != vt->version && ++tries < 100);
	same = a.version && a.tsc_timestamp == b.tsc_timestamp &&
	       a.system_time == b.system_time &&
	       a.tsc_to_system_mul == b.tsc_to_system_mul &&
	       a.tsc_shift == b.tsc_shift;
	xabi(75);
	if (!report(same, "%s", name)) {
		report_info("vcpu_info.time: version %u, system_time %llu at tsc %llu, mul %u shift %d",
			    a.version, (unsigned long long)a.system_time,
			    (unsigned long long)a.tsc_timestamp,
			    a.tsc_to_system_mul, a.tsc_shift);
		report_info("vcpu_time_info: version %u, system_time %llu at tsc %llu, mul %u shift %d",
			    b.version, (unsigned long long)b.system_time,
			    (unsigned long long)b.tsc_timestamp,
			    b.tsc_to_system_mul, b.tsc_shift);
	}
}

static long register_time_area(void)
{
	uint64_t va = (unsigned long)&time_area;

	return xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &va);
}

static void case_evtchn_slowpath(const struct guest_config *cfg)
{
	struct tally ipi_fresh = { 0 }, ipi_bumped = { 0 };
	struct tally timer_fresh = { 0 }, timer_bumped = { 0 };
	uint32_t ipi = 0, timer = 0;
	unsigned int i;
	long ret;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	if (!rig_plug_late("slowpath_late_memory_plugged"))
		return;
	ret = register_time_area();
	if (!report_need(ret == 0 && time_area.version,
			 "register_vcpu_time_memory_area failed",
			 "slowpath_time_area_registered"))
		return;

	ret = evtchn_map_shared_info(shinfo_page);
	if (!report_need(ret == 0, "XENMEM_add_to_physmap(shared_info) failed",
			 "slowpath_shared_info_map"))
		return;
	times_agree("vcpu_info_time_matches_time_area");

	if (!report_need(evtchn_bind_ipi(0, &ipi) == 0 &&
			 evtchn_bind_virq(VIRQ_TIMER, 0, &timer) == 0,
			 "binding the IPI and VIRQ_TIMER ports failed",
			 "slowpath_ports_bound"))
		return;
	/* The per-vCPU vector, LAPIC enabled; Xen injects it once now. */
	apic_sleep_ms(1);
	if (!report_need(evtchn_set_upcall_vector(0, EVTCHN_UPCALL_VECTOR) == 0,
			 "HVMOP_set_evtchn_upcall_vector failed",
			 "slowpath_upcall_vector_set"))
		return;
	asm volatile("sti; nop; cli" ::: "memory");

	ipi_round(ipi, false, 0, &ipi_fresh);
	timer_round(timer, false, 0, &timer_fresh);
	for (i = 1; i <= ROUNDS; i++) {
		ipi_round(ipi, true, i, &ipi_bumped);
		timer_round(timer, true, i, &timer_bumped);
	}
	report_tally("send_fresh_cache", &ipi_fresh);
	report_tally("timer_fresh_cache", &timer_fresh);
	report_tally("send_after_memslot_change", &ipi_bumped);
	report_tally("timer_after_memslot_change", &timer_bumped);

	/* A clock update through caches a memslot change left stale. */
	if (!report_need(bump_generation() && register_time_area() == 0,
			 "the bump or the re-registration failed",
			 "slowpath_time_area_reregistered"))
		return;
	times_agree("vcpu_info_time_matches_after_memslot_change");
}
DEFINE_CASE("evtchn-slowpath", case_evtchn_slowpath);
