// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's dirty ring, the per-vCPU alternative to the dirty bitmap.
 *
 * Each entry goes from 00 (invalid) to 01 (dirty: KVM wrote slot and
 * offset), to 1X (harvested: the VMM took it), and back to 00 at
 * KVM_RESET_DIRTY_RINGS.  KVM fills a ring in order and the VMM must take
 * the entries in the same order without skipping one, so a harvest stops
 * at the first entry that is not 01.  KVM pushes to the ring of the vCPU
 * running on the CPU that dirtied the page: kvm_get_running_vcpu() in
 * mark_page_dirty_in_slot().  A write KVM makes from no vCPU's context (a
 * VM ioctl, a timer callback, another thread) has no ring to go to and is
 * dropped there, with a WARN_ON_ONCE: that is what the dirty-ring cases
 * look for.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include <rig/abi.h>

#include "dirty_ring.h"
#include "log.h"
#include "vmm.h"

struct dirty_ring vmm_dirty_ring = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Full exits traced one by one before only the count is. */
#define FULL_EXITS_TRACED	4

uint32_t dirty_ring_entries_ok(uint64_t entries)
{
	if (entries < DIRTY_RING_MIN_ENTRIES ||
	    entries > DIRTY_RING_MAX_ENTRIES || (entries & (entries - 1)))
		return 0;
	return (uint32_t)entries;
}

static int kvm_reset(void *ctx)
{
	int ret = ioctl((int)(intptr_t)ctx, KVM_RESET_DIRTY_RINGS, 0);

	return ret < 0 ? -errno : ret;
}

int dirty_ring_vm_enable(struct dirty_ring *dr, int vm_fd, uint32_t entries)
{
	struct kvm_enable_cap cap = {
		.args[0] = (uint64_t)entries * sizeof(struct kvm_dirty_gfn),
	};
	int max;

	/*
	 * The ACQ_REL flavour where the host has it: the same ring, but KVM
	 * promises acquire/release ordering on the flags, which is what the
	 * harvest below relies on (x86 would be ordered without it).  Both
	 * answer the largest ring in bytes; asked on the VM, as KVM wants.
	 */
	max = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_DIRTY_LOG_RING_ACQ_REL);
	if (max > 0) {
		cap.cap = KVM_CAP_DIRTY_LOG_RING_ACQ_REL;
		dr->acq_rel = true;
	} else {
		max = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_DIRTY_LOG_RING);
		cap.cap = KVM_CAP_DIRTY_LOG_RING;
	}
	if (max <= 0) {
		dr->absent = true;
		vmm_diag("--dirty-ring: the host has no KVM_CAP_DIRTY_LOG_RING; RIG_CMD_DIRTY_LOG will say so");
		return 0;
	}
	if (cap.args[0] > (uint64_t)max) {
		vmm_err("--dirty-ring %u: the host's largest ring is %u entries",
			entries, (unsigned int)(max / sizeof(struct kvm_dirty_gfn)));
		return -EINVAL;
	}
	if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap)) {
		int err = errno;

		vmm_err("KVM_ENABLE_CAP(%s, %llu bytes): %s",
			dr->acq_rel ? "KVM_CAP_DIRTY_LOG_RING_ACQ_REL" :
				      "KVM_CAP_DIRTY_LOG_RING",
			(unsigned long long)cap.args[0], strerror(err));
		return -err;
	}
	dr->entries = entries;
	dr->reset = kvm_reset;
	dr->ctx = (void *)(intptr_t)vm_fd;
	vmm_trace("dirty ring: %u entries per vCPU (%s)", entries,
		  dr->acq_rel ? "KVM_CAP_DIRTY_LOG_RING_ACQ_REL" :
				"KVM_CAP_DIRTY_LOG_RING");
	return 0;
}

int dirty_ring_vcpu_add(struct dirty_ring *dr, int vcpu_fd)
{
	size_t bytes = (size_t)dr->entries * sizeof(struct kvm_dirty_gfn);
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (!dr->entries)
		return 0;
	if (dr->nr_vcpus == DIRTY_RING_MAX_VCPUS) {
		vmm_err("dirty ring: more than %u vCPUs", DIRTY_RING_MAX_VCPUS);
		return -ENOSPC;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd,
		 (off_t)KVM_DIRTY_LOG_PAGE_OFFSET * page);
	if (p == MAP_FAILED) {
		int err = errno;

		vmm_err("mmap of vCPU %u's dirty ring: %s", dr->nr_vcpus,
			strerror(err));
		return -err;
	}
	pthread_mutex_lock(&dr->lock);
	dirty_ring_attach(dr, dr->nr_vcpus, p);
	dr->vcpu[dr->nr_vcpus - 1].mapped = true;
	pthread_mutex_unlock(&dr->lock);
	return 0;
}

