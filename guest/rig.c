// SPDX-License-Identifier: GPL-2.0
#include "ktap.h"
#include "processor.h"
#include "rig.h"

uint32_t rig_cmd(enum rig_cmd cmd, uint32_t arg)
{
	outl(arg, RIG_PORT_DATA);
	outl(cmd, RIG_PORT_CMD);
	return inl(RIG_PORT_DATA);
}

uint32_t rig_plug_late(const char *check)
{
	uint32_t base = rig_cmd(RIG_CMD_MEM_LATE_BASE, 0);

	if (!base) {
		report_error(RIG_NO_LATE, "%s", check);
		return 0;
	}
	if (!report_need(rig_cmd(RIG_CMD_MEM_PLUG, 0) == 0,
			 "RIG_CMD_MEM_PLUG failed", "%s", check))
		return 0;
	return base;
}

uint32_t rig_mem_move(uint32_t gfn)
{
	return rig_cmd(RIG_CMD_MEM_MOVE, gfn);
}

uint32_t rig_mem_old_changed(uint32_t gfn)
{
	return rig_cmd(RIG_CMD_MEM_OLD_CHANGED, gfn);
}

uint32_t rig_mem_discard(uint32_t gfn)
{
	return rig_cmd(RIG_CMD_MEM_DISCARD, gfn);
}

uint32_t rig_dirty_log(bool on)
{
	return rig_cmd(RIG_CMD_DIRTY_LOG, on);
}

uint32_t rig_dirty_test(uint32_t gfn)
{
	return rig_cmd(RIG_CMD_DIRTY_TEST, gfn);
}

uint32_t rig_slot_move(void)
{
	return rig_cmd(RIG_CMD_SLOT_MOVE, 0);
}

uint32_t rig_slot_old_changed(uint32_t gfn)
{
	return rig_cmd(RIG_CMD_SLOT_OLD_CHANGED, gfn);
}
