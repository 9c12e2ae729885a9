/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side pressure on guest memory for the gfn-to-pfn cache cases: moving
 * the host page behind a guest frame, discarding a frame, and the dirty log
 * of the main memslot (RIG_CMD_MEM_MOVE ... RIG_CMD_DIRTY_TEST).
 */
#ifndef VMM_REMAP_H
#define VMM_REMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "memlayout.h"

struct dirty_ring;

/* Old pages kept for RIG_CMD_MEM_OLD_CHANGED; a case moves a few frames. */
#define REMAP_MAX_MOVED	32

struct remap_old {
	uint64_t gfn;
	uint8_t *page;			/* the old host page, now mapped here */
	uint8_t snap[MEM_PAGE_SIZE];	/* what it held when it was moved */
};

struct remap {
	uint8_t *ram;			/* the VMM's mapping of guest RAM */
	uint64_t ram_size;
	/* The main memslot (the first one), which the dirty log covers. */
	struct mem_range slot;
	/* KVM: set or clear KVM_MEM_LOG_DIRTY_PAGES; KVM_GET_DIRTY_LOG. */
	int (*set_log)(void *ctx, const struct mem_range *slot, bool on);
	int (*get_log)(void *ctx, uint64_t *bitmap);
	void *ctx;
	bool logging;
	/*
	 * With --dirty-ring the log is KVM's per-vCPU rings instead of
	 * KVM_GET_DIRTY_LOG (which KVM refuses then): harvested into @dirty.
	 */
	struct dirty_ring *ring;
	uint64_t *dirty;		/* folded logs, one bit per frame */
	uint64_t *scratch;		/* what KVM_GET_DIRTY_LOG fills in */
	unsigned int nr_moved;
	struct remap_old moved[REMAP_MAX_MOVED];
	/*
	 * RIG_CMD_SLOT_MOVE of the --late range: where the range is, whether
	 * it is plugged, and how to point its memslot at @hva (NULL: delete
	 * it).  The VMM's own view stays at ram + late.start, an alias of the
	 * memslot's current mapping.
	 */
	const struct mem_range *late;
	const bool *late_plugged;
	int (*set_slot)(void *ctx, const struct mem_range *slot, void *hva);
	uint8_t *slot_cur;		/* the memslot's mapping, once moved */
	uint8_t *slot_old;		/* the one before it, kept */
	uint8_t *slot_snap;		/* what slot_old held at the move */
	uint64_t slot_moves;
};

/*
 * Each returns the control-port answer (0, 1, or ~0 for "refused");
 * remap_dirty_log() also RIG_DIRTY_NO_RING, or the ring's size.
 */
uint32_t remap_move(struct remap *r, uint64_t gfn);
uint32_t remap_old_changed(struct remap *r, uint64_t gfn);
uint32_t remap_discard(struct remap *r, uint64_t gfn);
uint32_t remap_dirty_log(struct remap *r, bool on);
uint32_t remap_dirty_test(struct remap *r, uint64_t gfn);
uint32_t remap_slot_move(struct remap *r);
uint32_t remap_slot_old_changed(struct remap *r, uint64_t gfn);

struct vm;
/* Fill in @r for @vm's RAM and first memslot, with the KVM callbacks. */
void remap_setup(struct remap *r, struct vm *vm);

/* The KVM side of set_log/get_log; ctx is the struct vm. */
int remap_kvm_set_log(void *vm, const struct mem_range *slot, bool on);
int remap_kvm_get_log(void *vm, uint64_t *bitmap);
int remap_kvm_set_slot(void *vm, const struct mem_range *slot, void *hva);

#endif /* VMM_REMAP_H */
