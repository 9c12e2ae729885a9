// SPDX-License-Identifier: GPL-2.0
/*
 * Cases that end the guest abnormally on purpose, so that the runner's
 * handling of each way a guest can die is itself tested.
 */
#include "case.h"
#include "desc.h"
#include "ktap.h"
#include "processor.h"
#include "xen.h"

/*
 * With an empty IDT, int3 raises #GP, which raises #DF, which cannot be
 * delivered either: a triple fault, reported by the VMM.
 */
static void case_crash_triple_fault(const struct guest_config *cfg)
{
	struct desc_ptr empty = { .limit = 0, .base = 0 };

	load_idt(&empty);
	asm volatile("int3");
	report(false, "triple_fault");
	report_info("int3 with an empty IDT returned");
}
DEFINE_CASE("crash-triple-fault", case_crash_triple_fault);

/*
 * An unexpected #UD: the default exception handler must report it as a
 * failure and shut down with SHUTDOWN_crash.  Set up the hypercall page
 * first when there is one, so that the usual SCHEDOP_shutdown path is the
 * one taken.
 */
static void case_crash_exception(const struct guest_config *cfg)
{
	if (xen_init())
		report_info("crash will use SCHEDOP_shutdown");
	else
		report_info("no hypercall page, crash will use the control port");
	asm volatile("ud2");
	report_info("ud2 returned");
}
DEFINE_CASE("crash-exception", case_crash_exception);

/* Spin with interrupts off: only the VMM's timeout can end this. */
static void case_hang(const struct guest_config *cfg)
{
	report_info("spinning forever with interrupts off");
	cli();
	for (;;)
		cpu_relax();
}
DEFINE_CASE("hang", case_hang);
