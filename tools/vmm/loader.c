// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot-1 loading of ELF32 images.
 *
 * The rig's guests are its own, but a loader that trusts its input turns a
 * broken guest build into a VMM crash or a guest running garbage: every field
 * read from the file is checked, with arithmetic done in 64 bits so that no
 * offset + size can wrap, and each rejection names what is wrong.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rig/abi.h>

#include "errbuf.h"
#include "loader.h"

/* The boot information the VMM writes; no segment may land on it. */
#define MBI_AREA_START	RIG_MBI_GPA
#define MBI_AREA_END	(RIG_CMDLINE_GPA + RIG_CMDLINE_MAX)

_Static_assert(RIG_MBI_GPA + sizeof(struct mb_info) <= MB_MODS_LIST_GPA &&
	       MB_MODS_LIST_END <= RIG_CMDLINE_GPA,
	       "module list between the info and the command line");


static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Like GRUB, take the first magic whose checksum holds: the magic number can
 * occur by chance in code or data before the real header.
 */
static int find_header(const uint8_t *img, size_t len, struct mb_image *out,
		       char *err, size_t errlen)
{
	size_t end = len < MB_SEARCH_LEN ? len : MB_SEARCH_LEN;
	size_t off, bad_off = 0;
	uint32_t bad_sum = 0;
	bool bad = false;

	for (off = 0; off + 12 <= end; off += 4) {
		uint32_t magic = get32(img + off);
		uint32_t flags = get32(img + off + 4);
		uint32_t sum = magic + flags + get32(img + off + 8);

		if (magic != MB_HEADER_MAGIC)
			continue;
		if (sum != 0) {
			if (!bad) {
				bad = true;
				bad_off = off;
				bad_sum = sum;
			}
			continue;
		}
		if (flags & MB_HF_AOUT_KLUDGE)
			return errbuf(err, errlen,
				    "multiboot a.out kludge (flag bit 16) is not supported");
		if (flags & MB_HF_REQUIRED &
		    ~(MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO))
			return errbuf(err, errlen,
				    "multiboot header requires unsupported features (flags %#x)",
				    flags & MB_HF_REQUIRED);
		out->header_offset = off;
		out->header_flags = flags;
		return 0;
	}
	if (bad)
		return errbuf(err, errlen,
			    "bad multiboot header checksum at offset %#zx (magic+flags+checksum=%#x)",
			    bad_off, bad_sum);
	return errbuf(err, errlen,
		    "not a multiboot image (no header in the first 8 KiB)");
}

