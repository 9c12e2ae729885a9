// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot loader: images are built in memory, then broken one field at a
 * time; each broken image must be refused with the message for that field,
 * and a refused image must leave guest RAM untouched.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rig/abi.h>

#include "loader.h"

#define RAM_SIZE	(4u << 20)
#define IMG_SIZE	0x3000
#define MB_OFF		0x100	/* multiboot header in the file */
#define SEG_OFF		0x1000	/* first segment's data in the file */
#define SEG_PADDR	0x100000
#define SEG_FILESZ	0x200
#define SEG_MEMSZ	0x400
#define SEG2_OFF	0x2000
#define SEG2_PADDR	0x200000
#define SEG2_SIZE	0x100
#define RAM_POISON	0xaa

struct fixture {
	uint8_t img[IMG_SIZE + 0x2000];
	size_t len;
	uint8_t *ram;
	struct mb_image mb;
	char err[256];
};

static Elf32_Ehdr *ehdr(struct fixture *f)
{
	return (Elf32_Ehdr *)f->img;
}

static Elf32_Phdr *phdr(struct fixture *f, unsigned int i)
{
	return (Elf32_Phdr *)(f->img + sizeof(Elf32_Ehdr)) + i;
}

static void put_mb_header(struct fixture *f, size_t off, uint32_t flags)
{
	uint32_t h[3] = { MB_HEADER_MAGIC, flags, -(MB_HEADER_MAGIC + flags) };

	memcpy(f->img + off, h, sizeof(h));
}

/*
 * A valid image: one text+bss segment, a PT_NOTE to skip and, for the
 * layout the 64-bit guest uses, a second PT_LOAD holding the entry.
 */
static void build(struct fixture *f, bool two_segments)
{
	Elf32_Ehdr *eh = ehdr(f);
	unsigned int i;

	memset(f->img, 0, sizeof(f->img));
	f->len = IMG_SIZE;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_entry = SEG_PADDR + 0x10;
	eh->e_phoff = sizeof(Elf32_Ehdr);
	eh->e_ehsize = sizeof(Elf32_Ehdr);
	eh->e_phentsize = sizeof(Elf32_Phdr);
	eh->e_phnum = two_segments ? 3 : 1;

	*phdr(f, 0) = (Elf32_Phdr) {
		.p_type = PT_LOAD, .p_offset = SEG_OFF,
		.p_vaddr = SEG_PADDR, .p_paddr = SEG_PADDR,
		.p_filesz = SEG_FILESZ, .p_memsz = SEG_MEMSZ,
	};
	if (two_segments) {
		*phdr(f, 1) = (Elf32_Phdr) {
			.p_type = PT_NOTE, .p_offset = 0xffffff00,
			.p_filesz = 0x1000, .p_paddr = 0xfffff000,
		};
		*phdr(f, 2) = (Elf32_Phdr) {
			.p_type = PT_LOAD, .p_offset = SEG2_OFF,
			.p_vaddr = SEG2_PADDR, .p_paddr = SEG2_PADDR,
			.p_filesz = SEG2_SIZE, .p_memsz = SEG2_SIZE,
		};
		eh->e_entry = SEG2_PADDR;
	}
	put_mb_header(f, MB_OFF, MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO);

	for (i = 0; i < SEG_FILESZ; i++)
		f->img[SEG_OFF + i] = i + 1;
	for (i = 0; i < SEG2_SIZE; i++)
		f->img[SEG2_OFF + i] = 0x80 | i;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ram = malloc(RAM_SIZE);
	if (!f->ram)
		return -1;
	memset(f->ram, RAM_POISON, RAM_SIZE);
	build(f, false);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->ram);
	free(f);
	return 0;
}

static int load(struct fixture *f)
{
	return mb_load(f->img, f->len, f->ram, RAM_SIZE, &f->mb, f->err,
		       sizeof(f->err));
}

static void assert_ram_untouched(struct fixture *f)
{
	size_t i;

	for (i = 0; i < RAM_SIZE; i++)
		if (f->ram[i] != RAM_POISON)
			fail_msg("RAM modified at %#zx by a refused image", i);
}

/* The image must be refused with a message containing @what. */
static void expect_reject(struct fixture *f, const char *what)
{
	assert_int_equal(load(f), -1);
	if (!strstr(f->err, what))
		fail_msg("error \"%s\" does not mention \"%s\"", f->err, what);
	assert_ram_untouched(f);
}

