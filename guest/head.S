/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot-1 entry, common to both builds.
 *
 * The loader leaves us in 32-bit protected mode with paging off, IF=0,
 * EAX = MULTIBOOT_BOOTLOADER_MAGIC and EBX = the GPA of the multiboot_info.
 * The segment registers are flat, but the descriptors they were loaded from
 * belong to the loader, so our own GDT goes in before anything else.  hvm64
 * then builds identity page tables and enters long mode.  main() gets the
 * magic and the multiboot_info GPA as its two arguments.
 */
#include "desc.h"
#include "multiboot.h"
#include "processor.h"

#define MB_FLAGS	(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

#define PTE_P		(1 << 0)
#define PTE_W		(1 << 1)
#define PTE_PS		(1 << 7)

#define BOOT_STACK_SIZE	16384

	/* The linker script puts this first: it must be in the first 8 KiB. */
	.section .multiboot, "a"
	.balign 4
	.globl multiboot_header
multiboot_header:
	.long MULTIBOOT_HEADER_MAGIC
	.long MB_FLAGS
	.long -(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)

	.section .text.head, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	lgdt gdt_desc
	ljmp $GDT_CS32, $1f
1:	mov $GDT_DS, %ecx
	mov %ecx, %ds
	mov %ecx, %es
	mov %ecx, %fs
	mov %ecx, %gs
	mov %ecx, %ss

	/*
	 * Keep the handoff in EBP and ESI while clearing the BSS: the loader
	 * should have done it, but a guest re-entered at _start (self-kexec)
	 * must not inherit its old state.  The stack lives in the BSS too.
	 */
	mov %eax, %ebp
	mov %ebx, %esi
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov $boot_stack_top, %esp

#ifdef __x86_64__
	/* Identity map the first 4 GiB with 2 MiB pages. */
	movl $(pdpt + PTE_P + PTE_W), pml4
	mov $pdpt, %edi
	mov $(pd + PTE_P + PTE_W), %eax
	mov $4, %ecx
1:	mov %eax, (%edi)
	add $4096, %eax
	add $8, %edi
	loop 1b
	mov $pd, %edi
	mov $(PTE_P + PTE_W + PTE_PS), %eax
	mov $2048, %ecx
1:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 1b

	mov %cr4, %eax
	or $X86_CR4_PAE, %eax
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $X86_CR0_PG, %eax
	mov %eax, %cr0
	ljmp $GDT_CS64, $start64

	.code64
start64:
	/* The upper halves of the registers are undefined after the switch. */
	mov $boot_stack_top, %esp
	mov %ebp, %edi
	mov %esi, %esi
	call main
#else
	push %esi
	push %ebp
	call main
#endif
	/* main() does not return. */
1:	cli
	hlt
	jmp 1b

	.data
	.balign 8
	.globl gdt
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* GDT_CS32: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* GDT_DS: flat data */
	.quad 0x00af9a000000ffff	/* GDT_CS64: 64-bit code */
	.fill GDT_ENTRIES - 4, 8, 0
gdt_end:

	/* Base padded to 64 bits so that 64-bit code can reload it too. */
	.balign 8
	.globl gdt_desc
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
	.long 0

	.bss
	.balign 16
boot_stack:
	.skip BOOT_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:

#ifdef __x86_64__
	.balign 4096
pml4:
	.skip 4096
pdpt:
	.skip 4096
pd:
	.skip 4 * 4096
#endif
