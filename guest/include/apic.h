/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local APIC timer, only as a way to halt for a while: one-shot, then
 * HLT until it fires.  A halt is what makes Xen deschedule the vCPU (and
 * update its runstate area) and what KVM runs in the kernel.
 */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

/*
 * Halt for at least @ms milliseconds of the APIC timer's clock, with
 * interrupts enabled only inside the HLT.  Returns the number of HLTs it
 * took (more than one if something else woke the vCPU).
 */
unsigned int apic_sleep_ms(unsigned int ms);

/* Enable the xAPIC (its MSR and the spurious vector register). */
void apic_enable(void);

/*
 * A wait's safety: a one-shot of @ms milliseconds on the same vector, for
 * a wait that another event should end (SCHEDOP_poll, SCHEDOP_block, a
 * halt).  Should that wake-up be missing, the safety ends the wait in
 * both hypervisors, so the check fails on a measured time instead of the
 * case hanging.  Each firing counts in apic_safety_fired, which only the
 * caller resets.  apic_safety_stop() masks it; apic_safety_disarm() also
 * takes a firing left pending while IF was 0.
 */
extern volatile unsigned int apic_safety_fired;
void apic_safety_arm(unsigned int ms);
void apic_safety_stop(void);
void apic_safety_disarm(void);

#endif /* GUEST_APIC_H */
