// SPDX-License-Identifier: GPL-2.0
/*
 * The --split, --hole and --late options and what they make present.
 *
 * Parsing is strict because a typo in a layout silently turns a "crosses a
 * memslot" or "lands in a hole" case into an ordinary one: every address is
 * page-aligned, inside RAM, and no two ranges overlap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "memlayout.h"


/*
 * A number in C syntax (0x... or decimal; no octal surprises from a leading
 * 0) with an optional binary K, M or G suffix, ending at 'stop' or at the
 * end of the string.  Returns the character after it, or NULL.
 */
static const char *parse_num(const char *s, char stop, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;
	int base = 10;

	if (*s < '0' || *s > '9')
		return NULL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || end == s || (base == 16 && end == s + 2))
		return NULL;
	switch (*end) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	}
	if (*end && *end != stop)
		return NULL;
	if (shift && v > (UINT64_MAX >> shift))
		return NULL;
	*out = (uint64_t)v << shift;
	return end;
}

static int parse_range(const char *opt, const char *arg, struct mem_range *r,
		       char *err, size_t errlen)
{
	const char *p = parse_num(arg, ':', &r->start);

	if (!p || *p != ':' || !parse_num(p + 1, '\0', &r->size))
		return errbuf(err, errlen, "%s: '%s' is not ADDR:SIZE", opt, arg);
	if (!r->size)
		return errbuf(err, errlen, "%s: '%s' is empty", opt, arg);
	return 0;
}

int mem_parse_split(struct mem_layout *l, const char *arg, char *err,
		    size_t errlen)
{
	uint64_t a;

	if (!parse_num(arg, '\0', &a))
		return errbuf(err, errlen, "--split: '%s' is not an address", arg);
	if (l->nr_splits == MEM_MAX_SPLITS)
		return errbuf(err, errlen, "--split: more than %u given",
			    MEM_MAX_SPLITS);
	l->splits[l->nr_splits++] = a;
	return 0;
}

int mem_parse_hole(struct mem_layout *l, const char *arg, char *err,
		   size_t errlen)
{
	if (l->nr_holes == MEM_MAX_HOLES)
		return errbuf(err, errlen, "--hole: more than %u given",
			    MEM_MAX_HOLES);
	if (parse_range("--hole", arg, &l->holes[l->nr_holes], err, errlen))
		return -1;
	l->nr_holes++;
	return 0;
}

int mem_parse_late(struct mem_layout *l, const char *arg, char *err,
		   size_t errlen)
{
	if (l->late.size)
		return errbuf(err, errlen, "--late: given more than once");
	return parse_range("--late", arg, &l->late, err, errlen);
}

static bool overlaps(const struct mem_range *a, const struct mem_range *b)
{
	return a->start < b->start + b->size && b->start < a->start + a->size;
}

static int check_range(const char *opt, const struct mem_range *r,
		       uint64_t ram, char *err, size_t errlen)
{
	if ((r->start | r->size) & (MEM_PAGE_SIZE - 1))
		return errbuf(err, errlen, "%s %#llx:%#llx: not page-aligned",
			    opt, (unsigned long long)r->start,
			    (unsigned long long)r->size);
	if (r->start >= ram || r->size > ram - r->start)
		return errbuf(err, errlen,
			    "%s %#llx:%#llx: outside guest RAM [0, %#llx)", opt,
			    (unsigned long long)r->start,
			    (unsigned long long)r->size,
			    (unsigned long long)ram);
	return 0;
}

/* The ranges that are not RAM at boot: the holes, then the late range. */
static unsigned int absent_at_boot(const struct mem_layout *l,
				   const struct mem_range **out)
{
	unsigned int i, n = 0;

	for (i = 0; i < l->nr_holes; i++)
		out[n++] = &l->holes[i];
	if (l->late.size)
		out[n++] = &l->late;
	return n;
}

