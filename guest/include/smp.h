/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A second vCPU, started by the first: INIT-SIPI-SIPI through the local
 * APIC into a real-mode trampoline below 1 MiB, then the build's own mode
 * (hvm32: 32-bit protected mode; hvm64: long mode on the BSP's page
 * tables), the BSP's GDT and IDT and a stack of its own.  There it waits
 * for work: smp_call() starts a function on it, smp_wait() waits for the
 * function to return.  Only the BSP reports; code on the AP leaves its
 * findings in memory for the BSP to check.
 *
 * The VMM must have created the vCPU (vmm --vcpus 2).
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#define SMP_MAX_CPUS		2
/* The SIPI vector is the page number: 0x09, clear of kexec and the MBI. */
#define SMP_TRAMPOLINE_GPA	0x9000

/* struct smp_boot's layout, for the trampoline. */
#define SMP_BOOT_CR0		0
#define SMP_BOOT_CR3		4
#define SMP_BOOT_CR4		8
#define SMP_BOOT_EFER		12
#define SMP_BOOT_STACK		16

#ifndef __ASSEMBLY__

#include <stdbool.h>
#include <stdint.h>

/* What the AP starts with: the BSP's control registers, and its stack. */
struct smp_boot {
	uint32_t cr0, cr3, cr4, efer;
	uint64_t stack;
};

/* What the AP found on arrival, before it ran anything. */
struct smp_ap_arrival {
	uint32_t apic_id;
	uint32_t cs;
	uint64_t cr0, cr4, efer;
	bool long_mode;		/* EFER.LMA */
};

/* This vCPU's local APIC ID, which is its Xen vCPU id on the rig. */
unsigned int smp_cpu_id(void);

/*
 * Start vCPU 1 and wait up to @ms (LAPIC timer) for it to arrive.  True
 * once it runs smp_ap_main(); *@arrival (may be NULL) gets what it saw.
 */
bool smp_start_ap(unsigned int ms, struct smp_ap_arrival *arrival);
bool smp_ap_running(void);

typedef void (*smp_fn)(void *arg);

/*
 * Run @fn(@arg) on vCPU 1; false if it is not running or still busy.
 * smp_wait() waits up to @ms for it to return (true) and is what makes
 * the function's stores visible to the caller.
 */
bool smp_call(smp_fn fn, void *arg);
bool smp_wait(unsigned int ms);
bool smp_busy(void);

/*
 * A vector for interrupts a case sends between vCPUs with the LAPIC: the
 * IDT has a stub for it that pushes no error code.  smp.c uses it to wake
 * the AP; smp_send_ipi() sends it (or @vector) to @apic_id.
 */
#define SMP_WAKE_VECTOR		26
void smp_send_ipi(unsigned int apic_id, uint8_t vector);

#endif /* __ASSEMBLY__ */
#endif /* GUEST_SMP_H */
