/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMM_XEN_H
#define VMM_XEN_H

#include "vmm.h"

int xen_exit(struct vmm *v);

#endif /* VMM_XEN_H */
