// SPDX-License-Identifier: GPL-2.0
/* Helpers of the runstate cases, see rs_common.h. */
#include "ktap.h"
#include "multiboot.h"
#include "printf.h"
#include "rig.h"
#include "rs_common.h"
#include "string.h"
#include "xen.h"

static struct {
	bool set, broken;
	uint64_t value;
	char where[64];
	uint64_t got;
} inv;

void xabi(unsigned int n)
{
	report_info("xen-abi: %u", n);
}

bool rs_valid(const struct rs_snapshot *s)
{
	return s->state == RUNSTATE_running && !s->update;
}

bool rs_invariant(const struct rs_snapshot *s, const char *where)
{
	uint64_t v = s->entry - rs_sum(s);

	if (!inv.set) {
		inv.set = true;
		inv.value = v;
		return true;
	}
	if (v == inv.value)
		return true;
	if (!inv.broken) {
		inv.broken = true;
		inv.got = v;
		str_copy(inv.where, where, sizeof(inv.where));
	}
	return false;
}

void rs_report_invariant(const char *name)
{
	xabi(13);
	if (!inv.set) {
		report_skip("no valid area was read", "%s", name);
		return;
	}
	if (!report(!inv.broken, "%s", name))
		report_info("entry - sum was %#llx, then %#llx at %s",
			    (unsigned long long)inv.value,
			    (unsigned long long)inv.got, inv.where);
}

/*
 * time[runnable] is left out: KVM's steal accounting has been seen to take
 * time away from it now and then (on 6.1 and 6.12, under host load), a
 * known deviation that runstate-time checks on its own
 * (time_runnable_not_backwards) instead of failing every check that reads
 * the area twice.  The sum still has to grow with state_entry_time.
 */
bool rs_not_backwards(const struct rs_snapshot *a,
		      const struct rs_snapshot *b)
{
	unsigned int i;

	if (b->entry < a->entry || rs_sum(b) < rs_sum(a))
		return false;
	for (i = 0; i < 4; i++)
		if (i != RUNSTATE_runnable && b->time[i] < a->time[i])
			return false;
	return true;
}

static uint64_t clock_start;

/*
 * The first valid area read after a halt, against the Xen clock: whether
 * its entry time was within the bounds, and if not by how much it was off,
 * which the later checks of the case allow for (see rs_clock_reference()).
 */
static struct {
	bool set, ok;
	int64_t offset;
	char why[112];
} ref;

/*
 * The smallest entry - t0 and t1 - entry seen in valid areas (less the
 * reference's offset), as signed numbers: what the slack has to cover on a
 * host, printed for whoever tunes it.
 */
static struct {
	bool set;
	int64_t after_t0, before_t1;
} margin;

long rs_clock_setup(void)
{
	long ret = xen_shared_info_setup();

	if (!ret)
		clock_start = xen_clock_ns();
	return ret;
}

uint64_t rs_clock_start(void)
{
	return clock_start;
}

/* No wrap: entry is below 2^63 (bit 63 is cut off), so are t0 and t1. */
static bool within(uint64_t entry, uint64_t t0, uint64_t t1)
{
	return entry + RS_CLOCK_SLACK_NS >= t0 &&
	       entry <= t1 + RS_CLOCK_SLACK_NS;
}

bool rs_clock_reference(const struct rs_snapshot *s, uint64_t t0,
			uint64_t t1)
{
	if (ref.set || !rs_valid(s))
		return false;
	ref.set = true;
	ref.ok = within(s->entry, t0, t1);
	if (!ref.ok) {
		/*
		 * Measured against @t1: both Xen (at the wake-up) and KVM (at
		 * the entry after the exit) write the area just before the
		 * read, so this does not depend on how long the halt took.
		 */
		ref.offset = (int64_t)(s->entry - t1);
		snprintf(ref.why, sizeof(ref.why),
			 "entry %llu, Xen clock %llu before, %llu after",
			 (unsigned long long)s->entry, (unsigned long long)t0,
			 (unsigned long long)t1);
	}
	return true;
}

void rs_report_clock_reference(const char *name)
{
	xabi(15);
	/* No area to compare is no evidence of the right clock: a failure. */
	if (!ref.set) {
		report(false, "%s", name);
		report_info("no valid area was read after a halt");
		return;
	}
	if (!report(ref.ok, "%s", name))
		report_info("%s: the case's other entry-time checks allow for %lld ns",
			    ref.why, (long long)ref.offset);
}

bool rs_entry_near_clock(const struct rs_snapshot *s, uint64_t t0,
			 uint64_t t1, char *why, unsigned int len)
{
	uint64_t e = s->entry - (uint64_t)ref.offset;
	int64_t a = (int64_t)(e - t0), b = (int64_t)(t1 - e);

	if (rs_valid(s)) {
		if (!margin.set || a < margin.after_t0)
			margin.after_t0 = a;
		if (!margin.set || b < margin.before_t1)
			margin.before_t1 = b;
		margin.set = true;
	}
	if (within(e, t0, t1))
		return true;
	snprintf(why, len, "entry %llu (%lld off), Xen clock %llu before, %llu after",
		 (unsigned long long)s->entry, (long long)ref.offset,
		 (unsigned long long)t0, (unsigned long long)t1);
	return false;
}

bool rs_sum_le_clock(const struct rs_snapshot *s, char *why, unsigned int len)
{
	uint64_t sum = rs_sum(s);

	if (sum <= s->entry &&
	    s->entry - sum <= clock_start + RS_CLOCK_SLACK_NS)
		return true;
	snprintf(why, len, "sum %llu, entry %llu, clock at start %llu",
		 (unsigned long long)sum, (unsigned long long)s->entry,
		 (unsigned long long)clock_start);
	return false;
}

void rs_report_clock_margins(void)
{
	if (margin.set)
		report_info("entry - clock before: at least %lld ns; clock after - entry: at least %lld ns",
			    (long long)margin.after_t0,
			    (long long)margin.before_t1);
}

void rs_dump(const char *what, const struct rs_snapshot *s)
{
	report_info("%s: state %d update %d entry %llu time %llu %llu %llu %llu",
		    what, s->state, s->update, (unsigned long long)s->entry,
		    (unsigned long long)s->time[0],
		    (unsigned long long)s->time[1],
		    (unsigned long long)s->time[2],
		    (unsigned long long)s->time[3]);
}

uint64_t ram_end(void)
{
	const struct multiboot_info *mbi = (const void *)RIG_MBI_GPA;

	if (!(mbi->flags & MULTIBOOT_INFO_MEMORY))
		return 0;
	return (1ull << 20) + ((uint64_t)mbi->mem_upper << 10);
}
