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

#endif /* GUEST_APIC_H */
