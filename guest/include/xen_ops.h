/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wrappers for the hypercalls the runstate library and its cases make:
 * vcpu_op, memory_op, vm_assist.  Named xen_*() rather than HYPERVISOR_*()
 * so that they never collide with wrappers other code adds to xen.h.
 */
#ifndef GUEST_XEN_OPS_H
#define GUEST_XEN_OPS_H

#include <stdint.h>
#include "xen.h"
#include <xen/memory.h>

static inline long xen_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return xen_hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu,
			     (unsigned long)arg, 0, 0);
}

static inline long xen_memory_op(unsigned int cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_memory_op, cmd,
			     (unsigned long)arg, 0, 0, 0);
}

static inline long xen_vm_assist(unsigned int cmd, unsigned int type)
{
	return xen_hypercall(__HYPERVISOR_vm_assist, cmd, type, 0, 0, 0);
}

/* VCPUOP_register_vcpu_info for vCPU 0 at frame @gfn, byte @offset. */
static inline long xen_register_vcpu_info(uint64_t gfn, uint32_t offset)
{
	struct vcpu_register_vcpu_info info = {
		.mfn = gfn,
		.offset = offset,
	};

	return xen_vcpu_op(VCPUOP_register_vcpu_info, 0, &info);
}

#endif /* GUEST_XEN_OPS_H */
