/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mode switches for mode_call() (mode_call.c, include/mode.h).
 *
 * Each mode_run_<mode>(op, a, b) switches from the image's own mode to
 * <mode>, runs the operation there with interrupts off, switches back and
 * returns the answer sign-extended from 32 bits.  The operation itself is
 * mode_op32 or mode_op64, the same for every way of getting there; both
 * take op/a/b in EAX/ECX/EDX and answer in EAX.
 *
 * Exceptions: the image's own IDT serves its own mode, and compatibility
 * mode when the image is hvm64 (a long-mode IDT serves both).  Elsewhere
 * the IDT is the image's wrong width, so the switch loads a foreign one
 * (mode_idt32_desc / mode_idt64_desc, filled in by mode_call.c) whose handlers
 * skip a faulting wrmsr or rdmsr of the operation and record the vector;
 * any other exception records itself and jumps to mode_bail, the way back
 * to the image's own mode, and mode_call.c reports the crash from there.
 *
 * hvm32 builds 64-bit code into an elf32 object, which can relocate
 * neither RIP-relative nor sign-extended 32-bit fields: its .code64 parts
 * load addresses into registers and go through those, which the identity
 * mapping of the low 4 GiB allows.
 */
#include "desc.h"
#include "mode.h"
#include "processor.h"

/* Vectors for which the CPU pushes an error code (as in entry.S). */
#define ERRCODE_VECTORS	((1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | \
			 (1 << 13) | (1 << 14) | (1 << 17) | (1 << 21) | \
			 (1 << 29) | (1 << 30))

#define ALL_VECTORS	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
			16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, \
			29, 30, 31

#define EFER_LMA_BIT	10

	.text

/* ---- The operations ------------------------------------------------- */

	.code32
	.globl mode_op32
mode_op32:
	cmp $MODE_OP_JUMP, %eax
	jne 4f
	jmp *%ecx
4:	cmp $MODE_OP_WRMSR, %eax
	je 1f
	cmp $MODE_OP_RDMSR, %eax
	je 2f
	cmp $MODE_OP_HCALL, %eax
	je 3f
	/* MODE_OP_INFO */
	mov %cr0, %esi
	shr $31, %esi
	mov $MSR_EFER, %ecx
	rdmsr
	shr $(EFER_LMA_BIT - 1), %eax
	and $MODE_INFO_LMA, %eax
	or %esi, %eax
	xor %ecx, %ecx
	mov %cs, %cx
	shl $16, %ecx
	or %ecx, %eax
	ret
1:	mov %edx, %eax
	xor %edx, %edx
	.globl mode_op32_wrmsr
mode_op32_wrmsr:
	wrmsr
	xor %eax, %eax
	ret
2:	xor %eax, %eax
	xor %edx, %edx
	.globl mode_op32_rdmsr
mode_op32_rdmsr:
	rdmsr
	mov %edx, mode_msr_hi
	ret
	/* The 32-bit hypercall ABI: EBX ECX EDX ESI EDI. */
3:	shl $5, %ecx
	add $hypercall_page, %ecx
	mov %edx, %ebx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	mov %ecx, %eax
	xor %ecx, %ecx
	call *%eax
	ret

	.code64
	.globl mode_op64
mode_op64:
	cmp $MODE_OP_WRMSR, %eax
	je 1f
	cmp $MODE_OP_RDMSR, %eax
	je 2f
	cmp $MODE_OP_HCALL, %eax
	je 3f
	mov %cr0, %rsi
	shr $31, %esi
	mov $MSR_EFER, %ecx
	rdmsr
	shr $(EFER_LMA_BIT - 1), %eax
	and $MODE_INFO_LMA, %eax
	or %esi, %eax
	xor %ecx, %ecx
	mov %cs, %cx
	shl $16, %ecx
	or %ecx, %eax
	ret
1:	mov %edx, %eax
	xor %edx, %edx
	.globl mode_op64_wrmsr
mode_op64_wrmsr:
	wrmsr
	xor %eax, %eax
	ret
2:	xor %eax, %eax
	xor %edx, %edx
	.globl mode_op64_rdmsr
mode_op64_rdmsr:
	rdmsr
	mov $mode_msr_hi, %ecx
	mov %edx, (%rcx)
	ret
	/* The 64-bit hypercall ABI: RDI RSI RDX R10 R8. */
