/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A view of guest RAM for the hypercall handlers.  Guest addresses are taken
 * as guest-physical: the rig's guests run with paging off or identity-mapped.
 */
#ifndef VMM_GMEM_H
#define VMM_GMEM_H

#include <stddef.h>
#include <stdint.h>

struct gmem {
	uint8_t *base;
	uint64_t size;
};

/*
 * Host pointer to [gpa, gpa + len) or NULL if any byte of it lies outside
 * RAM.  Written so that no sum can wrap: a guest controls both operands.
 */
static inline void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	if (gpa > m->size || len > m->size - gpa)
		return NULL;
	return m->base + gpa;
}

#endif /* VMM_GMEM_H */
