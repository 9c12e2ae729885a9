/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake of the KVM calls the hypercall handlers make (struct hcall_ops):
 * it records every attribute set, event sent, MSI, mp_state and periodic
 * timer, answers with programmed errors, keeps the word-size latch as KVM
 * does, answers KVM_GET_MP_STATE, counts kicks, and translates addresses through a tiny page map (identity where
 * unmapped, unless a page is marked not present).
 */
#ifndef TEST_FAKE_KVM_H
#define TEST_FAKE_KVM_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "hypercall.h"
#include "kvm_xen_uapi.h"

#define FAKE_MAX_CALLS	32
#define FAKE_MAX_PAGES	8

struct fake_kvm {
	/* KVM_XEN_VCPU_SET_ATTR / KVM_XEN_HVM_SET_ATTR calls, in order */
	struct kvm_xen_vcpu_attr vcpu_set[FAKE_MAX_CALLS];
	unsigned int nr_vcpu_set;
	struct kvm_xen_hvm_attr hvm_set[FAKE_MAX_CALLS];
	unsigned int nr_hvm_set;
	/* answers: by attribute type, 0 unless set */
	int vcpu_set_ret[16];
	int hvm_set_ret[16];
	/* RUNSTATE_DATA and the clock */
	struct kvm_xen_vcpu_attr runstate;
	int get_ret;
	uint64_t clock;
	/* page map: va page -> gpa page, or not present */
	struct {
		uint64_t va, gpa;
		bool absent;
	} pages[FAKE_MAX_PAGES];
	unsigned int nr_pages;
	unsigned int nr_translate;
	/* KVM_XEN_HVM_GET_ATTR(LONG_MODE): the last LONG_MODE set */
	uint8_t long_mode;
	int hvm_get_ret;
	/* KVM_XEN_VCPU_GET_ATTR(TIMER) */
	struct kvm_xen_vcpu_attr timer;
	/* KVM_XEN_HVM_EVTCHN_SEND */
	struct kvm_irq_routing_xen_evtchn sends[FAKE_MAX_CALLS];
	unsigned int nr_sends;
	int send_ret;
	/* KVM_SET_MP_STATE */
	uint32_t mp_state;
	unsigned int nr_mp_state;
	int mp_ret;
	/* the LAPIC and KVM_SIGNAL_MSI */
	int lapic_enabled;
	struct {
		uint32_t apic_id;
		uint8_t vector;
	} msis[FAKE_MAX_CALLS];
	unsigned int nr_msis;
	/* the periodic timer */
	struct {
		uint32_t port, apic_id;
		uint64_t first, period;
	} periodic[FAKE_MAX_CALLS];
	unsigned int nr_periodic;
	/* KVM_GET_MP_STATE's answer, and kicks out of KVM_RUN */
	uint32_t mp_state_now;
	unsigned int nr_kicks;
};

static int fake_vcpu_set_attr(void *ctx, const struct kvm_xen_vcpu_attr *a)
{
	struct fake_kvm *k = ctx;

	if (k->nr_vcpu_set < FAKE_MAX_CALLS)
		k->vcpu_set[k->nr_vcpu_set++] = *a;
	return a->type < 16 ? k->vcpu_set_ret[a->type] : -EINVAL;
}

static int fake_vcpu_get_attr(void *ctx, struct kvm_xen_vcpu_attr *a)
{
	struct fake_kvm *k = ctx;

	if (k->get_ret)
		return k->get_ret;
	if (a->type == KVM_XEN_VCPU_ATTR_TYPE_TIMER) {
		*a = k->timer;
		a->type = KVM_XEN_VCPU_ATTR_TYPE_TIMER;
		return 0;
	}
	*a = k->runstate;
	return 0;
}

static int fake_hvm_set_attr(void *ctx, const struct kvm_xen_hvm_attr *a)
{
	struct fake_kvm *k = ctx;

	int ret = a->type < 16 ? k->hvm_set_ret[a->type] : -EINVAL;

	if (k->nr_hvm_set < FAKE_MAX_CALLS)
		k->hvm_set[k->nr_hvm_set++] = *a;
	if (!ret && a->type == KVM_XEN_ATTR_TYPE_LONG_MODE)
		k->long_mode = !!a->u.long_mode;
	return ret;
}

