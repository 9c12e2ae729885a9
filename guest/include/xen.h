/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest side of the Xen HVM interface: CPUID discovery, the hypercall
 * page and hypercall wrappers.  ABI constants and structures come from the
 * Xen public headers rather than being retyped here.
 */
#ifndef GUEST_XEN_H
#define GUEST_XEN_H

/*
 * The public headers pick compatibility definitions by interface version;
 * ask for a modern one (4.14) so that sched_op and friends take their
 * current form.
 */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__	0x00040e00
#endif

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/arch-x86/cpuid.h>

/* Xen CPUID leaves are base + offset, base found by xen_cpuid_base(). */
#define XEN_CPUID_LEAF_VERSION		1
#define XEN_CPUID_LEAF_HCALL		2

/*
 * Base leaf of the Xen signature, or 0 if there is none.  Only a leaf that
 * also has the hypercall leaf (EAX >= base + 2) counts.
 */
uint32_t xen_cpuid_base(void);

#define HYPERCALL_ENTRY_SIZE	32
#define HYPERCALL_ENTRIES	(4096 / HYPERCALL_ENTRY_SIZE)

extern uint8_t hypercall_page[4096];

/*
 * Poison the page with RET, ask the hypervisor to fill it through @msr and
 * check that it did.  Returns true if every entry but iret (a ud2 on Xen)
 * now starts with its own "mov $nr, %eax"; only then do the hypercall
 * wrappers use the page.
 */
bool hypercall_page_install(uint32_t msr);
bool hypercall_page_ready(void);

/* The immediate of entry @nr's leading "mov $imm32, %eax", or -1 if none. */
int64_t hypercall_entry_nr(unsigned int nr);

/* CPUID scan plus hypercall_page_install(), for cases that just need Xen. */
bool xen_init(void);

/* Why xen_init() failed, as an ERROR of a case that does not test it. */
#define XEN_INIT_ERROR	"no Xen CPUID leaves or no hypercall page (case smoke checks both)"

/*
 * Call entry @op of the hypercall page.  Arguments go in EBX ECX EDX ESI
 * EDI (32-bit) or RDI RSI RDX R10 R8 (64-bit); Xen returns a negative
 * XEN_E* value on error.  Must not be called before the page is ready.
 */
long xen_hypercall(unsigned int op, unsigned long a1, unsigned long a2,
		   unsigned long a3, unsigned long a4, unsigned long a5);

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_xen_version, cmd,
			     (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_console_io(int cmd, unsigned int count,
					 const char *buf)
{
	return xen_hypercall(__HYPERVISOR_console_io, cmd, count,
			     (unsigned long)buf, 0, 0);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_sched_op, cmd,
			     (unsigned long)arg, 0, 0, 0);
}

#endif /* GUEST_XEN_H */
