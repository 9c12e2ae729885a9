/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A hypercall made from CPL3, and the way back.
 *
 * cpl3_hypercall(entry, arg1, user_stack_top) saves the callee-saved
 * registers and the stack pointer, irets to user mode at a stub that calls
 * the hypercall-page entry and then executes ud2.  The #UD handler calls
 * cpl3_resume(result), which drops the exception frame, restores what was
 * saved and returns the result from cpl3_hypercall().  Interrupts stay off
 * throughout.
 */
#include "desc.h"

#define USER_CS		(0x20 | 3)
#define USER_DS		(0x28 | 3)

	.text
#ifdef __x86_64__
	.globl cpl3_hypercall
cpl3_hypercall:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, saved_sp(%rip)
	mov %rdi, %rax			/* the stub's address */
	mov %rsi, %rdi			/* the hypercall's first argument */
	pushq $USER_DS
	push %rdx
	pushq $2			/* RFLAGS: IF=0 */
	pushq $USER_CS
	lea user_stub(%rip), %rcx
	push %rcx
	iretq

user_stub:
	call *%rax
	ud2

	.globl cpl3_resume
cpl3_resume:
	mov saved_sp(%rip), %rsp
	mov %rdi, %rax
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
#else
	.globl cpl3_hypercall
cpl3_hypercall:
	push %ebx
	push %ebp
	push %esi
	push %edi
	mov %esp, saved_sp
	mov 20(%esp), %eax		/* the stub's address */
	mov 24(%esp), %ebx		/* the hypercall's first argument */
	mov 28(%esp), %ecx		/* user stack */
	/* iret to CPL3 nulls DPL0 data segments: give it usable ones. */
	mov $USER_DS, %edx
	mov %edx, %ds
	mov %edx, %es
	push $USER_DS
	push %ecx
	push $2				/* EFLAGS: IF=0 */
	push $USER_CS
	push $user_stub
	iret

user_stub:
	call *%eax
	ud2

	.globl cpl3_resume
cpl3_resume:
	mov 4(%esp), %eax
	mov $GDT_DS, %edx
	mov %edx, %ds
	mov %edx, %es
	mov saved_sp, %esp
	pop %edi
	pop %esi
	pop %ebp
	pop %ebx
	ret
#endif

	.bss
	.balign 8
saved_sp:
	.skip 8
