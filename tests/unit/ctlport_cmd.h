/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One control-port command as the guest issues it (guest/rig.c): the
 * argument to the data port, the command to the command port, the answer
 * read back from the data port.  Each access must leave the VMM running.
 */
#ifndef TEST_CTLPORT_CMD_H
#define TEST_CTLPORT_CMD_H

#include <stdint.h>

#include <rig/abi.h>

#include "ctlport.h"
#include "vmm.h"

static inline uint32_t cmd(struct ctlport *c, uint32_t command, uint32_t arg)
{
	uint32_t v = arg;

	assert_int_equal(ctlport_pio(c, RIG_PORT_DATA, true, &v, 4, 1),
			 VMM_CONTINUE);
	v = command;
	assert_int_equal(ctlport_pio(c, RIG_PORT_CMD, true, &v, 4, 1),
			 VMM_CONTINUE);
	assert_int_equal(ctlport_pio(c, RIG_PORT_DATA, false, &v, 4, 1),
			 VMM_CONTINUE);
	return v;
}

#endif /* TEST_CTLPORT_CMD_H */
