// SPDX-License-Identifier: GPL-2.0
/*
 * double-fault: the guest's own #DF handler works where the exception that
 * caused it could not be delivered (guest/tss.c).  Without it the case ends
 * in a triple fault, as every such fault would, with no word of where.
 *
 * hvm64: with RSP on an unmapped page, a ud2 cannot push its frame (#PF),
 * nor can that #PF (#DF); the #DF must run on IST1 and see the bad RSP in
 * its frame, and CR2 just below it.
 *
 * hvm32 has paging off, so no stack can be unmapped: an int beyond the
 * IDT's limit raises #GP, whose gate is made not present (#NP), and the two
 * make a #DF; its task gate must switch to the #DF task, whose frame is
 * the faulting task's state: EIP at the int.
 *
 * With cpu=1 (vmm --vcpus 2) the same runs on vCPU 1, whose TSS and #DF
 * stack are its own, and vCPU 0 reports what it found.
 */
#include <stdint.h>
#include "case.h"
#include "cmdline.h"
#include "desc.h"
#include "ktap.h"
#include "processor.h"
#include "smp.h"
#include "trap.h"

static volatile unsigned long df_seen;
void df_resume(void);

#ifdef __x86_64__
/* pml4[1] is not present: canonical, and mapped by nothing. */
#define UNMAPPED_RSP	0x8000001000ul

static unsigned long good_rsp;
static volatile unsigned long df_sp, df_cr2;

static void df_handler(struct ex_regs *regs)
{
	df_seen++;
	df_sp = ex_regs_sp(regs);
	df_cr2 = read_cr2();
	regs->rip = (unsigned long)df_resume;
	ex_regs_set_sp(regs, good_rsp);
}

static __attribute__((noinline)) void double_fault(void)
{
	asm volatile("mov %%rsp, %0\n\t"
		     "mov %1, %%rsp\n\t"
		     "ud2\n\t"
		     ".globl df_resume\n"
		     "df_resume:"
		     : "=m" (good_rsp) : "r" (UNMAPPED_RSP) : "memory");
}

static void check_frame(void)
{
	if (!report(df_sp == UNMAPPED_RSP, "df_frame_has_faulting_rsp"))
		report_info("frame rsp %#lx, want %#lx", df_sp, UNMAPPED_RSP);
	if (!report(df_cr2 < UNMAPPED_RSP && df_cr2 >= UNMAPPED_RSP - 64,
		    "df_cr2_below_faulting_rsp"))
		report_info("cr2 %#lx", df_cr2);
}
#else
#define GP_VECTOR	13

void df_fault_ip(void);
static struct idt_gate *gp_gate;
static volatile unsigned long df_ip;
static volatile uint16_t df_tr;

static void df_handler(struct ex_regs *regs)
{
	df_seen++;
	df_ip = regs->rip;
	asm volatile("str %0" : "=r" (df_tr));
	gp_gate->type |= GATE_PRESENT;
	regs->rip = (unsigned long)df_resume;
}

static __attribute__((noinline)) void double_fault(void)
{
	struct desc_ptr idtr;

	asm volatile("sidt %0" : "=m" (idtr));
	gp_gate = (struct idt_gate *)idtr.base + GP_VECTOR;
	gp_gate->type &= ~GATE_PRESENT;
	asm volatile(".globl df_fault_ip\n"
		     "df_fault_ip:\n\t"
		     "int $0x80\n\t"
		     ".globl df_resume\n"
		     "df_resume:\n\t"
		     "clts"	/* the task switches set CR0.TS */
		     : : : "memory");
}

static void check_frame(void)
{
	if (!report(df_ip == (unsigned long)df_fault_ip,
		    "df_frame_has_faulting_eip"))
		report_info("frame eip %#lx, want %#lx", df_ip,
			    (unsigned long)df_fault_ip);
	if (!report(df_tr == GDT_DF_TSS, "df_runs_as_its_own_task"))
		report_info("TR %#x in the handler, want %#x", df_tr,
			    GDT_DF_TSS);
}
#endif

static void double_fault_on(void *arg)
{
	double_fault();
}

static void case_double_fault(const struct guest_config *cfg)
{
	exception_handler_t old = handle_exception(8, df_handler);
	uint64_t cpu = 0;

	cmdline_number(cfg->cmdline, "cpu", &cpu);
	if (cpu) {
		if (!report_need(smp_start_ap(2000, NULL), "vCPU 1 did not arrive",
				 "vcpu1_started") ||
		    !report_need(smp_call(double_fault_on, NULL) && smp_wait(2000),
				 "vCPU 1 did not return", "vcpu1_returned"))
			return;
	} else {
		double_fault();
	}
	handle_exception(8, old);

	if (!report(df_seen == 1, "df_taken_once"))
		report_info("#DF taken %lu times", df_seen);
	check_frame();
}
DEFINE_CASE("double-fault", case_double_fault);
