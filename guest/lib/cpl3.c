// SPDX-License-Identifier: GPL-2.0
/*
 * Running a hypercall from CPL3 (#40).  The guest never uses user mode
 * otherwise, so everything it needs is set up here and put back after: a
 * private GDT (the boot one's entries plus user code, user data and a TSS,
 * whose stack the #UD that ends the user-mode stub switches to), and in
 * hvm64 the U bit on the page-table entries that map the guest.  The boot
 * GDT's spare slots are left to the mode-switch code.
 */
#include <stdint.h>
#include "cpl3.h"
#include "desc.h"
#include "smp.h"
#include "string.h"
#include "trap.h"
#include "tss.h"
#include "xen.h"

#define USER_CODE_IDX	4
#define USER_DATA_IDX	5
#define TSS_IDX		6
#define TSS_SEL		(TSS_IDX * 8)
#define PTE_U		(1ull << 2)
#define PTE_PS		(1ull << 7)
#define ADDR_MASK	0x000ffffffffff000ull

#ifdef __x86_64__
#define USER_CODE_DESC	0x00affa000000ffffull	/* 64-bit, DPL3 */
#else
#define USER_CODE_DESC	0x00cffa000000ffffull	/* 32-bit, DPL3 */
#endif
#define USER_DATA_DESC	0x00cff2000000ffffull	/* flat, DPL3 */

long cpl3_hypercall(unsigned long entry, unsigned long arg1, void *stack);
void __noreturn cpl3_resume(unsigned long result);

static uint64_t user_gdt[8] __aligned(16);
static uint8_t tss[TSS_SIZE] __aligned(16);
static uint8_t kernel_stack[4096] __aligned(16);
static uint8_t user_stack[4096] __aligned(16);

static void ud_from_user(struct ex_regs *regs)
{
	/* From CPL0 this would be a real bug: resume with a poison result. */
	cpl3_resume((regs->cs & 3) == 3 ? regs->rax : (unsigned long)-1);
}

static void build_gdt(void)
{
	struct desc_ptr cur;
	unsigned long sp0 = (unsigned long)(kernel_stack + sizeof(kernel_stack));

	asm volatile("sgdt %0" : "=m" (cur));
	memset(user_gdt, 0, sizeof(user_gdt));
	memcpy(user_gdt, (void *)cur.base, 4 * sizeof(user_gdt[0]));
	user_gdt[USER_CODE_IDX] = USER_CODE_DESC;
	user_gdt[USER_DATA_IDX] = USER_DATA_DESC;
	user_gdt[TSS_IDX] = tss_desc_low((unsigned long)tss);
#ifndef __x86_64__
	/* The #DF task gate names this slot in whichever GDT is loaded. */
	user_gdt[GDT_DF_TSS_IDX] = ((uint64_t *)cur.base)[GDT_DF_TSS_IDX];
#endif

	memset(tss, 0, sizeof(tss));
#ifdef __x86_64__
	user_gdt[TSS_IDX + 1] = (uint64_t)(unsigned long)tss >> 32;
	memcpy(tss + 4, &sp0, sizeof(sp0));		/* RSP0 */
#else
	{
		uint16_t ss0 = GDT_DS;

		memcpy(tss + 4, &sp0, sizeof(sp0));	/* ESP0 */
		memcpy(tss + 8, &ss0, sizeof(ss0));	/* SS0 */
	}
#endif
	tss[TSS_IOMAP_BASE] = TSS_SIZE;	/* I/O bitmap beyond the limit: none */
}

#ifdef __x86_64__
/* Let CPL3 use the 2 MiB pages holding @addr; paging is 4-level, 2 MiB. */
static void allow_user(unsigned long addr)
{
	uint64_t *pml4, *pdpt, *pd;
	unsigned long cr3;

	asm volatile("mov %%cr3, %0" : "=r" (cr3));
	pml4 = (uint64_t *)(cr3 & ADDR_MASK);
	pml4[(addr >> 39) & 511] |= PTE_U;
	pdpt = (uint64_t *)(unsigned long)(pml4[(addr >> 39) & 511] & ADDR_MASK);
	pdpt[(addr >> 30) & 511] |= PTE_U;
	pd = (uint64_t *)(unsigned long)(pdpt[(addr >> 30) & 511] & ADDR_MASK);
	pd[(addr >> 21) & 511] |= PTE_U;
	asm volatile("mov %0, %%cr3" : : "r" (cr3) : "memory");
}
#endif

bool cpl3_call(unsigned int op, unsigned long arg1, long *result)
{
	struct desc_ptr mine, boot;
	exception_handler_t old;

	if (!hypercall_page_ready())
		return false;

	build_gdt();
#ifdef __x86_64__
	allow_user((unsigned long)cpl3_hypercall);
	allow_user((unsigned long)hypercall_page);
	allow_user((unsigned long)user_stack);
	allow_user((unsigned long)(user_stack + sizeof(user_stack) - 1));
#endif
	asm volatile("sgdt %0" : "=m" (boot));
	mine.limit = sizeof(user_gdt) - 1;
	mine.base = (unsigned long)user_gdt;
	asm volatile("lgdt %0" : : "m" (mine));
	asm volatile("ltr %w0" : : "r" (TSS_SEL));

	old = handle_exception(6, ud_from_user);
	*result = cpl3_hypercall((unsigned long)(hypercall_page +
						 op * HYPERCALL_ENTRY_SIZE),
				 arg1, user_stack + sizeof(user_stack));
	handle_exception(6, old);

	asm volatile("lgdt %0" : : "m" (boot));
	/* Back to this vCPU's own TSS in the boot GDT, for its #DF handler. */
	trap_cpu_init(smp_cpu_id());
	return true;
}
