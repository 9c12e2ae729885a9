/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State of one VMM run, shared by the run loop and the exit handlers.
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctlport.h"
#include "hypercall.h"
#include "memlayout.h"
#include "serial.h"

/* Exit handlers return this to keep running, or an enum rig_vmm_exit. */
#define VMM_CONTINUE	(-1)

#define VMM_MAX_MODULES	16

struct kvm_run;
struct dirty_ring;

struct vmm_config {
	unsigned int mem_mb;
	unsigned int timeout;		/* seconds, 0 for none */
	size_t output_cap;		/* guest output bytes before the stop */
	uint16_t xen_major;
	uint16_t xen_minor;
	const char *cmdline;
	const char *image;
	const char *modules[VMM_MAX_MODULES];	/* --module, in order */
	unsigned int nr_modules;
	struct mem_layout mem;		/* --split, --hole, --late */
	bool no_xen;			/* debugging aid: plain KVM guest */
	bool cpu_hog;			/* --cpu-hog: keep the vCPU preempted */
	bool clock_set;			/* --clock: kvmclock at start */
	uint64_t clock_ns;
	bool early_event;		/* --early-event: the KVM warning control */
	unsigned int dirty_ring;	/* --dirty-ring: entries per vCPU, 0: none */
};

struct vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	void *ram;
	size_t ram_size;
	struct mem_layout *layout;	/* what is present; the late range */
	unsigned int nr_slots;		/* memslots created so far */
	unsigned int late_slot;		/* the --late range's, once plugged */
	uint32_t xen_caps;		/* KVM_CAP_XEN_HVM */
	struct dirty_ring *ring;	/* --dirty-ring; NULL without */
};

struct vmm {
	struct vmm_config cfg;
	struct vm vm;
	struct serial serial;
	struct ctlport ctl;
	struct hcall_env hcall_env;
	uint8_t port_logged[65536 / 8];	/* unknown ports already reported */
	bool mmio_logged;
};

#endif /* VMM_VMM_H */
