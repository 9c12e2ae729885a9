// SPDX-License-Identifier: GPL-2.0
/*
 * runstate-sweep: register the runstate area at every byte offset of the
 * last 64 bytes of a page, page-aligned and mid-page, and check each time
 * that it is written before the hypercall returns, that nothing around it
 * is, and that a forced update rewrites it.  Xen accepts any address and
 * copies through the page tables, so every offset must work, including
 * those where the area crosses into the next page (#18, #19).
 *
 * Offsets are grouped by where the area ends relative to the page, one
 * check per property and group, so that the output stays short and a
 * failure names the first offset that showed it:
 *   aligned  offset 0
 *   mid      offset 2048
 *   fits     ends before the page boundary, and so would 48 bytes
 *   fits44   compat only (4049..4051): ends before the boundary, but 48
 *            bytes would not; KVM up to 6.1 checked 48 whatever the layout
 *   ends     ends exactly at the boundary (native 4048, compat 4052)
 *   cross    crosses into the next page
 *
 * Besides the order of the times, each path checks their values against
 * the Xen clock of vcpu_info (the one both Xen and KVM keep the area in),
 * read before the halt that precedes each write and after the read:
 * state_entry_time between the two (#15), sum(time[]) no larger than it
 * with the difference, the invariant's constant, no later than the case's
 * start (#13), and that constant the run's (#13).  These catch an area
 * written in part or with stale times, which a valid state and a clear
 * update bit do not.  Whether the times are in vcpu_info's clock at all is
 * one check of its own (sweep_runstate_clock_is_xen_clock, #15, on the
 * first area: see rs_clock_reference()).
 *
 * runstate-ram-end puts the area's last byte on the last byte of RAM and
 * runstate-split puts it across a memslot boundary (VMM --split).
 */
#include "apic.h"
#include "case.h"
#include "cmdline.h"
#include "ktap.h"
#include "printf.h"
#include "rs_common.h"
#include "string.h"
#include "xen.h"

#define BUF_PAGES	3	/* sentinel page, area page, page it crosses into */
#define SWEEP_FIRST	(PAGE_SIZE - 64)

enum group { G_ALIGNED, G_MID, G_FITS, G_FITS44, G_ENDS, G_CROSS, NR_GROUPS };
enum prop { P_REGISTER, P_VALID, P_SENTINELS, P_REWRITTEN, P_NOT_BACKWARDS,
	    P_ENTRY_CLOCK, P_SUM_CLOCK, P_INVARIANT, NR_PROPS };

static const char *const group_names[NR_GROUPS] = {
	"aligned", "mid", "fits", "fits44", "ends", "cross",
};

static const char *const prop_names[NR_PROPS] = {
	"register_returns_zero", "valid_on_return", "sentinels_untouched",
	"rewritten_by_update", "times_not_backwards", "entry_near_xen_clock",
	"sum_le_xen_clock", "invariant_constant",
};

struct result {
	unsigned int tried;	/* offsets in the group that ran this */
	unsigned int failed;
	unsigned int first_bad;	/* offset of the first failure */
	char why[96];
};

static struct result results[NR_GROUPS][NR_PROPS];

/*
 * Before the buffer is refilled, the registration moves to a parking area
 * outside it, so that no write the hypervisor makes meanwhile (a preemption
 * marks the vCPU runnable) lands in the buffer.  Parking, not address 0:
 * Xen still copies a registration to address 0 once, and a refused
 * registration must leave the parking area, not an old offset, active.
 */
