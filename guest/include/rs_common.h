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

/* One line of diagnostics with a snapshot's fields. */
void rs_dump(const char *what, const struct rs_snapshot *s);

/* The end of RAM (exclusive) from the multiboot memory information. */
uint64_t ram_end(void);

#endif /* GUEST_RS_COMMON_H */
