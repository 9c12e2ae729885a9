/* SPDX-License-Identifier: GPL-2.0 */
/* Reading Xen system time from a vcpu_time_info (the pvclock protocol). */
#ifndef GUEST_PVCLOCK_H
#define GUEST_PVCLOCK_H

#include <stdint.h>
#include "xen.h"

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * System time in ns now, from @t; 0 if the hypervisor never wrote it
 * (version 0) or the version stays odd.  Retries while the version is odd
 * or changes under us.
 */
uint64_t pvclock_read_ns(const volatile struct vcpu_time_info *t);

/*
 * A clock update on demand: KVM rewrites every pvclock copy of a vCPU
 * whose IA32_TSC_ADJUST is written, even with its own value.  Only where
 * CPUID says the MSR exists; pvclock_poke() does nothing otherwise.
 */
bool pvclock_can_poke(void);
void pvclock_poke(void);

#endif /* GUEST_PVCLOCK_H */