static void test_good_image(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	assert_int_equal(load(f), 0);
	assert_int_equal(f->mb.entry, SEG_PADDR + 0x10);
	assert_int_equal(f->mb.header_offset, MB_OFF);
	assert_int_equal(f->mb.load_start, SEG_PADDR);
	assert_int_equal(f->mb.load_end, SEG_PADDR + SEG_MEMSZ);
	for (i = 0; i < SEG_FILESZ; i++)
		assert_int_equal(f->ram[SEG_PADDR + i], (uint8_t)(i + 1));
	/* bss is zeroed, up to memsz and not a byte further */
	for (; i < SEG_MEMSZ; i++)
		assert_int_equal(f->ram[SEG_PADDR + i], 0);
	assert_int_equal(f->ram[SEG_PADDR + SEG_MEMSZ], RAM_POISON);
	assert_int_equal(f->ram[SEG_PADDR - 1], RAM_POISON);
}

static void test_good_elf32_container(void **state)
{
	struct fixture *f = *state;

	build(f, true);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->mb.entry, SEG2_PADDR);
	assert_int_equal(f->mb.load_start, SEG_PADDR);
	assert_int_equal(f->mb.load_end, SEG2_PADDR + SEG2_SIZE);
	assert_int_equal(f->ram[SEG_PADDR], 1);
	assert_int_equal(f->ram[SEG2_PADDR], 0x80);
	assert_int_equal(f->ram[SEG2_PADDR + SEG2_SIZE - 1], 0x80 | 0x7f);
	assert_int_equal(f->ram[SEG2_PADDR + SEG2_SIZE], RAM_POISON);
}

static void test_short_file(void **state)
{
	struct fixture *f = *state;

	f->len = sizeof(Elf32_Ehdr) - 1;
	expect_reject(f, "too short");
}

static void test_no_header(void **state)
{
	struct fixture *f = *state;

	memset(f->img + MB_OFF, 0, 12);
	expect_reject(f, "not a multiboot image");
}

static void test_header_unaligned(void **state)
{
	struct fixture *f = *state;

	memset(f->img + MB_OFF, 0, 12);
	put_mb_header(f, MB_OFF + 2, 0);
	expect_reject(f, "not a multiboot image");
}

/* The whole header must lie in the first 8 KiB: the last slot is 8180. */
static void test_header_search_limit(void **state)
{
	struct fixture *f = *state;

	memset(f->img + MB_OFF, 0, 12);
	f->len = sizeof(f->img);
	put_mb_header(f, MB_SEARCH_LEN - 12, 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->mb.header_offset, MB_SEARCH_LEN - 12);

	memset(f->img + MB_SEARCH_LEN - 12, 0, 12);
	put_mb_header(f, MB_SEARCH_LEN - 8, 0);
	memset(f->ram, RAM_POISON, RAM_SIZE);
	expect_reject(f, "not a multiboot image");
}

static void test_bad_checksum(void **state)
{
	struct fixture *f = *state;

	f->img[MB_OFF + 8] ^= 1;
	expect_reject(f, "checksum");
}

/* A stray magic before the real header must not hide it. */
static void test_stray_magic_skipped(void **state)
{
	struct fixture *f = *state;
	uint32_t magic = MB_HEADER_MAGIC;

	memcpy(f->img + MB_OFF - 16, &magic, sizeof(magic));
	assert_int_equal(load(f), 0);
	assert_int_equal(f->mb.header_offset, MB_OFF);
}

static void test_aout_kludge(void **state)
{
	struct fixture *f = *state;

	put_mb_header(f, MB_OFF, MB_HF_AOUT_KLUDGE);
	expect_reject(f, "a.out kludge");
}

static void test_required_feature(void **state)
{
	struct fixture *f = *state;

	put_mb_header(f, MB_OFF, MB_HF_VIDEO_MODE);
	expect_reject(f, "unsupported features");
}

static void test_bad_elf_magic(void **state)
{
	struct fixture *f = *state;

	f->img[1] = 'X';
	expect_reject(f, "ELF magic");
}

static void test_elf64(void **state)
{
	struct fixture *f = *state;

	ehdr(f)->e_ident[EI_CLASS] = ELFCLASS64;
	expect_reject(f, "not an ELF32 image");
}

static void test_big_endian(void **state)
{
	struct fixture *f = *state;

	ehdr(f)->e_ident[EI_DATA] = ELFDATA2MSB;
	expect_reject(f, "little-endian");
}

static void test_bad_machine(void **state)
{
	struct fixture *f = *state;

	ehdr(f)->e_machine = EM_X86_64;
	expect_reject(f, "not an i386 ELF image");
}

