// SPDX-License-Identifier: GPL-2.0
/*
 * Bring-up of vCPU 1 and the one cross-vCPU primitive the cases need.
 *
 * The BSP copies the trampoline (smp_tramp.S) below 1 MiB, records its own
 * CR0/CR3/CR4/EFER and IDT for the AP, and sends INIT, then SIPI twice, as
 * the MP specification asks; KVM keeps a non-BSP vCPU waiting for exactly
 * that.  The AP announces itself in smp_ap_main() and then waits in HLT
 * for work, woken by a fixed IPI.  Work is one function pointer handed
 * over with release/acquire atomics: the BSP publishes arg then fn, the AP
 * takes fn, runs it and publishes done; smp_wait() reads done with acquire,
 * so whatever the function stored is visible to the BSP afterwards.
 */
#include <stddef.h>
#include <stdint.h>
#include "apic.h"
#include "desc.h"
#include "ktap.h"
#include "lapic.h"
#include "processor.h"
#include "smp.h"
#include "string.h"
#include "trap.h"
#include "tss.h"

#define APIC_DM_FIXED		0x000
#define APIC_DM_INIT		0x500
#define APIC_DM_STARTUP		0x600
#define APIC_LEVEL_ASSERT	(1u << 14)
#define APIC_TRIGGER_LEVEL	(1u << 15)

#define AP_STACK_SIZE		16384
#define WAKE_AGAIN_SPINS	(1u << 20)
#define WAKE_AGAIN_MAX		32

extern const uint8_t smp_tramp[], smp_tramp_end[], smp_tramp_gdt_desc[];
extern struct desc_ptr gdt_desc;

struct smp_boot smp_boot;
static struct desc_ptr boot_idt;
static uint8_t ap_stack[AP_STACK_SIZE] __aligned(16);

static struct smp_ap_arrival arrival;
static bool ap_running;			/* atomics */
static smp_fn work_fn;
static void *work_arg;
static bool work_done = true;

void smp_ap_main(void);

unsigned int smp_cpu_id(void)
{
	return apic_read(APIC_ID) >> 24;
}

static void icr_send(unsigned int apic_id, uint32_t lo)
{
	unsigned int spins = 1000000;

	apic_write(APIC_ICR_HI, apic_id << 24);
	apic_write(APIC_ICR_LO, lo);
	while ((apic_read(APIC_ICR_LO) & APIC_ICR_BUSY) && spins--)
		cpu_relax();
}

void smp_send_ipi(unsigned int apic_id, uint8_t vector)
{
	icr_send(apic_id, APIC_DM_FIXED | vector);
}

static void wake_irq(struct ex_regs *regs)
{
	apic_write(APIC_EOI, 0);
}

static unsigned long read_cr(int n)
{
	unsigned long v = 0;

	switch (n) {
	case 0: asm volatile("mov %%cr0, %0" : "=r" (v)); break;
	case 3: asm volatile("mov %%cr3, %0" : "=r" (v)); break;
	case 4: asm volatile("mov %%cr4, %0" : "=r" (v)); break;
	}
	return v;
}

/* The AP, on its own stack in the build's mode, IF=0. */
void smp_ap_main(void)
{
	struct smp_ap_arrival a = { 0 };
	unsigned long cs;
	smp_fn fn;

	load_idt(&boot_idt);
	trap_cpu_init(smp_cpu_id());
	apic_enable();
	asm volatile("mov %%cs, %0" : "=r" (cs));
	a.apic_id = smp_cpu_id();
	a.cs = cs;
	a.cr0 = read_cr(0);
	a.cr4 = read_cr(4);
	a.efer = rdmsr(MSR_EFER);
	a.long_mode = a.efer & (1u << 10);
	arrival = a;
	__atomic_store_n(&ap_running, true, __ATOMIC_RELEASE);

	for (;;) {
		cli();
		fn = __atomic_load_n(&work_fn, __ATOMIC_ACQUIRE);
		if (!fn) {
			/* sti's shadow covers hlt; where it does not, wait_taken(). */
			asm volatile("sti; hlt; cli" ::: "memory");
			continue;
		}
		__atomic_store_n(&work_fn, NULL, __ATOMIC_RELAXED);
		fn(work_arg);
		__atomic_store_n(&work_done, true, __ATOMIC_RELEASE);
	}
}

