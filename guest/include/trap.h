/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

/* Register frame built by the exception stubs in entry_{32,64}.S. */
struct ex_regs {
#ifdef __x86_64__
	unsigned long r15, r14, r13, r12, r11, r10, r9, r8;
	unsigned long rdi, rsi, rbp, rbx, rdx, rcx, rax;
#else
	/* pushal order */
	unsigned long rdi, rsi, rbp, esp_dummy, rbx, rdx, rcx, rax;
#endif
	unsigned long vector;
	unsigned long error_code;
	unsigned long rip;
	unsigned long cs;
	unsigned long rflags;
#ifdef __x86_64__
	unsigned long rsp;
	unsigned long ss;
#endif
};

typedef void (*exception_handler_t)(struct ex_regs *regs);

void trap_init(void);
/* hvm64: load vCPU @cpu's TSS, which holds its #DF stack (no-op in hvm32). */
void trap_cpu_init(unsigned int cpu);

/*
 * Let a case take an exception it provokes on purpose.  The handler runs
 * with the faulting frame and must move regs->rip past the instruction if
 * execution is to go on; NULL restores the default, which reports the
 * exception as a failed check and crashes the guest.  Returns the previous
 * handler.
 */
exception_handler_t handle_exception(unsigned int vector,
				     exception_handler_t handler);

const char *exception_mnemonic(unsigned int vector);

#endif /* GUEST_TRAP_H */