static void test_not_exec(void **state)
{
	struct fixture *f = *state;

	ehdr(f)->e_type = ET_DYN;
	expect_reject(f, "not an executable");
}

static void test_phdrs_beyond_file(void **state)
{
	struct fixture *f = *state;

	ehdr(f)->e_phoff = IMG_SIZE - sizeof(Elf32_Phdr) + 1;
	expect_reject(f, "program headers");
}

static void test_phdrs_exactly_at_end(void **state)
{
	struct fixture *f = *state;

	memcpy(f->img + IMG_SIZE - sizeof(Elf32_Phdr), phdr(f, 0),
	       sizeof(Elf32_Phdr));
	ehdr(f)->e_phoff = IMG_SIZE - sizeof(Elf32_Phdr);
	assert_int_equal(load(f), 0);
}

static void test_phoff_wraps(void **state)
{
	struct fixture *f = *state;

	/* phoff + phnum * 32 wraps to a small number in 32 bits */
	ehdr(f)->e_phoff = 0xffffffe0;
	expect_reject(f, "program headers");
}

static void test_no_phdrs(void **state)
{
	struct fixture *f = *state;

	ehdr(f)->e_phnum = 0;
	expect_reject(f, "no program headers");
}

static void test_bad_phentsize(void **state)
{
	struct fixture *f = *state;

	ehdr(f)->e_phentsize = sizeof(Elf32_Phdr) + 4;
	expect_reject(f, "program header size");
}

static void test_filesz_gt_memsz(void **state)
{
	struct fixture *f = *state;

	phdr(f, 0)->p_memsz = SEG_FILESZ - 1;
	expect_reject(f, "exceeds memory size");
}

static void test_filesz_with_zero_memsz(void **state)
{
	struct fixture *f = *state;

	phdr(f, 0)->p_memsz = 0;
	expect_reject(f, "exceeds memory size");
}

static void test_offset_overflow(void **state)
{
	struct fixture *f = *state;

	phdr(f, 0)->p_offset = 0xffffff00;
	expect_reject(f, "overflows");
}

static void test_data_beyond_file(void **state)
{
	struct fixture *f = *state;

	phdr(f, 0)->p_offset = IMG_SIZE - SEG_FILESZ + 1;
	expect_reject(f, "beyond the end of the file");
}

static void test_data_exactly_at_end(void **state)
{
	struct fixture *f = *state;

	phdr(f, 0)->p_offset = IMG_SIZE - SEG_FILESZ;
	assert_int_equal(load(f), 0);
}

static void test_paddr_wraps(void **state)
{
	struct fixture *f = *state;

	phdr(f, 0)->p_paddr = 0xfffffc00;
	phdr(f, 0)->p_memsz = 0x800;
	expect_reject(f, "wraps around 4 GiB");
}

static void test_outside_ram(void **state)
{
	struct fixture *f = *state;

	phdr(f, 0)->p_paddr = RAM_SIZE - SEG_MEMSZ + 1;
	ehdr(f)->e_entry = RAM_SIZE - SEG_MEMSZ + 1;
	expect_reject(f, "outside guest RAM");
}

static void test_ends_at_ram_end(void **state)
{
	struct fixture *f = *state;

	phdr(f, 0)->p_paddr = RAM_SIZE - SEG_MEMSZ;
	ehdr(f)->e_entry = RAM_SIZE - SEG_MEMSZ;
	assert_int_equal(load(f), 0);
	assert_int_equal(f->ram[RAM_SIZE - 1], 0);
}

static void test_overlaps_mbi(void **state)
{
	struct fixture *f = *state;
	static const uint32_t bad[] = {
		RIG_MBI_GPA - SEG_MEMSZ + 1,		/* tail in the area */
		RIG_MBI_GPA,
		RIG_CMDLINE_GPA + RIG_CMDLINE_MAX - 1,	/* last byte of it */
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		phdr(f, 0)->p_paddr = bad[i];
		ehdr(f)->e_entry = bad[i];
		expect_reject(f, "multiboot info area");
	}
}

static void test_adjacent_to_mbi(void **state)
{
	struct fixture *f = *state;

	phdr(f, 0)->p_paddr = RIG_MBI_GPA - SEG_MEMSZ;
	ehdr(f)->e_entry = RIG_MBI_GPA - SEG_MEMSZ;
	assert_int_equal(load(f), 0);
	phdr(f, 0)->p_paddr = RIG_CMDLINE_GPA + RIG_CMDLINE_MAX;
	ehdr(f)->e_entry = RIG_CMDLINE_GPA + RIG_CMDLINE_MAX;
	assert_int_equal(load(f), 0);
}