int mem_layout_check(const struct mem_layout *l, char *err, size_t errlen)
{
	const struct mem_range *abs[MEM_MAX_HOLES + 1];
	unsigned int i, j, n = absent_at_boot(l, abs);

	for (i = 0; i < n; i++) {
		const char *opt = abs[i] == &l->late ? "--late" : "--hole";

		if (check_range(opt, abs[i], l->ram_size, err, errlen))
			return -1;
		for (j = 0; j < i; j++)
			if (overlaps(abs[i], abs[j]))
				return errbuf(err, errlen,
					    "%s %#llx:%#llx overlaps %#llx:%#llx",
					    opt,
					    (unsigned long long)abs[i]->start,
					    (unsigned long long)abs[i]->size,
					    (unsigned long long)abs[j]->start,
					    (unsigned long long)abs[j]->size);
	}
	for (i = 0; i < l->nr_splits; i++) {
		uint64_t a = l->splits[i];

		if (a & (MEM_PAGE_SIZE - 1))
			return errbuf(err, errlen, "--split %#llx: not page-aligned",
				    (unsigned long long)a);
		if (!a || a >= l->ram_size)
			return errbuf(err, errlen,
				    "--split %#llx: not inside guest RAM (0, %#llx)",
				    (unsigned long long)a,
				    (unsigned long long)l->ram_size);
		for (j = 0; j < i; j++)
			if (l->splits[j] == a)
				return errbuf(err, errlen,
					    "--split %#llx: given twice",
					    (unsigned long long)a);
		/* A cut inside a range that is not RAM would cut nothing. */
		for (j = 0; j < n; j++)
			if (a > abs[j]->start &&
			    a - abs[j]->start < abs[j]->size)
				return errbuf(err, errlen,
					    "--split %#llx: inside %#llx:%#llx, which is not RAM",
					    (unsigned long long)a,
					    (unsigned long long)abs[j]->start,
					    (unsigned long long)abs[j]->size);
	}
	return 0;
}

static bool in_absent(const struct mem_range **abs, unsigned int n,
		      uint64_t a)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (a >= abs[i]->start && a - abs[i]->start < abs[i]->size)
			return true;
	return false;
}

/* The lowest split or range edge strictly above 'start', or end of RAM. */
static uint64_t next_cut(const struct mem_layout *l,
			 const struct mem_range **abs, unsigned int n,
			 uint64_t start)
{
	uint64_t next = l->ram_size, e;
	unsigned int i;

	for (i = 0; i < l->nr_splits; i++)
		if (l->splits[i] > start && l->splits[i] < next)
			next = l->splits[i];
	for (i = 0; i < n; i++) {
		e = abs[i]->start + abs[i]->size;
		if (abs[i]->start > start && abs[i]->start < next)
			next = abs[i]->start;
		if (e > start && e < next)
			next = e;
	}
	return next;
}

/*
 * RAM from cut to cut, leaving out the pieces that are absent: the layout
 * has been checked, so every piece is either all absent or all RAM.
 */
unsigned int mem_layout_slots(const struct mem_layout *l,
			      struct mem_range *slots, unsigned int max)
{
	const struct mem_range *abs[MEM_MAX_HOLES + 1];
	unsigned int n = absent_at_boot(l, abs), nr = 0;
	uint64_t start, next;

	for (start = 0; start < l->ram_size; start = next) {
		next = next_cut(l, abs, n, start);
		if (in_absent(abs, n, start) || nr == max)
			continue;
		slots[nr].start = start;
		slots[nr].size = next - start;
		nr++;
	}
	return nr;
}

bool mem_present(const struct mem_layout *l, uint64_t gpa, uint64_t len)
{
	struct mem_range r = { gpa, len ? len : 1 };
	unsigned int i;

	if (gpa >= l->ram_size || r.size > l->ram_size - gpa)
		return false;
	for (i = 0; i < l->nr_holes; i++)
		if (overlaps(&r, &l->holes[i]))
			return false;
	if (l->late.size && !l->late_plugged && overlaps(&r, &l->late))
		return false;
	return true;
}

bool mem_late_pluggable(const struct mem_layout *l)
{
	return l->late.size && !l->late_plugged;
}
