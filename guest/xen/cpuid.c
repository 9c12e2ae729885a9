// SPDX-License-Identifier: GPL-2.0
/*
 * Xen's CPUID leaves start at 0x40000000 but move up in steps of 0x100 when
 * the hypervisor also offers another interface (Viridian) at the bottom.
 */
#include "processor.h"
#include "xen.h"

#define XEN_CPUID_LAST_BASE	0x4000ff00u

uint32_t xen_cpuid_base(void)
{
	uint32_t base;

	for (base = XEN_CPUID_FIRST_LEAF; base <= XEN_CPUID_LAST_BASE;
	     base += 0x100) {
		struct cpuid r = cpuid(base);

		if (r.b == XEN_CPUID_SIGNATURE_EBX &&
		    r.c == XEN_CPUID_SIGNATURE_ECX &&
		    r.d == XEN_CPUID_SIGNATURE_EDX &&
		    r.a >= base + XEN_CPUID_LEAF_HCALL)
			return base;
	}
	return 0;
}
