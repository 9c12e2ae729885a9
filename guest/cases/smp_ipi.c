// SPDX-License-Identifier: GPL-2.0
/*
 * smp-ipi: IPIs as event channels between two vCPUs, as Linux's Xen
 * guests send them.  Each vCPU binds an IPI port on itself
 * (EVTCHNOP_bind_ipi), registers its own vcpu_info and takes its events
 * on its own per-vCPU upcall vector.
 *
 * Xen raises an IPI port on its notify vCPU, whoever sends it: the
 * pending bit in shared_info, the selector bit and upcall_pending in the
 * notify vCPU's vcpu_info, and nothing in the other vCPU's (D.3,
 * evtchn_2l_set_pending).  KVM does the same in the kernel for ports the
 * VMM registered with their vCPU.  Each direction is checked twice: while
 * the receiver has interrupts off, what the sender's EVTCHNOP_send left in
 * memory on return (#53: synchronous), and then that the receiver's
 * upcall takes the port exactly once, on that vCPU.  An IPI cannot be
 * moved to another vCPU (EVTCHNOP_bind_vcpu: -EINVAL).
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
#include "rs_common.h"
#include "smp.h"
#include "smp_evtchn.h"
#include "string.h"
#include "xen.h"
#include "xen_ops.h"

#define MS		1000000ull
#define HOLD_MS		2000	/* the longest a vCPU keeps IF=0 for a check */
#define QUIET_MS	100	/* after an event: nothing more may come */

static uint8_t shinfo_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t vi_page[SMP_MAX_CPUS][PAGE_SIZE] __aligned(PAGE_SIZE);
static struct vcpu_time_info time_area[SMP_MAX_CPUS] __aligned(64);

static uint64_t now(void)
{
	unsigned int cpu = smp_cpu_id();

	return pvclock_read_ns(&time_area[cpu < SMP_MAX_CPUS ? cpu : 0]);
}

static void check(const char *name, long got, long want)
{
	if (!report(got == want, "%s", name))
		report_info("%s: got %ld, want %ld", name, got, want);
}

/* What vCPU 1 did in its own context; the BSP checks it. */
static struct {
	long bind, send;
	uint32_t port;
} ap;

static volatile bool holding, release;

static void ap_bind(void *arg)
{
	ap.bind = evtchn_bind_ipi(1, &ap.port);
}

/* Keep IF=0 (the AP runs work with interrupts off) until released. */
static void ap_hold(void *arg)
{
	uint64_t end = now() + HOLD_MS * MS;

	__atomic_store_n(&holding, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&release, __ATOMIC_ACQUIRE) && now() < end)
		cpu_relax();
	__atomic_store_n(&holding, false, __ATOMIC_RELEASE);
}

static void ap_send(void *arg)
{
	ap.send = evtchn_send(*(uint32_t *)arg);
}

static uint8_t *vi_of(unsigned int cpu)
{
	return vi_page[cpu];
}

static unsigned int sel_word(uint32_t port)
{
	return port / evtchn_layout()->bits;
}

static uint64_t sel_of(unsigned int cpu)
{
	const volatile uint32_t *w =
		(const volatile uint32_t *)(vi_of(cpu) + evtchn_layout()->sel);

	return evtchn_layout()->bits == 32 ? w[0] :
	       (uint64_t)w[1] << 32 | w[0];
}

static uint8_t upcall_pending_of(unsigned int cpu)
{
	return *(volatile uint8_t *)vi_of(cpu);
}

