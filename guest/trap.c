// SPDX-License-Identifier: GPL-2.0
/*
 * Exceptions.  Unless a case installed a handler for the vector, an
 * exception is a guest failure: it is reported as a failed check (so that a
 * crash can never pass for success), the totals are printed to close the
 * KTAP output, and the guest shuts down with SHUTDOWN_crash.
 *
 * A #DF runs on a stack of its own (tss.c): a fault the CPU meets while
 * it delivers an exception (RSP gone bad, the stack unmapped, a gate
 * missing) then becomes a report with the RIP and RSP it happened at,
 * instead of a triple fault, which the host sees only as a shutdown with
 * the vCPU's state already reset.
 */
#include <stddef.h>
#include <stdint.h>
#include "desc.h"
#include "evtchn.h"
#include "ktap.h"
#include "printf.h"
#include "processor.h"
#include "rig.h"
#include "shutdown.h"
#include "smp.h"
#include "string.h"
#include "trap.h"
#include "tss.h"
#include "xen.h"

static struct idt_gate idt[IDT_EXCEPTIONS] __aligned(16);
static exception_handler_t handlers[IDT_EXCEPTIONS];

_Static_assert(SMP_WAKE_VECTOR >= RIG_IRQ_VECTOR_FIRST &&
	       EVTCHN_UPCALL_VECTOR >= RIG_IRQ_VECTOR_FIRST &&
	       EVTCHN_CALLBACK_VECTOR >= RIG_IRQ_VECTOR_FIRST,
	       "an interrupt vector below RIG_IRQ_VECTOR_FIRST");

/*
 * The vectors whose handler is running, per TSS (so per vCPU: each loads
 * its own), found without an exit to ask which vCPU this is.
 */
#define TR_SLOTS	8
static volatile uint32_t running[TR_SLOTS];
/* Second deliveries dropped by do_exception(), and the last one's vector. */
static unsigned int redelivered, redelivered_vector;

/* entry.S */
extern const unsigned long exception_stubs[IDT_EXCEPTIONS];

static const char *const mnemonics[IDT_EXCEPTIONS] = {
	[0] = "DE", [1] = "DB", [2] = "NMI", [3] = "BP", [4] = "OF",
	[5] = "BR", [6] = "UD", [7] = "NM", [8] = "DF", [9] = "CSO",
	[10] = "TS", [11] = "NP", [12] = "SS", [13] = "GP", [14] = "PF",
	[16] = "MF", [17] = "AC", [18] = "MC", [19] = "XM", [20] = "VE",
	[21] = "CP", [28] = "HV", [29] = "VC", [30] = "SX",
};

const char *exception_mnemonic(unsigned int vector)
{
	if (vector < IDT_EXCEPTIONS && mnemonics[vector])
		return mnemonics[vector];
	return NULL;
}

static void set_gate(unsigned int vector, unsigned long addr)
{
	struct idt_gate *gate = &idt[vector];

	memset(gate, 0, sizeof(*gate));
#ifndef __x86_64__
	if (vector == 8) {
		/* A task gate: the #DF handler is a task of its own (tss.c). */
		gate->selector = GDT_DF_TSS;
		gate->type = GATE_TASK;
		return;
	}
#endif
	gate->offset_low = addr;
	gate->selector = GDT_CS;
#ifdef __x86_64__
	gate->ist = vector == 8 ? TSS_DF_IST : 0;
	gate->offset_high = addr >> 32;
#endif
	gate->type = GATE_INTERRUPT;
	gate->offset_mid = addr >> 16;
}

void trap_init(void)
{
	struct desc_ptr dtr = {
		.limit = sizeof(idt) - 1,
		.base = (unsigned long)idt,
	};
	unsigned int vector;

	for (vector = 0; vector < IDT_EXCEPTIONS; vector++)
		set_gate(vector, exception_stubs[vector]);
	load_idt(&dtr);
	tss_init();
	trap_cpu_init(0);
}

