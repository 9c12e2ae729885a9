/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event-channel calls for the hypercall tests: each puts its argument at
 * ARG, makes the call and reads back what Xen copies out.
 */
#ifndef TEST_EVTCHN_HELPERS_H
#define TEST_EVTCHN_HELPERS_H

#include <stdint.h>	/* the Xen headers need it first */

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/memory.h>

#include "hcall_fixture.h"

#define ARG		0x1000
#define SHINFO_GFN	0x10
#define SHINFO		(SHINFO_GFN << 12)
#define PENDING		(SHINFO + 0x800)
#define MASK64		(SHINFO + 0xa00)
#define MASK32		(SHINFO + 0x880)
#define VI		SHINFO		/* vCPU 0's vcpu_info: the first slot */

static inline int64_t evtchn(struct fixture *f, bool lm, uint32_t cmd,
		      const void *arg, size_t len)
{
	memcpy(f->ram + ARG, arg, len);
	return hc(f, lm, __HYPERVISOR_event_channel_op, cmd, ARG, 0);
}

/* The port, or the error. */
static inline int64_t bind_ipi(struct fixture *f, uint32_t vcpu)
{
	struct evtchn_bind_ipi b = { .vcpu = vcpu, .port = 0xdead };
	int64_t ret = evtchn(f, true, EVTCHNOP_bind_ipi, &b, sizeof(b));

	memcpy(&b, f->ram + ARG, sizeof(b));
	return ret ? ret : b.port;
}

static inline int64_t alloc_unbound(struct fixture *f, uint16_t dom, uint16_t remote)
{
	struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
	int64_t ret = evtchn(f, false, EVTCHNOP_alloc_unbound, &a, sizeof(a));

	memcpy(&a, f->ram + ARG, sizeof(a));
	return ret ? ret : a.port;
}

static inline int64_t bind_interdomain(struct fixture *f, uint16_t dom, uint32_t port)
{
	struct evtchn_bind_interdomain b = {
		.remote_dom = dom, .remote_port = port,
	};
	int64_t ret = evtchn(f, true, EVTCHNOP_bind_interdomain, &b,
			     sizeof(b));

	memcpy(&b, f->ram + ARG, sizeof(b));
	return ret ? ret : b.local_port;
}

static inline int64_t bind_virq(struct fixture *f, uint32_t virq, uint32_t vcpu)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
	int64_t ret = evtchn(f, false, EVTCHNOP_bind_virq, &b, sizeof(b));

	memcpy(&b, f->ram + ARG, sizeof(b));
	return ret ? ret : b.port;
}

static inline int64_t port_op(struct fixture *f, uint32_t cmd, uint32_t port)
{
	return evtchn(f, true, cmd, &port, sizeof(port));
}

static inline int64_t status(struct fixture *f, uint16_t dom, uint32_t port,
		      struct evtchn_status *s)
{
	struct evtchn_status in = { .dom = dom, .port = port };
	int64_t ret = evtchn(f, true, EVTCHNOP_status, &in, sizeof(in));

	memcpy(s, f->ram + ARG, sizeof(*s));
	return ret;
}

/* XENMEM_add_to_physmap(shared_info) at SHINFO_GFN, from 64-bit code. */
static inline int64_t map_shinfo(struct fixture *f)
{
	struct xen_add_to_physmap x = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
		.gpfn = SHINFO_GFN,
	};

	memcpy(f->ram + ARG, &x, sizeof(x));
	return hc(f, true, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, ARG,
		  0);
}

static inline bool ram_bit(struct fixture *f, uint64_t base, uint32_t bit)
{
	return f->ram[base + bit / 8] & (1u << (bit % 8));
}

static inline void set_ram_bit(struct fixture *f, uint64_t base, uint32_t bit)
{
	f->ram[base + bit / 8] |= 1u << (bit % 8);
}

/* How many KVM_XEN_HVM_SET_ATTR calls were of this type. */
static inline unsigned int hvm_sets(struct fixture *f, uint16_t type)
{
	unsigned int i, n = 0;

	for (i = 0; i < f->kvm.nr_hvm_set; i++)
		n += f->kvm.hvm_set[i].type == type;
	return n;
}

/* The i-th KVM_XEN_ATTR_TYPE_EVTCHN call. */
static inline const struct kvm_xen_hvm_attr *evtchn_attr(struct fixture *f,
						  unsigned int i)
{
	unsigned int j;

	for (j = 0; j < f->kvm.nr_hvm_set; j++)
		if (f->kvm.hvm_set[j].type == KVM_XEN_ATTR_TYPE_EVTCHN && !i--)
			return &f->kvm.hvm_set[j];
	fail_msg("fewer than %u EVTCHN attributes set", i + 1);
	return NULL;
}

/* The last vCPU attribute of this type that was set, or NULL. */
static inline const struct kvm_xen_vcpu_attr *last_vcpu_set(struct fixture *f,
						     uint16_t type)
{
	unsigned int i = f->kvm.nr_vcpu_set;

	while (i--)
		if (f->kvm.vcpu_set[i].type == type)
			return &f->kvm.vcpu_set[i];
	return NULL;
}

#endif /* TEST_EVTCHN_HELPERS_H */
