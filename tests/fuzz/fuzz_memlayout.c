// SPDX-License-Identifier: GPL-2.0
/*
 * The --split/--hole/--late parser and what it builds: any layout the
 * checker accepts must give memslots that are in order, inside RAM, never
 * overlapping each other or a range that is not RAM, and mem_present()
 * must agree with them.
 *
 * Input: RAM size in pages (16 bits), then options, each a kind byte and a
 * NUL-terminated argument.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "memlayout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_slots(const struct mem_layout *l)
{
	struct mem_range slots[MEM_MAX_SLOTS];
	unsigned int n = mem_layout_slots(l, slots, MEM_MAX_SLOTS), i;
	uint64_t prev_end = 0, covered = 0;

	for (i = 0; i < n; i++) {
		const struct mem_range *s = &slots[i];

		if (!s->size || s->start < prev_end ||
		    s->start + s->size > l->ram_size)
			abort();
		/* A memslot is RAM from its first byte to its last. */
		if (!mem_present(l, s->start, s->size))
			abort();
		prev_end = s->start + s->size;
		covered += s->size;
	}
	/* Between them the slots hold all RAM that is present. */
	if (!l->late_plugged) {
		uint64_t absent = l->late.size;

		for (i = 0; i < l->nr_holes; i++)
			absent += l->holes[i].size;
		if (covered + absent != l->ram_size)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct mem_layout l = { 0 };
	char err[256], arg[128];
	int bad = 0;

	l.ram_size = (uint64_t)(in_u16(&in) + 1) * MEM_PAGE_SIZE;
	while (in.left) {
		uint8_t kind = in_u8(&in);
		size_t n = strnlen((const char *)in.p, in.left);

		if (n >= sizeof(arg))
			n = sizeof(arg) - 1;
		memcpy(arg, in.p, n);
		arg[n] = '\0';
		in.p += n < in.left ? n + 1 : n;
		in.left -= n < in.left ? n + 1 : n;
		switch (kind % 3) {
		case 0:
			bad |= mem_parse_split(&l, arg, err, sizeof(err));
			break;
		case 1:
			bad |= mem_parse_hole(&l, arg, err, sizeof(err));
			break;
		default:
			bad |= mem_parse_late(&l, arg, err, sizeof(err));
			break;
		}
	}
	if (bad || mem_layout_check(&l, err, sizeof(err)))
		return 0;
	check_slots(&l);
	if (mem_late_pluggable(&l)) {
		l.late_plugged = true;
		if (!mem_present(&l, l.late.start, l.late.size))
			abort();
	}
	return 0;
}