exception_handler_t handle_exception(unsigned int vector,
				     exception_handler_t handler)
{
	exception_handler_t old = handlers[vector];

	handlers[vector] = handler;
	return old;
}

static void report_crash(const struct ex_regs *regs)
{
	const char *name = exception_mnemonic(regs->vector);
	char lower[8];
	unsigned int i;

	if (name) {
		for (i = 0; name[i] && i < sizeof(lower) - 1; i++)
			lower[i] = name[i] - 'A' + 'a';
		lower[i] = '\0';
		report(false, "exception_%s", lower);
	} else {
		report(false, "exception_vector_%lu", regs->vector);
	}

	report_info("crash: vector %lu (%s%s) error %#lx at rip %#lx",
		    regs->vector, name ? "#" : "", name ? name : "reserved",
		    regs->error_code, regs->rip);
	report_info("crash: cs %#lx rflags %#lx rax %#lx rbx %#lx rcx %#lx rdx %#lx",
		    regs->cs, regs->rflags, regs->rax, regs->rbx, regs->rcx,
		    regs->rdx);
	report_info("crash: vCPU %u rsp %#lx rbp %#lx rsi %#lx rdi %#lx",
		    smp_cpu_id(), ex_regs_sp(regs), regs->rbp, regs->rsi,
		    regs->rdi);
	/* A #DF from a #PF met while pushing a frame leaves CR2 set too. */
	if (regs->vector == 14 || regs->vector == 8)
		report_info("crash: cr2 %#lx", read_cr2());
	report_summary();
}

static unsigned int tr_slot(void)
{
	uint16_t tr;

	asm volatile("str %0" : "=r" (tr));
	return (tr >> 3) % TR_SLOTS;
}

/*
 * A maskable interrupt cannot arrive while IF=0: not at its own handler's
 * first instruction (the interrupt gate cleared IF on the way in), nor while
 * its handler runs with IF still 0.  QEMU's TCG delivers one so.  When VMRUN
 * injects an interrupt (EVENTINJ), QEMU delivers it but leaves the vector in
 * the vCPU's pending-exception slot, and a kick of the vCPU before the
 * guest's next exit delivers it a second time, mostly at once.  No host
 * kernel causes that and no check is about it, so the copy is dropped here
 * and counted, and trap_summary() reports it.  A KVM that injected at IF=0
 * outside the handler still fails the checks that hold interrupts off.
 */
static bool redelivery(const struct ex_regs *regs, unsigned int slot)
{
	unsigned int vector = regs->vector;

	if (vector < RIG_IRQ_VECTOR_FIRST || vector >= IDT_EXCEPTIONS ||
	    (regs->rflags & X86_EFLAGS_IF))
		return false;
	if (regs->rip != exception_stubs[vector] &&
	    !(running[slot] & (1u << vector)))
		return false;
	__atomic_fetch_add(&redelivered, 1, __ATOMIC_RELAXED);
	redelivered_vector = vector;
	return true;
}

void trap_summary(void)
{
	if (redelivered)
		printf("# emulator: %u interrupts delivered a second time with IF=0, at or in their own handler (last vector %u): dropped\n",
		       redelivered, redelivered_vector);
}

void do_exception(struct ex_regs *regs)
{
	static bool crashing;
	unsigned int vector = regs->vector;

	if (!crashing && vector < IDT_EXCEPTIONS) {
		unsigned int slot = tr_slot();

		if (redelivery(regs, slot))
			return;
		if (handlers[vector]) {
			running[slot] |= 1u << vector;
			handlers[vector](regs);
			running[slot] &= ~(1u << vector);
			return;
		}
	}

	/* A fault while reporting a fault: leave by the simplest way. */
	if (crashing) {
		rig_cmd(RIG_CMD_EXIT, SHUTDOWN_crash);
		halt_forever();
	}
	crashing = true;

	report_crash(regs);
	guest_shutdown(SHUTDOWN_crash);
}
