// SPDX-License-Identifier: GPL-2.0
/* A case that fails on purpose, for the runner's FAIL path. */
#include "case.h"
#include "ktap.h"

static void case_fail_demo(const struct guest_config *cfg)
{
	report(true, "expected_pass");
	report(false, "deliberate_failure");
}
DEFINE_CASE("fail-demo", case_fail_demo);
