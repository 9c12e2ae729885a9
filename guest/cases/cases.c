// SPDX-License-Identifier: GPL-2.0
/* The cases the command line can pick with case=NAME. */
#include "case.h"
#include "cases.h"

const struct guest_case guest_cases[] = {
	{ "smoke",		case_smoke },
	{ "crash-triple-fault",	case_crash_triple_fault },
	{ "crash-exception",	case_crash_exception },
	{ "hang",		case_hang },
	{ "fail-demo",		case_fail_demo },
	{ }
};
