// SPDX-License-Identifier: GPL-2.0
/*
 * wordsize-grow, wordsize-shrink: the word size changes under a registered
 * runstate area (#21, #22, #36).
 *
 * The area sits at 4052 in the first of two contiguous pages: it fits a
 * compat area exactly and a native one crosses by 4 bytes (time[3]'s high
 * half).  Xen writes the layout of the word size latched at update time,
 * so a switch after registration grows or shrinks what lands there, and
 * the wallclock moves between shared_info offsets 0x900 and 0xc00 while
 * vcpu_info.time, at offset 32 in both layouts, keeps working.
 */
#include "case.h"
#include "ktap.h"
#include "rs_common.h"
#include "string.h"
#include "wordsize.h"

#define AREA_OFFSET	(PAGE_SIZE - RS_COMPAT)		/* 4052 */
#define TAIL_PROBE	8	/* bytes of the next page that are watched */

static uint8_t pages[2 * PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t *const area = pages + AREA_OFFSET;
static uint8_t *const next_page = pages + PAGE_SIZE;
static struct rs_snapshot last;
static bool have_last;

/* Latch the word size of @m and check where the wallclock went. */
static bool switch_to(enum guest_mode m)
{
	unsigned int wc = ws_wc_of(m);
	int fault;

	ws_wc_clear();
	fault = ws_write_msr(m, 0);
	if (fault >= 0)
		report_info("write from %s raised vector %d", mode_name(m),
			    fault);
	xabi(8);
	return report(fault < 0 && ws_wc_only_at(wc), "switch_%s_wc_%#x",
		      mode_name(m), wc);
}

/*
 * Make the hypervisor write the area in @layout, sentinels in the next
 * page first; true if what it wrote is a valid area that did not go
 * back in time.
 */
static bool update_area(enum rs_layout layout, const char *where)
{
	struct rs_snapshot s;
	bool ok;

	/* Poisoned, so that an area nobody wrote cannot pass for valid. */
	memset(area, POISON, layout);
	memset(next_page, SENTINEL, TAIL_PROBE);
	force_update(1);
	runstate_read(area, layout, &s);
	ok = rs_valid(&s) && rs_invariant(&s, where);
	if (have_last && !rs_not_backwards(&last, &s))
		ok = false;
	if (!ok) {
		rs_dump(where, &s);
		if (have_last)
			rs_dump("before", &last);
	}
	last = s;
	have_last = true;
	return ok;
}

/* Only the 4 bytes a native area at 4052 puts in the next page changed. */
static bool crossed(void)
{
	uint32_t hi = last.time[3] >> 32, tail;

	memcpy(&tail, next_page, sizeof(tail));
	return mem_find_not(next_page, 4, SENTINEL) && tail == hi &&
	       !mem_find_not(next_page + 4, TAIL_PROBE - 4, SENTINEL);
}

static bool in_page(void)
{
	return !mem_find_not(next_page, TAIL_PROBE, SENTINEL);
}

static void report_tail(bool ok, const char *name)
{
	if (!report(ok, "%s", name))
		report_info("next page: %02x %02x %02x %02x %02x %02x %02x %02x",
			    next_page[0], next_page[1], next_page[2],
			    next_page[3], next_page[4], next_page[5],
			    next_page[6], next_page[7]);
}

/* #36: the Xen clock runs on through a switch. */
static void check_clock(const char *name, uint64_t *prev)
{
	uint64_t now = xen_clock_ns();

	xabi(36);
	if (!report(now && now > *prev, "%s", name))
		report_info("xen_clock_ns() %llu after %llu",
			    (unsigned long long)now,
			    (unsigned long long)*prev);
	*prev = now;
}

static bool setup(enum guest_mode first, const char *reg_name)
{
	long ret;

	if (!ws_setup())
		return false;
	/* The image's own write latched already: no wallclock check here. */
	if (ws_write_msr(first, 0) >= 0)
		report_info("write from %s raised vector %d", mode_name(first),
			    mode_fault());
	memset(area, POISON, RS_NATIVE);
	ret = runstate_register(area);
	/* Xen and KVM both write the area before the hypercall returns. */
	if (!report(ret == 0 && mem_find_not(area, 4, POISON), "%s",
		    reg_name)) {
		report_info("runstate_register(%p) returned %ld, area %s",
			    area, ret, mem_find_not(area, 4, POISON) ?
			    "written" : "not written");
		return false;
	}
	return true;
}

static const char *const grow_checks[] = {
	"compat_4052_in_page", "switch_long64_wc_0xc00",
	"native_after_switch_crosses", "vcpu_time_after_switch_long64",
	"switch_pm32_wc_0x900", "compat_after_switch_back_in_page",
	"vcpu_time_after_switch_pm32", "runstate_invariant",
};

static void case_wordsize_grow(const struct guest_config *cfg)
{
	uint64_t clock;
	unsigned int i;

	if (!setup(MODE_PM32, "register_compat_4052")) {
		for (i = 0; i < ARRAY_SIZE(grow_checks); i++)
			report_skip("area not registered", "%s", grow_checks[i]);
		return;
	}
	clock = xen_clock_ns();

	xabi(18);
	report_tail(update_area(RS_COMPAT, "compat at 4052") && in_page(),
		    "compat_4052_in_page");

	switch_to(MODE_LONG64);
	xabi(21);
	report_tail(update_area(RS_NATIVE, "native after the switch") &&
		    crossed(), "native_after_switch_crosses");
	check_clock("vcpu_time_after_switch_long64", &clock);

	switch_to(MODE_PM32);
	xabi(22);
	report_tail(update_area(RS_COMPAT, "compat after the switch back") &&
		    in_page(), "compat_after_switch_back_in_page");
	check_clock("vcpu_time_after_switch_pm32", &clock);

	rs_report_invariant("runstate_invariant");
	ws_write_msr(mode_native(), 0);
}
DEFINE_CASE("wordsize-grow", case_wordsize_grow);

static const char *const shrink_checks[] = {
	"native_4052_crosses", "switch_pm32_wc_0x900",
	"compat_after_switch_in_page", "vcpu_time_after_switch_pm32",
	"switch_long64_wc_0xc00", "native_after_switch_back_crosses",
	"vcpu_time_after_switch_long64", "runstate_invariant",
};

static void case_wordsize_shrink(const struct guest_config *cfg)
{
	uint64_t clock;
	unsigned int i;

	if (!setup(MODE_LONG64, "register_native_4052")) {
		for (i = 0; i < ARRAY_SIZE(shrink_checks); i++)
			report_skip("area not registered", "%s", shrink_checks[i]);
		return;
	}
	clock = xen_clock_ns();

	xabi(19);
	report_tail(update_area(RS_NATIVE, "native at 4052") && crossed(),
		    "native_4052_crosses");

	switch_to(MODE_PM32);
	/* The sentinels are fresh: a 44-byte write leaves them alone. */
	xabi(22);
	report_tail(update_area(RS_COMPAT, "compat after the switch") &&
		    in_page(), "compat_after_switch_in_page");
	check_clock("vcpu_time_after_switch_pm32", &clock);

	switch_to(MODE_LONG64);
	xabi(21);
	report_tail(update_area(RS_NATIVE, "native after the switch back") &&
		    crossed(), "native_after_switch_back_crosses");
	check_clock("vcpu_time_after_switch_long64", &clock);

	rs_report_invariant("runstate_invariant");
	ws_write_msr(mode_native(), 0);
}
DEFINE_CASE("wordsize-shrink", case_wordsize_shrink);
