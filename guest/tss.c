// SPDX-License-Identifier: GPL-2.0
/*
 * The TSS of each vCPU and the way to a #DF handler that still works when
 * the stack does not.
 *
 * hvm64: the #DF gate names IST1, a stack of its own per vCPU; the CPU
 * switches to it whatever RSP was.
 *
 * hvm32 has no IST: the #DF gate is a task gate.  The CPU saves the
 * faulting state in the vCPU's TSS (TR) and starts the #DF task from its
 * own TSS, on its own stack.  That task turns the saved state into a
 * struct ex_regs for do_exception(), writes back whatever a case's handler
 * changed and returns with iret (NT is set), which resumes the faulting
 * task from its TSS.  One #DF task serves both vCPUs: a second #DF while
 * one is handled finds it busy and ends in a triple fault, as before.
 */
#include <stddef.h>
#include <stdint.h>
#include "desc.h"
#include "processor.h"
#include "rig.h"
#include "shutdown.h"
#include "smp.h"
#include "string.h"
#include "trap.h"
#include "tss.h"
#include "xen.h"

#define DF_STACK_SIZE	8192

#ifdef __x86_64__
#define TSS_IST1	36

_Static_assert(GDT_TSS_IDX + 2 * SMP_MAX_CPUS <= GDT_ENTRIES,
	       "a TSS descriptor for each vCPU");

static uint8_t tss[SMP_MAX_CPUS][TSS_SIZE] __aligned(16);
static uint8_t df_stack[SMP_MAX_CPUS][DF_STACK_SIZE] __aligned(16);

void tss_init(void)
{
}

void trap_cpu_init(unsigned int cpu)
{
	unsigned long base = (unsigned long)tss[cpu];
	unsigned long top = (unsigned long)(df_stack[cpu] + DF_STACK_SIZE);
	unsigned int idx = GDT_TSS_IDX + 2 * cpu;

	memset(tss[cpu], 0, TSS_SIZE);
	memcpy(tss[cpu] + TSS_IST1, &top, sizeof(top));
	tss[cpu][TSS_IOMAP_BASE] = TSS_SIZE;
	/* Written afresh each time: ltr refuses a descriptor marked busy. */
	gdt[idx] = tss_desc_low(base);
	gdt[idx + 1] = base >> 32;
	asm volatile("ltr %w0" : : "r" (GDT_TSS(cpu)) : "memory");
}
#else
_Static_assert(sizeof(struct tss32) == TSS_SIZE, "the 32-bit TSS layout");
_Static_assert(GDT_TSS_IDX + SMP_MAX_CPUS <= GDT_DF_TSS_IDX,
	       "a TSS descriptor for each vCPU, then the #DF task's");

static struct tss32 tss[SMP_MAX_CPUS] __aligned(16);
static struct tss32 df_tss __aligned(16);
static uint8_t df_stack[DF_STACK_SIZE] __aligned(16);

void df_task(void);			/* entry.S */
void do_double_fault_task(void);

void tss_init(void)
{
	unsigned long cr3;

	asm volatile("mov %%cr3, %0" : "=r" (cr3));
	memset(&df_tss, 0, sizeof(df_tss));
	df_tss.cr3 = cr3;
	df_tss.eip = (uintptr_t)df_task;
	df_tss.eflags = 0x2;		/* IF clear */
	df_tss.esp = (uintptr_t)(df_stack + DF_STACK_SIZE);
	df_tss.cs = GDT_CS32;
	df_tss.ss = df_tss.ds = df_tss.es = df_tss.fs = df_tss.gs = GDT_DS;
	df_tss.iomap = TSS_SIZE;
	gdt[GDT_DF_TSS_IDX] = tss_desc_low((uintptr_t)&df_tss);
}

void trap_cpu_init(unsigned int cpu)
{
	struct tss32 *t = &tss[cpu];

	memset(t, 0, sizeof(*t));
	t->iomap = TSS_SIZE;
	/* Written afresh each time: ltr refuses a descriptor marked busy. */
	gdt[GDT_TSS_IDX + cpu] = tss_desc_low((uintptr_t)t);
	asm volatile("ltr %w0" : : "r" (GDT_TSS(cpu)) : "memory");
}

/* The #DF task's body, called from df_task in entry.S. */
void do_double_fault_task(void)
{
	struct tss32 *t = NULL;
	struct ex_regs regs;
	unsigned int i;

	for (i = 0; i < SMP_MAX_CPUS; i++)
		if (df_tss.link == GDT_TSS(i))
			t = &tss[i];
	if (!t) {
		/* A task of no vCPU's (cpl3.c's): nothing to report from. */
		rig_cmd(RIG_CMD_EXIT, SHUTDOWN_crash);
		halt_forever();
	}
	memset(&regs, 0, sizeof(regs));
	regs.rax = t->eax;
	regs.rbx = t->ebx;
	regs.rcx = t->ecx;
	regs.rdx = t->edx;
	regs.rsi = t->esi;
	regs.rdi = t->edi;
	regs.rbp = t->ebp;
	ex_regs_set_sp(&regs, t->esp);
	regs.vector = 8;
	regs.rip = t->eip;
	regs.cs = t->cs;
	regs.rflags = t->eflags;

	do_exception(&regs);

	/* A case's handler may resume elsewhere: the task's TSS says where. */
	t->eax = regs.rax;
	t->ebx = regs.rbx;
	t->ecx = regs.rcx;
	t->edx = regs.rdx;
	t->esi = regs.rsi;
	t->edi = regs.rdi;
	t->ebp = regs.rbp;
	t->esp = ex_regs_sp(&regs);
	t->eip = regs.rip;
	t->eflags = regs.rflags;
}
#endif