void dirty_ring_attach(struct dirty_ring *dr, unsigned int i,
		       struct kvm_dirty_gfn *gfns)
{
	dr->vcpu[i] = (struct dirty_ring_vcpu){ .gfns = gfns };
	if (i >= dr->nr_vcpus)
		dr->nr_vcpus = i + 1;
}

void dirty_ring_track(struct dirty_ring *dr, uint32_t slot, uint64_t npages,
		      uint64_t *bitmap)
{
	pthread_mutex_lock(&dr->lock);
	dr->slot = slot;
	dr->npages = npages;
	dr->bitmap = bitmap;
	pthread_mutex_unlock(&dr->lock);
}

static void record(struct dirty_ring *dr, uint32_t slot, uint64_t offset)
{
	dr->harvested++;
	/* Slot is (address space << 16) | id; the rig uses space 0 only. */
	if (!dr->bitmap || slot != dr->slot || offset >= dr->npages) {
		dr->others++;
		return;
	}
	dr->bitmap[offset / 64] |= 1ull << (offset % 64);
}

/* One vCPU's ring, from where the last harvest stopped. */
static unsigned int harvest_one(struct dirty_ring *dr,
				struct dirty_ring_vcpu *rv)
{
	unsigned int n;

	for (n = 0; n < dr->entries; n++) {
		struct kvm_dirty_gfn *e = &rv->gfns[rv->next &
						    (dr->entries - 1)];
		uint32_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

		/* 00 is KVM's next one; 1X one it has not reset yet. */
		if ((flags & KVM_DIRTY_GFN_F_MASK) != KVM_DIRTY_GFN_F_DIRTY)
			break;
		record(dr, e->slot, e->offset);
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET,
				 __ATOMIC_RELEASE);
		rv->next++;
	}
	return n;
}

int dirty_ring_harvest(struct dirty_ring *dr)
{
	unsigned int i, n = 0;
	int ret = 0;

	if (!dr->entries)
		return 0;
	pthread_mutex_lock(&dr->lock);
	for (i = 0; i < dr->nr_vcpus; i++)
		if (dr->vcpu[i].gfns)
			n += harvest_one(dr, &dr->vcpu[i]);
	/* Nothing harvested: nothing KVM could reset. */
	if (n && dr->reset) {
		ret = dr->reset(dr->ctx);
		dr->resets++;
	}
	pthread_mutex_unlock(&dr->lock);
	if (ret < 0) {
		vmm_trace("dirty ring: KVM_RESET_DIRTY_RINGS = %s",
			  strerror(-ret));
		return ret;
	}
	return (int)n;
}

int dirty_ring_full_exit(struct dirty_ring *dr)
{
	int n;

	if (!dr || !dr->entries) {
		vmm_diag("KVM_EXIT_DIRTY_RING_FULL without a dirty ring");
		return RIG_EXIT_HOST;
	}
	__atomic_add_fetch(&dr->full_exits, 1, __ATOMIC_RELAXED);
	n = dirty_ring_harvest(dr);
	if (n < 0) {
		vmm_err("dirty ring full: KVM_RESET_DIRTY_RINGS: %s",
			strerror(-n));
		return RIG_EXIT_HOST;
	}
	if (dr->full_exits <= FULL_EXITS_TRACED)
		vmm_trace("dirty ring full (exit %llu): %d entries harvested%s",
			  (unsigned long long)dr->full_exits, n,
			  dr->full_exits == FULL_EXITS_TRACED ?
			  " (later ones counted only)" : "");
	return VMM_CONTINUE;
}

/* The VMM's hooks: at VM creation, after each vCPU's, at the end. */
int dirty_ring_vm_create(struct vm *vm, const struct vmm_config *cfg)
{
	if (!cfg->dirty_ring)
		return 0;
	vm->ring = &vmm_dirty_ring;
	return dirty_ring_vm_enable(vm->ring, vm->vm_fd, cfg->dirty_ring) ?
	       RIG_EXIT_HOST : 0;
}

int dirty_ring_vcpu_created(struct vm *vm, int vcpu_fd)
{
	if (!vm->ring)
		return 0;
	return dirty_ring_vcpu_add(vm->ring, vcpu_fd) ? RIG_EXIT_HOST : 0;
}

void dirty_ring_destroy(struct dirty_ring *dr)
{
	size_t bytes;
	unsigned int i;

	if (!dr)
		return;
	bytes = (size_t)dr->entries * sizeof(struct kvm_dirty_gfn);
	if (dr->entries)
		vmm_trace("dirty ring: %llu entries harvested (%llu dropped: logging off or not the logged memslot), %llu full exits, %llu resets",
			  (unsigned long long)dr->harvested,
			  (unsigned long long)dr->others,
			  (unsigned long long)dr->full_exits,
			  (unsigned long long)dr->resets);
	for (i = 0; i < dr->nr_vcpus; i++)
		if (dr->vcpu[i].mapped)
			munmap(dr->vcpu[i].gfns, bytes);
	memset(dr->vcpu, 0, sizeof(dr->vcpu));
	dr->nr_vcpus = 0;
}
