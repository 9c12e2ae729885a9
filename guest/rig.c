// SPDX-License-Identifier: GPL-2.0
#include "processor.h"
#include "rig.h"

uint32_t rig_cmd(enum rig_cmd cmd, uint32_t arg)
{
	outl(arg, RIG_PORT_DATA);
	outl(cmd, RIG_PORT_CMD);
	return inl(RIG_PORT_DATA);
}
