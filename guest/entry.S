/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exception entry.  Each vector has a stub that makes the frame uniform
 * (a dummy error code where the CPU pushes none, then the vector number)
 * and jumps to exception_common, which saves the general registers as a
 * struct ex_regs (trap.h) and calls do_exception().
 */
#include "desc.h"

/* Vectors for which the CPU pushes an error code. */
#define ERRCODE_VECTORS	((1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | \
			 (1 << 13) | (1 << 14) | (1 << 17) | (1 << 21) | \
			 (1 << 29) | (1 << 30))

#define ALL_VECTORS	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
			16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, \
			29, 30, 31

#ifdef __x86_64__
#define PTR	.quad
#else
#define PTR	.long
#endif

	.text
	.irp vec, ALL_VECTORS
exception_stub_\vec:
	.if !(ERRCODE_VECTORS & (1 << \vec))
	push $0
	.endif
	push $\vec
	jmp exception_common
	.endr

	.section .rodata
	.balign 8
	.globl exception_stubs
exception_stubs:
	.irp vec, ALL_VECTORS
	PTR exception_stub_\vec
	.endr

	.text
#ifdef __x86_64__
exception_common:
	push %rax
	push %rcx
	push %rdx
	push %rbx
	push %rbp
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	/*
	 * The CPU aligned RSP to 16 bytes before pushing its 5 words; with
	 * the error code, the vector and 15 registers that makes 22, so the
	 * call below sees the stack aligned as the ABI wants.
	 */
	mov %rsp, %rdi
	call do_exception
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rbp
	pop %rbx
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp		/* vector, error code */
	iretq
#else
exception_common:
	pushal
	cld
	push %esp
	call do_exception
	add $4, %esp
	popal
	add $8, %esp		/* vector, error code */
	iret
#endif

#ifndef __x86_64__
	/*
	 * hvm32's #DF task (tss.c).  Its TSS starts it here the first time;
	 * each later #DF resumes it after its iret, hence the jump back.
	 */
	.globl df_task
df_task:
	add $4, %esp		/* the error code (0) the CPU pushed */
	call do_double_fault_task
	iret			/* NT is set: back to the faulting task */
	jmp df_task
#endif