static void test_no_load_segment(void **state)
{
	struct fixture *f = *state;

	phdr(f, 0)->p_type = PT_NOTE;
	expect_reject(f, "no loadable segment");
}

static void test_entry_outside(void **state)
{
	struct fixture *f = *state;

	ehdr(f)->e_entry = SEG_PADDR + SEG_MEMSZ;
	expect_reject(f, "entry point");
	ehdr(f)->e_entry = SEG_PADDR - 1;
	expect_reject(f, "entry point");
	/* the last byte of the segment is still inside */
	ehdr(f)->e_entry = SEG_PADDR + SEG_MEMSZ - 1;
	assert_int_equal(load(f), 0);
}

/* A later bad segment must stop the load before the first is copied. */
static void test_second_segment_bad(void **state)
{
	struct fixture *f = *state;

	build(f, true);
	phdr(f, 2)->p_paddr = RAM_SIZE;
	expect_reject(f, "segment 2");
}

static void test_info(void **state)
{
	struct fixture *f = *state;
	struct mb_info mbi;

	assert_int_equal(mb_write_info(f->ram, RAM_SIZE, "case=smoke xenver=4.17",
				       f->err, sizeof(f->err)), 0);
	memcpy(&mbi, f->ram + RIG_MBI_GPA, sizeof(mbi));
	assert_int_equal(mbi.flags, MB_INFO_MEMORY | MB_INFO_CMDLINE);
	assert_int_equal(mbi.mem_lower, 640);
	assert_int_equal(mbi.mem_upper, (RAM_SIZE >> 10) - 1024);
	assert_int_equal(mbi.cmdline, RIG_CMDLINE_GPA);
	assert_string_equal((char *)f->ram + RIG_CMDLINE_GPA,
			    "case=smoke xenver=4.17");
	assert_int_equal(mbi.mods_count, 0);
	assert_int_equal(f->ram[RIG_MBI_GPA - 1], RAM_POISON);
	assert_int_equal(f->ram[RIG_CMDLINE_GPA + RIG_CMDLINE_MAX], RAM_POISON);
}

static void test_info_cmdline_limit(void **state)
{
	struct fixture *f = *state;
	char *line = malloc(RIG_CMDLINE_MAX + 10);

	assert_non_null(line);
	memset(line, 'a', RIG_CMDLINE_MAX + 9);
	line[RIG_CMDLINE_MAX + 9] = '\0';
	assert_int_equal(mb_write_info(f->ram, RAM_SIZE, line, f->err,
				       sizeof(f->err)), 0);
	assert_int_equal(strlen((char *)f->ram + RIG_CMDLINE_GPA),
			 RIG_CMDLINE_MAX - 1);
	assert_int_equal(f->ram[RIG_CMDLINE_GPA + RIG_CMDLINE_MAX], RAM_POISON);
	free(line);
}

static void test_info_no_cmdline(void **state)
{
	struct fixture *f = *state;
	struct mb_info mbi;

	assert_int_equal(mb_write_info(f->ram, RAM_SIZE, NULL, f->err,
				       sizeof(f->err)), 0);
	memcpy(&mbi, f->ram + RIG_MBI_GPA, sizeof(mbi));
	assert_true(mbi.flags & MB_INFO_CMDLINE);
	assert_int_equal(f->ram[RIG_CMDLINE_GPA], 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good_image),
		T(test_good_elf32_container),
		T(test_short_file),
		T(test_no_header),
		T(test_header_unaligned),
		T(test_header_search_limit),
		T(test_bad_checksum),
		T(test_stray_magic_skipped),
		T(test_aout_kludge),
		T(test_required_feature),
		T(test_bad_elf_magic),
		T(test_elf64),
		T(test_big_endian),
		T(test_bad_machine),
		T(test_not_exec),
		T(test_phdrs_beyond_file),
		T(test_phdrs_exactly_at_end),
		T(test_phoff_wraps),
		T(test_no_phdrs),
		T(test_bad_phentsize),
		T(test_filesz_gt_memsz),
		T(test_filesz_with_zero_memsz),
		T(test_offset_overflow),
		T(test_data_beyond_file),
		T(test_data_exactly_at_end),
		T(test_paddr_wraps),
		T(test_outside_ram),
		T(test_ends_at_ram_end),
		T(test_overlaps_mbi),
		T(test_adjacent_to_mbi),
		T(test_no_load_segment),
		T(test_entry_outside),
		T(test_second_segment_bad),
		T(test_info),
		T(test_info_cmdline_limit),
		T(test_info_no_cmdline),
	};

	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
