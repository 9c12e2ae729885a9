// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot modules: placement from RIG_MODULE_GPA, page alignment, the
 * module list and names in multiboot_info, and the refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rig/abi.h>

#include "loader.h"

#define RAM_SIZE	(RIG_MODULE_GPA + (1u << 20))

struct fixture {
	uint8_t *ram;
	struct mb_image img;
	char err[256];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ram = calloc(1, RAM_SIZE);
	if (!f->ram)
		return -1;
	f->img = (struct mb_image){ .load_start = 0x100000,
				    .load_end = 0x200000 };
	if (mb_write_info(f->ram, RAM_SIZE, "x", f->err, sizeof(f->err)))
		return -1;
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

static struct mb_info info(struct fixture *f)
{
	struct mb_info mbi;

	memcpy(&mbi, f->ram + RIG_MBI_GPA, sizeof(mbi));
	return mbi;
}

static struct mb_mod_entry entry(struct fixture *f, const struct mb_info *mbi,
				 unsigned int i)
{
	struct mb_mod_entry e;

	memcpy(&e, f->ram + mbi->mods_addr + i * sizeof(e), sizeof(e));
	return e;
}

static void test_two_modules(void **state)
{
	struct fixture *f = *state;
	static const char a[] = "first module";
	static const uint8_t b[4097] = { 1, 2, 3, [4096] = 9 };
	const struct mb_module mods[] = {
		{ a, sizeof(a), "hvm32.elf" },
		{ b, sizeof(b), "hvm64.elf" },
	};
	struct mb_mod_entry e;
	struct mb_info mbi;
	uint64_t end;

	assert_int_equal(mb_add_modules(f->ram, RAM_SIZE, &f->img, mods, 2,
					&end, f->err, sizeof(f->err)), 0);
	mbi = info(f);
	assert_int_equal(mbi.flags, MB_INFO_MEMORY | MB_INFO_CMDLINE |
				    MB_INFO_MODS);
	assert_int_equal(mbi.mods_count, 2);
	/* the list sits between the info and the command line */
	assert_true(mbi.mods_addr >= RIG_MBI_GPA + sizeof(mbi));
	assert_true(mbi.mods_addr + 2 * sizeof(e) <= RIG_CMDLINE_GPA);
	assert_string_equal((char *)f->ram + RIG_CMDLINE_GPA, "x");

	e = entry(f, &mbi, 0);
	assert_int_equal(e.mod_start, RIG_MODULE_GPA);
	assert_int_equal(e.mod_end, RIG_MODULE_GPA + sizeof(a));
	assert_int_equal(e.reserved, 0);
	assert_string_equal((char *)f->ram + e.string, "hvm32.elf");
	assert_memory_equal(f->ram + e.mod_start, a, sizeof(a));

	e = entry(f, &mbi, 1);
	assert_int_equal(e.mod_start, RIG_MODULE_GPA + 4096);
	assert_int_equal(e.mod_end, RIG_MODULE_GPA + 4096 + sizeof(b));
	assert_string_equal((char *)f->ram + e.string, "hvm64.elf");
	assert_memory_equal(f->ram + e.mod_start, b, sizeof(b));
	assert_int_equal(end, e.mod_end);
	assert_true(e.string < RIG_CMDLINE_GPA);
}

static void test_no_modules(void **state)
{
	struct fixture *f = *state;
	struct mb_info mbi;
	uint64_t end;

	assert_int_equal(mb_add_modules(f->ram, RAM_SIZE, &f->img, NULL, 0,
					&end, f->err, sizeof(f->err)), 0);
	mbi = info(f);
	assert_int_equal(mbi.flags, MB_INFO_MEMORY | MB_INFO_CMDLINE);
	assert_int_equal(mbi.mods_count, 0);
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;
	static uint8_t big[(1u << 20) + 1];
	char name[1000];
	struct mb_module m = { big, sizeof(big), "big" };
	uint64_t end;

	assert_int_equal(mb_add_modules(f->ram, RAM_SIZE, &f->img, &m, 1,
					&end, f->err, sizeof(f->err)), -1);
	assert_string_equal(f->err,
		"module big: [0x1000000, 0x1100001) does not fit in guest RAM (17 MiB)");
	/* exactly the rest of RAM fits */
	m.len = 1u << 20;
	assert_int_equal(mb_add_modules(f->ram, RAM_SIZE, &f->img, &m, 1,
					&end, f->err, sizeof(f->err)), 0);

	f->img.load_end = RIG_MODULE_GPA + 1;
	m.len = 1;
	assert_int_equal(mb_add_modules(f->ram, RAM_SIZE, &f->img, &m, 1,
					&end, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "overlaps the guest image"));

	f->img.load_end = 0x200000;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	{
		struct mb_module two[2] = {
			{ big, 1, name }, { big, 1, name },
		};

		assert_int_equal(mb_add_modules(f->ram, RAM_SIZE, &f->img, two,
						2, &end, f->err,
						sizeof(f->err)), -1);
		assert_non_null(strstr(f->err, "names too long"));
	}
	/* the command line survives a refusal */
	assert_string_equal((char *)f->ram + RIG_CMDLINE_GPA, "x");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_two_modules),
		T(test_no_modules),
		T(test_refusals),
	};

	return cmocka_run_group_tests_name("modules", tests, NULL, NULL);
}
