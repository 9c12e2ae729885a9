/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMM_XEN_H
#define VMM_XEN_H

#include "vmm.h"

int xen_exit(struct vmm *v, struct vm_vcpu *vc);

#endif /* VMM_XEN_H */
