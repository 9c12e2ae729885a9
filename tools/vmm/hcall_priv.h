/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the hypercall handlers: the handler type, the log helpers, the
 * KVM calls that log themselves and guest-virtual access.
 */
#ifndef VMM_HCALL_PRIV_H
#define VMM_HCALL_PRIV_H

#include <stddef.h>
#include <stdint.h>	/* the Xen headers need it first */

#include <xen/xen.h>

#include "hypercall.h"

/* p[] holds the arguments at the caller's width (32-bit ones truncated). */
typedef int64_t (*hcall_fn)(struct hcall_env *env, const struct hcall *c,
			    const uint64_t *p, struct hcall_res *res);

int64_t do_vcpu_op(struct hcall_env *env, const struct hcall *c,
		   const uint64_t *p, struct hcall_res *res);
int64_t do_memory_op(struct hcall_env *env, const struct hcall *c,
		     const uint64_t *p, struct hcall_res *res);
int64_t do_hvm_op(struct hcall_env *env, const struct hcall *c,
		  const uint64_t *p, struct hcall_res *res);
int64_t do_vm_assist(struct hcall_env *env, const struct hcall *c,
		     const uint64_t *p, struct hcall_res *res);
int64_t do_event_channel_op(struct hcall_env *env, const struct hcall *c,
			    const uint64_t *p, struct hcall_res *res);
int64_t do_set_timer_op(struct hcall_env *env, const struct hcall *c,
			const uint64_t *p, struct hcall_res *res);

/* hcall_timer.c: the vcpu_op timer commands, for do_vcpu_op */
int64_t vcpu_timer_op(struct hcall_env *env, const struct hcall *c,
		      uint32_t cmd, uint32_t vcpuid, uint64_t arg,
		      struct hcall_res *res);
/* VIRQ_TIMER bound to or closed on @port: move the timer into or out of KVM */
void timer_virq_bound(struct hcall_env *env, struct hcall_res *res,
		      uint32_t vcpu, uint32_t port);
void timer_virq_closed(struct hcall_env *env, struct hcall_res *res,
		       uint32_t vcpu);
/* shared_info is there now: give KVM the timer it could not have before */
void timer_shinfo_mapped(struct hcall_env *env, struct hcall_res *res);

/* hcall_evtchn.c, for the other handlers */
/* The word size KVM lays events out in (KVM_XEN_ATTR_TYPE_LONG_MODE). */
bool evtchn_long_mode(struct hcall_env *env);
/* Set @port pending on its notify vCPU, as Xen's evtchn_port_set_pending. */
void evtchn_raise(struct hcall_env *env, struct hcall_res *res,
		  uint32_t port);
/* After SHARED_INFO: register what was bound, raise what was queued. */
void evtchn_shinfo_mapped(struct hcall_env *env, struct hcall_res *res);
/* The vCPU's vcpu_info in guest RAM, or NULL. */
uint8_t *evtchn_vcpu_info(struct hcall_env *env, uint32_t vcpu);
/* Inject the per-vCPU upcall vector once, if the LAPIC is enabled. */
void evtchn_assert_vector(struct hcall_env *env, struct hcall_res *res,
			  uint32_t vcpu);

/* res->desc: the call as the guest made it. */
void hcall_describe(struct hcall_res *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append to res->kvm: a KVM call and its result, or a deviation. */
void hcall_note(struct hcall_res *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "EFAULT" for -EFAULT (host errno), for the log. */
const char *host_errno_name(int err);

/* KVM calls that note themselves in res; they return 0 or -errno. */
int hc_vcpu_set_gpa(struct hcall_env *env, struct hcall_res *res,
		    uint32_t vcpu, uint16_t type, uint64_t gpa);
int hc_hvm_set(struct hcall_env *env, struct hcall_res *res, uint16_t type,
	       uint64_t val);
int hc_translate(struct hcall_env *env, struct hcall_res *res, uint64_t va,
		 uint64_t *gpa);
int hc_vcpu_set(struct hcall_env *env, struct hcall_res *res,
		uint32_t vcpu, const struct kvm_xen_vcpu_attr *a);
int hc_evtchn_send(struct hcall_env *env, struct hcall_res *res,
		   uint32_t port, uint32_t vcpu);

/* A domain id Xen would look up as the caller's own (DOMID_SELF or ours). */
static inline bool hcall_dom_is_self(uint16_t dom)
{
	return dom == DOMID_SELF || dom == HCALL_DOMID;
}

static inline unsigned int hcall_nr_vcpus(const struct hcall_env *env)
{
	return env->nr_vcpus ? env->nr_vcpus : 1;
}

/* Xen's domain_vcpu(): does the domain have vCPU @id? */
static inline bool hcall_vcpu_exists(const struct hcall_env *env, uint32_t id)
{
	return id < hcall_nr_vcpus(env);
}

/* The context the vCPU ops take for vCPU @id (an existing one). */
static inline void *hcall_vcpu_ctx(const struct hcall_env *env, uint32_t id)
{
	return id < HCALL_MAX_VCPUS && env->vcpu_ctx[id] ? env->vcpu_ctx[id] :
							    env->ops_ctx;
}

/* Xen's struct vcpu for @id (an existing one). */
static inline struct hcall_vcpu *hcall_vcpu(struct hcall_env *env, uint32_t id)
{
	return &env->st.vcpu[id < HCALL_MAX_VCPUS ? id : 0];
}

/* The KVM vcpu_id (APIC ID) every KVM event field takes, for a Xen id. */
static inline uint32_t hcall_apic_id(uint32_t xen_vcpu)
{
	return xen_vcpu;
}

static inline bool hcall_xen_at_least(const struct hcall_env *env,
				      unsigned int maj, unsigned int min)
{
	return env->xen_major > maj ||
	       (env->xen_major == maj && env->xen_minor >= min);
}

/*
 * Guest-virtual copies, page by page through the guest's page tables as
 * Xen's copy_{from,to}_guest do: 0 or -XEN_EFAULT.  Not logged, except a
 * failure, which notes the address.
 */
int gva_read(struct hcall_env *env, struct hcall_res *res, uint64_t va,
	     void *buf, size_t len);
int gva_write(struct hcall_env *env, struct hcall_res *res, uint64_t va,
	      const void *buf, size_t len);

#endif /* VMM_HCALL_PRIV_H */
