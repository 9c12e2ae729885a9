// SPDX-License-Identifier: GPL-2.0
/*
 * double-fault (hvm64): the guest's own #DF stack works.  With RSP on an
 * unmapped page, a ud2 cannot push its frame (#PF), nor can that #PF
 * (#DF); the #DF must then run on IST1 (trap.c) and see the bad RSP in
 * its frame.  Without that stack this case ends in a triple fault, as
 * every fault on a broken stack would, with no word of where it was.
 */
#include <stdint.h>
#include "case.h"
#include "ktap.h"
#include "processor.h"
#include "trap.h"

/* pml4[1] is not present: canonical, and mapped by nothing. */
#define UNMAPPED_RSP	0x8000001000ul

#ifdef __x86_64__
static unsigned long good_rsp;
static volatile unsigned long df_seen, df_rsp, df_cr2;

void df_resume(void);

static void df_handler(struct ex_regs *regs)
{
	df_seen++;
	df_rsp = regs->rsp;
	df_cr2 = read_cr2();
	regs->rip = (unsigned long)df_resume;
	regs->rsp = good_rsp;
}

static __attribute__((noinline)) void fault_on_unmapped_stack(void)
{
	asm volatile("mov %%rsp, %0\n\t"
		     "mov %1, %%rsp\n\t"
		     "ud2\n\t"
		     ".globl df_resume\n"
		     "df_resume:"
		     : "=m" (good_rsp) : "r" (UNMAPPED_RSP) : "memory");
}

static void case_double_fault(const struct guest_config *cfg)
{
	exception_handler_t old = handle_exception(8, df_handler);

	fault_on_unmapped_stack();
	handle_exception(8, old);

	if (!report(df_seen == 1, "df_taken_once"))
		report_info("#DF taken %lu times", df_seen);
	if (!report(df_rsp == UNMAPPED_RSP, "df_frame_has_faulting_rsp"))
		report_info("frame rsp %#lx, want %#lx", df_rsp, UNMAPPED_RSP);
	if (!report(df_cr2 < UNMAPPED_RSP && df_cr2 >= UNMAPPED_RSP - 64,
		    "df_cr2_below_faulting_rsp"))
		report_info("cr2 %#lx", df_cr2);
}
#else
static void case_double_fault(const struct guest_config *cfg)
{
	report_skip("hvm32 has no #DF stack (it would take a task gate)",
		    "double_fault");
}
#endif
DEFINE_CASE("double-fault", case_double_fault);
