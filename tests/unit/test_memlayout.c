// SPDX-License-Identifier: GPL-2.0
/*
 * The --split/--hole/--late parser, the checks against RAM, the memslots
 * the layout gives and what is present before and after the late plug.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "memlayout.h"

#define MiB	(1ull << 20)

static struct mem_layout lay(uint64_t ram)
{
	return (struct mem_layout){ .ram_size = ram };
}

static void test_parse_numbers(void **state)
{
	struct mem_layout l = lay(64 * MiB);
	char err[160];

	assert_int_equal(mem_parse_split(&l, "0x2000000", err, sizeof(err)), 0);
	assert_int_equal(mem_parse_split(&l, "16M", err, sizeof(err)), 0);
	assert_int_equal(mem_parse_split(&l, "4096", err, sizeof(err)), 0);
	assert_int_equal(l.splits[0], 32 * MiB);
	assert_int_equal(l.splits[1], 16 * MiB);
	assert_int_equal(l.splits[2], 4096);
	assert_int_equal(mem_parse_hole(&l, "0x3000000:1M", err, sizeof(err)), 0);
	assert_int_equal(l.holes[0].start, 48 * MiB);
	assert_int_equal(l.holes[0].size, MiB);
	assert_int_equal(mem_parse_late(&l, "40M:0x100000", err, sizeof(err)), 0);
	assert_int_equal(l.late.start, 40 * MiB);
	assert_int_equal(mem_layout_check(&l, err, sizeof(err)), 0);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad_ranges[] = {
		"", "0x1000", "0x1000:", ":0x1000", "0x1000:0", "0x:1",
		"-1:4096", " 4096:4096", "4096:4096 ", "4096:4096:1", "1Q:4096",
		"0x1000:0x1000x", "99999999999999999999:1", "0xffffffffffffG:1",
	};
	struct mem_layout l = lay(64 * MiB);
	char err[160];
	unsigned int i;

	for (i = 0; i < sizeof(bad_ranges) / sizeof(bad_ranges[0]); i++) {
		err[0] = '\0';
		assert_int_equal(mem_parse_hole(&l, bad_ranges[i], err,
						sizeof(err)), -1);
		assert_non_null(strstr(err, "--hole"));
		assert_int_equal(mem_parse_late(&l, bad_ranges[i], err,
						sizeof(err)), -1);
	}
	assert_int_equal(l.nr_holes, 0);
	assert_int_equal(mem_parse_split(&l, "", err, sizeof(err)), -1);
	assert_int_equal(mem_parse_split(&l, "0x", err, sizeof(err)), -1);
	assert_int_equal(mem_parse_split(&l, "12abc", err, sizeof(err)), -1);
	assert_int_equal(mem_parse_late(&l, "4096:4096", err, sizeof(err)), 0);
	assert_int_equal(mem_parse_late(&l, "8192:4096", err, sizeof(err)), -1);
	assert_string_equal(err, "--late: given more than once");
}

static void check_fails(struct mem_layout *l, const char *want)
{
	char err[160] = "";

	assert_int_equal(mem_layout_check(l, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void test_check(void **state)
{
	struct mem_layout l;

	l = lay(64 * MiB);
	l.holes[l.nr_holes++] = (struct mem_range){ 0x1000, 0x800 };
	check_fails(&l, "--hole 0x1000:0x800: not page-aligned");

	l = lay(64 * MiB);
	l.holes[l.nr_holes++] = (struct mem_range){ 63 * MiB, 2 * MiB };
	check_fails(&l, "--hole 0x3f00000:0x200000: outside guest RAM [0, 0x4000000)");

	l = lay(64 * MiB);
	l.late = (struct mem_range){ 64 * MiB, 4096 };
	check_fails(&l, "--late 0x4000000:0x1000: outside guest RAM [0, 0x4000000)");

	l = lay(64 * MiB);
	l.holes[l.nr_holes++] = (struct mem_range){ 32 * MiB, 2 * MiB };
	l.late = (struct mem_range){ 33 * MiB, 4 * MiB };
	check_fails(&l, "--late 0x2100000:0x400000 overlaps 0x2000000:0x200000");

	l = lay(64 * MiB);
	l.holes[l.nr_holes++] = (struct mem_range){ 32 * MiB, MiB };
	l.holes[l.nr_holes++] = (struct mem_range){ 32 * MiB, MiB };
	check_fails(&l, "--hole 0x2000000:0x100000 overlaps 0x2000000:0x100000");

	/* touching is not overlapping */
	l = lay(64 * MiB);
	l.holes[l.nr_holes++] = (struct mem_range){ 32 * MiB, MiB };
	l.late = (struct mem_range){ 33 * MiB, MiB };
	assert_int_equal(mem_layout_check(&l, NULL, 0), 0);

	l = lay(64 * MiB);
	l.splits[l.nr_splits++] = 0x1001;
	check_fails(&l, "--split 0x1001: not page-aligned");
	l.splits[0] = 0;
	check_fails(&l, "--split 0: not inside guest RAM (0, 0x4000000)");
	l.splits[0] = 64 * MiB;
	check_fails(&l, "--split 0x4000000: not inside guest RAM (0, 0x4000000)");
	l.splits[0] = 32 * MiB;
	l.splits[l.nr_splits++] = 32 * MiB;
	check_fails(&l, "--split 0x2000000: given twice");
	l.nr_splits = 1;
	l.late = (struct mem_range){ 31 * MiB, 2 * MiB };
	check_fails(&l, "--split 0x2000000: inside 0x1f00000:0x200000, which is not RAM");
	/* at the edge of a range is fine */
	l.late = (struct mem_range){ 32 * MiB, 2 * MiB };
	assert_int_equal(mem_layout_check(&l, NULL, 0), 0);
}

