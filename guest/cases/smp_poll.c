// SPDX-License-Identifier: GPL-2.0
/*
 * smp-poll: SCHEDOP_poll on vCPU 0, woken by an event vCPU 1 sends: the
 * event-channel reference's assertion 72.
 *
 * Xen's evtchn_2l_set_pending() checks the pollers on every raise
 * (evtchn_check_pollers): any vCPU polling the port wakes, whichever vCPU
 * the port notifies.  KVM checks for a poller only when the port is
 * masked, and only on the port's notify vCPU (kvm_xen_check_poller), so a
 * vCPU polling a port of another vCPU sleeps on.
 *
 * vCPU 0 polls one masked IPI port with interrupts off, a LAPIC one-shot
 * as its safety (SAFETY_MS) and a Xen deadline past the safety.  vCPU 1
 * sends the port SEND_DELAY after vCPU 0 said it was about to poll, by
 * its own Xen clock.  The control polls
 * a port whose notify vCPU is vCPU 0, which both hypervisors wake; the
 * check polls vCPU 1's.  Each must return within WAKE of the send, by the
 * Xen clock both vCPUs read, and without the safety.
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
#include "smp.h"
#include "string.h"
#include "xen.h"
#include "xen_ops.h"

#define MS			1000000ull
#define SEND_DELAY		(100 * MS)	/* vCPU 1 sends this long after */
#define SAFETY_MS		1500		/* the LAPIC timer that ends it */
#define WAKE_MS			300		/* the send to the poll's return */
#define DEADLINE		(3000 * MS)	/* Xen's, past the safety */
#define MAX_POLLS		2		/* one spurious return allowed */

static uint8_t shinfo_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t vi_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static struct vcpu_time_info time_area[SMP_MAX_CPUS] __aligned(64);

static uint64_t clock_of(unsigned int cpu)
{
	return pvclock_read_ns(&time_area[cpu]);
}

static void check(const char *name, long got, long want)
{
	if (!report(got == want, "%s", name))
		report_info("%s: got %ld, want %ld", name, got, want);
}

/*
 * vCPU 1: send @port SEND_DELAY after vCPU 0 says it is about to poll
 * (@entered, vCPU 0's clock), so that the poll is blocked by then even
 * on a slow host; give up after @giveup.
 */
static struct {
	uint32_t port;
	uint64_t entered;	/* vCPU 0's clock right before the poll */
	uint32_t go;		/* entered is set (release/acquire) */
	uint64_t giveup;
	uint64_t sent;		/* its clock right before the send */
	long ret, time;
} ap;

static void ap_time_area(void *arg)
{
	uint64_t va = (uintptr_t)&time_area[1];

	ap.time = xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 1, &va);
}

static void ap_send_later(void *arg)
{
	uint64_t t, entered;

	while (!__atomic_load_n(&ap.go, __ATOMIC_ACQUIRE) &&
	       clock_of(1) < ap.giveup)
		cpu_relax();
	if (!__atomic_load_n(&ap.go, __ATOMIC_ACQUIRE))
		return;
	entered = ap.entered;
	while ((t = clock_of(1)) < entered + SEND_DELAY)
		cpu_relax();
	ap.sent = t;
	ap.ret = evtchn_send(ap.port);
}

static unsigned int to_ms(uint64_t ns)
{
	do_div(ns, 1000000);
	return ns;
}

/*
 * Poll @port (masked, not pending) on vCPU 0 while vCPU 1 sends it.  A
 * return with the port still not pending is spurious (Xen and KVM allow
 * them): poll again, up to the safety.
 */
