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
	{ "runstate-sweep",	case_runstate_sweep },
	{ "runstate-ram-end",	case_runstate_ram_end },
	{ "runstate-split",	case_runstate_split },
	{ "runstate-time",	case_runstate_time },
	{ "runstate-preempt",	case_runstate_preempt },
	{ "runstate-update-flag", case_runstate_update_flag },
	{ "runstate-addr",	case_runstate_addr },
	{ "vcpu-info",		case_vcpu_info },
	{ "hcall-page",		case_hcall_page },
	{ "hcall-page-unplug",	case_hcall_page_unplug },
	{ "wordsize-grow",	case_wordsize_grow },
	{ "wordsize-shrink",	case_wordsize_shrink },
	{ "kexec",		case_kexec },
	{ "kexec-stage2",	case_kexec_stage2 },
	{ "hostile",		case_hostile },
	{ "flood",		case_flood },
	{ }
};