static void test_slots(void **state)
{
	struct mem_layout l = lay(64 * MiB);
	struct mem_range s[MEM_MAX_SLOTS];

	assert_int_equal(mem_layout_slots(&l, s, MEM_MAX_SLOTS), 1);
	assert_int_equal(s[0].start, 0);
	assert_int_equal(s[0].size, 64 * MiB);

	l.splits[l.nr_splits++] = 32 * MiB;
	assert_int_equal(mem_layout_slots(&l, s, MEM_MAX_SLOTS), 2);
	assert_int_equal(s[0].size, 32 * MiB);
	assert_int_equal(s[1].start, 32 * MiB);
	assert_int_equal(s[1].size, 32 * MiB);

	l.holes[l.nr_holes++] = (struct mem_range){ 40 * MiB, MiB };
	l.late = (struct mem_range){ 0, 4096 };
	l.splits[l.nr_splits++] = 8 * MiB;
	assert_int_equal(mem_layout_slots(&l, s, MEM_MAX_SLOTS), 4);
	assert_int_equal(s[0].start, 4096);
	assert_int_equal(s[0].size, 8 * MiB - 4096);
	assert_int_equal(s[1].start, 8 * MiB);
	assert_int_equal(s[1].size, 24 * MiB);
	assert_int_equal(s[2].start, 32 * MiB);
	assert_int_equal(s[2].size, 8 * MiB);
	assert_int_equal(s[3].start, 41 * MiB);
	assert_int_equal(s[3].size, 23 * MiB);
	/* never more than asked for */
	assert_int_equal(mem_layout_slots(&l, s, 2), 2);

	/* a hole at the very end */
	l = lay(64 * MiB);
	l.holes[l.nr_holes++] = (struct mem_range){ 63 * MiB, MiB };
	assert_int_equal(mem_layout_slots(&l, s, MEM_MAX_SLOTS), 1);
	assert_int_equal(s[0].size, 63 * MiB);
}

static void test_present(void **state)
{
	struct mem_layout l = lay(64 * MiB);

	l.holes[l.nr_holes++] = (struct mem_range){ 40 * MiB, MiB };
	l.late = (struct mem_range){ 48 * MiB, MiB };
	assert_true(mem_present(&l, 0, 40 * MiB));
	assert_false(mem_present(&l, 0, 40 * MiB + 1));
	assert_false(mem_present(&l, 41 * MiB - 1, 1));
	assert_true(mem_present(&l, 41 * MiB, 7 * MiB));
	assert_false(mem_present(&l, 48 * MiB, 0));
	assert_false(mem_present(&l, 64 * MiB - 4, 8));
	assert_false(mem_present(&l, UINT64_MAX, 2));
	assert_true(mem_late_pluggable(&l));
	l.late_plugged = true;
	assert_false(mem_late_pluggable(&l));
	assert_true(mem_present(&l, 48 * MiB, MiB));
	assert_true(mem_present(&l, 41 * MiB, 23 * MiB));

	l = lay(64 * MiB);
	assert_false(mem_late_pluggable(&l));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_present),
	};

	return cmocka_run_group_tests_name("memlayout", tests, NULL, NULL);
}
