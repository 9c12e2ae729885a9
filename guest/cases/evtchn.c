// SPDX-License-Identifier: GPL-2.0
/*
 * evtchn: event channels, the Xen timers and SCHEDOP_block as the VMM and
 * KVM answer them together, in the guest's own word size.  Each check is
 * Xen's answer: the event-channel reference's assertions 51 and 53-57, 63,
 * 65, 74, 75 and 80, and Xen's periodic timer.
 *
 * Xen has shared_info from domain creation, so what is raised before the
 * guest maps it is pending once it does; the case therefore binds ports,
 * sends and arms the timer first, with the clock read from a registered
 * vcpu_time_info, and maps shared_info after.  The per-vCPU upcall vector
 * comes last: once it is set, every new event is an interrupt.
 *
 * Run it with the VMM's kvmclock started past 2^32 ns (vmm --clock): then
 * a 32-bit set_timer_op needs the high half of its deadline in ECX.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "apic.h"
#include "case.h"
#include "compiler.h"
#include "evtchn.h"
#include "ktap.h"
#include "processor.h"
#include "pvclock.h"
#include "rs_common.h"
#include "runstate.h"
#include "string.h"
#include "trap.h"
#include "xen.h"
#include "xen_ops.h"


#define MS			1000000ull
#define BLOCK_SAFETY_MS		1000	/* ends a block nothing else ends */
#define BLOCK_ROUNDS		3	/* rounds the host may hold up */

static struct vcpu_time_info time_area __aligned(64);
static uint8_t shinfo_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static volatile struct shared_info *const sh = (void *)shinfo_page;
#define VI	(&sh->vcpu_info[0])

static uint64_t now(void)
{
	return pvclock_read_ns(&time_area);
}

static void check(const char *name, long got, long want)
{
	if (!report(got == want, "%s", name))
		report_info("%s: got %ld, want %ld", name, got, want);
}

/* Before shared_info: ports, sends and the timer Xen keeps meanwhile. */
static bool before_shinfo(uint32_t *ipi, uint32_t *timer, uint64_t *deadline)
{
	uint64_t va = (unsigned long)&time_area;
	struct evtchn_bind_ipi bi = { .vcpu = 0 };
	uint32_t port;
	long ret;

	ret = xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &va);
	xabi(75);
	check("time_area_register_returns_zero", ret, 0);
	xabi(75);
	if (!report(time_area.version && !(time_area.version & 1),
		    "time_area_valid_on_return")) {
		report_info("version %u", time_area.version);
		return false;
	}
	report_info("Xen clock %llu ns", (unsigned long long)now());

	ret = evtchn_op(EVTCHNOP_bind_ipi, &bi);
	xabi(56);
	check("bind_ipi_lowest_free_port", ret ? ret : (long)bi.port, 1);
	*ipi = bi.port;
	ret = evtchn_bind_virq(VIRQ_TIMER, 0, timer);
	check("bind_virq_timer_next_port", ret ? ret : (long)*timer, 2);
	xabi(56);
	check("bind_virq_timer_twice_eexist", evtchn_bind_virq(VIRQ_TIMER, 0, &port),
	      -XEN_EEXIST);
	xabi(80);
	check("send_ipi_before_shared_info", evtchn_port_op(EVTCHNOP_send, *ipi), 0);
	/* #80: a timer that has expired fires into the bound port */
	xabi(80);
	check("set_timer_op_past_before_shared_info", xen_set_timer_op(1), 0);
	/* #65: one still to come is the new port's, once KVM has it */
	*deadline = now() + 500 * MS;
	check("set_timer_op_before_shared_info", xen_set_timer_op(*deadline), 0);
	return true;
}

static void codes(uint32_t ipi, uint32_t timer)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = 0 };
	uint32_t port;
	long ret;

	xabi(56);
	check("bind_virq_bad_vcpu_enoent", evtchn_bind_virq(VIRQ_TIMER, 1000, &port),
	      -XEN_ENOENT);
	xabi(56);
	check("bind_virq_nr_virqs_einval", evtchn_bind_virq(NR_VIRQS, 0, &port),
	      -XEN_EINVAL);
	xabi(56);
	check("close_port_0_einval", evtchn_port_op(EVTCHNOP_close, 0), -XEN_EINVAL);
	ret = evtchn_op(EVTCHNOP_status, &st);
	xabi(56);
	check("status_port_0_closed", ret ? ret : (long)st.status,
	      EVTCHNSTAT_closed);
	st.port = ipi;
	ret = evtchn_op(EVTCHNOP_status, &st);
	xabi(56);
	check("status_ipi", ret ? ret : (long)st.status, EVTCHNSTAT_ipi);
	xabi(56);
	check("status_ipi_vcpu_0", st.vcpu, 0);
	st.port = timer;
	ret = evtchn_op(EVTCHNOP_status, &st);
	check("status_virq_timer",
	      ret ? ret : (long)(st.status << 8 | st.u.virq),
	      EVTCHNSTAT_virq << 8 | VIRQ_TIMER);
	/* #55 */
	xabi(55);
	check("send_closed_port_einval", evtchn_port_op(EVTCHNOP_send, 50),
	      -XEN_EINVAL);
	xabi(55);
	check("send_virq_port_einval", evtchn_port_op(EVTCHNOP_send, timer),
	      -XEN_EINVAL);
	xabi(55);
	check("send_beyond_ports_einval", evtchn_port_op(EVTCHNOP_send, 5000),
	      -XEN_EINVAL);
}

/* #57: the DOMID_SELF loopback, and what close does to pending and mask. */
static void loopback(void)
{
	struct evtchn_alloc_unbound a = {
		.dom = DOMID_SELF, .remote_dom = DOMID_SELF,
	};
	struct evtchn_bind_interdomain b = { .remote_dom = DOMID_SELF };
	long ret;

	ret = evtchn_op(EVTCHNOP_alloc_unbound, &a);
	check("alloc_unbound_returns_zero", ret, 0);
	xabi(55);
	check("send_unbound_port_dropped", evtchn_port_op(EVTCHNOP_send, a.port), 0);
	evtchn_clear_all();
	b.remote_port = a.port;
	ret = evtchn_op(EVTCHNOP_bind_interdomain, &b);
	check("bind_interdomain_loopback", ret, 0);
	if (ret)
		return;
	xabi(57);
	report(evtchn_pending(b.local_port) && !evtchn_pending(a.port),
	       "bind_interdomain_local_port_pending");
	evtchn_clear_all();
	check("send_interdomain_returns_zero",
	      evtchn_port_op(EVTCHNOP_send, b.local_port), 0);
	report(evtchn_pending(a.port) && !evtchn_pending(b.local_port),
	       "send_interdomain_raises_remote_end");
	evtchn_mask(a.port);
	check("close_interdomain_returns_zero", evtchn_port_op(EVTCHNOP_close, a.port),
	      0);
	xabi(57);
	report(!evtchn_pending(a.port), "close_clears_pending");
	xabi(57);
	report(evtchn_masked(a.port), "close_keeps_mask");
	evtchn_unmask_bit(a.port);
	check("send_after_remote_closed_dropped",
	      evtchn_port_op(EVTCHNOP_send, b.local_port), 0);
	evtchn_port_op(EVTCHNOP_close, b.local_port);
}

/* #53, #54: a send on a masked IPI sets only pending; unmask does the rest. */
static void unmask(uint32_t ipi)
{
	evtchn_clear_all();
	check("send_ipi_returns_zero", evtchn_port_op(EVTCHNOP_send, ipi), 0);
	xabi(53);
	report(evtchn_pending(ipi) && evtchn_sel_bit(ipi / evtchn_layout()->bits) &&
	       VI->evtchn_upcall_pending, "send_ipi_synchronous");
	evtchn_clear_all();
	evtchn_mask(ipi);
	check("send_masked_ipi_returns_zero", evtchn_port_op(EVTCHNOP_send, ipi), 0);
	xabi(54);
	report(evtchn_pending(ipi) && !evtchn_sel_word() &&
	       !VI->evtchn_upcall_pending, "send_masked_sets_only_pending");
	check("unmask_returns_zero", evtchn_port_op(EVTCHNOP_unmask, ipi), 0);
	report(!evtchn_masked(ipi), "unmask_clears_mask");
	xabi(54);
	if (!report(evtchn_sel_bit(ipi / evtchn_layout()->bits) &&
		    VI->evtchn_upcall_pending,
		    "unmask_pending_sets_selector_and_upcall"))
		report_info("selector %#lx, upcall_pending %u",
			    (unsigned long)evtchn_sel_word(),
			    VI->evtchn_upcall_pending);
	check("unmask_bad_port_einval", evtchn_port_op(EVTCHNOP_unmask, 5000),
	      -XEN_EINVAL);
}

