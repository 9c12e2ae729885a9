/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-physical memory layout: RAM is [0, ram_size) in the VMM's one host
 * mapping, carved into memslots by --split, with --hole ranges never backed
 * and a --late range backed only once the guest asks (RIG_CMD_MEM_PLUG).
 * Pure, so the option parser and the presence checks are unit-tested.
 */
#ifndef VMM_MEMLAYOUT_H
#define VMM_MEMLAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEM_PAGE_SIZE	4096u
#define MEM_MAX_SPLITS	8
#define MEM_MAX_HOLES	8
/* Boot memslots: RAM cut by every split, hole and the late range. */
#define MEM_MAX_SLOTS	(1 + MEM_MAX_SPLITS + 2 * (MEM_MAX_HOLES + 1))

struct mem_range {
	uint64_t start;
	uint64_t size;
};

struct mem_layout {
	uint64_t ram_size;
	unsigned int nr_splits;
	uint64_t splits[MEM_MAX_SPLITS];
	unsigned int nr_holes;
	struct mem_range holes[MEM_MAX_HOLES];
	struct mem_range late;		/* size 0: no late range */
	bool late_plugged;
};

/* Option parsers: 0, or -1 with a one-line reason in err. */
int mem_parse_split(struct mem_layout *l, const char *arg, char *err,
		    size_t errlen);
int mem_parse_hole(struct mem_layout *l, const char *arg, char *err,
		   size_t errlen);
int mem_parse_late(struct mem_layout *l, const char *arg, char *err,
		   size_t errlen);
/* Once ram_size is known: alignment, bounds, overlaps. */
int mem_layout_check(const struct mem_layout *l, char *err, size_t errlen);

/* The memslots to create at boot, in address order; returns how many. */
unsigned int mem_layout_slots(const struct mem_layout *l,
			      struct mem_range *slots, unsigned int max);
/* Is all of [gpa, gpa + len) guest RAM right now (len 0: is gpa)? */
bool mem_present(const struct mem_layout *l, uint64_t gpa, uint64_t len);
/* RIG_CMD_MEM_PLUG: may the late range be plugged now? */
bool mem_late_pluggable(const struct mem_layout *l);

#endif /* VMM_MEMLAYOUT_H */