3:	shl $5, %ecx
	add $hypercall_page, %ecx
	mov %edx, %edi
	xor %esi, %esi
	xor %edx, %edx
	xor %r10d, %r10d
	xor %r8d, %r8d
	mov %ecx, %eax
	call *%rax
	ret

/* ---- Foreign-mode exception handlers -------------------------------- */

	.code32
	.irp vec, ALL_VECTORS
mode_x32_\vec:
	.if !(ERRCODE_VECTORS & (1 << \vec))
	push $0
	.endif
	push $\vec
	jmp mode_x32_common
	.endr

	/* Frame: EAX, vector, error code, EIP, CS, EFLAGS. */
mode_x32_common:
	push %eax
	mov 4(%esp), %eax
	mov %eax, mode_fault_vec
	mov 12(%esp), %eax
	cmp $mode_op32_wrmsr, %eax
	je 1f
	cmp $mode_op32_rdmsr, %eax
	je 1f
	mov %eax, mode_crash_rip
	movl $1, mode_crashed
	jmp *mode_bail
1:	add $2, %eax		/* wrmsr and rdmsr are two bytes long */
	mov %eax, 12(%esp)
	pop %eax
	add $8, %esp
	iret

	.code64
	.irp vec, ALL_VECTORS
mode_x64_\vec:
	.if !(ERRCODE_VECTORS & (1 << \vec))
	pushq $0
	.endif
	pushq $\vec
	jmp mode_x64_common
	.endr

	/*
	 * Frame: RCX, RAX, vector, error code, RIP, CS, RFLAGS, RSP, SS.
	 * No absolute memory operands or sign-extended immediates here:
	 * hvm32's elf32 object cannot relocate them in 64-bit code.
	 */
mode_x64_common:
	push %rax
	push %rcx
	mov 16(%rsp), %eax
	mov $mode_fault_vec, %ecx
	mov %eax, (%rcx)
	mov 32(%rsp), %rax
	mov $mode_op64_wrmsr, %ecx
	cmp %rcx, %rax
	je 1f
	mov $mode_op64_rdmsr, %ecx
	cmp %rcx, %rax
	je 1f
	/* Compatibility mode runs the 32-bit operation under this IDT. */
	mov $mode_op32_wrmsr, %ecx
	cmp %rcx, %rax
	je 1f
	mov $mode_op32_rdmsr, %ecx
	cmp %rcx, %rax
	je 1f
	mov $mode_crash_rip, %ecx
	mov %eax, (%rcx)
	mov $mode_crashed, %ecx
	movl $1, (%rcx)
	mov $mode_bail, %ecx
	mov (%rcx), %eax
	jmp *%rax
1:	add $2, %rax
	mov %rax, 32(%rsp)
	pop %rcx
	pop %rax
	add $16, %rsp
	iretq

	.section .rodata
	.balign 4
	.globl mode_x32_stubs
mode_x32_stubs:
	.irp vec, ALL_VECTORS
	.long mode_x32_\vec
	.endr
	.globl mode_x64_stubs
mode_x64_stubs:
	.irp vec, ALL_VECTORS
	.long mode_x64_\vec
	.endr

	.text

#ifdef __x86_64__
/* ---- hvm64: the image runs in 64-bit mode --------------------------- */

	.code64
	/* long mode_run_long64(op, a, b): the image's own mode. */
	.globl mode_run_long64
mode_run_long64:
	push %rbx
	push %rbp
	mov %edi, %eax
	mov %rsi, %rcx
	call mode_op64
	movslq %eax, %rax
	pop %rbp
	pop %rbx
	ret

	.macro SAVE64
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	pushfq
	cli
	mov %rsp, mode_saved_sp(%rip)
	.endm

	/* The upper register halves do not survive 32-bit code: reload. */
	.macro RESTORE64
	mov mode_saved_sp(%rip), %rsp
	popfq
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	.endm

	/* long mode_run_compat(op, a, b): CS.L=0, still in long mode. */
	.globl mode_run_compat
mode_run_compat:
	SAVE64
	mov %edi, %eax
	mov %esi, %ecx
	pushq $GDT_CS32
	pushq $1f
	lretq
	.code32
1:	call mode_op32
	ljmp $GDT_CS64, $2f
	.code64