/*
 * #74: SCHEDOP_block wakes on the timer's upcall, with upcall_mask clear.
 * Nothing exits between arming the timer and blocking: on a slow host one
 * console exit can outlast the 20 ms, the event then comes in at the sti,
 * before the block, and the block waits for an event that never comes (in
 * Xen too).  A round the host held past the deadline before the block is
 * run again; the LAPIC safety ends a block that nothing else ends.
 */
static void block(uint32_t timer)
{
	uint64_t start, end;
	unsigned int round;
	long ret, armed;
	bool late;

	ret = evtchn_set_callback_vector();
	check("callback_irq_vector_returns_zero", ret, 0);
	if (ret)
		return;
	for (round = 0;; round++) {
		evtchn_clear_all();
		evtchn_reset_seen();
		VI->evtchn_upcall_mask = 1;
		apic_safety_fired = 0;
		apic_safety_arm(BLOCK_SAFETY_MS);
		start = now();
		armed = xen_set_timer_op(start + 20 * MS);
		late = evtchn_pending(timer) || now() - start >= 20 * MS;
		asm volatile("sti" ::: "memory");
		ret = HYPERVISOR_sched_op(SCHEDOP_block, NULL);
		cli();
		end = now();
		apic_safety_disarm();
		if (!late || round + 1 == BLOCK_ROUNDS)
			break;
		report_info("round %u: the host held the guest past the deadline before the block",
			    round);
	}
	/* #63: in the kernel now; for a 32-bit guest past 2^32 ns, EBX:ECX */
	xabi(63);
	check("set_timer_op_20ms", armed, 0);
	if (apic_safety_fired)
		report_info("the block ended by the %u ms safety%s", BLOCK_SAFETY_MS,
			    late ? ", its event taken before the block" : "");
	xabi(74);
	check("sched_block_returns_zero", ret, 0);
	xabi(74);
	report(evtchn_seen.callbacks >= 1, "sched_block_woken_by_upcall");
	xabi(74);
	report(VI->evtchn_upcall_mask == 0, "sched_block_clears_upcall_mask");
	xabi(74);
	if (!report(end - start >= 20 * MS, "sched_block_not_before_timer"))
		report_info("returned after %llu ns",
			    (unsigned long long)(end - start));
	/* and on the timer's event, not on some later one: TCG slack only */
	xabi(74);
	if (!report(end - start < 520 * MS, "sched_block_within_500ms_of_timer"))
		report_info("returned after %llu ns",
			    (unsigned long long)(end - start));
	/* the handler's scan took the port */
	report(evtchn_seen.count[timer] == 1 && !evtchn_pending(timer),
	       "sched_block_timer_port_taken_once");
}

static long periodic_op(unsigned int cmd, uint64_t period)
{
	struct vcpu_set_periodic_timer p = { .period_ns = period };

	return xen_vcpu_op(cmd, 0, &p);
}

/*
 * Xen's periodic timer, which KVM does not have: a first event at once
 * (it was never due before), then one per period, none after the stop.
 */
static void periodic(uint32_t timer)
{
	uint64_t start, when;

	check("stop_periodic_returns_zero",
	      periodic_op(VCPUOP_stop_periodic_timer, 0), 0);
	check("set_periodic_below_1ms_einval",
	      periodic_op(VCPUOP_set_periodic_timer, MS - 1), -XEN_EINVAL);
	evtchn_clear_all();
	start = now();
	check("set_periodic_returns_zero",
	      periodic_op(VCPUOP_set_periodic_timer, 10 * MS), 0);
	report(evtchn_pending(timer), "periodic_first_event_at_once");
	evtchn_clear_all();
	report(evtchn_wait(timer, now, start + 2000 * MS, &when),
	       "periodic_next_event");
	if (!report(when >= start + 10 * MS, "periodic_next_event_not_early"))
		report_info("%llu ns after the set",
			    (unsigned long long)(when - start));
	check("stop_periodic_after_set_returns_zero",
	      periodic_op(VCPUOP_stop_periodic_timer, 0), 0);
	evtchn_clear_all();
	evtchn_reset_seen();
	start = now();
	while (now() < start + 50 * MS)
		apic_sleep_ms(5);
	report(!evtchn_pending(timer) && !evtchn_seen.count[timer],
	       "periodic_stopped");
}

