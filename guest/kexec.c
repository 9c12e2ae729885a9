// SPDX-License-Identifier: GPL-2.0
/*
 * Self-kexec, see kexec.h.  Everything that can fail is checked here,
 * before the trampoline starts overwriting the running image: from then
 * on there is no way back.
 */
#include "cmdline.h"
#include "kexec.h"
#include "ktap.h"
#include "mode.h"
#include "multiboot.h"
#include "printf.h"
#include "string.h"

#define EI_NIDENT	16
#define ELFCLASS32	1
#define ET_EXEC		2
#define EM_386		3
#define PT_LOAD		1

#define IMAGE_BASE	0x100000	/* both images link at 1 MiB */
#define CMDLINE_OFFSET	0x100		/* the command line, after the mbi */
#define CMDLINE_SIZE	0x400

struct elf32_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type, e_machine;
	uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum;
	uint16_t e_shentsize, e_shnum, e_shstrndx;
};

struct elf32_phdr {
	uint32_t p_type, p_offset, p_vaddr, p_paddr;
	uint32_t p_filesz, p_memsz, p_flags, p_align;
};

struct kexec_seg {
	uint32_t dst, src, copy, clear;
};

struct kexec_params {
	uint32_t entry;
	uint32_t mbi;
	uint32_t nsegs;
	struct kexec_seg segs[KEXEC_MAX_SEGS];
};

_Static_assert(__builtin_offsetof(struct kexec_params, segs) == KEXEC_P_SEGS,
	       "kexec_tramp.S reads the parameters at these offsets");
_Static_assert(KEXEC_PARAMS_GPA + sizeof(struct kexec_params) <= 0x8000,
	       "the parameters must stay below the VMM's multiboot_info");

extern const uint8_t kexec_tramp[], kexec_tramp_end[];

/* "0x" and hex digits, as kexec_boot() writes it; false for anything else. */
static bool parse_hex(const char *s, unsigned long *val)
{
	unsigned long v = 0;
	unsigned int d;

	if (strncmp(s, "0x", 2) || !s[2])
		return false;
	for (s += 2; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*val = v;
	return true;
}

bool kexec_resume(const char *cmdline)
{
	struct kexec_state *st = kexec_state();
	unsigned long gpa;
	char val[16];
	int len = cmdline_get(cmdline, "kexec", val, sizeof(val));

	if (len < 0 || len >= (int)sizeof(val) || !parse_hex(val, &gpa) ||
	    gpa != KEXEC_STATE_GPA || st->magic != KEXEC_MAGIC)
		return false;
	ktap_restore(&st->ktap);
	return true;
}

static const char *base_name(const char *path)
{
	const char *slash = NULL, *p;

	for (p = path; *p; p++)
		if (*p == '/')
			slash = p;
	return slash ? slash + 1 : path;
}

bool kexec_find_module(unsigned long mbi_gpa, const char *name,
		       const void **image, size_t *len)
{
	const struct multiboot_info *mbi = (const void *)mbi_gpa;
	const struct multiboot_module *mod;
	unsigned int i;

	if (!(mbi->flags & MULTIBOOT_INFO_MODS))
		return false;
	mod = (const void *)(unsigned long)mbi->mods_addr;
	for (i = 0; i < mbi->mods_count; i++, mod++) {
		if (!mod->string ||
		    strcmp(base_name((const char *)(unsigned long)mod->string),
			   name))
			continue;
		*image = (const void *)(unsigned long)mod->mod_start;
		*len = mod->mod_end - mod->mod_start;
		return true;
	}
	return false;
}

static bool overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Fill in the trampoline's copy list from the program headers. */
static const char *plan_segments(const void *image, size_t len,
				 struct kexec_params *p)
{
	const struct elf32_ehdr *eh = image;
	uint32_t img = (unsigned long)image;
	unsigned int i;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, "\177ELF", 4) ||
	    eh->e_ident[4] != ELFCLASS32 || eh->e_type != ET_EXEC ||
	    eh->e_machine != EM_386)
		return "not an elf32-i386 executable";
	if (eh->e_phentsize != sizeof(struct elf32_phdr) ||
	    eh->e_phoff + eh->e_phnum * sizeof(struct elf32_phdr) > len)
		return "bad program headers";

	p->entry = eh->e_entry;
	p->nsegs = 0;
	for (i = 0; i < eh->e_phnum; i++) {
		const struct elf32_phdr *ph = (const void *)
			((const uint8_t *)image + eh->e_phoff +
			 i * sizeof(*ph));
		struct kexec_seg *s;

		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		if (p->nsegs == KEXEC_MAX_SEGS)
			return "too many segments";
		if (ph->p_offset + ph->p_filesz > len ||
		    ph->p_filesz > ph->p_memsz)
			return "segment outside the file";
		/* The trampoline copies from the module: it must survive. */
		if (ph->p_paddr < IMAGE_BASE ||
		    overlaps(ph->p_paddr, ph->p_memsz, img, len) ||
		    overlaps(ph->p_paddr, ph->p_memsz, KEXEC_STATE_GPA,
			     KEXEC_STATE_PAGES * 4096))
			return "segment over the module, the state or low memory";
		s = &p->segs[p->nsegs++];
		s->dst = ph->p_paddr;
		s->src = img + ph->p_offset;
		s->copy = ph->p_filesz;
		s->clear = ph->p_memsz - ph->p_filesz;
	}
	if (!p->nsegs)
		return "no PT_LOAD segment";
	return NULL;
}

