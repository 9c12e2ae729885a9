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

/*
 * The stack pointer of the code the exception interrupted.  hvm32 pushes no
 * SS:ESP at the same privilege: the interrupted ESP is just above the frame,
 * which pushal's saved ESP (esp_dummy) points at.  Setting it takes effect
 * in hvm64, and in hvm32 only for the #DF, whose task returns through the
 * faulting task's TSS (tss.c).
 */
#ifdef __x86_64__
static inline unsigned long ex_regs_sp(const struct ex_regs *regs)
{
	return regs->rsp;
}

static inline void ex_regs_set_sp(struct ex_regs *regs, unsigned long sp)
{
	regs->rsp = sp;
}
#else
#define EX_FRAME_WORDS	5	/* vector, error code, EIP, CS, EFLAGS */
static inline unsigned long ex_regs_sp(const struct ex_regs *regs)
{
	return regs->esp_dummy + EX_FRAME_WORDS * 4;
}

static inline void ex_regs_set_sp(struct ex_regs *regs, unsigned long sp)
{
	regs->esp_dummy = sp - EX_FRAME_WORDS * 4;
}
#endif

typedef void (*exception_handler_t)(struct ex_regs *regs);

/* The way in from entry.S and from hvm32's #DF task. */
void do_exception(struct ex_regs *regs);

void trap_init(void);

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

/* The "# emulator:" line for report_summary(), when there is one to print. */
void trap_summary(void);

#endif /* GUEST_TRAP_H */
