/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A view of guest RAM for the VMM's own accesses: [0, size) in one host
 * mapping, minus whatever the memory layout says is not there (holes, a
 * late range not plugged yet), so that the VMM never reads or writes where
 * the guest itself would hit MMIO.
 */
#ifndef VMM_GMEM_H
#define VMM_GMEM_H

#include <stddef.h>
#include <stdint.h>

#include "memlayout.h"

struct gmem {
	uint8_t *base;
	uint64_t size;
	const struct mem_layout *layout;	/* NULL: all of [0, size) */
};

/*
 * Host pointer to [gpa, gpa + len) or NULL if any byte of it is not guest
 * RAM.  Written so that no sum can wrap: a guest controls both operands.
 */
static inline void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	if (gpa > m->size || len > m->size - gpa)
		return NULL;
	if (m->layout && !mem_present(m->layout, gpa, len))
		return NULL;
	return m->base + gpa;
}

#endif /* VMM_GMEM_H */