/*
 * A fresh multiboot_info: memory and modules as we got them, new command
 * line.  A kexec'd stage's own multiboot_info is the one being replaced,
 * so everything is read from it before anything is written.
 */
static void build_mbi(unsigned long mbi_gpa, const char *args)
{
	const struct multiboot_info *old = (const void *)mbi_gpa;
	struct multiboot_info *mbi = (void *)KEXEC_MBI_GPA;
	char *cmdline = (char *)(KEXEC_MBI_GPA + CMDLINE_OFFSET);
	struct multiboot_info fresh = {
		.flags = MULTIBOOT_INFO_CMDLINE,
		.cmdline = KEXEC_MBI_GPA + CMDLINE_OFFSET,
	};

	if (old->flags & MULTIBOOT_INFO_MEMORY) {
		fresh.flags |= MULTIBOOT_INFO_MEMORY;
		fresh.mem_lower = old->mem_lower;
		fresh.mem_upper = old->mem_upper;
	}
	if (old->flags & MULTIBOOT_INFO_MODS) {
		fresh.flags |= MULTIBOOT_INFO_MODS;
		fresh.mods_count = old->mods_count;
		fresh.mods_addr = old->mods_addr;
	}
	snprintf(cmdline, CMDLINE_SIZE, "%s kexec=%#x", args,
		 KEXEC_STATE_GPA);
	*mbi = fresh;
}

const char *kexec_boot(unsigned long mbi_gpa, const void *image, size_t len,
		       const char *args)
{
	struct kexec_params *p = (void *)KEXEC_PARAMS_GPA;
	struct kexec_state *st = kexec_state();
	const char *err;

	err = plan_segments(image, len, p);
	if (err)
		return err;
	build_mbi(mbi_gpa, args);
	p->mbi = KEXEC_MBI_GPA;
	memcpy((void *)KEXEC_TRAMPOLINE_GPA, kexec_tramp,
	       kexec_tramp_end - kexec_tramp);

	report_info("kexec: entry %#x, %u segments, command line: %s",
		    p->entry, p->nsegs,
		    (const char *)(KEXEC_MBI_GPA + CMDLINE_OFFSET));
	/* The last thing before the jump: no check may follow. */
	st->magic = KEXEC_MAGIC;
	ktap_save(&st->ktap);

	mode_call(MODE_PM32, MODE_OP_JUMP, KEXEC_TRAMPOLINE_GPA, 0);
	return "the trampoline returned";
}
