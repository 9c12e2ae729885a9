// SPDX-License-Identifier: GPL-2.0
/*
 * upcall: what holds an event's upcall off and what lets it through, for
 * the domain-wide callback vector (HVM_PARAM_CALLBACK_IRQ) and for the
 * per-vCPU upcall vector (HVMOP_set_evtchn_upcall_vector): the
 * event-channel reference's assertions 48-52, section C.3.
 *
 * The callback vector is not a LAPIC interrupt in Xen: it is raised while
 * vcpu_info.evtchn_upcall_pending is 1 (level), only IF and the STI shadow
 * hold it off, and it leaves IRR and ISR alone.  The per-vCPU vector goes
 * through the LAPIC: TPR and an ISR bit not yet EOI'd hold it off, a
 * software-disabled LAPIC drops it (Xen 4.18 raises it again when the
 * LAPIC is enabled and upcall_pending is still 1), and it is raised once
 * per 0 -> 1 of upcall_pending (edge).  evtchn_upcall_mask matters to
 * neither in HVM.
 *
 * The events are sends on a self-IPI, which KVM delivers in the kernel,
 * and unmasks, which the VMM does.  Interrupts are off but in the windows
 * a check opens (sti, a spin on the Xen clock, cli); the handlers count
 * their entries and look at the LAPIC's ISR from inside.
 */
#include <stddef.h>
#include <stdint.h>
#include "apic.h"
#include "case.h"
#include "evtchn.h"
#include "ktap.h"
#include "lapic.h"
#include "processor.h"
#include "rs_common.h"
#include "runstate.h"
#include "trap.h"
#include "xen.h"

#define MS		1000000ull
#define WINDOW_MS	50	/* an open window: delivery needs one entry */

#define CB_VEC		EVTCHN_CALLBACK_VECTOR
#define PV_VEC		EVTCHN_UPCALL_VECTOR

static volatile struct vcpu_info *vi;
static uint32_t ipi;

/* The vector's bit in the ISR or IRR register bank. */
static bool apic_vec(unsigned int bank, unsigned int vec)
{
	return apic_read(bank + 0x10 * (vec / 32)) & (1u << (vec % 32));
}

static void lapic_soft_enable(bool on)
{
	uint32_t v = apic_read(APIC_SPIV);

	apic_write(APIC_SPIV, on ? v | APIC_SPIV_ENABLE : v & ~APIC_SPIV_ENABLE);
}

/* What the handlers saw since the last reset_counts(). */
static volatile unsigned int cb_entries, cb_in_isr, cb_leave;
static volatile unsigned int pv_entries, pv_in_isr;
static volatile bool pv_scan, pv_eoi;
static volatile uint32_t marker, marker_seen;
/* What each of the first entries found: the marker, the interrupted RIP. */
#define CB_TRACE	4
static volatile uint32_t cb_marker[CB_TRACE];
static volatile unsigned long cb_rip[CB_TRACE];

static void reset_counts(void)
{
	cb_entries = cb_in_isr = 0;
	pv_entries = pv_in_isr = 0;
	marker = marker_seen = 0;
	evtchn_reset_seen();
}

/*
 * The callback vector: the first cb_leave entries return with
 * upcall_pending still 1, as a guest that has not got to it yet would.
 */
static void cb_handler(struct ex_regs *regs)
{
	if (cb_entries < CB_TRACE) {
		cb_marker[cb_entries] = marker;
		cb_rip[cb_entries] = regs->rip;
	}
	cb_entries++;
	marker_seen = marker;
	if (apic_vec(APIC_ISR, CB_VEC))
		cb_in_isr++;
	if (cb_entries <= cb_leave)
		return;
	evtchn_scan();
}

/* The per-vCPU vector; the check says whether it scans and EOIs. */
static void pv_handler(struct ex_regs *regs)
{
	pv_entries++;
	if (apic_vec(APIC_ISR, PV_VEC))
		pv_in_isr++;
	if (pv_scan)
		evtchn_scan();
	if (pv_eoi)
		apic_write(APIC_EOI, 0);
}

/* IF=1 for @ms of the Xen clock, then off again. */
static void window(unsigned int ms)
{
	uint64_t end = xen_clock_ns() + ms * MS;

	asm volatile("sti" ::: "memory");
	while (xen_clock_ns() < end)
		cpu_relax();
	cli();
}