2:	RESTORE64
	movslq %eax, %rax
	ret

	/*
	 * long mode_run_pm32(op, a, b): leave long mode the architected way
	 * (compatibility mode, paging off, EFER.LME clear), run the
	 * operation in protected mode, and come back the way head.S went in.
	 * CR3 and CR4.PAE stay as they are, so paging resumes with the same
	 * tables.
	 */
	.globl mode_run_pm32
mode_run_pm32:
	SAVE64
	sidt mode_saved_idt(%rip)
	movl $3f, mode_bail(%rip)
	mov %edi, %ebx
	mov %edx, %edi
	pushq $GDT_CS32
	pushq $1f
	lretq
	.code32
1:	mov %cr0, %eax
	and $~X86_CR0_PG, %eax
	mov %eax, %cr0
	mov $MSR_EFER, %ecx
	rdmsr
	and $~EFER_LME, %eax
	wrmsr
	lidt mode_idt32_desc
	mov %ebx, %eax
	mov %esi, %ecx
	mov %edi, %edx
	call mode_op32
3:	mov %eax, %ebx
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $X86_CR0_PG, %eax
	mov %eax, %cr0
	ljmp $GDT_CS64, $2f
	.code64
2:	lidt mode_saved_idt(%rip)
	mov %ebx, %eax
	RESTORE64
	movslq %eax, %rax
	ret

#else
/* ---- hvm32: the image runs in protected mode, paging off ------------ */

	.code32
	/* long mode_run_pm32(op, a, b): the image's own mode. */
	.globl mode_run_pm32
mode_run_pm32:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov 20(%esp), %eax
	mov 24(%esp), %ecx
	mov 28(%esp), %edx
	call mode_op32
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret

	/* Keeps op/a/b in EBX/ESI/EDI, whose upper halves it leaves clear. */
	.macro SAVE32
	push %ebp
	push %ebx
	push %esi
	push %edi
	pushf
	cli
	mov 24(%esp), %ebx
	mov 28(%esp), %esi
	mov 32(%esp), %edi
	mov %esp, mode_saved_sp
	sidt mode_saved_idt
	.endm

	/*
	 * Into 64-bit mode as head.S does for hvm64, on mode_call.c's identity
	 * tables, with the foreign 64-bit IDT.
	 */
	.macro LM_ENTER
	mov %cr4, %eax
	or $X86_CR4_PAE, %eax
	mov %eax, %cr4
	mov $mode_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $X86_CR0_PG, %eax
	mov %eax, %cr0
	ljmp $GDT_CS64, $10f
	.code64
10:	mov %esp, %esp		/* the upper half is undefined */
	mov $mode_idt64_desc, %eax
	lidt (%rax)
	.endm

	/* Back from 64-bit mode to protected mode, answer in EBX. */
	.macro LM_LEAVE
	pushq $GDT_CS32
	mov $11f, %eax
	push %rax
	lretq
	.code32
11:	mov %cr0, %eax
	and $~X86_CR0_PG, %eax
	mov %eax, %cr0
	mov $MSR_EFER, %ecx
	rdmsr
	and $~EFER_LME, %eax
	wrmsr
	mov %cr4, %eax
	and $~X86_CR4_PAE, %eax
	mov %eax, %cr4
	mov mode_saved_sp, %esp
	lidt mode_saved_idt
	mov %ebx, %eax
	popf
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	.endm

	.globl mode_run_long64
mode_run_long64:
	SAVE32
	movl $3f, mode_bail
	LM_ENTER
	mov %ebx, %eax
	mov %esi, %ecx
	mov %edi, %edx
	call mode_op64
3:	mov %eax, %ebx
	LM_LEAVE
	ret

	.globl mode_run_compat
mode_run_compat:
	SAVE32
	movl $3f, mode_bail
	LM_ENTER
	pushq $GDT_CS32
	mov $1f, %eax
	push %rax
	lretq
	.code32
1:	mov %ebx, %eax
	mov %esi, %ecx
	mov %edi, %edx
	call mode_op32
	mov %eax, %ebx
	ljmp $GDT_CS64, $3f
	.code64
	/* The bail-out lands here, in 64-bit mode, with EBX garbage. */
3:	LM_LEAVE
	ret
#endif

	.data
	.balign 8
mode_saved_sp:
	.quad 0
mode_saved_idt:
	.skip 16
