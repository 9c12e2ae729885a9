/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMM_HCALL_KVM_H
#define VMM_HCALL_KVM_H

#include "hypercall.h"
#include "vmm.h"

/* ops_ctx: the struct vm. */
extern const struct hcall_ops hcall_kvm_ops;

/* Before the VM goes: stop what runs outside the vCPU thread. */
void hcall_kvm_stop(void);

#endif /* VMM_HCALL_KVM_H */
