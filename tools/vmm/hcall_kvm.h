/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMM_HCALL_KVM_H
#define VMM_HCALL_KVM_H

#include <signal.h>

#include "hypercall.h"
#include "vmm.h"

/* ops_ctx: the struct vm; vcpu_ctx[id]: its struct vm_vcpu vcpu[id]. */
extern const struct hcall_ops hcall_kvm_ops;

/* Interrupts another vCPU thread's KVM_RUN; its handler does nothing. */
#define VMM_KICK_SIGNAL	SIGUSR1

/* Before the VM goes: stop what runs outside the vCPU thread. */
void hcall_kvm_stop(void);

#endif /* VMM_HCALL_KVM_H */
