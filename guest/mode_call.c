// SPDX-License-Identifier: GPL-2.0
/*
 * mode_call(): the C side of mode.S.  Builds what the switches need once
 * (the foreign-width IDTs and, for hvm32, identity page tables for long
 * mode) and catches the operation's own faults in the image's own mode.
 */
#include <stddef.h>
#include "compiler.h"
#include "desc.h"
#include "guest.h"
#include "ktap.h"
#include "mode.h"
#include "shutdown.h"
#include "trap.h"
#include "xen.h"

#define PTE_P		(1 << 0)
#define PTE_W		(1 << 1)
#define PTE_PS		(1 << 7)

struct gate32 {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t zero;
	uint8_t type;
	uint16_t offset_high;
} __packed;

struct gate64 {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __packed;

/* lidt operands as 32-bit and 64-bit code read them. */
struct desc_ptr32 {
	uint16_t limit;
	uint32_t base;
} __packed;

struct desc_ptr64 {
	uint16_t limit;
	uint64_t base;
} __packed;

/* Shared with mode.S. */
extern const uint32_t mode_x32_stubs[IDT_EXCEPTIONS];
extern const uint32_t mode_x64_stubs[IDT_EXCEPTIONS];
extern const uint8_t mode_op32_wrmsr[], mode_op32_rdmsr[];
extern const uint8_t mode_op64_wrmsr[], mode_op64_rdmsr[];
long mode_run_pm32(unsigned int op, unsigned long a, unsigned long b);
long mode_run_compat(unsigned int op, unsigned long a, unsigned long b);
long mode_run_long64(unsigned int op, unsigned long a, unsigned long b);

int32_t mode_fault_vec = -1;
uint32_t mode_msr_hi;
uint32_t mode_crashed, mode_crash_rip;
unsigned long mode_bail;
struct desc_ptr32 mode_idt32_desc;
struct desc_ptr64 mode_idt64_desc;

static struct gate32 idt32[IDT_EXCEPTIONS] __aligned(16);
static struct gate64 idt64[IDT_EXCEPTIONS] __aligned(16);

#ifndef __x86_64__
/* hvm32's way into long mode: the first 4 GiB, 2 MiB pages. */
uint64_t mode_pml4[512] __aligned(4096);
static uint64_t mode_pdpt[512] __aligned(4096);
static uint64_t mode_pd[4][512] __aligned(4096);
#endif

static void mode_init(void)
{
	static bool done;
	unsigned int i;

	if (done)
		return;
	done = true;

	for (i = 0; i < IDT_EXCEPTIONS; i++) {
		uint32_t a32 = mode_x32_stubs[i], a64 = mode_x64_stubs[i];

		idt32[i] = (struct gate32){
			.offset_low = a32, .selector = GDT_CS32,
			.type = GATE_INTERRUPT, .offset_high = a32 >> 16,
		};
		idt64[i] = (struct gate64){
			.offset_low = a64, .selector = GDT_CS64,
			.type = GATE_INTERRUPT, .offset_mid = a64 >> 16,
		};
	}
	mode_idt32_desc.limit = sizeof(idt32) - 1;
	mode_idt32_desc.base = (unsigned long)idt32;
	mode_idt64_desc.limit = sizeof(idt64) - 1;
	mode_idt64_desc.base = (unsigned long)idt64;

#ifndef __x86_64__
	mode_pml4[0] = (unsigned long)mode_pdpt | PTE_P | PTE_W;
	for (i = 0; i < 4; i++)
		mode_pdpt[i] = (unsigned long)mode_pd[i] | PTE_P | PTE_W;
	for (i = 0; i < 4 * 512; i++)
		mode_pd[i / 512][i % 512] =
			((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS;
#endif
}

/* The image's own mode: its IDT, so a handler of ours for the op's faults. */
static void fixup(struct ex_regs *regs)
{
	const void *ip = (const void *)regs->rip;

	if (ip == mode_op32_wrmsr || ip == mode_op32_rdmsr ||
	    ip == mode_op64_wrmsr || ip == mode_op64_rdmsr) {
		mode_fault_vec = regs->vector;
		regs->rip += 2;
		return;
	}
	/* Not ours: let it fault again and crash the ordinary way. */
	handle_exception(regs->vector, NULL);
}

const char *mode_name(enum guest_mode m)
{
	static const char *const names[MODE_COUNT] = {
		[MODE_PM32] = "pm32",
		[MODE_COMPAT] = "compat",
		[MODE_LONG64] = "long64",
	};

	return m < MODE_COUNT ? names[m] : "none";
}

enum guest_mode mode_native(void)
{
	return guest_is_64bit() ? MODE_LONG64 : MODE_PM32;
}

long mode_call(enum guest_mode m, unsigned int op, unsigned long a,
	       unsigned long b)
{
	exception_handler_t old_gp, old_ud;
	long ret;

	mode_init();
	mode_fault_vec = -1;
	mode_crashed = 0;
	old_gp = handle_exception(13, fixup);
	old_ud = handle_exception(6, fixup);

	switch (m) {
	case MODE_PM32:
		ret = mode_run_pm32(op, a, b);
		break;
	case MODE_COMPAT:
		ret = mode_run_compat(op, a, b);
		break;
	default:
		ret = mode_run_long64(op, a, b);
		break;
	}

	handle_exception(13, old_gp);
	handle_exception(6, old_ud);

	if (mode_crashed) {
		report(false, "mode_%s_exception", mode_name(m));
		report_info("crash: vector %d at eip %#x in %s mode",
			    mode_fault_vec, mode_crash_rip, mode_name(m));
		report_summary();
		guest_shutdown(SHUTDOWN_crash);
	}
	return ret;
}

int mode_fault(void)
{
	return mode_fault_vec;
}

uint32_t mode_msr_high(void)
{
	return mode_msr_hi;
}

int mode_wrmsr(enum guest_mode m, uint32_t msr, uint32_t val)
{
	mode_call(m, MODE_OP_WRMSR, msr, val);
	return mode_fault();
}
