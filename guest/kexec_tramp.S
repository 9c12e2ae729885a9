/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The last step of self-kexec (kexec.c), copied to KEXEC_TRAMPOLINE_GPA and
 * entered there in 32-bit protected mode, paging and interrupts off.
 *
 * It overwrites the image it came from, stack included, so it uses no
 * stack and no memory but its parameters (struct kexec_params at
 * KEXEC_PARAMS_GPA); its own code is position-independent.  The IDT goes
 * first: an exception from here on should triple-fault, visibly, rather
 * than run whatever the copy left at the old handlers.
 */
#include "kexec.h"
#include "multiboot.h"

	.section .rodata
	.code32
	.globl kexec_tramp, kexec_tramp_end
kexec_tramp:
	cli
	cld
	lidt null_idt - kexec_tramp + KEXEC_TRAMPOLINE_GPA
	mov $KEXEC_PARAMS_GPA, %ebp
	mov KEXEC_P_NSEGS(%ebp), %edx
	lea KEXEC_P_SEGS(%ebp), %ebx
1:	test %edx, %edx
	jz 2f
	mov 0(%ebx), %edi
	mov 4(%ebx), %esi
	mov 8(%ebx), %ecx
	rep movsb
	mov 12(%ebx), %ecx
	xor %eax, %eax
	rep stosb
	add $16, %ebx
	dec %edx
	jmp 1b
2:	mov KEXEC_P_ENTRY(%ebp), %ecx
	mov KEXEC_P_MBI(%ebp), %ebx
	mov $MULTIBOOT_BOOTLOADER_MAGIC, %eax
	jmp *%ecx

	.balign 8
null_idt:
	.word 0
	.long 0
kexec_tramp_end:
