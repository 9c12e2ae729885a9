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
 * hvm64: each vCPU's TSS, whose descriptor takes two slots.  The slots
 * from GDT_TSS_IDX on are the spare ones no mode switch uses.
 */
#define GDT_TSS_IDX	4
#define GDT_TSS(cpu)	((GDT_TSS_IDX + 2 * (cpu)) * 8)
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

#define TSS_SIZE	104	/* no I/O bitmap */
#define TSS_IOMAP_BASE	102	/* where the I/O bitmap would start */

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
