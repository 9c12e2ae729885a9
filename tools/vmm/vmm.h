/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State of one VMM run, shared by the run loop and the exit handlers.
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <pthread.h>
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
#define VMM_MAX_VCPUS	HCALL_MAX_VCPUS

struct kvm_run;
struct vmm;
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
	unsigned int nr_vcpus;		/* --vcpus, 1 by default */
};

/*
 * One vCPU.  vCPU 0 runs in the main thread and starts where multiboot
 * says; the others wait in KVM for the guest's INIT-SIPI, each in a thread
 * of its own.  This is also the context of the hypercall ops' vCPU calls.
 */
struct vm_vcpu {
	unsigned int id;		/* KVM vcpu_id = APIC ID = Xen id */
	int fd;
	struct kvm_run *run;
	pthread_t thread;		/* the one that makes its KVM_RUN */
	bool started;			/* thread is valid */
	struct vm *vm;
	/* the control port's per-vCPU state, swapped in for each access */
	uint32_t ctl_data;
	uint32_t last_longmode;
	uint64_t hcall_count;
};

struct vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;			/* vCPU 0's: vcpu[0].fd */
	struct kvm_run *run;		/* vCPU 0's: vcpu[0].run */
	size_t run_size;
	struct vm_vcpu vcpu[VMM_MAX_VCPUS];
	unsigned int nr_vcpus;		/* created so far */
	void *ram;
	size_t ram_size;
	struct mem_layout *layout;	/* what is present; the late range */
	unsigned int nr_slots;		/* memslots created so far */
	unsigned int late_slot;		/* the --late range's, once plugged */
	uint32_t xen_caps;		/* KVM_CAP_XEN_HVM */
	struct dirty_ring *ring;	/* --dirty-ring; NULL without */
	struct vmm *vmm;		/* for the vCPU threads */
};

struct vmm {
	struct vmm_config cfg;
	struct vm vm;
	struct serial serial;
	struct ctlport ctl;
	struct hcall_env hcall_env;
	uint8_t port_logged[65536 / 8];	/* unknown ports already reported */
	bool mmio_logged;
	/*
	 * Held around every exit handler: the hypercall state, the serial
	 * port and the control port are one per VM, not per vCPU.
	 */
	pthread_mutex_t lock;
	bool ended;			/* a vCPU decided the outcome */
	int result;			/* that outcome */
};

#endif /* VMM_VMM_H */