bool smp_ap_running(void)
{
	return __atomic_load_n(&ap_running, __ATOMIC_ACQUIRE);
}

bool smp_start_ap(unsigned int ms, struct smp_ap_arrival *out)
{
	uint8_t *tramp = (uint8_t *)SMP_TRAMPOLINE_GPA;
	size_t len = smp_tramp_end - smp_tramp;
	unsigned int i;

	if (smp_ap_running())
		goto done;
	memcpy(tramp, smp_tramp, len);
	/* The copy's descriptor: the BSP's GDT, as head.S loaded it. */
	memcpy(tramp + (smp_tramp_gdt_desc - smp_tramp), &gdt_desc, 6);
	smp_boot.cr0 = read_cr(0);
	smp_boot.cr3 = read_cr(3);
	smp_boot.cr4 = read_cr(4);
	smp_boot.efer = rdmsr(MSR_EFER) & ~(1u << 10);	/* LMA is the CPU's */
	smp_boot.stack = (uintptr_t)(ap_stack + sizeof(ap_stack));
	asm volatile("sidt %0" : "=m" (boot_idt));
	handle_exception(SMP_WAKE_VECTOR, wake_irq);
	apic_enable();
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	icr_send(1, APIC_DM_INIT | APIC_LEVEL_ASSERT | APIC_TRIGGER_LEVEL);
	icr_send(1, APIC_DM_INIT | APIC_TRIGGER_LEVEL);
	apic_sleep_ms(10);
	for (i = 0; i < 2 && !smp_ap_running(); i++) {
		icr_send(1, APIC_DM_STARTUP | (SMP_TRAMPOLINE_GPA >> 12));
		apic_sleep_ms(1);
	}
	for (i = 0; i < ms && !smp_ap_running(); i++)
		apic_sleep_ms(1);
	if (!smp_ap_running())
		return false;
done:
	if (out)
		*out = arrival;
	return true;
}

bool smp_busy(void)
{
	return !__atomic_load_n(&work_done, __ATOMIC_ACQUIRE);
}

static bool taken(void)
{
	return !__atomic_load_n(&work_fn, __ATOMIC_ACQUIRE);
}

/*
 * Until vCPU 1 has taken the call, wake it again now and then.  Its idle
 * "sti; hlt" relies on sti's shadow, and QEMU 7.2 loses the shadow when a
 * VM exit lands between the two: its VMRUN does not load the VMCB's
 * interrupt shadow back, so KVM's wake-up is taken before the hlt, which
 * then sleeps on.  This spins rather than sleeps, so that the caller's IF
 * stays as it was; the log says when a wake-up had to be sent again.
 */
static void wait_taken(void)
{
	unsigned int i, again;

	for (again = 0; !taken() && again < WAKE_AGAIN_MAX; again++) {
		for (i = 0; i < WAKE_AGAIN_SPINS && !taken(); i++)
			cpu_relax();
		if (taken())
			break;
		smp_send_ipi(1, SMP_WAKE_VECTOR);
	}
	if (again)
		report_info("smp: vCPU 1 took the call after %u more wake-up IPIs", again);
}

bool smp_call(smp_fn fn, void *arg)
{
	if (!smp_ap_running() || smp_busy())
		return false;
	work_arg = arg;
	__atomic_store_n(&work_done, false, __ATOMIC_RELAXED);
	__atomic_store_n(&work_fn, fn, __ATOMIC_RELEASE);
	smp_send_ipi(1, SMP_WAKE_VECTOR);
	wait_taken();
	return true;
}

bool smp_wait(unsigned int ms)
{
	unsigned int i;

	for (i = 0; smp_busy() && i < ms; i++)
		apic_sleep_ms(1);
	return !smp_busy();
}
