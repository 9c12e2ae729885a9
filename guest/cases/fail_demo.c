// SPDX-License-Identifier: GPL-2.0
/* A case that fails on purpose, for the runner's FAIL path. */
#include "cases.h"
#include "ktap.h"

void case_fail_demo(const struct guest_config *cfg)
{
	report(true, "expected_pass");
	report(false, "deliberate_failure");
}
