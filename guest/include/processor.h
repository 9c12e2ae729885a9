/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin wrappers around the x86 instructions the guest needs.  Constants are
 * plain #defines so that head.S can use them too.
 */
#ifndef GUEST_PROCESSOR_H
#define GUEST_PROCESSOR_H

#define X86_CR0_PE		(1 << 0)
#define X86_CR0_PG		(1 << 31)
#define X86_CR4_PAE		(1 << 5)

#define MSR_EFER		0xc0000080
#define EFER_LME		(1 << 8)

#define X86_EFLAGS_IF		(1 << 9)

#ifndef __ASSEMBLY__

#include <stdint.h>
#include "compiler.h"

struct cpuid {
	uint32_t a, b, c, d;
};

static inline struct cpuid cpuid(uint32_t leaf)
{
	struct cpuid r;

	asm volatile("cpuid"
		     : "=a" (r.a), "=b" (r.b), "=c" (r.c), "=d" (r.d)
		     : "0" (leaf), "2" (0));
	return r;
}

static inline uint64_t rdmsr(uint32_t index)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (index));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t index, uint64_t val)
{
	asm volatile("wrmsr"
		     : : "c" (index), "a" ((uint32_t)val),
		       "d" ((uint32_t)(val >> 32))
		     : "memory");
}

static inline void outb(uint8_t val, uint16_t port)
{
	asm volatile("outb %0, %1" : : "a" (val), "Nd" (port));
}

static inline void outl(uint32_t val, uint16_t port)
{
	asm volatile("outl %0, %1" : : "a" (val), "Nd" (port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t val;

	asm volatile("inb %1, %0" : "=a" (val) : "Nd" (port));
	return val;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t val;

	asm volatile("inl %1, %0" : "=a" (val) : "Nd" (port));
	return val;
}

/* One VM exit for the whole buffer, however long. */
static inline void outsb(uint16_t port, const void *buf, unsigned long len)
{
	asm volatile("rep outsb"
		     : "+S" (buf), "+c" (len)
		     : "d" (port)
		     : "memory");
}

static inline unsigned long read_cr2(void)
{
	unsigned long val;

	asm volatile("mov %%cr2, %0" : "=r" (val));
	return val;
}

static inline void cli(void)
{
	asm volatile("cli" ::: "memory");
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

/* Stop for good: with IF=0 only an NMI or SMI gets past the hlt. */
static inline __noreturn void halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt" ::: "memory");
}

#endif /* __ASSEMBLY__ */
#endif /* GUEST_PROCESSOR_H */