static int check_ehdr(const Elf32_Ehdr *eh, size_t len, char *err,
		      size_t errlen)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return errbuf(err, errlen, "not an ELF file (bad ELF magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS32)
		return errbuf(err, errlen,
			    "not an ELF32 image (ELF class %u; a 64-bit guest must be wrapped as elf32-i386)",
			    eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return errbuf(err, errlen, "not a little-endian ELF image");
	if (eh->e_machine != EM_386)
		return errbuf(err, errlen,
			    "not an i386 ELF image (e_machine %u)",
			    eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return errbuf(err, errlen,
			    "not an executable ELF image (e_type %u)",
			    eh->e_type);
	if (eh->e_phnum == 0)
		return errbuf(err, errlen, "ELF image has no program headers");
	if (eh->e_phentsize != sizeof(Elf32_Phdr))
		return errbuf(err, errlen,
			    "bad ELF program header size %u (expected %zu)",
			    eh->e_phentsize, sizeof(Elf32_Phdr));
	if ((uint64_t)eh->e_phoff + eh->e_phnum * sizeof(Elf32_Phdr) > len)
		return errbuf(err, errlen,
			    "ELF program headers (offset %#x, %u entries) extend beyond the end of the file (%zu bytes)",
			    eh->e_phoff, eh->e_phnum, len);
	return 0;
}

static int check_phdr(unsigned int i, const Elf32_Phdr *ph, size_t len,
		      size_t ram_size, char *err, size_t errlen)
{
	uint64_t fend = (uint64_t)ph->p_offset + ph->p_filesz;
	uint64_t mend = (uint64_t)ph->p_paddr + ph->p_memsz;

	if (ph->p_filesz > ph->p_memsz)
		return errbuf(err, errlen,
			    "segment %u: file size %#x exceeds memory size %#x",
			    i, ph->p_filesz, ph->p_memsz);
	if (fend > UINT32_MAX)
		return errbuf(err, errlen,
			    "segment %u: file offset %#x + size %#x overflows",
			    i, ph->p_offset, ph->p_filesz);
	if (mend > UINT32_MAX + 1ull)
		return errbuf(err, errlen,
			    "segment %u: address %#x + size %#x wraps around 4 GiB",
			    i, ph->p_paddr, ph->p_memsz);
	if (fend > len)
		return errbuf(err, errlen,
			    "segment %u: file data [%#x, %#llx) extends beyond the end of the file (%zu bytes)",
			    i, ph->p_offset, (unsigned long long)fend, len);
	if (mend > ram_size)
		return errbuf(err, errlen,
			    "segment %u: [%#x, %#llx) lies outside guest RAM (%zu MiB)",
			    i, ph->p_paddr, (unsigned long long)mend,
			    ram_size >> 20);
	if (ph->p_memsz && ph->p_paddr < MBI_AREA_END && mend > MBI_AREA_START)
		return errbuf(err, errlen,
			    "segment %u: [%#x, %#llx) overlaps the multiboot info area [%#x, %#x)",
			    i, ph->p_paddr, (unsigned long long)mend,
			    MBI_AREA_START, MBI_AREA_END);
	return 0;
}

int mb_load(const void *img, size_t len, void *ram, size_t ram_size,
	    struct mb_image *out, char *err, size_t errlen)
{
	const uint8_t *file = img;
	const Elf32_Ehdr *eh = img;
	Elf32_Ehdr ehdr;
	uint64_t lo = UINT64_MAX, hi = 0;
	bool entry_ok = false;
	unsigned int i, nload = 0;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(Elf32_Ehdr))
		return errbuf(err, errlen,
			    "file too short (%zu bytes) for an ELF header",
			    len);
	if (find_header(file, len, out, err, errlen))
		return -1;
	/* Copy the headers: the file buffer need not be aligned for them. */
	memcpy(&ehdr, eh, sizeof(ehdr));
	if (check_ehdr(&ehdr, len, err, errlen))
		return -1;

	/* Validate everything before touching RAM. */
	for (i = 0; i < ehdr.e_phnum; i++) {
		Elf32_Phdr ph;

		memcpy(&ph, file + ehdr.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (check_phdr(i, &ph, len, ram_size, err, errlen))
			return -1;
		if (ph.p_memsz == 0)
			continue;
		nload++;
		if (ph.p_paddr < lo)
			lo = ph.p_paddr;
		if ((uint64_t)ph.p_paddr + ph.p_memsz > hi)
			hi = (uint64_t)ph.p_paddr + ph.p_memsz;
		if (ehdr.e_entry >= ph.p_paddr &&
		    ehdr.e_entry - ph.p_paddr < ph.p_memsz)
			entry_ok = true;
	}
	if (!nload)
		return errbuf(err, errlen, "ELF image has no loadable segment");
	if (!entry_ok)
		return errbuf(err, errlen,
			    "entry point %#x is outside the loaded segments",
			    ehdr.e_entry);

	for (i = 0; i < ehdr.e_phnum; i++) {
		Elf32_Phdr ph;
		uint8_t *dst;

		memcpy(&ph, file + ehdr.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		dst = (uint8_t *)ram + ph.p_paddr;
		memcpy(dst, file + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}

	out->entry = ehdr.e_entry;
	out->load_start = lo;
	out->load_end = hi;	/* may be 2^32: only for logs */
	return 0;
}

/*
 * Boot information per multiboot-1: lower memory is the classic 640 KiB,
 * upper memory everything above 1 MiB.  The command line is always present
 * (possibly empty) so the guest need not special-case its absence.
 */
int mb_write_info(void *ram, size_t ram_size, const char *cmdline,
		  char *err, size_t errlen)
{
	uint8_t *base = ram;
	struct mb_info mbi = { 0 };
	size_t n;

	if (ram_size < (2u << 20))
		return errbuf(err, errlen, "guest RAM too small (%zu bytes)",
			    ram_size);
	if (!cmdline)
		cmdline = "";

	memset(base + MBI_AREA_START, 0, MBI_AREA_END - MBI_AREA_START);
	n = strnlen(cmdline, RIG_CMDLINE_MAX - 1);
	memcpy(base + RIG_CMDLINE_GPA, cmdline, n);

	mbi.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE;
	mbi.mem_lower = 640;
	mbi.mem_upper = (ram_size - (1u << 20)) >> 10;
	mbi.cmdline = RIG_CMDLINE_GPA;
	memcpy(base + RIG_MBI_GPA, &mbi, sizeof(mbi));
	return 0;
}

/*
 * Multiboot modules, page-aligned from RIG_MODULE_GPA up, after
 * mb_write_info().  Their list and names live in the unused part of the
 * boot-information area, which no segment may overlap, so they need no
 * room of their own.  *end is the first byte after the last module.
 */
int mb_add_modules(void *ram, size_t ram_size, const struct mb_image *img,
		   const struct mb_module *mods, unsigned int n,
		   uint64_t *end, char *err, size_t errlen)
{
	uint8_t *base = ram;
	uint64_t gpa = RIG_MODULE_GPA, mod_end;
	uint32_t str = MB_MODS_LIST_GPA + n * sizeof(struct mb_mod_entry);
	struct mb_mod_entry e;
	struct mb_info mbi;
	unsigned int i;
	size_t len;

	*end = gpa;
	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		mod_end = gpa + mods[i].len;
		if (mod_end > ram_size)
			return errbuf(err, errlen,
				    "module %s: [%#llx, %#llx) does not fit in guest RAM (%zu MiB)",
				    mods[i].name, (unsigned long long)gpa,
				    (unsigned long long)mod_end, ram_size >> 20);
		if (gpa < img->load_end && mod_end > img->load_start)
			return errbuf(err, errlen,
				    "module %s: [%#llx, %#llx) overlaps the guest image [%#x, %#llx)",
				    mods[i].name, (unsigned long long)gpa,
				    (unsigned long long)mod_end, img->load_start,
				    (unsigned long long)img->load_end);
		len = strlen(mods[i].name) + 1;
		if (str + len > MB_MODS_LIST_END)
			return errbuf(err, errlen,
				    "module names too long for the boot information area");
		memcpy(base + str, mods[i].name, len);
		memcpy(base + gpa, mods[i].data, mods[i].len);
		e = (struct mb_mod_entry) {
			.mod_start = gpa,
			.mod_end = mod_end,
			.string = str,
		};
		memcpy(base + MB_MODS_LIST_GPA + i * sizeof(e), &e, sizeof(e));
		str += len;
		gpa = (mod_end + 4095) & ~4095ull;
		*end = mod_end;
	}

	memcpy(&mbi, base + RIG_MBI_GPA, sizeof(mbi));
	mbi.flags |= MB_INFO_MODS;
	mbi.mods_count = n;
	mbi.mods_addr = MB_MODS_LIST_GPA;
	memcpy(base + RIG_MBI_GPA, &mbi, sizeof(mbi));
	return 0;
}
