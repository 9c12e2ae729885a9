// SPDX-License-Identifier: GPL-2.0
/*
 * Exceptions.  Unless a case installed a handler for the vector, an
 * exception is a guest failure: it is reported as a failed check (so that a
 * crash can never pass for success), the totals are printed to close the
 * KTAP output, and the guest shuts down with SHUTDOWN_crash.
 */
#include <stddef.h>
#include "desc.h"
#include "ktap.h"
#include "processor.h"
#include "rig.h"
#include "shutdown.h"
#include "trap.h"
#include "xen.h"

static struct idt_gate idt[IDT_EXCEPTIONS] __aligned(16);
static exception_handler_t handlers[IDT_EXCEPTIONS];

/* entry.S */
extern const unsigned long exception_stubs[IDT_EXCEPTIONS];
void do_exception(struct ex_regs *regs);

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

	gate->offset_low = addr;
	gate->selector = GDT_CS;
	gate->ist = 0;
	gate->type = GATE_INTERRUPT;
	gate->offset_mid = addr >> 16;
#ifdef __x86_64__
	gate->offset_high = addr >> 32;
	gate->reserved = 0;
#endif
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
	if (regs->vector == 14)
		report_info("crash: cr2 %#lx", read_cr2());
	report_summary();
}

void do_exception(struct ex_regs *regs)
{
	static bool crashing;
	unsigned int vector = regs->vector;

	if (!crashing && vector < IDT_EXCEPTIONS && handlers[vector]) {
		handlers[vector](regs);
		return;
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
