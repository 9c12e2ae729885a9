// SPDX-License-Identifier: GPL-2.0
#include "xen.h"

long xen_hypercall(unsigned int op, unsigned long a1, unsigned long a2,
		   unsigned long a3, unsigned long a4, unsigned long a5)
{
	unsigned long entry;
	long ret;

	if (!hypercall_page_ready() || op >= HYPERCALL_ENTRIES)
		return -XEN_ENOSYS;

	/*
	 * The stub loads EAX itself, so EAX can carry the stub's address in.
	 * Argument registers count as clobbered: Xen does not promise to
	 * preserve them.
	 */
	entry = (unsigned long)(hypercall_page + op * HYPERCALL_ENTRY_SIZE);
#ifdef __x86_64__
	{
		register unsigned long r10 asm("r10") = a4;
		register unsigned long r8 asm("r8") = a5;

		asm volatile("call *%%rax"
			     : "=a" (ret), "+D" (a1), "+S" (a2), "+d" (a3),
			       "+r" (r10), "+r" (r8)
			     : "0" (entry)
			     : "memory");
	}
#else
	asm volatile("call *%%eax"
		     : "=a" (ret), "+b" (a1), "+c" (a2), "+d" (a3),
		       "+S" (a4), "+D" (a5)
		     : "0" (entry)
		     : "memory");
#endif
	return ret;
}
