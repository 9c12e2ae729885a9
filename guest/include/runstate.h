/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runstate area as the guest sees it, in either layout, and the tools
 * the cases use to check it: registration, decoding, forced updates and the
 * Xen clock.  The layout that KVM writes follows the word size latched by
 * the last hypercall-page MSR write, not the guest's current mode, so every
 * reader names the layout it expects.
 */
#ifndef GUEST_RUNSTATE_H
#define GUEST_RUNSTATE_H

#include <stdbool.h>
#include <stdint.h>

/* Size of struct vcpu_runstate_info in the compat (i386) and native ABI. */
enum rs_layout {
	RS_COMPAT = 44,
	RS_NATIVE = 48,
};

/* The layout the guest's own word size implies. */
enum rs_layout rs_layout_native(void);

/* A decoded area, independent of the layout it was read in. */
struct rs_snapshot {
	int32_t state;
	uint64_t entry;		/* state_entry_time without the update bit */
	bool update;		/* XEN_RUNSTATE_UPDATE was set */
	uint64_t time[4];
};

/*
 * VCPUOP_register_runstate_memory_area for vCPU 0 at @va, in the guest's
 * own ABI (a 32-bit caller passes a 32-bit address).  Returns the
 * hypercall's result.  va == NULL deregisters.
 */
long runstate_register(void *va);

/* Like runstate_register(), with the raw 64-bit argument (garbage tests). */
long runstate_register_raw(uint64_t arg);

/* Decode the area at @va in @layout.  Reads each field once. */
void runstate_read(const void *va, enum rs_layout layout,
		   struct rs_snapshot *s);

/* time[0] + ... + time[3] */
uint64_t rs_sum(const struct rs_snapshot *s);

/*
 * Make the hypervisor write the area again: an exit to the VMM re-enters
 * the vCPU, which makes KVM update the runstate, and a HLT woken by the
 * local APIC timer after at least @ms milliseconds makes Xen do so.
 * force_update(0) only does the exit.
 */
void force_update(unsigned int ms);

/* XENMEM_add_to_physmap of shared_info at frame @gfn: 0 or Xen's error. */
long xen_shared_info_map(uint64_t gfn);

/*
 * Map shared_info (XENMEM_add_to_physmap) at a page the library owns and
 * register vcpu_info for vCPU 0 in its default slot, so that the Xen clock
 * is available.  Returns 0 or the first failing hypercall's result.
 */
long xen_shared_info_setup(void);

/* The shared_info page mapped by xen_shared_info_setup(), or NULL. */
void *xen_shared_info(void);

/* Xen system time in ns from vcpu_info.time (pvclock), 0 before setup. */
uint64_t xen_clock_ns(void);

#endif /* GUEST_RUNSTATE_H */
