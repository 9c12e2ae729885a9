// SPDX-License-Identifier: GPL-2.0
/*
 * Guest CPUID: what KVM supports, presented as Xen.
 *
 * KVM_GET_SUPPORTED_CPUID advertises KVM's own paravirt interface at
 * 0x40000000.  A guest probing for Xen scans that range for the Xen
 * signature, so KVM's leaves are removed and Xen's put in their place:
 * otherwise the guest would find "KVMKVMKVM" first, or both.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include <rig/abi.h>

#include "kvm.h"
#include "log.h"

#define HV_LEAF_FIRST	0x40000000u
#define HV_LEAF_LAST	0x400000ffu
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)

/* "XenVMMXenVMM" */
#define XEN_SIG_EBX	0x566e6558u
#define XEN_SIG_ECX	0x65584d4du
#define XEN_SIG_EDX	0x4d4d566eu

struct kvm_cpuid2 *cpuid_get_supported(int kvm_fd)
{
	struct kvm_cpuid2 *c;
	unsigned int nent = 64;

	/* The kernel says E2BIG until the array is large enough. */
	for (;;) {
		c = calloc(1, sizeof(*c) +
			   (nent + XEN_CPUID_EXTRA) * sizeof(c->entries[0]));
		if (!c) {
			vmm_err("out of memory for CPUID");
			return NULL;
		}
		c->nent = nent;
		if (!ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c))
			return c;
		free(c);
		if (errno != E2BIG || nent >= 4096) {
			vmm_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			return NULL;
		}
		nent *= 2;
	}
}

static void add_leaf(struct kvm_cpuid2 *c, uint32_t fn, uint32_t eax,
		     uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];

	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->eax = eax;
	e->ebx = ebx;
	e->ecx = ecx;
	e->edx = edx;
}

/* @c must have room for XEN_CPUID_EXTRA more entries. */
void cpuid_make_xen(struct kvm_cpuid2 *c, const struct vmm_config *cfg)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function >= HV_LEAF_FIRST && e->function <= HV_LEAF_LAST)
			continue;
		if (e->function == 1)
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
		c->entries[n++] = *e;
	}
	c->nent = n;

	if (cfg->no_xen)
		return;

	add_leaf(c, RIG_XEN_CPUID_BASE, RIG_XEN_CPUID_BASE + 2,
		 XEN_SIG_EBX, XEN_SIG_ECX, XEN_SIG_EDX);
	add_leaf(c, RIG_XEN_CPUID_BASE + 1,
		 (uint32_t)cfg->xen_major << 16 | cfg->xen_minor, 0, 0, 0);
	/* One hypercall page, installed by writing its GPA to the MSR. */
	add_leaf(c, RIG_XEN_CPUID_BASE + 2, 1, RIG_XEN_MSR, 0, 0);
}
