// SPDX-License-Identifier: GPL-2.0
/*
 * The hypercall page: the guest names a page by writing its GPA to the MSR
 * given by CPUID, and the hypervisor fills in one 32-byte stub per
 * hypercall, "mov $nr, %eax; vmcall/vmmcall; ret" for KVM.
 */
#include "processor.h"
#include "string.h"
#include "xen.h"

/* Poison: a stub the hypervisor did not write returns at once. */
#define HYPERCALL_POISON	0xc3

uint8_t hypercall_page[4096] __aligned(4096);
static bool page_ready;

int64_t hypercall_entry_nr(unsigned int nr)
{
	const uint8_t *entry = hypercall_page + nr * HYPERCALL_ENTRY_SIZE;
	uint32_t imm;

	if (entry[0] != 0xb8)	/* mov $imm32, %eax */
		return -1;
	memcpy(&imm, entry + 1, sizeof(imm));
	return imm;
}

bool hypercall_page_install(uint32_t msr)
{
	unsigned int nr;

	page_ready = false;
	memset(hypercall_page, HYPERCALL_POISON, sizeof(hypercall_page));

	/* The low 12 bits select which page of the blob: there is only one. */
	wrmsr(msr, (unsigned long)hypercall_page);

	/* Xen makes the iret entry a ud2, KVM an ordinary stub: both do. */
	for (nr = 0; nr < HYPERCALL_ENTRIES; nr++)
		if (hypercall_entry_nr(nr) != nr && nr != __HYPERVISOR_iret)
			return false;

	page_ready = true;
	return true;
}

bool hypercall_page_ready(void)
{
	return page_ready;
}

bool xen_init(void)
{
	uint32_t base = xen_cpuid_base();

	if (!base)
		return false;
	return hypercall_page_install(cpuid(base + XEN_CPUID_LEAF_HCALL).b);
}
