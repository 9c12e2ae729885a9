/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The xAPIC's registers, at the architectural base (the VMM never moves
 * it), and their accessors, for the library and the cases that program
 * the local APIC directly.
 */
#ifndef GUEST_LAPIC_H
#define GUEST_LAPIC_H

#include <stdint.h>

#define APIC_BASE		0xfee00000ul
#define MSR_APIC_BASE		0x1b
#define APIC_BASE_ENABLE	(1u << 11)

#define APIC_ID			0x020
#define APIC_TPR		0x080
#define APIC_EOI		0x0b0
#define APIC_SPIV		0x0f0
#define APIC_SPIV_ENABLE	(1u << 8)
#define APIC_ISR		0x100
#define APIC_IRR		0x200
#define APIC_ICR_LO		0x300
#define APIC_ICR_HI		0x310
#define APIC_ICR_BUSY		(1u << 12)
#define APIC_LVTT		0x320
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_LVT_PERIODIC	(1u << 17)
#define APIC_TMICT		0x380
#define APIC_TDCR		0x3e0
#define APIC_TDR_DIV_1		0xb

static inline uint32_t apic_read(unsigned int reg)
{
	return *(volatile uint32_t *)(APIC_BASE + reg);
}

static inline void apic_write(unsigned int reg, uint32_t val)
{
	*(volatile uint32_t *)(APIC_BASE + reg) = val;
}

#endif /* GUEST_LAPIC_H */
