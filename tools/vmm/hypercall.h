/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen hypercalls the VMM answers itself.  The handlers reach KVM only
 * through struct hcall_ops, so the whole of each call - what the guest asked,
 * what KVM was asked and what the guest got - is testable without KVM.
 */
#ifndef VMM_HYPERCALL_H
#define VMM_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "gmem.h"

struct serial;
struct kvm_xen_vcpu_attr;
struct kvm_xen_hvm_attr;
struct kvm_irq_routing_xen_evtchn;

/* What KVM decoded from the guest's registers (struct kvm_xen_exit). */
struct hcall {
	uint64_t nr;
	uint64_t params[6];
	bool longmode;
	uint8_t cpl;
	uint32_t vcpu;		/* the caller's Xen vCPU id */
};

/*
 * The KVM calls the handlers make.  Each returns 0 or a negative host errno;
 * translate returns -EFAULT for a VA the guest's page tables do not map.
 * The vCPU calls (vcpu_*_attr, translate, set_mp_state, lapic_enabled,
 * get_mp_state, kick) take the vCPU's context, hcall_env.vcpu_ctx[id]; the rest
 * take ops_ctx, the VM's.
 */
struct hcall_ops {
	int (*vcpu_set_attr)(void *ctx, const struct kvm_xen_vcpu_attr *a);
	int (*vcpu_get_attr)(void *ctx, struct kvm_xen_vcpu_attr *a);
	int (*hvm_set_attr)(void *ctx, const struct kvm_xen_hvm_attr *a);
	int (*translate)(void *ctx, uint64_t gva, uint64_t *gpa);
	int (*get_clock)(void *ctx, uint64_t *ns);	/* kvmclock ns */
	int (*hvm_get_attr)(void *ctx, struct kvm_xen_hvm_attr *a);
	/* KVM_XEN_HVM_EVTCHN_SEND */
	int (*evtchn_send)(void *ctx, const struct kvm_irq_routing_xen_evtchn *e);
	int (*set_mp_state)(void *ctx, uint32_t state);	/* KVM_MP_STATE_* */
	/* 1 when the vCPU's LAPIC is enabled (APIC base and SPIV), else 0 */
	int (*lapic_enabled)(void *ctx);
	/* KVM_SIGNAL_MSI, fixed and edge to one APIC ID: > 0 delivered */
	int (*signal_msi)(void *ctx, uint32_t apic_id, uint8_t vector);
	/*
	 * Xen's periodic timer, which KVM does not have: raise @port on
	 * @apic_id every @period_ns from @first_ns (kvmclock) on; period 0
	 * stops it, port 0 keeps the timer but drops its events.
	 */
	int (*periodic_timer)(void *ctx, uint32_t port, uint32_t apic_id,
			      uint64_t first_ns, uint64_t period_ns);
	/* KVM_GET_MP_STATE: a KVM_MP_STATE_* */
	int (*get_mp_state)(void *ctx, uint32_t *state);
	/* Get another vCPU out of KVM_RUN once, so it sees new events. */
	int (*kick)(void *ctx);
};

/* Xen's HVM_NR_PARAMS as of the headers the rig builds with. */
#define HCALL_NR_PARAMS		39

/*
 * The domain: up to HCALL_MAX_VCPUS vCPUs (hcall_env.nr_vcpus, 1 unless
 * the VMM says more), Xen id N being KVM vcpu_id (APIC ID) N.  Its domid
 * is what Xen reports for DOMID_SELF: the first domU's.
 */
#define HCALL_MAX_VCPUS		2
#define HCALL_DOMID		1

/* Event channels: 2-level only, as KVM delivers them. */
#define HCALL_MAX_PORTS		4096	/* EVTCHN_2L_NR_CHANNELS, 64-bit */
#define HCALL_COMPAT_PORTS	1024	/* the same for a 32-bit latch */
#define HCALL_PORT_BUCKET	64	/* Xen's EVTCHNS_PER_BUCKET on x86 */
#define HCALL_NR_VIRQS		24	/* NR_VIRQS */

/* Xen's ECS_* port states (xen/include/xen/sched.h, not public). */
enum hcall_port_state {
	PORT_FREE,
	PORT_RESERVED,		/* port 0 */
	PORT_UNBOUND,
	PORT_INTERDOMAIN,
	PORT_PIRQ,
	PORT_VIRQ,
	PORT_IPI,
};

