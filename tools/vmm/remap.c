// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side pressure on guest memory, as a real VMM applies it behind the
 * guest's back: it migrates or compacts the pages (a new host page where
 * the old one was), drops them (balloon, MADV_DONTNEED) and logs what was
 * written (live migration).  KVM's gfn-to-pfn caches must follow all of it:
 * the MMU notifier tells them the old page is gone, and every write through
 * a cache must mark its frame dirty.  Every step is traced with what the
 * host answered.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include <rig/abi.h>

#include "dirty_ring.h"
#include "log.h"
#include "remap.h"
#include "vmm.h"

#define NOPE	(~0u)

static uint8_t *frame(struct remap *r, uint64_t gfn)
{
	if (!r->ram || gfn >= r->ram_size / MEM_PAGE_SIZE)
		return NULL;
	return r->ram + gfn * MEM_PAGE_SIZE;
}

static void *anon_page(void)
{
	void *p = mmap(NULL, MEM_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * RIG_CMD_MEM_MOVE.  The copy is made first and the two mremap() calls
 * follow each other, so the frame is a hole for as short a time as the
 * host allows (the vCPU is stopped in this exit; only KVM's own timers
 * could look).  The old page is moved, not copied: its physical page is
 * the one KVM may still have mapped.
 */
uint32_t remap_move(struct remap *r, uint64_t gfn)
{
	uint8_t *old = frame(r, gfn), *fresh, *keep;
	struct remap_old *o;

	if (!old) {
		vmm_trace("mem move gfn %#llx: not guest RAM",
			  (unsigned long long)gfn);
		return NOPE;
	}
	if (r->nr_moved == REMAP_MAX_MOVED) {
		vmm_trace("mem move gfn %#llx: %u old pages kept already",
			  (unsigned long long)gfn, r->nr_moved);
		return NOPE;
	}
	fresh = anon_page();
	keep = anon_page();
	if (!fresh || !keep) {
		vmm_trace("mem move gfn %#llx: mmap: %s",
			  (unsigned long long)gfn, strerror(errno));
		goto fail;
	}
	memcpy(fresh, old, MEM_PAGE_SIZE);
	if (mremap(old, MEM_PAGE_SIZE, MEM_PAGE_SIZE,
		   MREMAP_MAYMOVE | MREMAP_FIXED, keep) == MAP_FAILED) {
		vmm_trace("mem move gfn %#llx: mremap(old away): %s",
			  (unsigned long long)gfn, strerror(errno));
		goto fail;
	}
	if (mremap(fresh, MEM_PAGE_SIZE, MEM_PAGE_SIZE,
		   MREMAP_MAYMOVE | MREMAP_FIXED, old) == MAP_FAILED) {
		vmm_trace("mem move gfn %#llx: mremap(new in): %s",
			  (unsigned long long)gfn, strerror(errno));
		/* Put the old page back rather than leave a hole. */
		if (mremap(keep, MEM_PAGE_SIZE, MEM_PAGE_SIZE,
			   MREMAP_MAYMOVE | MREMAP_FIXED, old) == MAP_FAILED)
			vmm_err("mem move gfn %#llx: frame left unmapped",
				(unsigned long long)gfn);
		munmap(fresh, MEM_PAGE_SIZE);
		return NOPE;
	}
	o = &r->moved[r->nr_moved++];
	o->gfn = gfn;
	o->page = keep;
	memcpy(o->snap, keep, MEM_PAGE_SIZE);
	vmm_trace("mem move gfn %#llx: mremap = 0 (old page kept at slot %u)",
		  (unsigned long long)gfn, r->nr_moved - 1);
	return 0;
fail:
	if (fresh)
		munmap(fresh, MEM_PAGE_SIZE);
	if (keep)
		munmap(keep, MEM_PAGE_SIZE);
	return NOPE;
}

/* RIG_CMD_MEM_OLD_CHANGED: the frame's latest move counts. */
uint32_t remap_old_changed(struct remap *r, uint64_t gfn)
{
	unsigned int i = r->nr_moved;
	unsigned int off;

	while (i--) {
		struct remap_old *o = &r->moved[i];

		if (o->gfn != gfn)
			continue;
		for (off = 0; off < MEM_PAGE_SIZE; off++)
			if (o->page[off] != o->snap[off])
				break;
		if (off == MEM_PAGE_SIZE)
			return 0;
		vmm_trace("mem old gfn %#llx: changed since the move, first at +%#x (%#x, was %#x)",
			  (unsigned long long)gfn, off, o->page[off],
			  o->snap[off]);
		return 1;
	}
	vmm_trace("mem old gfn %#llx: never moved", (unsigned long long)gfn);
	return NOPE;
}

/*
 * RIG_CMD_MEM_DISCARD.  The rig's host kernels are built without
 * madvise(); a fresh anonymous mapping over the frame has the same effect
 * on KVM (the MMU notifier fires, the old page is freed, zeroes read back).
 */
uint32_t remap_discard(struct remap *r, uint64_t gfn)
{
	uint8_t *p = frame(r, gfn);
	int ret;

	if (!p) {
		vmm_trace("mem discard gfn %#llx: not guest RAM",
			  (unsigned long long)gfn);
		return NOPE;
	}
	ret = madvise(p, MEM_PAGE_SIZE, MADV_DONTNEED) ? -errno : 0;
	vmm_trace("mem discard gfn %#llx: madvise(MADV_DONTNEED) = %s",
		  (unsigned long long)gfn, ret ? strerror(-ret) : "0");
	if (ret == -ENOSYS) {
		ret = mmap(p, MEM_PAGE_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
			   MAP_NORESERVE, -1, 0) == MAP_FAILED ? -errno : 0;
		vmm_trace("mem discard gfn %#llx: mmap(MAP_FIXED) = %s",
			  (unsigned long long)gfn, ret ? strerror(-ret) : "0");
	}
	return ret ? NOPE : 0;
}

/*
 * RIG_CMD_SLOT_MOVE.  The new mapping is shared anonymous memory so that
 * a second mapping of the same pages (mremap() with an old size of 0) can
 * take the place of the VMM's view at ram + late.start: the hypercall
 * handlers keep reading and writing guest memory where they always do,
 * and see what the memslot sees.  The memslot's previous mapping is kept
 * (until the next move) with a copy of what it held, for
 * RIG_CMD_SLOT_OLD_CHANGED; KVM writing there went through a stale cache.
 */
uint32_t remap_slot_move(struct remap *r)
{
	const struct mem_range *late = r->late;
	uint8_t *view, *fresh, *keep;
	uint64_t size;
	int ret;

	if (!late || !late->size || !r->late_plugged || !*r->late_plugged ||
	    !r->set_slot || !frame(r, (late->start + late->size - 1) /
				      MEM_PAGE_SIZE)) {
		vmm_trace("slot move: no plugged --late range");
		return NOPE;
	}
	size = late->size;
	view = r->ram + late->start;
	if (!r->slot_snap) {
		r->slot_snap = malloc(size);
		if (!r->slot_snap) {
			vmm_err("slot move: out of memory");
			return NOPE;
		}
	}
	fresh = mmap(NULL, size, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED) {
		vmm_trace("slot move: mmap: %s", strerror(errno));
		return NOPE;
	}
	memcpy(fresh, view, size);
	ret = r->set_slot(r->ctx, late, NULL);
	if (!ret) {
		ret = r->set_slot(r->ctx, late, fresh);
		/* Rather the old mapping again than no memslot at all. */
		if (ret && r->set_slot(r->ctx, late,
				       r->slot_cur ? r->slot_cur : view))
			vmm_err("slot move: memslot left deleted");
	}
	/* The loop case moves it hundreds of times: the first two tell. */
	if (ret || r->slot_moves < 2)
		vmm_trace("slot move %llu [%#llx, %#llx) to %p: KVM_SET_USER_MEMORY_REGION = %s%s",
			  (unsigned long long)r->slot_moves + 1,
			  (unsigned long long)late->start,
			  (unsigned long long)(late->start + size),
			  (void *)fresh, ret ? strerror(-ret) : "0",
			  !ret && r->slot_moves == 1 ?
			  " (later moves traced when they fail)" : "");
	if (ret) {
		munmap(fresh, size);
		return NOPE;
	}
	if (r->slot_cur) {
		/* The view is an alias of slot_cur, whose pages stay there. */
		keep = r->slot_cur;
	} else {
		/*
		 * The view is the memslot's first mapping: move it aside, to a
		 * place of its own (mremap() to the same size would not move).
		 */
		keep = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
		if (keep != MAP_FAILED)
			keep = mremap(view, size, size,
				      MREMAP_MAYMOVE | MREMAP_FIXED, keep);
		if (keep == MAP_FAILED) {
			vmm_err("slot move: mremap(old away): %s",
				strerror(errno));
			return NOPE;
		}
	}
	if (mremap(fresh, 0, size, MREMAP_MAYMOVE | MREMAP_FIXED,
		   view) == MAP_FAILED) {
		vmm_err("slot move: mremap(alias in): %s", strerror(errno));
		return NOPE;
	}
	if (r->slot_old)
		munmap(r->slot_old, size);
	r->slot_old = keep;
	r->slot_cur = fresh;
	memcpy(r->slot_snap, keep, size);
	r->slot_moves++;
	return 0;
}

/* RIG_CMD_SLOT_OLD_CHANGED */
uint32_t remap_slot_old_changed(struct remap *r, uint64_t gfn)
{
	uint64_t first, off, i;

	if (!r->slot_old) {
		vmm_trace("slot old gfn %#llx: the slot was never moved",
			  (unsigned long long)gfn);
		return NOPE;
	}
	first = r->late->start / MEM_PAGE_SIZE;
	if (gfn < first || gfn - first >= r->late->size / MEM_PAGE_SIZE) {
		vmm_trace("slot old gfn %#llx: not in the moved slot",
			  (unsigned long long)gfn);
		return NOPE;
	}
	off = (gfn - first) * MEM_PAGE_SIZE;
	if (!memcmp(r->slot_old + off, r->slot_snap + off, MEM_PAGE_SIZE))
		return 0;
	for (i = 0; r->slot_old[off + i] == r->slot_snap[off + i]; i++)
		;
	vmm_trace("slot old gfn %#llx: changed since move %llu, first at +%#llx (%#x, was %#x)",
		  (unsigned long long)gfn, (unsigned long long)r->slot_moves,
		  (unsigned long long)i, r->slot_old[off + i],
		  r->slot_snap[off + i]);
	return 1;
}

static size_t bitmap_bytes(const struct remap *r)
{
	uint64_t frames = r->slot.size / MEM_PAGE_SIZE;

	return (size_t)((frames + 63) / 64 * 8);
}

static bool ring_mode(const struct remap *r)
{
	return r->ring && r->ring->entries;
}

/* Fold what KVM logged since the last read into the VMM's bitmap. */
static int fold_log(struct remap *r)
{
	size_t i, words = bitmap_bytes(r) / 8;
	int ret;

	if (ring_mode(r)) {
		/* The ring folds straight into r->dirty (dirty_ring_track). */
		ret = dirty_ring_harvest(r->ring);
		return ret < 0 ? ret : 0;
	}
	memset(r->scratch, 0, words * 8);
	ret = r->get_log(r->ctx, r->scratch);
	if (ret) {
		vmm_trace("dirty log: KVM_GET_DIRTY_LOG = %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < words; i++)
		r->dirty[i] |= r->scratch[i];
	return 0;
}

/* RIG_CMD_DIRTY_LOG */
uint32_t remap_dirty_log(struct remap *r, bool on)
{
	size_t bytes = bitmap_bytes(r);
	int ret;

	if (!r->set_log || !r->get_log || !bytes) {
		vmm_trace("dirty log: no memslot to log");
		return NOPE;
	}
	if (r->ring && r->ring->absent) {
		vmm_trace("dirty log: --dirty-ring, but the host has no KVM_CAP_DIRTY_LOG_RING");
		return RIG_DIRTY_NO_RING;
	}
	if (on && !r->dirty) {
		r->dirty = calloc(1, bytes);
		r->scratch = calloc(1, bytes);
		if (!r->dirty || !r->scratch) {
			vmm_err("dirty log: out of memory");
			return NOPE;
		}
	}
	ret = r->set_log(r->ctx, &r->slot, on);
	vmm_trace("dirty log %s for [%#llx, %#llx): KVM_SET_USER_MEMORY_REGION = %s",
		  on ? "on" : "off", (unsigned long long)r->slot.start,
		  (unsigned long long)(r->slot.start + r->slot.size),
		  ret ? strerror(-ret) : "0");
	if (ret)
		return NOPE;
	r->logging = on;
	if (ring_mode(r)) {
		/* Off: what is still in the rings is dropped. */
		dirty_ring_track(r->ring, 0, r->slot.size / MEM_PAGE_SIZE,
				 on ? r->dirty : NULL);
		if (!on)
			return dirty_ring_harvest(r->ring) < 0 ? NOPE : 0;
	}
	if (!on)
		return 0;
	/* Start clean: whatever was written before does not count. */
	if (fold_log(r))
		return NOPE;
	memset(r->dirty, 0, bytes);
	return ring_mode(r) ? r->ring->entries : 0;
}

/* RIG_CMD_DIRTY_TEST */
uint32_t remap_dirty_test(struct remap *r, uint64_t gfn)
{
	uint64_t first = r->slot.start / MEM_PAGE_SIZE, bit, mask;
	bool dirty;

	if (!r->logging) {
		vmm_trace("dirty test gfn %#llx: dirty logging is off",
			  (unsigned long long)gfn);
		return NOPE;
	}
	if (gfn < first || gfn - first >= r->slot.size / MEM_PAGE_SIZE) {
		vmm_trace("dirty test gfn %#llx: not in the main memslot",
			  (unsigned long long)gfn);
		return NOPE;
	}
	if (fold_log(r))
		return NOPE;
	bit = gfn - first;
	mask = 1ull << (bit % 64);
	dirty = r->dirty[bit / 64] & mask;
	r->dirty[bit / 64] &= ~mask;
	vmm_trace("dirty test gfn %#llx: %s%s", (unsigned long long)gfn,
		  dirty ? "dirty" : "clean", ring_mode(r) ? " (ring)" : "");
	return dirty;
}

int remap_kvm_set_log(void *ctx, const struct mem_range *slot, bool on)
{
	struct vm *vm = ctx;
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0,
		.guest_phys_addr = slot->start,
		.memory_size = slot->size,
		.userspace_addr = (uintptr_t)vm->ram + slot->start,
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) ?
	       -errno : 0;
}

/* The --late range's memslot at @hva; NULL deletes it. */
int remap_kvm_set_slot(void *ctx, const struct mem_range *slot, void *hva)
{
	struct vm *vm = ctx;
	struct kvm_userspace_memory_region region = {
		.slot = vm->late_slot,
		.guest_phys_addr = slot->start,
		.memory_size = hva ? slot->size : 0,
		.userspace_addr = (uintptr_t)hva,
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) ?
	       -errno : 0;
}

int remap_kvm_get_log(void *ctx, uint64_t *bitmap)
{
	struct vm *vm = ctx;
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = bitmap };

	return ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) ? -errno : 0;
}

void remap_setup(struct remap *r, struct vm *vm)
{
	struct mem_range slots[MEM_MAX_SLOTS];

	memset(r, 0, sizeof(*r));
	r->ram = vm->ram;
	r->ram_size = vm->ram_size;
	if (mem_layout_slots(vm->layout, slots, MEM_MAX_SLOTS))
		r->slot = slots[0];
	r->set_log = remap_kvm_set_log;
	r->get_log = remap_kvm_get_log;
	r->late = &vm->layout->late;
	r->late_plugged = &vm->layout->late_plugged;
	r->set_slot = remap_kvm_set_slot;
	r->ring = vm->ring;
	r->ctx = vm;
}
