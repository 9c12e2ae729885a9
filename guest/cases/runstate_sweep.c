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
 * runstate-ram-end puts the area's last byte on the last byte of RAM and
 * runstate-split puts it across a memslot boundary (VMM --split).
 */
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
	    NR_PROPS };

static const char *const group_names[NR_GROUPS] = {
	"aligned", "mid", "fits", "fits44", "ends", "cross",
};

static const char *const prop_names[NR_PROPS] = {
	"register_returns_zero", "valid_on_return", "sentinels_untouched",
	"rewritten_by_update", "times_not_backwards",
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

static void sweep_one(unsigned int off)
{
	enum rs_layout layout = rs_layout_native();
	unsigned int size = layout;
	enum group g = group_of(off, size);
	uint8_t *area = buf + PAGE_SIZE + off;
	struct rs_snapshot first, after;
	bool first_ok, after_ok;
	long ret;

	if (runstate_register(parking))
		report_info("parking the area failed at offset %u", off);
	memset(buf, SENTINEL, sizeof(buf));
	memset(area, POISON, size);

	ret = runstate_register(area);
	note(g, P_REGISTER, off, ret == 0, "hypercall failed");

	runstate_read(area, layout, &first);
	first_ok = rs_valid(&first) && rs_invariant(&first, "registration");
	note(g, P_VALID, off, first_ok, first.state == -1 ?
	     "area not written" : "state, update bit or invariant wrong");

	note(g, P_SENTINELS, off, sentinels_ok(area, size),
	     "after registration");

	memset(area, POISON, size);
	force_update(0);
	runstate_read(area, layout, &after);
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

	if (!xen_init()) {
		report_error(XEN_INIT_ERROR, "xen_init");
		return;
	}
	report_info("layout %u bytes, offsets 0, %u, %u..%u", rs_layout_native(),
		    PAGE_SIZE / 2, SWEEP_FIRST, PAGE_SIZE - 1);

	sweep_one(0);
	sweep_one(PAGE_SIZE / 2);
	for (off = SWEEP_FIRST; off < PAGE_SIZE; off++)
		sweep_one(off);

	for (g = 0; g < NR_GROUPS; g++)
		report_group(g);
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
	char name[48];
	long ret;
	bool ok;

	area[-1] = SENTINEL;
	if (after)
		area[size] = SENTINEL;
	memset(area, POISON, size);

	ret = runstate_register(area);
	xabi(abi);
	if (!report(ret == 0, "%s_register_returns_zero", pfx))
		report_info("register at %p returned %ld", area, ret);

	runstate_read(area, layout, &s);
	xabi(abi);
	if (!report(rs_valid(&s) && rs_invariant(&s, pfx),
		    "%s_valid_on_return", pfx))
		rs_dump("area", &s);

	memset(area, POISON, size);
	force_update(0);
	runstate_read(area, layout, &s);
	xabi(abi);
	if (!report(rs_valid(&s) && rs_invariant(&s, pfx),
		    "%s_rewritten_by_update", pfx))
		rs_dump("area", &s);

	ok = area[-1] == SENTINEL && (!after || area[size] == SENTINEL);
	xabi(20);
	if (!report(ok, "%s_sentinels_untouched", pfx))
		report_info("before %#x after %#x", area[-1],
			    after ? area[size] : 0);
	snprintf(name, sizeof(name), "%s_invariant_constant", pfx);
	rs_report_invariant(name);
}

static void case_runstate_ram_end(const struct guest_config *cfg)
{
	uint64_t end = ram_end();

	if (!xen_init()) {
		report_error(XEN_INIT_ERROR, "xen_init");
		return;
	}
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
