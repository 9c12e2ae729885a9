/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot-1 loader for ELF32 images.  Pure: it works on a copy of the file
 * and a host buffer standing for guest RAM at guest-physical 0, so it can be
 * tested without KVM.
 */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

#define MB_HEADER_MAGIC		0x1BADB002u
#define MB_BOOT_MAGIC		0x2BADB002u	/* EAX at entry */
#define MB_SEARCH_LEN		8192

/* Header flags: bits 0-15 are requirements a loader must refuse if unmet. */
#define MB_HF_PAGE_ALIGN	(1u << 0)
#define MB_HF_MEMORY_INFO	(1u << 1)
#define MB_HF_VIDEO_MODE	(1u << 2)
#define MB_HF_AOUT_KLUDGE	(1u << 16)
#define MB_HF_REQUIRED		0x0000ffffu

/* multiboot_info.flags */
#define MB_INFO_MEMORY		(1u << 0)
#define MB_INFO_CMDLINE		(1u << 2)
#define MB_INFO_MODS		(1u << 3)

/* multiboot_info.mods_addr points to an array of these. */
struct mb_mod_entry {
	uint32_t mod_start;
	uint32_t mod_end;
	uint32_t string;
	uint32_t reserved;
};

/* A module to load: the file's contents and the string the guest sees. */
struct mb_module {
	const void *data;
	size_t len;
	const char *name;
};

/* Where modules and their list go, for the VMM's layout checks. */
#define MB_MODS_LIST_GPA	0x8100u	/* in the info area, before the cmdline */
#define MB_MODS_LIST_END	0x8800u

/* The part of struct multiboot_info the rig fills; the rest reads as 0. */
struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
};

struct mb_image {
	uint32_t entry;
	uint32_t header_offset;	/* of the multiboot header in the file */
	uint32_t header_flags;
	uint32_t load_start;	/* lowest and highest+1 loaded address */
	uint32_t load_end;
};

int mb_load(const void *img, size_t len, void *ram, size_t ram_size,
	    struct mb_image *out, char *err, size_t errlen);
int mb_write_info(void *ram, size_t ram_size, const char *cmdline,
		  char *err, size_t errlen);
int mb_add_modules(void *ram, size_t ram_size, const struct mb_image *img,
		   const struct mb_module *mods, unsigned int n,
		   uint64_t *end, char *err, size_t errlen);

#endif /* VMM_LOADER_H */
