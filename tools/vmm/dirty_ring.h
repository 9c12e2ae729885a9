/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's dirty ring (--dirty-ring N): instead of one bitmap per memslot,
 * every vCPU has a ring of N (slot, offset) entries that KVM fills as the
 * vCPU dirties pages and the VMM empties (harvests), then hands back with
 * KVM_RESET_DIRTY_RINGS.  A vCPU whose ring is nearly full exits with
 * KVM_EXIT_DIRTY_RING_FULL until that happens.
 *
 * What is harvested is folded into a bitmap over one memslot, the one
 * RIG_CMD_DIRTY_TEST answers for (remap.c); entries of other memslots are
 * counted and dropped.
 */
#ifndef VMM_DIRTY_RING_H
#define VMM_DIRTY_RING_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct kvm_dirty_gfn;

#define DIRTY_RING_MAX_VCPUS	8
/* KVM's bounds: a power of two, a page at least, 64 Ki entries at most. */
#define DIRTY_RING_MIN_ENTRIES	256
#define DIRTY_RING_MAX_ENTRIES	65536

struct dirty_ring_vcpu {
	struct kvm_dirty_gfn *gfns;	/* the vCPU's ring, @entries long */
	uint32_t next;			/* the next entry to look at */
	bool mapped;			/* gfns is KVM's mmap (else a test's) */
};

struct dirty_ring {
	uint32_t entries;		/* per vCPU; 0: no ring in use */
	bool absent;			/* asked for, the host has none */
	bool acq_rel;			/* KVM_CAP_DIRTY_LOG_RING_ACQ_REL */
	unsigned int nr_vcpus;
	struct dirty_ring_vcpu vcpu[DIRTY_RING_MAX_VCPUS];
	/* KVM_RESET_DIRTY_RINGS: entries reset (>= 0), or -errno. */
	int (*reset)(void *ctx);
	void *ctx;
	/*
	 * Where harvested entries go: memslot @slot's frames [0, @npages)
	 * in @bitmap.  NULL: harvested and dropped (logging is off).
	 */
	uint32_t slot;
	uint64_t npages;
	uint64_t *bitmap;
	/* For the trace and the tests. */
	uint64_t harvested;		/* entries, all memslots */
	uint64_t others;		/* of which not in @slot's range */
	uint64_t full_exits;		/* KVM_EXIT_DIRTY_RING_FULL seen */
	uint64_t resets;		/* KVM_RESET_DIRTY_RINGS made */
	/* vCPU threads harvest all rings, and any one may. */
	pthread_mutex_t lock;
};

/* @entries when it is a ring size KVM can take (a power of two), else 0. */
uint32_t dirty_ring_entries_ok(uint64_t entries);

/*
 * At VM creation, before any vCPU: enable the ring of @entries per vCPU
 * on @vm_fd.  A host without KVM_CAP_DIRTY_LOG_RING is no error: the
 * ring is marked absent (RIG_CMD_DIRTY_LOG says so to the guest).
 * Returns 0, or -errno when KVM refused to enable it.
 */
int dirty_ring_vm_enable(struct dirty_ring *dr, int vm_fd, uint32_t entries);

/* After a vCPU is created: map its ring (a no-op without one). */
int dirty_ring_vcpu_add(struct dirty_ring *dr, int vcpu_fd);

/* Point @dr at a ring of its own (tests, the fuzzer): vCPU @i's entries. */
void dirty_ring_attach(struct dirty_ring *dr, unsigned int i,
		       struct kvm_dirty_gfn *gfns);

/* Fold into @bitmap (memslot @slot, @npages frames) from now; NULL: drop. */
void dirty_ring_track(struct dirty_ring *dr, uint32_t slot, uint64_t npages,
		      uint64_t *bitmap);

/*
 * Collect every vCPU's dirty entries, mark them harvested and reset the
 * rings: the number of entries collected, or -errno when the reset failed.
 */
int dirty_ring_harvest(struct dirty_ring *dr);

/* KVM_EXIT_DIRTY_RING_FULL: harvest, count it; VMM_CONTINUE or an exit. */
int dirty_ring_full_exit(struct dirty_ring *dr);

void dirty_ring_destroy(struct dirty_ring *dr);

/*
 * kvm.c's hooks, RIG_EXIT_* or 0: with cfg->dirty_ring, enable the ring
 * right after KVM_CREATE_VM (vm->ring is then set); map it after each
 * KVM_CREATE_VCPU.  Both do nothing without the option.
 */
struct vm;
struct vmm_config;
int dirty_ring_vm_create(struct vm *vm, const struct vmm_config *cfg);
int dirty_ring_vcpu_created(struct vm *vm, int vcpu_fd);

/* The ring of the VMM's VM (vm->ring points here with --dirty-ring). */
extern struct dirty_ring vmm_dirty_ring;

#endif /* VMM_DIRTY_RING_H */
