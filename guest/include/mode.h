/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running a few instructions in another processor mode.
 *
 * Xen latches the guest's word size from the mode the hypercall-page MSR is
 * written in (CS.L), KVM from EFER.LMA; the cases that tell the two apart
 * need to write that MSR, and make hypercalls, from 32-bit protected mode,
 * from compatibility mode and from 64-bit mode, whichever image they run
 * in.  mode_call() switches to the mode, runs one operation there with
 * interrupts off and comes back; the caller sees none of the switch.
 */
#ifndef GUEST_MODE_H
#define GUEST_MODE_H

/* Operations: plain numbers, because mode.S dispatches on them too. */
#define MODE_OP_INFO	0	/* answer: MODE_INFO_* bits, the mode reached */
#define MODE_OP_WRMSR	1	/* wrmsr(a, b): answer 0 */
#define MODE_OP_RDMSR	2	/* rdmsr(a): answer the low half */
#define MODE_OP_HCALL	3	/* hypercall-page entry a, first argument b,
				 * the others 0, in the mode's own ABI:
				 * answer EAX */
#define MODE_OP_JUMP	4	/* 32-bit modes: jump to a, never return
				 * (self-kexec leaves hvm64 through this) */

#define MODE_INFO_PG		(1 << 0)	/* CR0.PG */
#define MODE_INFO_LMA		(1 << 1)	/* EFER.LMA */
#define MODE_INFO_CS(info)	((unsigned long)(info) >> 16)

#ifndef __ASSEMBLY__

#include <stdint.h>

enum guest_mode {
	MODE_PM32,	/* protected mode, paging off: hvm32's own */
	MODE_COMPAT,	/* long mode, 32-bit code segment (LMA=1, CS.L=0) */
	MODE_LONG64,	/* long mode, 64-bit code segment: hvm64's own */
	MODE_COUNT
};

/*
 * Run @op in mode @m and return its answer, a 32-bit value sign-extended.
 * Exceptions at the operation's wrmsr or rdmsr are caught, whatever the
 * mode: the instruction is skipped and mode_fault() names the vector.  Any
 * other exception in a foreign mode stops the guest with SHUTDOWN_crash.
 */
long mode_call(enum guest_mode m, unsigned int op, unsigned long a,
	       unsigned long b);

/* Vector of the exception the last mode_call() took, or -1 for none. */
int mode_fault(void);

/* High half of the last MODE_OP_RDMSR. */
uint32_t mode_msr_high(void);

/* The mode the image itself runs in. */
enum guest_mode mode_native(void);

/* "pm32", "compat", "long64": stable, for check names. */
const char *mode_name(enum guest_mode m);

/* wrmsr from mode @m: -1 if it went through, else the vector it raised. */
int mode_wrmsr(enum guest_mode m, uint32_t msr, uint32_t val);

#endif /* __ASSEMBLY__ */
#endif /* GUEST_MODE_H */
