// SPDX-License-Identifier: GPL-2.0
/*
 * smp: vCPU 1 brought up by vCPU 0 (INIT-SIPI-SIPI, smp.h), in the build's
 * word size, with its own vcpu_info, runstate area and vcpu_time_info;
 * then vCPU 1 watching vCPU 0's runstate area, the runstate reference's
 * assertion 30, with the update flag off and on.
 *
 * Xen's HVM vCPUs other than 0 start down and come up through the LAPIC,
 * so VCPUOP_is_up says 0 before the SIPI and 1 after.  Each vCPU's areas
 * are registered by that vCPU; the Xen clock it reads from its own
 * vcpu_time_info must lie between what vCPU 0 reads before and after.
 *
 * #30: while vCPU 0 halts and wakes, vCPU 1 reads vCPU 0's area.  With
 * VMASST_TYPE_runstate_update_flag off, Xen never sets bit 63 of
 * state_entry_time; with it on, a read that sees bit 63 clear and the same
 * state_entry_time before and after is a consistent snapshot: its
 * state_entry_time - sum(time[]) is the constant vCPU 0 sees in its own
 * area (#13), and its state_entry_time is no later than the Xen clock
 * vCPU 1 reads right after (#15; give or take RS_CLOCK_SLACK_NS, as every
 * runstate case: KVM keeps the runstate in get_kvmclock_ns() and publishes
 * the pvclock per vCPU).  KVM rewrites the area only around the
 * vCPU's preemptions and halts, a few dozen times in the watch: a KVM
 * that sets bit 63 around every update whatever the guest asked (6.1) is
 * caught at it only when a read and an update coincide.
 */
#include <stddef.h>
#include <stdint.h>
#include "case.h"
#include "compiler.h"
#include "desc.h"
#include "div64.h"
#include "evtchn.h"
#include "ktap.h"
#include "processor.h"
#include "pvclock.h"
#include "rs_common.h"
#include "runstate.h"
#include "smp.h"
#include "string.h"
#include "xen.h"
#include "xen_ops.h"

#define MS			1000000ull
#define CR0_PE			(1u << 0)
#define EFER_LMA		(1u << 10)
#define VMASST_TYPE_UPDATE_FLAG	5
#define SAMPLE_MS		300	/* how long vCPU 1 watches */

struct percpu {
	struct vcpu_time_info time __aligned(64);
	uint8_t runstate[64] __aligned(64);
};

static uint8_t shinfo_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t vi_page[SMP_MAX_CPUS][PAGE_SIZE] __aligned(PAGE_SIZE);
static struct percpu pcpu[SMP_MAX_CPUS] __aligned(PAGE_SIZE);

static uint64_t clock_of(unsigned int cpu)
{
	return pvclock_read_ns(&pcpu[cpu].time);
}

static void check(const char *name, long got, long want)
{
	if (!report(got == want, "%s", name))
		report_info("%s: got %ld, want %ld", name, got, want);
}

/* A 64-bit field another vCPU's hypervisor may be writing: not torn. */
static uint64_t read64(const volatile void *p)
{
	const volatile uint32_t *w = p;
	uint32_t lo, hi;

	do {
		hi = w[1];
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		lo = w[0];
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (hi != w[1]);
	return (uint64_t)hi << 32 | lo;
}

/* state_entry_time, with the update bit, in this build's layout. */
static const volatile void *entry_of(const uint8_t *area)
{
	return area + (rs_layout_native() == RS_COMPAT ? 4 : 8);
}

static uint64_t sum_of(const uint8_t *area)
{
	const volatile uint8_t *t = (const volatile uint8_t *)entry_of(area) + 8;
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < 4; i++)
		sum += read64(t + 8 * i);
	return sum;
}

/* vCPU @cpu's areas, registered by the vCPU itself: 0 or the first error. */
struct reg_result {
	long vcpu_info, runstate, time;
	uint64_t clock;		/* the Xen clock right after, from its area */
	uint32_t time_version;
	int32_t state;		/* its own runstate, read by itself */
	uint64_t entry;
};

static struct reg_result reg[SMP_MAX_CPUS];