/* #51: Xen's codes, and one injection at registration with nothing pending. */
static void upcall_vector(void)
{
	xabi(51);
	check("upcall_vector_below_0x10_einval",
	      evtchn_set_upcall_vector(0, 0x0f), -XEN_EINVAL);
	xabi(51);
	check("upcall_vector_bad_vcpu_enoent",
	      evtchn_set_upcall_vector(1000, EVTCHN_UPCALL_VECTOR),
	      -XEN_ENOENT);
	/* the LAPIC enabled, as Xen wants it for the injection */
	apic_sleep_ms(1);
	evtchn_clear_all();
	evtchn_reset_seen();
	check("upcall_vector_returns_zero",
	      evtchn_set_upcall_vector(0, EVTCHN_UPCALL_VECTOR), 0);
	asm volatile("sti; nop; cli" ::: "memory");
	xabi(51);
	if (!report(evtchn_seen.upcalls == 1,
		    "upcall_vector_injected_once_at_registration"))
		report_info("%u upcalls", evtchn_seen.upcalls);
}

static void case_evtchn(const struct guest_config *cfg)
{
	uint32_t ipi = 0, timer = 0;
	uint64_t deadline = 0, when;
	long ret;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	if (!before_shinfo(&ipi, &timer, &deadline))
		return;

	ret = evtchn_map_shared_info(shinfo_page);
	if (!report_need(ret == 0, "XENMEM_add_to_physmap(shared_info) failed",
			 "shared_info_map"))
		return;
	/* #80: pending as Xen would have left them, selector and upcall too */
	xabi(80);
	if (!report(evtchn_pending(ipi) && evtchn_pending(timer),
		    "early_events_pending_once_mapped"))
		report_info("pending word %#lx",
			    (unsigned long)sh->evtchn_pending[0]);
	xabi(80);
	report(evtchn_sel_bit(0) && VI->evtchn_upcall_pending,
	       "early_events_upcall_pending_once_mapped");

	/* #65: the timer armed before now runs in KVM, to its deadline */
	if (now() >= deadline) {
		xabi(65);
		report_skip("the deadline passed while mapping",
			    "timer_armed_before_map_fires");
		xabi(65);
		report_skip("the deadline passed while mapping",
			    "timer_armed_before_map_not_early");
	} else {
		uint64_t cleared;

		evtchn_clear_all();
		cleared = now();
		ret = evtchn_wait(timer, now, deadline + 3000 * MS, &when);
		xabi(65);
		if (!report(ret, "timer_armed_before_map_fires")) {
			report_info("cleared %lld ns before the deadline, waited until %lld ns after",
				    (long long)(deadline - cleared), (long long)(when - deadline));
			/*
			 * The clock the deadline came from: KVM's timer runs on
			 * its own kvmclock, so a vcpu_time_info whose
			 * tsc_timestamp is not the TSC the vCPU reads (the VMM's
			 * hand-over note gives KVM's clock) puts it late.
			 */
			report_info("vcpu_time_info: system_time %llu at tsc %llu, TSC now %llu",
				    (unsigned long long)time_area.system_time,
				    (unsigned long long)time_area.tsc_timestamp,
				    (unsigned long long)rdtsc());
		}
		xabi(65);
		if (!report(!ret || when >= deadline,
			    "timer_armed_before_map_not_early"))
			report_info("pending %lld ns before its deadline",
				    (long long)(deadline - when));
	}

	codes(ipi, timer);
	loopback();
	unmask(ipi);
	block(timer);
	periodic(timer);
	upcall_vector();
}
DEFINE_CASE("evtchn", case_evtchn);
