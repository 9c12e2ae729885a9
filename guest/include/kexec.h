/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Self-kexec: boot one of the guest images that came as multiboot modules,
 * as a multiboot loader would, from inside the running guest.
 *
 * Both images link at 1 MiB, over the running one, so the last part runs
 * from a trampoline copied to a low page that neither image uses: it copies
 * the target's PT_LOAD segments into place, clears the rest of each, and
 * enters the target in 32-bit protected mode with paging off, EAX holding
 * the multiboot magic and EBX a fresh multiboot_info whose command line
 * carries the handover (see kexec_resume()).
 *
 * Guest-physical memory the mechanism owns, all outside both images and
 * below the modules (RIG_MODULE_GPA):
 *   KEXEC_MBI_GPA         the new multiboot_info and its command line
 *   KEXEC_TRAMPOLINE_GPA  the trampoline and its parameters
 *   KEXEC_STATE_GPA       struct kexec_state, then pages for the cases
 */
#ifndef GUEST_KEXEC_H
#define GUEST_KEXEC_H

#define KEXEC_MBI_GPA		0x6000
#define KEXEC_TRAMPOLINE_GPA	0x7000
#define KEXEC_PARAMS_GPA	0x7800
#define KEXEC_STATE_GPA		0x800000	/* 8 MiB */
#define KEXEC_STATE_PAGES	16

#define KEXEC_MAX_SEGS		8

/* struct kexec_params, as the trampoline reads it. */
#define KEXEC_P_ENTRY		0
#define KEXEC_P_MBI		4
#define KEXEC_P_NSEGS		8
#define KEXEC_P_SEGS		12	/* dst, src, copy, clear: 16 bytes each */

#ifndef __ASSEMBLY__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ktap.h"

#define KEXEC_MAGIC		0x6b786563	/* "kxec" */
#define KEXEC_CHAIN_MAX		64

/*
 * The page handed from one stage to the next.  The fields after ktap are
 * the cases' own: kexec.c only keeps the magic, the stage number and the
 * KTAP counters.
 */
struct kexec_state {
	uint32_t magic;
	uint32_t stage;			/* 1 in the image the VMM booted */
	struct ktap_counts ktap;
	char from[8];			/* the image that wrote this */
	char chain[KEXEC_CHAIN_MAX];	/* images still to boot, "a,b" */
	uint32_t xen_major, xen_minor;
	/* The runstate registration the next stage inherits. */
	uint32_t area_gpa;
	uint32_t area_layout;		/* enum rs_layout at the last read */
	/*
	 * i386 aligns a uint64_t to 4 bytes, x86-64 to 8: without the explicit
	 * alignment the two images would put these at different offsets
	 * whenever the fields above add up to an odd number of words.
	 */
	uint64_t entry __aligned(8);	/* state_entry_time then */
	uint64_t time[4];		/* time[] then */
	uint64_t invariant;		/* state_entry_time - sum(time[]) */
};

/*
 * Both images must see one layout.  The offset is written out so that a
 * field that moves it in only one of them fails that image's build.
 */
_Static_assert(offsetof(struct kexec_state, entry) == 120,
	       "struct kexec_state: entry moved (hvm32 and hvm64 must agree)");

static inline struct kexec_state *kexec_state(void)
{
	return (struct kexec_state *)KEXEC_STATE_GPA;
}

/* Page @n (1 .. KEXEC_STATE_PAGES - 1) after the state, for the cases. */
static inline void *kexec_page(unsigned int n)
{
	return (void *)(unsigned long)(KEXEC_STATE_GPA + n * 4096);
}

/*
 * If @cmdline says this image was kexec'd (kexec=STATE_GPA) and the state
 * is there, take over its KTAP counters and return true: the caller must
 * not start a new KTAP stream.
 */
bool kexec_resume(const char *cmdline);

/* The module whose string's base name is @name, or false. */
bool kexec_find_module(unsigned long mbi_gpa, const char *name,
		       const void **image, size_t *len);

/*
 * Boot @image (an elf32 file) with the command line "@args kexec=STATE",
 * saving the KTAP counters into the state last.  Returns only on failure,
 * with the reason, before anything was overwritten.
 */
const char *kexec_boot(unsigned long mbi_gpa, const void *image, size_t len,
		       const char *args);

#endif /* __ASSEMBLY__ */
#endif /* GUEST_KEXEC_H */
