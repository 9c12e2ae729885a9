/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake of the KVM calls the hypercall handlers make (struct hcall_ops):
 * it records every attribute set, answers with programmed errors, and
 * translates addresses through a tiny page map (identity where unmapped,
 * unless a page is marked not present).
 */
#ifndef TEST_FAKE_KVM_H
#define TEST_FAKE_KVM_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "hypercall.h"
#include "kvm_xen_uapi.h"

#define FAKE_MAX_CALLS	16
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
	*a = k->runstate;
	return 0;
}

static int fake_hvm_set_attr(void *ctx, const struct kvm_xen_hvm_attr *a)
{
	struct fake_kvm *k = ctx;

	if (k->nr_hvm_set < FAKE_MAX_CALLS)
		k->hvm_set[k->nr_hvm_set++] = *a;
	return a->type < 16 ? k->hvm_set_ret[a->type] : -EINVAL;
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

static const struct hcall_ops fake_kvm_ops = {
	.vcpu_set_attr = fake_vcpu_set_attr,
	.vcpu_get_attr = fake_vcpu_get_attr,
	.hvm_set_attr = fake_hvm_set_attr,
	.translate = fake_translate,
	.get_clock = fake_get_clock,
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
