// SPDX-License-Identifier: GPL-2.0
/* Helpers of the runstate cases, see rs_common.h. */
#include "ktap.h"
#include "multiboot.h"
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