static int fake_hvm_get_attr(void *ctx, struct kvm_xen_hvm_attr *a)
{
	struct fake_kvm *k = ctx;

	if (k->hvm_get_ret)
		return k->hvm_get_ret;
	if (a->type != KVM_XEN_ATTR_TYPE_LONG_MODE)
		return -EINVAL;
	a->u.long_mode = k->long_mode;
	return 0;
}

static int fake_evtchn_send(void *ctx,
			    const struct kvm_irq_routing_xen_evtchn *e)
{
	struct fake_kvm *k = ctx;

	if (k->nr_sends < FAKE_MAX_CALLS)
		k->sends[k->nr_sends++] = *e;
	return k->send_ret;
}

static int fake_set_mp_state(void *ctx, uint32_t state)
{
	struct fake_kvm *k = ctx;

	k->nr_mp_state++;
	k->mp_state = state;
	return k->mp_ret;
}

static int fake_lapic_enabled(void *ctx)
{
	struct fake_kvm *k = ctx;

	return k->lapic_enabled;
}

static int fake_signal_msi(void *ctx, uint32_t apic_id, uint8_t vector)
{
	struct fake_kvm *k = ctx;

	if (k->nr_msis < FAKE_MAX_CALLS) {
		k->msis[k->nr_msis].apic_id = apic_id;
		k->msis[k->nr_msis].vector = vector;
		k->nr_msis++;
	}
	return 1;
}

static int fake_periodic_timer(void *ctx, uint32_t port, uint32_t apic_id,
			       uint64_t first_ns, uint64_t period_ns)
{
	struct fake_kvm *k = ctx;

	if (k->nr_periodic < FAKE_MAX_CALLS) {
		k->periodic[k->nr_periodic].port = port;
		k->periodic[k->nr_periodic].apic_id = apic_id;
		k->periodic[k->nr_periodic].first = first_ns;
		k->periodic[k->nr_periodic].period = period_ns;
		k->nr_periodic++;
	}
	return 0;
}

static int fake_translate(void *ctx, uint64_t gva, uint64_t *gpa)
{
	struct fake_kvm *k = ctx;
	unsigned int i;

	k->nr_translate++;
	for (i = 0; i < k->nr_pages; i++) {
		if (k->pages[i].va != (gva & ~0xfffull))
			continue;
		if (k->pages[i].absent)
			return -EFAULT;
		*gpa = k->pages[i].gpa | (gva & 0xfff);
		return 0;
	}
	*gpa = gva;
	return 0;
}

static int fake_get_clock(void *ctx, uint64_t *ns)
{
	struct fake_kvm *k = ctx;

	*ns = k->clock;
	return 0;
}

static int fake_get_mp_state(void *ctx, uint32_t *state)
{
	struct fake_kvm *k = ctx;

	*state = k->mp_state_now;
	return 0;
}

static int fake_kick(void *ctx)
{
	struct fake_kvm *k = ctx;

	k->nr_kicks++;
	return 0;
}

static const struct hcall_ops fake_kvm_ops = {
	.vcpu_set_attr = fake_vcpu_set_attr,
	.vcpu_get_attr = fake_vcpu_get_attr,
	.hvm_set_attr = fake_hvm_set_attr,
	.translate = fake_translate,
	.get_clock = fake_get_clock,
	.hvm_get_attr = fake_hvm_get_attr,
	.evtchn_send = fake_evtchn_send,
	.set_mp_state = fake_set_mp_state,
	.lapic_enabled = fake_lapic_enabled,
	.signal_msi = fake_signal_msi,
	.periodic_timer = fake_periodic_timer,
	.get_mp_state = fake_get_mp_state,
	.kick = fake_kick,
};

static inline void fake_map(struct fake_kvm *k, uint64_t va, uint64_t gpa)
{
	k->pages[k->nr_pages].va = va;
	k->pages[k->nr_pages].gpa = gpa;
	k->pages[k->nr_pages].absent = false;
	k->nr_pages++;
}

static inline void fake_unmap(struct fake_kvm *k, uint64_t va)
{
	k->pages[k->nr_pages].va = va;
	k->pages[k->nr_pages].absent = true;
	k->nr_pages++;
}

#endif /* TEST_FAKE_KVM_H */
