/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the runstate cases: what a valid area looks like, the
 * run-wide invariant, sentinels, and what the guest knows about its memory.
 */
#ifndef GUEST_RS_COMMON_H
#define GUEST_RS_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include "runstate.h"

#define PAGE_SIZE	4096u
#define SENTINEL	0xa5	/* bytes around an area: must never change */
#define POISON		0xff	/* an area before a write it must receive */
#define NSEC_PER_MSEC	1000000ull

/* Print "# xen-abi: N" before a check that implements assertion N. */
void xabi(unsigned int n);

/* Written by the hypervisor as seen by the owner: running, bit 63 clear. */
bool rs_valid(const struct rs_snapshot *s);

/*
 * state_entry_time - sum(time[]) must be the same in every read of the run
 * (#13; its value differs between Xen and KVM and is not asserted).  The
 * first call sets it; later ones compare.  Returns false on a mismatch and
 * remembers the first one for rs_report_invariant().
 */
bool rs_invariant(const struct rs_snapshot *s, const char *where);
void rs_report_invariant(const char *name);

/* Every time[i] and the entry time of @b are >= those of @a (#14). */
bool rs_not_backwards(const struct rs_snapshot *a,
		      const struct rs_snapshot *b);

/*
 * The values of an area against the Xen clock (vcpu_info.time), for cases
 * that called rs_clock_setup().  Emulation delays every clock read, and the
 * host's clock and the guest's pvclock extrapolation may drift apart by a
 * little, so both bounds get RS_CLOCK_SLACK_NS.
 */
#define RS_CLOCK_SLACK_NS	(50 * NSEC_PER_MSEC)

/*
 * xen_shared_info_setup() and the first read of the Xen clock, which comes
 * after the vCPU was created: 0 or the failing hypercall's result.
 */
long rs_clock_setup(void);

/* The Xen clock at rs_clock_setup(), 0 when there is none. */
uint64_t rs_clock_start(void);

/*
 * The runstate times are in the clock of vcpu_info.time (#15): for the
 * first valid area @s read after a halt, with @t0 read before the halt and
 * @t1 after the read, t0 <= entry <= t1 (on Xen the wake-up is a state
 * change; KVM writes its clock at every entry).  Returns whether @s was
 * taken as the reference; rs_report_clock_reference() reports the check.
 *
 * KVM keeps the runstate times in get_kvmclock_ns() and publishes
 * vcpu_info.time from the vCPU's pvclock, and on a host whose TSC rate
 * changed after KVM took it the two are seconds apart, in every area
 * read: that fails this one check, and rs_entry_near_clock() then judges
 * each area's entry time with the offset seen here taken off, so that the
 * areas' own values are still checked.
 */
bool rs_clock_reference(const struct rs_snapshot *s, uint64_t t0,
			uint64_t t1);
void rs_report_clock_reference(const char *name);

/*
 * state_entry_time is the Xen clock at the vCPU's last state change (#15,
 * #16): with @t0 read before a halt that preceded the write and @t1 after
 * the area was read, t0 <= entry <= t1, less the reference's offset (0 when
 * rs_clock_reference() passed).  On failure @why says how.
 */
bool rs_entry_near_clock(const struct rs_snapshot *s, uint64_t t0,
			 uint64_t t1, char *why, unsigned int len);

/*
 * sum(time[]) is no larger than state_entry_time, and the difference, the
 * invariant's constant (#13: the vCPU's creation time on Xen, 0 on KVM),
 * is no later than rs_clock_start(): the times never add up to more than
 * the clock has run.  On failure @why says how.
 */
bool rs_sum_le_clock(const struct rs_snapshot *s, char *why, unsigned int len);

/* One line: how close the entry times came to the bounds so far. */
void rs_report_clock_margins(void);

/* One line of diagnostics with a snapshot's fields. */
void rs_dump(const char *what, const struct rs_snapshot *s);

/* The end of RAM (exclusive) from the multiboot memory information. */
uint64_t ram_end(void);

#endif /* GUEST_RS_COMMON_H */