static uint8_t buf[BUF_PAGES * PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t parking[PAGE_SIZE] __aligned(PAGE_SIZE);

static void note(enum group g, enum prop p, unsigned int off, bool ok,
		 const char *why)
{
	struct result *r = &results[g][p];

	r->tried++;
	if (ok)
		return;
	if (!r->failed++) {
		r->first_bad = off;
		str_copy(r->why, why, sizeof(r->why));
	}
}

static enum group group_of(unsigned int off, unsigned int size)
{
	if (off == 0)
		return G_ALIGNED;
	if (off == PAGE_SIZE / 2)
		return G_MID;
	if (off + size < PAGE_SIZE)
		return off + RS_NATIVE <= PAGE_SIZE ? G_FITS : G_FITS44;
	if (off + size == PAGE_SIZE)
		return G_ENDS;
	return G_CROSS;
}

/* Nothing of @buf outside [area, area + size) differs from SENTINEL. */
static bool sentinels_ok(const uint8_t *area, unsigned int size)
{
	return !mem_find_not(buf, area - buf, SENTINEL) &&
	       !mem_find_not(area + size, buf + sizeof(buf) - area - size,
			     SENTINEL);
}

/*
 * The values of one write against the Xen clock, read at @t0 before the
 * halt that preceded it and at @t1 after the area was read.  Whatever the
 * area holds is judged, written or not: an area never written, or written
 * only in part (a crossing area's second page), has values no clock gives.
 */
static void note_values(enum group g, unsigned int off,
			const struct rs_snapshot *s, uint64_t t0, uint64_t t1,
			const char *when)
{
	uint64_t v = s->entry - rs_sum(s);
	char why[96];
	bool ok;

	ok = rs_entry_near_clock(s, t0, t1, why, sizeof(why));
	note(g, P_ENTRY_CLOCK, off, ok, why);
	ok = rs_sum_le_clock(s, why, sizeof(why));
	note(g, P_SUM_CLOCK, off, ok, why);
	/* Only a valid area counts against the run's constant. */
	ok = rs_valid(s) && rs_invariant(s, when);
	if (rs_valid(s))
		snprintf(why, sizeof(why), "entry - sum %#llx at %s",
			 (unsigned long long)v, when);
	else
		snprintf(why, sizeof(why), "no valid area at %s", when);
	note(g, P_INVARIANT, off, ok, why);
}

static void sweep_one(unsigned int off)
{
	enum rs_layout layout = rs_layout_native();
	unsigned int size = layout;
	enum group g = group_of(off, size);
	uint8_t *area = buf + PAGE_SIZE + off;
	struct rs_snapshot first, after;
	bool first_ok, after_ok;
	uint64_t t0, t1;
	long ret;

	if (runstate_register(parking))
		report_info("parking the area failed at offset %u", off);
	memset(buf, SENTINEL, sizeof(buf));
	memset(area, POISON, size);

	/*
	 * Xen copies the times of the vCPU's last state change at
	 * registration; halting first makes that a wake-up after t0, so the
	 * entry time has a lower bound on Xen as on KVM.
	 */
	t0 = xen_clock_ns();
	apic_sleep_ms(1);
	ret = runstate_register(area);
	note(g, P_REGISTER, off, ret == 0, "hypercall failed");

	runstate_read(area, layout, &first);
	t1 = xen_clock_ns();
	rs_clock_reference(&first, t0, t1);
	note_values(g, off, &first, t0, t1, "registration");
	first_ok = rs_valid(&first) && rs_invariant(&first, "registration");
	note(g, P_VALID, off, first_ok, first.state == -1 ?
	     "area not written" : "state, update bit or invariant wrong");

	note(g, P_SENTINELS, off, sentinels_ok(area, size),
	     "after registration");

	memset(area, POISON, size);
	t0 = xen_clock_ns();
	force_update(1);
	runstate_read(area, layout, &after);
	t1 = xen_clock_ns();
	note_values(g, off, &after, t0, t1, "forced update");
	after_ok = rs_valid(&after) && rs_invariant(&after, "forced update");
	note(g, P_REWRITTEN, off, after_ok, after.state == -1 ?
	     "area not written" : "state, update bit or invariant wrong");
	note(g, P_SENTINELS, off, sentinels_ok(area, size),
	     "after forced update");

	if (first_ok && after_ok)
		note(g, P_NOT_BACKWARDS, off, rs_not_backwards(&first, &after),
		     "time went backwards");
}

static unsigned int abi_of(enum group g, enum prop p)
{
	if (p == P_SENTINELS)
		return 20;
	if (p == P_NOT_BACKWARDS)
		return 14;
	if (p == P_ENTRY_CLOCK)
		return 15;
	if (p == P_SUM_CLOCK || p == P_INVARIANT)
		return 13;
	if (g == G_ALIGNED || g == G_MID)
		return p == P_REWRITTEN ? 11 : 10;
	return rs_layout_native() == RS_COMPAT ? 18 : 19;
}

static void report_group(enum group g)
{
	unsigned int p;

	for (p = 0; p < NR_PROPS; p++) {
		const struct result *r = &results[g][p];

		xabi(abi_of(g, p));
		if (!r->tried) {
			report_skip(results[g][P_REGISTER].tried ?
				    "no offset had a valid area twice" :
				    "no such offset in this layout",
				    "sweep_%s_%s", group_names[g], prop_names[p]);
			continue;
		}
		if (!report(!r->failed, "sweep_%s_%s", group_names[g],
			    prop_names[p]))
			report_info("%u of %u offsets failed, first %u: %s",
				    r->failed, r->tried, r->first_bad, r->why);
	}
}

static void case_runstate_sweep(const struct guest_config *cfg)
{
	unsigned int off, g;

	long ret;

	if (!xen_init()) {
		report_error(XEN_INIT_ERROR, "xen_init");
		return;
	}
	ret = rs_clock_setup();
	if (!report(ret == 0 && rs_clock_start(), "sweep_xen_clock_setup"))
		report_info("shared_info and vcpu_info setup returned %ld, clock %llu",
			    ret, (unsigned long long)rs_clock_start());
	report_info("layout %u bytes, offsets 0, %u, %u..%u", rs_layout_native(),
		    PAGE_SIZE / 2, SWEEP_FIRST, PAGE_SIZE - 1);

	sweep_one(0);
	sweep_one(PAGE_SIZE / 2);
	for (off = SWEEP_FIRST; off < PAGE_SIZE; off++)
		sweep_one(off);

	for (g = 0; g < NR_GROUPS; g++)
		report_group(g);
	rs_report_clock_reference("sweep_runstate_clock_is_xen_clock");
	rs_report_clock_margins();
	rs_report_invariant("sweep_invariant_constant");
}
DEFINE_CASE("runstate-sweep", case_runstate_sweep);

/*
 * One area at @area with one sentinel byte on each side (none after it if
 * @after is false: the area ends at the end of RAM).
 */
static void check_edge_area(uint8_t *area, bool after, const char *pfx,
			    unsigned int abi)
{
	enum rs_layout layout = rs_layout_native();
	unsigned int size = layout;
	struct rs_snapshot s;
	bool ok, clock_ok = true, sum_ok = true;
	char name[48], why[96], clock_why[96] = "", sum_why[96] = "";
	uint64_t t0, t1;
	long ret;

	area[-1] = SENTINEL;
	if (after)
		area[size] = SENTINEL;
	memset(area, POISON, size);

	/* As in the sweep: a halt makes Xen's entry time a wake-up after t0. */
	t0 = xen_clock_ns();
	apic_sleep_ms(1);
	ret = runstate_register(area);
	xabi(abi);
	if (!report(ret == 0, "%s_register_returns_zero", pfx))
		report_info("register at %p returned %ld", area, ret);

	runstate_read(area, layout, &s);
	t1 = xen_clock_ns();
	rs_clock_reference(&s, t0, t1);
	xabi(abi);
	if (!report(rs_valid(&s) && rs_invariant(&s, pfx),
		    "%s_valid_on_return", pfx))
		rs_dump("area", &s);
	if (!rs_entry_near_clock(&s, t0, t1, why, sizeof(why)) && clock_ok) {
		clock_ok = false;
		snprintf(clock_why, sizeof(clock_why), "registration: %s", why);
	}
	if (!rs_sum_le_clock(&s, why, sizeof(why)) && sum_ok) {
		sum_ok = false;
		snprintf(sum_why, sizeof(sum_why), "registration: %s", why);
	}

	memset(area, POISON, size);
	t0 = xen_clock_ns();
	force_update(1);
	runstate_read(area, layout, &s);
	t1 = xen_clock_ns();
	xabi(abi);
	if (!report(rs_valid(&s) && rs_invariant(&s, pfx),
		    "%s_rewritten_by_update", pfx))
		rs_dump("area", &s);
	if (!rs_entry_near_clock(&s, t0, t1, why, sizeof(why)) && clock_ok) {
		clock_ok = false;
		snprintf(clock_why, sizeof(clock_why), "update: %s", why);
	}
	if (!rs_sum_le_clock(&s, why, sizeof(why)) && sum_ok) {
		sum_ok = false;
		snprintf(sum_why, sizeof(sum_why), "update: %s", why);
	}

	snprintf(name, sizeof(name), "%s_runstate_clock_is_xen_clock", pfx);
	rs_report_clock_reference(name);
	xabi(15);
	if (!report(clock_ok, "%s_entry_near_xen_clock", pfx))
		report_info("%s", clock_why);
	xabi(13);
	if (!report(sum_ok, "%s_sum_le_xen_clock", pfx))
		report_info("%s", sum_why);

	ok = area[-1] == SENTINEL && (!after || area[size] == SENTINEL);
	xabi(20);
	if (!report(ok, "%s_sentinels_untouched", pfx))
		report_info("before %#x after %#x", area[-1],
			    after ? area[size] : 0);
	snprintf(name, sizeof(name), "%s_invariant_constant", pfx);
	rs_report_invariant(name);
}

static void edge_clock_setup(const char *pfx)
{
	long ret = rs_clock_setup();

	if (!report(ret == 0 && rs_clock_start(), "%s_xen_clock_setup", pfx))
		report_info("shared_info and vcpu_info setup returned %ld, clock %llu",
			    ret, (unsigned long long)rs_clock_start());
}

static void case_runstate_ram_end(const struct guest_config *cfg)
{
	uint64_t end = ram_end();

	if (!xen_init()) {
		report_error(XEN_INIT_ERROR, "xen_init");
		return;
	}
	edge_clock_setup("ram_end");
	report_info("end of RAM %#llx from multiboot", (unsigned long long)end);
	/* The VMM always passes the memory size, and RAM is below 4 GiB. */
	if (!end || end > 0xffffffffull) {
		report_error("no usable multiboot memory information",
			     "ram_end_area");
		return;
	}
	check_edge_area((uint8_t *)(unsigned long)(end - rs_layout_native()),
			false, "ram_end", 10);
}
DEFINE_CASE("runstate-ram-end", case_runstate_ram_end);

static void case_runstate_split(const struct guest_config *cfg)
{
	uint64_t split;

	if (!xen_init()) {
		report_error(XEN_INIT_ERROR, "xen_init");
		return;
	}
	edge_clock_setup("split");
	if (!cmdline_number(cfg->cmdline, "split", &split) ||
	    split % PAGE_SIZE || split < (2u << 20) || split >= ram_end()) {
		report_error("no split=ADDR, page-aligned in RAM above 2 MiB (the case needs vmm --split ADDR)",
			     "split_area");
		return;
	}
	report_info("area at %#llx, 8 bytes before the memslot boundary",
		    (unsigned long long)split - 8);
	check_edge_area((uint8_t *)(unsigned long)(split - 8), true, "split",
			rs_layout_native() == RS_COMPAT ? 18 : 19);
}
DEFINE_CASE("runstate-split", case_runstate_split);
