// SPDX-License-Identifier: GPL-2.0
/*
 * runstate-preempt: the runstate area while the host keeps preempting the
 * vCPU (#13, #14).  The VMM runs a CPU hog next to the vCPU (vmm --cpu-hog)
 * and this case exits to the VMM over and over: every return to KVM_RUN
 * updates the runstate, so a preemption in the middle of that update is
 * likely within a few seconds instead of once in a thousand matrix runs.
 * Xen keeps state_entry_time - sum(time[]) constant and no time going back
 * whatever the scheduling; a KVM that updates the accounting preemptibly
 * breaks both.
 */
#include "case.h"
#include "cmdline.h"
#include "ktap.h"
#include "rig.h"
#include "rs_common.h"
#include "string.h"
#include "xen.h"

#define RUN_MS_DEFAULT	3000
#define ITER_MAX	2000000u

static uint8_t area_page[PAGE_SIZE] __aligned(PAGE_SIZE);

/* Like rs_not_backwards(), but time[runnable] counts here: it is the point. */
static bool all_forward(const struct rs_snapshot *a,
			const struct rs_snapshot *b)
{
	unsigned int i;

	if (b->entry < a->entry)
		return false;
	for (i = 0; i < 4; i++)
		if (b->time[i] < a->time[i])
			return false;
	return true;
}

static void case_runstate_preempt(const struct guest_config *cfg)
{
	struct rs_snapshot first, prev, s, bad_a, bad_b;
	unsigned int iter = 0, bad_order = 0, bad_valid = 0;
	uint64_t run_ms = RUN_MS_DEFAULT, start;
	long ret;

	cmdline_number(cfg->cmdline, "ms", &run_ms);
	if (!xen_init()) {
		report_error(XEN_INIT_ERROR, "xen_init");
		return;
	}
	ret = xen_shared_info_setup();
	if (!report(ret == 0 && xen_clock_ns(), "preempt_xen_clock")) {
		report_info("xen_shared_info_setup() returned %ld", ret);
		return;
	}

	memset(area_page, POISON, sizeof(area_page));
	ret = runstate_register(area_page);
	if (!report(ret == 0, "preempt_register")) {
		report_info("register returned %ld", ret);
		return;
	}
	runstate_read(area_page, rs_layout_native(), &first);
	rs_invariant(&first, "first read");
	prev = first;

	/* Bounded by the Xen clock and by a count: a stopped clock can't hang. */
	start = xen_clock_ns();
	while (xen_clock_ns() - start < run_ms * NSEC_PER_MSEC &&
	       iter++ < ITER_MAX) {
		/* An exit to the VMM: the next KVM_RUN updates the runstate. */
		rig_cmd(RIG_CMD_HCALL_COUNT, 0);
		runstate_read(area_page, rs_layout_native(), &s);
		if (!rs_valid(&s))
			bad_valid++;
		rs_invariant(&s, "a read after an exit");
		if (!all_forward(&prev, &s) && !bad_order++) {
			bad_a = prev;
			bad_b = s;
		}
		prev = s;
	}
	report_info("%u exits in %llu ms; time[runnable] grew by %llu ns",
		    iter, (unsigned long long)run_ms,
		    (unsigned long long)(prev.time[RUNSTATE_runnable] -
					 first.time[RUNSTATE_runnable]));

	/* Without a preemption this case proves nothing: say so. */
	report(prev.time[RUNSTATE_runnable] > first.time[RUNSTATE_runnable],
	       "preempt_vcpu_was_preempted");
	if (!report(!bad_valid, "preempt_area_valid"))
		report_info("%u reads were not running with bit 63 clear",
			    bad_valid);
	xabi(14);
	if (!report(!bad_order, "preempt_times_not_backwards")) {
		report_info("%u reads went back; the first:", bad_order);
		rs_dump("before", &bad_a);
		rs_dump("after", &bad_b);
	}
	rs_report_invariant("preempt_invariant_constant");
}
DEFINE_CASE("runstate-preempt", case_runstate_preempt);