static void register_own(void *arg)
{
	unsigned int cpu = smp_cpu_id();
	struct reg_result *r = &reg[cpu < SMP_MAX_CPUS ? cpu : 0];
	struct vcpu_register_vcpu_info info = {
		.mfn = (uintptr_t)vi_page[cpu] >> 12,
	};
	uint64_t va;

	memset(vi_page[cpu], 0, PAGE_SIZE);
	r->vcpu_info = xen_vcpu_op(VCPUOP_register_vcpu_info, cpu, &info);
	va = (uintptr_t)pcpu[cpu].runstate;
	r->runstate = xen_vcpu_op(VCPUOP_register_runstate_memory_area, cpu,
				  &va);
	va = (uintptr_t)&pcpu[cpu].time;
	r->time = xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, cpu, &va);
	r->time_version = pcpu[cpu].time.version;
	r->clock = clock_of(cpu);
	r->state = *(volatile int32_t *)pcpu[cpu].runstate;
	r->entry = read64(entry_of(pcpu[cpu].runstate)) & ~XEN_RUNSTATE_UPDATE;
	if (cpu)
		evtchn_attach_cpu(cpu, vi_page[cpu]);
}

/* What vCPU 1 saw of vCPU 0's area in SAMPLE_MS. */
struct watch {
	bool flag_on;
	uint64_t constant;	/* vCPU 0's entry - sum, from itself */
	unsigned int reads, set, consistent, bad_constant, after_clock,
		     changes;
	uint64_t worst_lag, bad_diff;
};

static struct watch watch;

static void watch_vcpu0(void *arg)
{
	struct watch *w = arg;
	const uint8_t *area = pcpu[0].runstate;
	uint64_t e1, e2, sum, now, end, last = 0;

	end = clock_of(1) + SAMPLE_MS * MS;
	do {
		e1 = read64(entry_of(area));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		sum = sum_of(area);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		e2 = read64(entry_of(area));
		now = clock_of(1);
		w->reads++;
		if ((e1 | e2) & XEN_RUNSTATE_UPDATE) {
			w->set++;
			continue;
		}
		if (e1 != e2)
			continue;
		w->consistent++;
		if (e1 != last)
			w->changes++;
		last = e1;
		if (e1 - sum != w->constant) {
			w->bad_constant++;
			w->bad_diff = e1 - sum;
		}
		if (e1 > now + RS_CLOCK_SLACK_NS)
			w->after_clock++;
		if (e1 <= now && now - e1 > w->worst_lag)
			w->worst_lag = now - e1;
	} while (now < end);
}

static void report_watch(const struct watch *w)
{
	uint64_t lag_us = w->worst_lag;

	do_div(lag_us, 1000);
	report_info("flag %s: %u reads, %u with bit 63, %u consistent, %u changes, worst lag %llu us",
		    w->flag_on ? "on" : "off", w->reads, w->set, w->consistent,
		    w->changes, (unsigned long long)lag_us);
	if (!w->flag_on) {
		xabi(30);
		if (!report(!w->set, "update_flag_off_bit63_never_seen"))
			report_info("bit 63 seen in %u of %u reads", w->set,
				    w->reads);
	} else {
		report_need(w->consistent > 0 && w->changes > 1,
			    "no consistent snapshot with vCPU 0 changing state",
			    "update_flag_on_snapshots");
		xabi(30);
		if (!report(!w->bad_constant, "update_flag_on_snapshot_invariant"))
			report_info("%u snapshots off the constant %llu (e.g. %llu)",
				    w->bad_constant,
				    (unsigned long long)w->constant,
				    (unsigned long long)w->bad_diff);
	}
	xabi(30);
	if (!report(!w->after_clock, "%s_entry_not_after_xen_clock",
		    w->flag_on ? "update_flag_on" : "update_flag_off"))
		report_info("%u snapshots after vCPU 1's clock", w->after_clock);
}

/* vCPU 0 changes state (HLT and back) while vCPU 1 watches. */
static void watch_round(bool flag_on)
{
	memset(&watch, 0, sizeof(watch));
	watch.flag_on = flag_on;
	watch.constant = (read64(entry_of(pcpu[0].runstate)) &
			  ~XEN_RUNSTATE_UPDATE) - sum_of(pcpu[0].runstate);
	if (!report_need(smp_call(watch_vcpu0, &watch), "vCPU 1 is busy",
			 "watch_%s", flag_on ? "on" : "off"))
		return;
	/* smp_wait() halts a millisecond at a time: the state changes. */
	if (!report_need(smp_wait(SAMPLE_MS * 10), "vCPU 1 did not return",
			 "watch_%s_done", flag_on ? "on" : "off"))
		return;
	report_watch(&watch);
}

