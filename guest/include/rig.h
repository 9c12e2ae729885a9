/* SPDX-License-Identifier: GPL-2.0 */
/* The rig control port: what no Xen interface can tell or do. */
#ifndef GUEST_RIG_H
#define GUEST_RIG_H

#include <stdint.h>
#include <rig/abi.h>

uint32_t rig_cmd(enum rig_cmd cmd, uint32_t arg);

#endif /* GUEST_RIG_H */