static void fresh(void)
{
	evtchn_clear_all();
	vi->evtchn_upcall_mask = 0;
	apic_write(APIC_TPR, 0);
	reset_counts();
}

static bool send(void)
{
	long ret = evtchn_send(ipi);

	if (ret)
		report_info("send(%u) returned %ld", ipi, ret);
	return !ret;
}

static void count_is(unsigned int got, unsigned int want, const char *name)
{
	if (!report(got == want, "%s", name))
		report_info("%s: %u entries, want %u; upcall_pending %u, selector %#llx, pending %d",
			    name, got, want, vi->evtchn_upcall_pending,
			    (unsigned long long)evtchn_sel_word(),
			    evtchn_pending(ipi));
}

/* Where the callback's first entries came in, and what each found. */
static void trace_entries(void)
{
	unsigned int i;

	for (i = 0; i < cb_entries && i < CB_TRACE; i++)
		report_info("entry %u at rip %#lx, marker %u", i + 1,
			    cb_rip[i], cb_marker[i]);
}

/* #48, #49: the callback vector. */
static void callback_vector(void)
{
	long ret;

	ret = evtchn_set_callback_vector();
	if (!report(ret == 0, "callback_vector_set")) {
		report_info("HVM_PARAM_CALLBACK_IRQ returned %ld", ret);
		return;
	}
	handle_exception(CB_VEC, cb_handler);

	/* IF=0: pending, not taken, even across an exit to the VMM */
	fresh();
	send();
	HYPERVISOR_xen_version(XENVER_version, NULL);
	xabi(48);
	count_is(cb_entries, 0, "callback_held_off_by_if0");
	report(vi->evtchn_upcall_pending, "callback_upcall_pending_while_held");
	/* sti's shadow covers the next instruction: nothing in between */
	asm volatile("sti; cli" ::: "memory");
	xabi(48);
	count_is(cb_entries, 0, "callback_held_off_by_sti_shadow");
	marker = 0;
	asm volatile("sti; movl $1, %0; cli" : "=m" (marker) :: "memory");
	xabi(48);
	count_is(cb_entries, 1, "callback_taken_after_sti_shadow");
	if (cb_entries != 1)
		trace_entries();
	xabi(48);
	report(marker_seen == 1, "callback_after_shadowed_instruction");
	window(WINDOW_MS);
	xabi(48);
	report(evtchn_seen.count[ipi] == 1 && !evtchn_pending(ipi) &&
	       !vi->evtchn_upcall_pending, "callback_scan_took_port");

	/* Not a LAPIC interrupt: no mask, TPR or SPIV applies, no ISR */
	fresh();
	vi->evtchn_upcall_mask = 1;
	send();
	window(WINDOW_MS);
	xabi(48);
	count_is(cb_entries, 1, "callback_runs_with_upcall_mask");
	vi->evtchn_upcall_mask = 0;

	fresh();
	apic_write(APIC_TPR, 0xf0);
	send();
	window(WINDOW_MS);
	xabi(48);
	count_is(cb_entries, 1, "callback_runs_with_tpr_0xf0");
	apic_write(APIC_TPR, 0);

	fresh();
	lapic_soft_enable(false);
	send();
	window(WINDOW_MS);
	lapic_soft_enable(true);
	xabi(48);
	count_is(cb_entries, 1, "callback_runs_with_lapic_disabled");

	fresh();
	send();
	window(WINDOW_MS);
	xabi(48);
	count_is(cb_in_isr, 0, "callback_not_in_isr");
	xabi(48);
	report(!apic_vec(APIC_ISR, CB_VEC) && !apic_vec(APIC_IRR, CB_VEC),
	       "callback_leaves_irr_isr_clear");

	/* #49: level: entered again while upcall_pending stays 1 */
	fresh();
	cb_leave = 2;
	send();
	window(WINDOW_MS);
	xabi(49);
	count_is(cb_entries, 3, "callback_redelivered_while_upcall_pending");
	xabi(49);
	report(!vi->evtchn_upcall_pending && evtchn_seen.count[ipi] == 1,
	       "callback_stops_once_upcall_pending_clear");
	cb_leave = 0;

	/* The VMM's unmask: selector and upcall_pending, then the vector */
	fresh();
	evtchn_mask(ipi);
	send();
	window(WINDOW_MS);
	count_is(cb_entries, 0, "callback_none_for_masked_port");
	ret = evtchn_unmask(ipi);
	window(WINDOW_MS);
	if (!report(ret == 0 && cb_entries == 1 && evtchn_seen.count[ipi] == 1,
		    "callback_on_unmask"))
		report_info("unmask returned %ld, %u entries", ret, cb_entries);

	/* HVM_PARAM_CALLBACK_IRQ 0: no callback; the per-vCPU vector next */
	{
		struct xen_hvm_param p = {
			.domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
		};

		ret = xen_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param,
				    (unsigned long)&p, 0, 0, 0);
	}
	fresh();
	send();
	window(WINDOW_MS);
	if (!report(ret == 0 && cb_entries == 0, "callback_none_once_cleared"))
		report_info("set_param(CALLBACK_IRQ, 0) returned %ld, %u entries",
			    ret, cb_entries);
}

