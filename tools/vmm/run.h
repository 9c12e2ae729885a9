/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMM_RUN_H
#define VMM_RUN_H

#include "vmm.h"

int vmm_run(struct vmm *v);

#endif /* VMM_RUN_H */
