/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The application processor's way in.
 *
 * smp_tramp is copied to SMP_TRAMPOLINE_GPA, below 1 MiB, where the SIPI
 * starts the AP in real mode at CS = GPA >> 4, IP = 0.  It loads the GDT
 * the BSP runs on (its descriptor is patched into the copy) and jumps into
 * the image proper in 32-bit protected mode, at smp_ap_entry32.  From there
 * the AP takes the BSP's CR4, CR3, EFER and CR0 (smp.c stores them in
 * smp_boot), which for hvm64 means long mode on the same page tables, and
 * calls smp_ap_main() on its own stack.
 */
#include "desc.h"
#include "processor.h"
#include "smp.h"

	.section .rodata
	.code16
	.balign 16
	.globl smp_tramp, smp_tramp_end, smp_tramp_gdt_desc
smp_tramp:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	/* Offsets from the copy's start: DS is its base. */
	lgdtl smp_tramp_gdt_desc - smp_tramp
	mov %cr0, %eax
	or $X86_CR0_PE, %eax
	mov %eax, %cr0
	ljmpl $GDT_CS32, $smp_ap_entry32

	.balign 8
smp_tramp_gdt_desc:
	.word 0
	.long 0
	.long 0
smp_tramp_end:

	.text
	.code32
smp_ap_entry32:
	mov $GDT_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %fs
	mov %eax, %gs
	mov %eax, %ss
	mov smp_boot + SMP_BOOT_CR4, %eax
	mov %eax, %cr4
	mov smp_boot + SMP_BOOT_CR3, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	mov smp_boot + SMP_BOOT_EFER, %eax
	xor %edx, %edx
	wrmsr
	mov smp_boot + SMP_BOOT_CR0, %eax
	mov %eax, %cr0
	mov smp_boot + SMP_BOOT_STACK, %esp
#ifdef __x86_64__
	ljmp $GDT_CS64, $1f

	.code64
1:	mov smp_boot + SMP_BOOT_STACK, %rsp
	call smp_ap_main
#else
	call smp_ap_main
#endif
	/* smp_ap_main() does not return. */
2:	cli
	hlt
	jmp 2b