static long set_pv_vector(void)
{
	long ret = evtchn_set_upcall_vector(0, PV_VEC);

	handle_exception(PV_VEC, pv_handler);
	return ret;
}

/* #50-#52: the per-vCPU vector, through the LAPIC. */
static void percpu_vector(void)
{
	long ret;

	/* #51: one injection at registration, nothing pending */
	fresh();
	pv_scan = pv_eoi = true;
	handle_exception(PV_VEC, pv_handler);
	ret = set_pv_vector();
	if (!report(ret == 0, "percpu_vector_set")) {
		report_info("HVMOP_set_evtchn_upcall_vector returned %ld", ret);
		return;
	}
	window(WINDOW_MS);
	xabi(51);
	count_is(pv_entries, 1, "percpu_vector_injected_at_registration");
	xabi(50);
	count_is(pv_in_isr, 1, "percpu_vector_in_isr");
	fresh();
	set_pv_vector();
	window(WINDOW_MS);
	xabi(51);
	count_is(pv_entries, 1, "percpu_vector_reregistration_injects_again");
	/* Xen 4.18: none into a disabled LAPIC, none on enable with nothing pending */
	fresh();
	lapic_soft_enable(false);
	set_pv_vector();
	window(WINDOW_MS);
	lapic_soft_enable(true);
	window(WINDOW_MS);
	xabi(51);
	count_is(pv_entries, 0, "percpu_vector_registration_lapic_disabled_none");

	/* a send: one entry, which has the vector in service */
	fresh();
	send();
	HYPERVISOR_xen_version(XENVER_version, NULL);
	count_is(pv_entries, 0, "percpu_vector_held_off_by_if0");
	window(WINDOW_MS);
	count_is(pv_entries, 1, "percpu_vector_on_send");
	report(evtchn_seen.count[ipi] == 1 && !vi->evtchn_upcall_pending,
	       "percpu_vector_scan_took_port");

	fresh();
	vi->evtchn_upcall_mask = 1;
	send();
	window(WINDOW_MS);
	count_is(pv_entries, 1, "percpu_vector_runs_with_upcall_mask");

	/* #50: no EOI, no second one of the same vector */
	fresh();
	pv_eoi = false;
	send();
	window(WINDOW_MS);
	count_is(pv_entries, 1, "percpu_vector_without_eoi");
	xabi(50);
	report(apic_vec(APIC_ISR, PV_VEC), "percpu_vector_in_isr_until_eoi");
	pv_eoi = true;
	send();
	window(WINDOW_MS);
	xabi(50);
	count_is(pv_entries, 1, "percpu_vector_held_off_until_eoi");
	apic_write(APIC_EOI, 0);
	window(WINDOW_MS);
	xabi(50);
	count_is(pv_entries, 2, "percpu_vector_taken_after_eoi");
	report(!apic_vec(APIC_ISR, PV_VEC), "percpu_vector_isr_clear_after_eoi");

	/* #50: TPR of the vector's class holds it off */
	fresh();
	apic_write(APIC_TPR, PV_VEC & 0xf0);
	send();
	window(WINDOW_MS);
	xabi(50);
	count_is(pv_entries, 0, "percpu_vector_held_off_by_tpr");
	xabi(50);
	report(apic_vec(APIC_IRR, PV_VEC), "percpu_vector_in_irr_under_tpr");
	apic_write(APIC_TPR, 0);
	window(WINDOW_MS);
	xabi(50);
	count_is(pv_entries, 1, "percpu_vector_taken_after_tpr_lowered");

	/* #50: dropped by a disabled LAPIC, raised again when it is enabled */
	fresh();
	lapic_soft_enable(false);
	send();
	window(WINDOW_MS);
	xabi(50);
	count_is(pv_entries, 0, "percpu_vector_none_while_lapic_disabled");
	xabi(50);
	report(!apic_vec(APIC_IRR, PV_VEC), "percpu_vector_not_in_irr_while_disabled");
	lapic_soft_enable(true);
	window(WINDOW_MS);
	xabi(50);
	count_is(pv_entries, 1, "percpu_vector_on_lapic_enable");

	/* edge: not raised again while upcall_pending stays 1 */
	fresh();
	pv_scan = false;
	send();
	window(WINDOW_MS);
	count_is(pv_entries, 1, "percpu_vector_not_redelivered_while_upcall_pending");
	pv_scan = true;

	/*
	 * #52: upcall_pending already 1, the selector 0: Xen's
	 * vcpu_mark_events_pending() raises nothing for a send.
	 */
	fresh();
	vi->evtchn_upcall_pending = 1;
	send();
	window(WINDOW_MS);
	xabi(52);
	count_is(pv_entries, 0, "percpu_vector_none_while_upcall_pending");

	/* The VMM's unmask: the vector on upcall_pending's 0 -> 1 only */
	fresh();
	evtchn_mask(ipi);
	send();
	window(WINDOW_MS);
	count_is(pv_entries, 0, "percpu_vector_none_for_masked_port");
	ret = evtchn_unmask(ipi);
	window(WINDOW_MS);
	if (!report(ret == 0 && pv_entries == 1 && evtchn_seen.count[ipi] == 1,
		    "percpu_vector_on_unmask"))
		report_info("unmask returned %ld, %u entries", ret, pv_entries);

	fresh();
	evtchn_mask(ipi);
	send();
	vi->evtchn_upcall_pending = 1;
	evtchn_unmask(ipi);
	window(WINDOW_MS);
	count_is(pv_entries, 0, "percpu_vector_unmask_none_while_upcall_pending");

	/*
	 * Xen's hvm_set_callback_via() asserts the upcall on every vCPU
	 * whatever the callback: the per-vCPU vector, once.
	 */
	fresh();
	{
		struct xen_hvm_param p = {
			.domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
		};

		ret = xen_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param,
				    (unsigned long)&p, 0, 0, 0);
	}
	window(WINDOW_MS);
	if (!report(ret == 0 && pv_entries == 1,
		    "percpu_vector_injected_at_callback_param"))
		report_info("set_param(CALLBACK_IRQ, 0) returned %ld, %u entries",
			    ret, pv_entries);

	fresh();
	evtchn_mask(ipi);
	send();
	lapic_soft_enable(false);
	evtchn_unmask(ipi);
	window(WINDOW_MS);
	count_is(pv_entries, 0, "percpu_vector_unmask_none_while_lapic_disabled");
	lapic_soft_enable(true);
	window(WINDOW_MS);
	count_is(pv_entries, 1, "percpu_vector_unmask_on_lapic_enable");
}

static void case_upcall(const struct guest_config *cfg)
{
	struct shared_info *sh;
	long ret;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	ret = xen_shared_info_setup();
	if (!report_need(ret == 0, "shared_info and vcpu_info could not be set up",
			 "shared_info_setup"))
		return;
	sh = xen_shared_info();
	vi = &sh->vcpu_info[0];
	evtchn_attach(sh, (void *)vi, evtchn_own_layout());
	/* enables the LAPIC, which the per-vCPU vector needs */
	apic_sleep_ms(1);
	cli();
	ret = evtchn_bind_ipi(0, &ipi);
	if (!report_need(ret == 0, "bind_ipi failed", "bind_ipi"))
		return;

	callback_vector();
	percpu_vector();
	fresh();
}
DEFINE_CASE("upcall", case_upcall);
