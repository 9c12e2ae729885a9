/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM: /dev/kvm, RAM's memslots, the in-kernel irqchip and its vCPUs.
 */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <stdint.h>

#include "vmm.h"

struct kvm_cpuid2;

int vm_create(struct vm *vm, const struct vmm_config *cfg);
int vcpu_create(struct vm *vm, const struct vmm_config *cfg, uint32_t entry);
int vm_set_clock(struct vm *vm, uint64_t ns);
void vm_destroy(struct vm *vm);
int vm_plug_late(void *vm, const struct mem_range *r);
int vm_unplug_late(void *vm, const struct mem_range *r);

/* cpuid.c */
#define XEN_CPUID_EXTRA	3
struct kvm_cpuid2 *cpuid_get_supported(int kvm_fd);
void cpuid_make_xen(struct kvm_cpuid2 *c, const struct vmm_config *cfg);

#endif /* VMM_KVM_H */