static void poll_woken(const char *name, uint32_t port, bool xabi72)
{
	struct sched_poll p = { .nr_ports = 1 };
	evtchn_port_t ports[1] = { port };
	uint64_t start, end = 0, begin = 0;
	unsigned int polls = 0;
	long ret = 0;
	bool ok;

	set_xen_guest_handle(p.ports, ports);
	evtchn_clear_pending(port);
	evtchn_mask(port);
	apic_safety_fired = 0;
	ap.port = port;
	ap.ret = -1;
	ap.sent = 0;
	ap.go = 0;
	ap.giveup = clock_of(0) + SAFETY_MS * MS;
	if (!report_need(smp_call(ap_send_later, NULL), "vCPU 1 is busy",
			 "%s_call", name))
		return;
	cli();
	apic_safety_arm(SAFETY_MS);
	start = clock_of(0);
	ap.entered = start;
	__atomic_store_n(&ap.go, 1, __ATOMIC_RELEASE);
	do {
		begin = clock_of(0);
		p.timeout = begin + DEADLINE;
		ret = HYPERVISOR_sched_op(SCHEDOP_poll, &p);
		end = clock_of(0);
		polls++;
	} while (!ret && !evtchn_pending(port) && !apic_safety_fired &&
		 end - start < SAFETY_MS * MS);
	apic_safety_disarm();
	ok = smp_wait(SAFETY_MS);
	if (!report_need(ok && ap.sent, "vCPU 1 did not send", "%s_sent",
			 name))
		return;
	/*
	 * The port is pending only after the send: a vCPU 0 clock that says
	 * otherwise, or that went back, is not one Xen clock (a host whose
	 * TSC calibration failed).  And a blocking poll that began after the
	 * send tells nothing (a yield, polling again and again, is judged).
	 */
	if (!report_need(end >= start && end + RS_CLOCK_SLACK_NS >= ap.sent,
			 "the two vCPUs' Xen clocks disagree", "%s_one_clock",
			 name))
		return;
	if (polls <= MAX_POLLS &&
	    !report_need(begin < ap.sent, "the last poll began after vCPU 1's send",
			 "%s_polling_at_send", name))
		return;
	report_info("%s: sent at +%u ms, poll returned at +%u ms after %u poll(s), ret %ld%s",
		    name, to_ms(ap.sent - start), to_ms(end - start), polls,
		    ret, apic_safety_fired ? ", safety fired" : "");
	if (!report(ap.ret == 0, "%s_send_ok", name))
		report_info("send: %ld", ap.ret);
	if (xabi72)
		xabi(72);
	/*
	 * Woken by the send: one poll (a spurious return allowed), not a
	 * poll that keeps returning at once until the port happens to be
	 * pending, which is a yield.
	 */
	if (!report(!ret && evtchn_pending(port) && !apic_safety_fired &&
		    polls <= MAX_POLLS && end >= ap.sent &&
		    end - ap.sent < WAKE_MS * MS, "%s", name))
		report_info("want one poll returning within %u ms of the send, got %u poll(s) and %s%u ms",
			    WAKE_MS, polls, end >= ap.sent ? "" : "-",
			    to_ms(end >= ap.sent ? end - ap.sent :
				  ap.sent - end));
	evtchn_clear_pending(port);
}

static void case_smp_poll(const struct guest_config *cfg)
{
	uint64_t va = (uintptr_t)&time_area[0];
	uint32_t own, other;
	long ret;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	if (!evtchn_setup_pages(shinfo_page, vi_page))
		return;
	if (!report_need(xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0,
				     &va) == 0 && time_area[0].version,
			 "no vcpu_time_info for vCPU 0", "time_area_register"))
		return;
	if (!report_need(smp_start_ap(2000, NULL), "vCPU 1 did not arrive",
			 "vcpu1_started"))
		return;
	if (!report_need(smp_call(ap_time_area, NULL) && smp_wait(2000) &&
			 !ap.time && time_area[1].version,
			 "no vcpu_time_info for vCPU 1", "vcpu1_time_area"))
		return;
	evtchn_clear_all();
	ret = evtchn_bind_ipi(0, &own);
	check("bind_ipi_vcpu0", ret, 0);
	ret |= evtchn_bind_ipi(1, &other);
	check("bind_ipi_vcpu1", ret, 0);
	if (ret)
		return;

	/* The control: the poller is the port's notify vCPU. */
	poll_woken("poll_own_port_woken_by_vcpu1", own, false);
	/* #72: the poller is another vCPU than the port's. */
	poll_woken("poll_other_vcpus_port_woken_by_vcpu1", other, true);
}

DEFINE_CASE("smp-poll", case_smp_poll);