/* One event channel; a guest-controlled index, checked at every use. */
struct hcall_port {
	uint8_t state;			/* enum hcall_port_state */
	uint8_t virq;			/* PORT_VIRQ */
	bool in_kvm;			/* KVM_XEN_ATTR_TYPE_EVTCHN has it */
	bool early;			/* raised before shared_info existed */
	uint16_t notify_vcpu;
	uint16_t remote_dom;		/* PORT_UNBOUND: who may bind it */
	uint32_t remote_port;		/* PORT_INTERDOMAIN: the other end */
};

/* The vCPU's timers while KVM does not run them (no TIMER port yet). */
struct hcall_timer {
	uint64_t expires;		/* singleshot, kvmclock ns; 0: off */
	bool in_kvm;			/* TIMER holds the VIRQ_TIMER port */
	uint64_t period;		/* periodic timer, 0: off */
	uint64_t period_last;		/* when it last fired (Xen's idea) */
	uint64_t bound_at;		/* when VIRQ_TIMER was last bound */
};

/* What Xen keeps per vCPU (struct vcpu). */
struct hcall_vcpu {
	bool vcpu_info_registered;	/* VCPUOP_register_vcpu_info done */
	uint64_t vcpu_info_gpa;
	uint8_t upcall_vector;		/* HVMOP_set_evtchn_upcall_vector */
	bool time_area_set;		/* register_vcpu_time_memory_area */
	uint64_t time_area_gpa;
	uint32_t virq_port[HCALL_NR_VIRQS];	/* its virq_to_evtchn */
	struct hcall_timer timer;
};

/* What Xen would remember about the domain between hypercalls. */
struct hcall_state {
	bool shinfo_mapped;
	uint64_t shinfo_gfn;
	uint8_t upcall_vector;		/* 0: none given to KVM */
	uint64_t params[HCALL_NR_PARAMS];
	uint32_t vm_assist;		/* VMASST_TYPE_* bits enabled */
	/* event channels */
	struct hcall_port ports[HCALL_MAX_PORTS];
	uint32_t valid_ports;		/* Xen's valid_evtchns; 0: one bucket */
	bool any_early;			/* some port has early set */
	struct hcall_vcpu vcpu[HCALL_MAX_VCPUS];
};

/*
 * One per domain.  The handlers are not reentrant: with several vCPUs the
 * VMM makes every call under one lock.
 */
struct hcall_env {
	struct gmem mem;
	struct serial *console;		/* CONSOLEIO_write output */
	uint16_t xen_major;
	uint16_t xen_minor;
	uint32_t kvm_xen_caps;		/* KVM_CHECK_EXTENSION(KVM_CAP_XEN_HVM) */
	unsigned int nr_vcpus;		/* 0 is taken as 1 */
	const struct hcall_ops *ops;
	void *ops_ctx;
	void *vcpu_ctx[HCALL_MAX_VCPUS];	/* NULL: ops_ctx */
	uint32_t caller;		/* the vCPU making the current call */
	struct hcall_state st;
};

enum hcall_action {
	HCALL_CONTINUE,
	HCALL_EXIT,		/* stop the guest with exit_code */
};

struct hcall_res {
	int64_t ret;		/* for the guest's RAX; Xen errnos negative */
	enum hcall_action action;
	int exit_code;		/* enum rig_vmm_exit, for HCALL_EXIT */
	char desc[128];		/* the call as the guest made it, for logs */
	char kvm[512];		/* KVM calls made and deviations, "; "-joined */
};

void hcall_dispatch(struct hcall_env *env, const struct hcall *in,
		    struct hcall_res *res);
/*
 * What Xen has from domain creation and KVM must be told before the guest
 * runs (the vCPU's Xen id); the KVM calls are noted in res->kvm.
 */
void hcall_domain_init(struct hcall_env *env, struct hcall_res *res);
int hcall_format(const struct hcall *in, const struct hcall_res *res,
		 char *buf, size_t len);
const char *xen_errno_name(int64_t ret);
int rig_exit_for_shutdown(uint32_t reason);

/* Largest CONSOLEIO_write the VMM accepts in one call. */
#define HCALL_CONSOLE_MAX	(64u << 10)

#endif /* VMM_HYPERCALL_H */
