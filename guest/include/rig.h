/* SPDX-License-Identifier: GPL-2.0 */
/* The rig control port: what no Xen interface can tell or do. */
#ifndef GUEST_RIG_H
#define GUEST_RIG_H

#include <stdint.h>
#include <rig/abi.h>

uint32_t rig_cmd(enum rig_cmd cmd, uint32_t arg);

/* The ERROR reason of a case for which RIG_CMD_MEM_LATE_BASE answers 0. */
#define RIG_NO_LATE	"the VMM has no --late region (the case needs vmm --late)"

#endif /* GUEST_RIG_H */
