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
#define GDT_ENTRIES	8	/* spare slots for later mode-switch cases */

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

static inline void load_idt(const struct desc_ptr *dtr)
{
	asm volatile("lidt %0" : : "m" (*dtr));
}

#endif /* __ASSEMBLY__ */
#endif /* GUEST_DESC_H */
