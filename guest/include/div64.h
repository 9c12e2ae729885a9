/* SPDX-License-Identifier: GPL-2.0 */
/*
 * do_div(n, base): divide the 64-bit lvalue n by the 32-bit base in place
 * and return the remainder.  The guest is linked without libgcc, so 32-bit
 * code must never divide 64-bit values with plain C operators.
 */
#ifndef GUEST_DIV64_H
#define GUEST_DIV64_H

#include <stdint.h>

static inline uint32_t __do_div(uint64_t *n, uint32_t base)
{
#ifdef __x86_64__
	uint32_t rem = *n % base;

	*n /= base;
	return rem;
#else
	uint32_t hi = *n >> 32, lo = *n, q_hi = 0, rem;

	/* Divide the high half first so that the divl below cannot overflow. */
	if (hi >= base) {
		q_hi = hi / base;
		hi %= base;
	}
	asm("divl %2" : "=a" (lo), "=d" (rem) : "rm" (base), "0" (lo), "1" (hi));
	*n = ((uint64_t)q_hi << 32) | lo;
	return rem;
#endif
}

#define do_div(n, base)	__do_div(&(n), (base))

#endif /* GUEST_DIV64_H */