/* Both vCPUs' vcpu_info and counts back to nothing pending. */
static void reset(void)
{
	unsigned int cpu;

	for (cpu = 0; cpu < SMP_MAX_CPUS; cpu++) {
		memset(vi_of(cpu) + EVTCHN_SEL_COMPAT, 0, 12);
		*(volatile uint8_t *)vi_of(cpu) = 0;
	}
	memset((void *)evtchn_cpu_seen, 0,
	       SMP_MAX_CPUS * sizeof(evtchn_cpu_seen[0]));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* What @port raised at @to left in both vCPUs' vcpu_info. */
static void check_landed(const char *dir, uint32_t port, unsigned int to)
{
	unsigned int other = !to;
	uint64_t word = 1ull << sel_word(port);

	xabi(53);
	report(evtchn_pending(port), "%s_pending_on_return", dir);
	if (!report(upcall_pending_of(to) == 1 && (sel_of(to) & word),
		    "%s_on_vcpu%u_vcpu_info", dir, to))
		report_info("vCPU %u: upcall_pending %u, selector %#llx", to,
			    upcall_pending_of(to),
			    (unsigned long long)sel_of(to));
	if (!report(upcall_pending_of(other) == 0 && sel_of(other) == 0,
		    "%s_not_on_vcpu%u_vcpu_info", dir, other))
		report_info("vCPU %u: upcall_pending %u, selector %#llx", other,
			    upcall_pending_of(other),
			    (unsigned long long)sel_of(other));
}

/* Then the receiver's upcall took it once, and the other vCPU never. */
static void check_taken(const char *dir, uint32_t port, unsigned int to)
{
	volatile struct evtchn_cpu_seen *r = &evtchn_cpu_seen[to];
	volatile struct evtchn_cpu_seen *o = &evtchn_cpu_seen[!to];
	unsigned int i;

	for (i = 0; i < 1000 && !r->count[port]; i++)
		apic_sleep_ms(1);
	apic_sleep_ms(QUIET_MS);
	if (!report(r->count[port] == 1 && !o->count[port],
		    "%s_taken_once_on_vcpu%u", dir, to))
		report_info("taken %u times on vCPU %u, %u on vCPU %u",
			    r->count[port], to, o->count[port], !to);
	if (!report(r->sel & (1ull << sel_word(port)),
		    "%s_selector_of_vcpu%u", dir, to))
		report_info("vCPU %u's scans saw selector bits %#llx", to,
			    (unsigned long long)r->sel);
	if (!report(!o->events, "%s_nothing_on_vcpu%u", dir, !to))
		report_info("vCPU %u took %u events", !to, o->events);
}

static bool wait_holding(void)
{
	unsigned int i;

	for (i = 0; i < 1000 && !__atomic_load_n(&holding, __ATOMIC_ACQUIRE);
	     i++)
		apic_sleep_ms(1);
	return holding;
}

/* vCPU 0 sends vCPU 1's port while vCPU 1 has interrupts off. */
static void to_vcpu1(uint32_t p1)
{
	bool ok;
	long ret;

	reset();
	release = false;
	if (!report_need(smp_call(ap_hold, NULL) && wait_holding(),
			 "vCPU 1 did not hold", "to_vcpu1_hold"))
		return;
	ret = evtchn_send(p1);
	check("to_vcpu1_send", ret, 0);
	check_landed("to_vcpu1", p1, 1);
	__atomic_store_n(&release, true, __ATOMIC_RELEASE);
	ok = smp_wait(HOLD_MS * 2);
	if (!report_need(ok, "vCPU 1 did not return", "to_vcpu1_released"))
		return;
	check_taken("to_vcpu1", p1, 1);
}

/* vCPU 1 sends vCPU 0's port while vCPU 0 has interrupts off. */
static void to_vcpu0(uint32_t p0)
{
	uint64_t end;
	bool done;

	reset();
	ap.send = -1;
	cli();
	if (!report_need(smp_call(ap_send, &p0), "vCPU 1 is busy",
			 "to_vcpu0_call"))
		return;
	/* Spin, not halt: the upcall must wait for the checks below. */
	end = now() + HOLD_MS * MS;
	while ((done = !smp_busy()) == false && now() < end)
		cpu_relax();
	if (!report_need(done, "vCPU 1 did not return", "to_vcpu0_sent"))
		return;
	check("to_vcpu0_send", ap.send, 0);
	check_landed("to_vcpu0", p0, 0);
	check_taken("to_vcpu0", p0, 0);
}

/* vCPU 1 sends its own port: the self-IPI, on the AP. */
static void self_vcpu1(uint32_t p1)
{
	reset();
	ap.send = -1;
	if (!report_need(smp_call(ap_send, &p1) && smp_wait(HOLD_MS),
			 "vCPU 1 did not return", "self_vcpu1_sent"))
		return;
	check("self_vcpu1_send", ap.send, 0);
	check_taken("self_vcpu1", p1, 1);
}

static void case_smp_ipi(const struct guest_config *cfg)
{
	struct evtchn_status st = { .dom = DOMID_SELF };
	struct evtchn_bind_vcpu bv = { .vcpu = 0 };
	uint32_t p0;
	long ret;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	if (!evtchn_setup_pages(shinfo_page, vi_page[0]))
		return;
	if (!smp_evtchn_start(&time_area[0], vi_page[1], &time_area[1]))
		return;
	/* Registration marks every selector bit pending: start from none. */
	apic_sleep_ms(QUIET_MS);
	evtchn_clear_all();

	ret = evtchn_bind_ipi(0, &p0);
	check("bind_ipi_vcpu0", ret, 0);
	if (!report_need(smp_call(ap_bind, NULL) && smp_wait(2000),
			 "vCPU 1 did not return", "bind_ipi_vcpu1_ran"))
		return;
	check("bind_ipi_vcpu1", ap.bind, 0);
	if (ret || ap.bind)
		return;
	report_info("ports: vCPU 0's %u, vCPU 1's %u", p0, ap.port);
	if (!report_need(p0 < EVTCHN_CPU_TRACKED && ap.port < EVTCHN_CPU_TRACKED,
			 "a port beyond the per-vCPU counts", "ports_tracked"))
		return;
	st.port = ap.port;
	ret = evtchn_op(EVTCHNOP_status, &st);
	check("status_ipi_vcpu1", ret ? ret : (long)(st.status << 8 | st.vcpu),
	      EVTCHNSTAT_ipi << 8 | 1);
	bv.port = ap.port;
	check("bind_vcpu_ipi_einval", evtchn_op(EVTCHNOP_bind_vcpu, &bv),
	      -XEN_EINVAL);

	to_vcpu1(ap.port);
	to_vcpu0(p0);
	self_vcpu1(ap.port);
}

DEFINE_CASE("smp-ipi", case_smp_ipi);
