/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the word-size cases (hcall-page, wordsize-*, kexec-*) share: the
 * latch of the guest's word size through the hypercall-page MSR, and the
 * two things it moves, the shared_info wallclock and the runstate layout.
 */
#ifndef GUEST_WORDSIZE_H
#define GUEST_WORDSIZE_H

#include <stdbool.h>
#include <stdint.h>
#include "mode.h"
#include "runstate.h"

/* shared_info.wc: compat (i386) and native offsets. */
#define WC_COMPAT	0x900
#define WC_NATIVE	0xc00

/*
 * xen_init() and xen_shared_info_setup(); false (reported) on failure, the
 * first as an ERROR: the word-size cases do not test the page's setup.
 */
bool ws_setup(void);

/* The hypercall-page MSR from CPUID. */
uint32_t ws_msr(void);

/* The word size Xen latches for a write from @m: CS.L, so compat is 32. */
enum rs_layout ws_layout_of(enum guest_mode m);
unsigned int ws_wc_of(enum guest_mode m);

/* A mode whose write latches the other word size than @m. */
enum guest_mode ws_opposite(enum guest_mode m);

/*
 * wrmsr(MSR, hypercall_page | @index) from @m: -1, or the vector raised.
 * The page is the one the hypercall wrappers use: a write that goes
 * through refills it.
 */
int ws_write_msr(enum guest_mode m, uint32_t index);

/* shared_info.wc.version at @off (WC_COMPAT or WC_NATIVE), and reset. */
uint32_t ws_wc_version(unsigned int off);
void ws_wc_clear(void);

/* wc written at @off (version even and nonzero), not at the other one. */
bool ws_wc_only_at(unsigned int off);

/*
 * Which layout the hypervisor writes the runstate area at @area in: poison
 * the 4 bytes after a compat area, make it write (force_update) and look.
 * Returns RS_NATIVE, RS_COMPAT, or 0 when the 4 bytes after a native area
 * changed too (an area overrun).
 */
unsigned int ws_runstate_layout(void *area);

/* Dump hypercall-page entry @nr in one diagnostic line. */
void ws_dump_entry(unsigned int nr);

/*
 * Check the page a write just filled: entries other than iret are "mov
 * $nr, %eax; vmcall/vmmcall; ret", no poison left.  Returns the first bad
 * entry, or -1.
 */
int ws_page_bad_entry(void);

#endif /* GUEST_WORDSIZE_H */
