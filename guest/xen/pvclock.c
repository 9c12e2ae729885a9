// SPDX-License-Identifier: GPL-2.0
/*
 * pvclock: ns = system_time + scale(tsc - tsc_timestamp), where scale shifts
 * by tsc_shift and multiplies by tsc_to_system_mul / 2^32.  The 64x32
 * multiply is done in halves so that 32-bit code needs no libgcc helper.
 */
#include "compiler.h"
#include "processor.h"
#include "pvclock.h"

#define MSR_IA32_TSC_ADJUST	0x3b
#define CPUID7_EBX_TSC_ADJUST	(1u << 1)

static uint64_t scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
	uint64_t lo, hi;

	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;

	lo = (uint64_t)(uint32_t)delta * mul;
	hi = (uint64_t)(uint32_t)(delta >> 32) * mul;
	return hi + (lo >> 32);
}

/* An update takes microseconds; a version odd for this long is stuck. */
#define MAX_TRIES	10000000u

uint64_t pvclock_read_ns(const volatile struct vcpu_time_info *t)
{
	uint32_t version, mul, tries = 0;
	uint64_t tsc_ts, sys, tsc;
	int8_t shift;

	do {
		/* Give up rather than hang: 0 makes the caller's check fail. */
		if (++tries > MAX_TRIES)
			return 0;
		version = t->version;
		if (!version)
			return 0;
		barrier();
		tsc_ts = t->tsc_timestamp;
		sys = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		tsc = rdtsc();
		barrier();
	} while ((version & 1) || version != t->version);

	/* A TSC read just behind the timestamp must not wrap to the future. */
	if (tsc < tsc_ts)
		return sys;
	return sys + scale_delta(tsc - tsc_ts, mul, shift);
}

bool pvclock_can_poke(void)
{
	return cpuid(0).a >= 7 && (cpuid(7).b & CPUID7_EBX_TSC_ADJUST);
}

void pvclock_poke(void)
{
	if (pvclock_can_poke())
		wrmsr(MSR_IA32_TSC_ADJUST, rdmsr(MSR_IA32_TSC_ADJUST));
}
