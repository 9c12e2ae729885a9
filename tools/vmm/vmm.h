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
#include "serial.h"

/* Exit handlers return this to keep running, or an enum rig_vmm_exit. */
#define VMM_CONTINUE	(-1)

struct kvm_run;

struct vmm_config {
	unsigned int mem_mb;
	unsigned int timeout;		/* seconds, 0 for none */
	uint16_t xen_major;
	uint16_t xen_minor;
	const char *cmdline;
	const char *image;
	bool no_xen;			/* debugging aid: plain KVM guest */
};

struct vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	void *ram;
	size_t ram_size;
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
