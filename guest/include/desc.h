/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Segment selectors and descriptor-table structures.
 *
 * Both builds use the same GDT, which holds a 32-bit and a 64-bit code
 * segment side by side, so that code switching between the two modes only
 * has to reload CS.
 */
#ifndef GUEST_DESC_H
#define GUEST_DESC_H

#define GDT_CS32	0x08
#define GDT_DS		0x10
#define GDT_CS64	0x18
/*
 * Each vCPU's TSS, which holds the way to its #DF handler (trap.c), in the
 * slots no mode switch uses.  hvm64: two slots a descriptor, the handler's
 * stack in IST1.  hvm32: one slot each, and the #DF task's own TSS in a
 * slot that cpl3.c's private GDT keeps.
 */
#define GDT_TSS_IDX	4
#ifdef __x86_64__
#define GDT_TSS(cpu)	((GDT_TSS_IDX + 2 * (cpu)) * 8)
#else
#define GDT_TSS(cpu)	((GDT_TSS_IDX + (cpu)) * 8)
#define GDT_DF_TSS_IDX	7
#define GDT_DF_TSS	(GDT_DF_TSS_IDX * 8)
#endif
#define GDT_ENTRIES	8

#ifdef __x86_64__
#define GDT_CS		GDT_CS64
#else
#define GDT_CS		GDT_CS32
#endif

#define IDT_EXCEPTIONS	32

#ifndef __ASSEMBLY__

#include <stdint.h>
#include "compiler.h"

struct desc_ptr {
	uint16_t limit;
	unsigned long base;
} __packed;

#define GATE_INTERRUPT	0x8e	/* present, DPL 0, interrupt gate */
#define GATE_TASK	0x85	/* present, DPL 0, task gate (hvm32) */
#define GATE_PRESENT	0x80

#define TSS_SIZE	104	/* no I/O bitmap */
#define TSS_IOMAP_BASE	102	/* where the I/O bitmap would start */

/* The 32-bit TSS: what a task switch saves and loads (hvm32's #DF task). */
struct tss32 {
	uint16_t link, r0;
	uint32_t esp0;
	uint16_t ss0, r1;
	uint32_t esp1;
	uint16_t ss1, r2;
	uint32_t esp2;
	uint16_t ss2, r3;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
	uint16_t trap, iomap;
} __packed;

/* head.S */
extern uint64_t gdt[GDT_ENTRIES];

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
#ifdef __x86_64__
	uint32_t offset_high;
	uint32_t reserved;
#endif
} __packed;

/* The low half of an available TSS descriptor for @base (present, DPL 0). */
static inline uint64_t tss_desc_low(unsigned long base)
{
	uint64_t b = (uint32_t)base;

	return (TSS_SIZE - 1) | (b & 0xffffff) << 16 | 0x89ull << 40 |
	       (b >> 24) << 56;
}

static inline void load_idt(const struct desc_ptr *dtr)
{
	asm volatile("lidt %0" : : "m" (*dtr));
}

#endif /* __ASSEMBLY__ */
#endif /* GUEST_DESC_H */
