/* SPDX-License-Identifier: GPL-2.0 */
/* The parts of the multiboot-1 specification the guest relies on. */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#define MULTIBOOT_HEADER_MAGIC		0x1badb002
#define MULTIBOOT_BOOTLOADER_MAGIC	0x2badb002

/* Header flags: modules page aligned, pass memory info. */
#define MULTIBOOT_PAGE_ALIGN		(1 << 0)
#define MULTIBOOT_MEMORY_INFO		(1 << 1)

/* multiboot_info.flags */
#define MULTIBOOT_INFO_MEMORY		(1 << 0)
#define MULTIBOOT_INFO_CMDLINE		(1 << 2)

#ifndef __ASSEMBLY__

#include <stdint.h>

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	/* Nothing beyond this point is used. */
};

#endif /* __ASSEMBLY__ */
#endif /* GUEST_MULTIBOOT_H */