static void case_smp(const struct guest_config *cfg)
{
	struct smp_ap_arrival a;
	uint64_t before, after;
	long ret;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	if (!report_need(evtchn_map_shared_info(shinfo_page) == 0,
			 "XENMEM_add_to_physmap failed", "shared_info_map"))
		return;

	check("vcpu1_down_before_sipi", xen_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
	check("vcpu2_does_not_exist", xen_vcpu_op(VCPUOP_is_up, 2, NULL),
	      -XEN_ENOENT);
	register_own(NULL);
	check("vcpu0_register_vcpu_info", reg[0].vcpu_info, 0);
	check("vcpu0_register_runstate", reg[0].runstate, 0);
	check("vcpu0_register_time_area", reg[0].time, 0);
	if (!report_need(reg[0].clock != 0, "no Xen clock on vCPU 0",
			 "vcpu0_clock"))
		return;

	if (!report_need(smp_start_ap(2000, &a), "vCPU 1 did not arrive",
			 "vcpu1_started"))
		return;
	check("vcpu1_apic_id", a.apic_id, 1);
	report_info("vCPU 1: cs %#x cr0 %#llx cr4 %#llx efer %#llx", a.cs,
		    (unsigned long long)a.cr0, (unsigned long long)a.cr4,
		    (unsigned long long)a.efer);
	if (guest_is_64bit())
		report(a.long_mode && a.cs == GDT_CS64 && (a.efer & EFER_LMA),
		       "vcpu1_in_long_mode");
	else
		report(!a.long_mode && a.cs == GDT_CS32 && (a.cr0 & CR0_PE),
		       "vcpu1_in_protected_mode");
	check("vcpu1_up_after_sipi", xen_vcpu_op(VCPUOP_is_up, 1, NULL), 1);

	before = clock_of(0);
	ret = smp_call(register_own, NULL) && smp_wait(2000);
	after = clock_of(0);
	if (!report_need(ret, "vCPU 1 did not run register_own",
			 "vcpu1_register_ran"))
		return;
	check("vcpu1_register_vcpu_info", reg[1].vcpu_info, 0);
	check("vcpu1_register_runstate", reg[1].runstate, 0);
	check("vcpu1_register_time_area", reg[1].time, 0);
	report(reg[1].time_version && !(reg[1].time_version & 1),
	       "vcpu1_time_area_valid_on_return");
	/* One Xen clock for both vCPUs, give or take the rig's slack. */
	if (!report(before <= reg[1].clock + RS_CLOCK_SLACK_NS &&
		    reg[1].clock <= after + RS_CLOCK_SLACK_NS,
		    "vcpu1_clock_between_vcpu0_reads"))
		report_info("vCPU 0 %llu .. %llu, vCPU 1 %llu",
			    (unsigned long long)before,
			    (unsigned long long)after,
			    (unsigned long long)reg[1].clock);
	check("vcpu1_own_runstate_running", reg[1].state, RUNSTATE_running);
	if (!report(reg[1].entry <= reg[1].clock + RS_CLOCK_SLACK_NS,
		    "vcpu1_own_runstate_entry_not_after_clock"))
		report_info("entry %llu, clock %llu",
			    (unsigned long long)reg[1].entry,
			    (unsigned long long)reg[1].clock);
	/* vCPU 1's registrations are its own: vCPU 0's areas are as they were */
	check("vcpu0_runstate_still_running",
	      *(volatile int32_t *)pcpu[0].runstate, RUNSTATE_running);
	report(pcpu[0].time.version && clock_of(0) >= after,
	       "vcpu0_time_area_still_written");

	watch_round(false);
	ret = xen_vm_assist(VMASST_CMD_enable, VMASST_TYPE_UPDATE_FLAG);
	check("update_flag_enable", ret, 0);
	if (ret)
		report_skip("the update flag is off", "update_flag_on_watch");
	else
		watch_round(true);
}

DEFINE_CASE("smp", case_smp);
