// SPDX-License-Identifier: GPL-2.0
/*
 * xAPIC one-shot timer and HLT.
 *
 * The IDT only covers the 32 exception vectors, so the timer uses vector 31:
 * reserved by the architecture but a legal APIC vector (only 0..15 are
 * refused), and the exception entry code already saves state and irets for
 * it without an error code.  handle_exception() hooks it for the duration
 * of one sleep.
 *
 * The timer counts the APIC bus clock, which KVM runs at 1 GHz (1 ns per
 * tick with divide-by-1) unless the VMM changes it; the rig's VMM does not.
 * Callers that need a lower bound on the Xen clock measure it themselves.
 */
#include <stdbool.h>
#include <stdint.h>
#include "apic.h"
#include "compiler.h"
#include "lapic.h"
#include "processor.h"
#include "rig.h"
#include "trap.h"

#define TIMER_VECTOR		31
_Static_assert(TIMER_VECTOR >= RIG_IRQ_VECTOR_FIRST, "the timer is an interrupt vector");
#define SPURIOUS_VECTOR		0xff
#define NS_PER_TICK		1
#define MAX_CHUNK_MS		1000	/* keeps the count in 32 bits */

static volatile bool fired;

static void timer_irq(struct ex_regs *regs)
{
	fired = true;
	apic_write(APIC_EOI, 0);
}

void apic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	apic_write(APIC_SPIV, APIC_SPIV_ENABLE | SPURIOUS_VECTOR);
}

/* One one-shot period; returns the HLTs it took. */
static unsigned int sleep_chunk(unsigned int ms)
{
	unsigned int hlts = 0;

	fired = false;
	apic_write(APIC_TDCR, APIC_TDR_DIV_1);
	/*
	 * Periodic, not one-shot: the first interrupt still comes no earlier
	 * than @ms, but should it be taken before the HLT (QEMU 7.2 loses
	 * sti's shadow across a VM exit: its VMRUN does not load the VMCB's
	 * interrupt shadow back) the next period still wakes the HLT instead
	 * of leaving the case to its timeout.
	 */
	apic_write(APIC_LVTT, APIC_LVT_PERIODIC | TIMER_VECTOR);
	apic_write(APIC_TMICT, ms * (1000000u / NS_PER_TICK));
	while (!fired) {
		/* sti's shadow covers hlt, except under QEMU 7.2 (above). */
		asm volatile("sti; hlt; cli" ::: "memory");
		hlts++;
	}
	apic_write(APIC_LVTT, APIC_LVT_MASKED | TIMER_VECTOR);
	apic_write(APIC_TMICT, 0);
	/*
	 * A period that ended after the first interrupt and before the mask
	 * is still pending: take it here, with timer_irq installed, not at
	 * the caller's next sti with whatever handler vector 31 has then.
	 */
	asm volatile("sti; nop; cli" ::: "memory");
	return hlts;
}

unsigned int apic_sleep_ms(unsigned int ms)
{
	exception_handler_t old;
	unsigned int hlts = 0, chunk;

	if (!ms)
		return 0;
	apic_enable();
	old = handle_exception(TIMER_VECTOR, timer_irq);
	while (ms) {
		chunk = ms > MAX_CHUNK_MS ? MAX_CHUNK_MS : ms;
		hlts += sleep_chunk(chunk);
		ms -= chunk;
	}
	handle_exception(TIMER_VECTOR, old);
	return hlts;
}

volatile unsigned int apic_safety_fired;

static void safety_irq(struct ex_regs *regs)
{
	apic_safety_fired++;
	apic_write(APIC_EOI, 0);
}

void apic_safety_arm(unsigned int ms)
{
	apic_enable();
	handle_exception(TIMER_VECTOR, safety_irq);
	apic_write(APIC_TDCR, APIC_TDR_DIV_1);
	apic_write(APIC_LVTT, TIMER_VECTOR);
	apic_write(APIC_TMICT, ms * (1000000u / NS_PER_TICK));
}

void apic_safety_stop(void)
{
	apic_write(APIC_LVTT, APIC_LVT_MASKED | TIMER_VECTOR);
	apic_write(APIC_TMICT, 0);
}

void apic_safety_disarm(void)
{
	apic_safety_stop();
	asm volatile("sti; nop; cli" ::: "memory");
}
