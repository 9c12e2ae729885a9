// SPDX-License-Identifier: GPL-2.0
/*
 * A case that needs a VMM option (--late), for the runner's ERROR path: run
 * without it, it must come out as the rig's error, not as a failure.
 */
#include "case.h"
#include "ktap.h"
#include "rig.h"

static void case_error_demo(const struct guest_config *cfg)
{
	uint32_t base = rig_cmd(RIG_CMD_MEM_LATE_BASE, 0);

	if (report_need(base != 0, RIG_NO_LATE, "late_region_present"))
		report_info("late region at %#x", base);
}
DEFINE_CASE("error-demo", case_error_demo);
