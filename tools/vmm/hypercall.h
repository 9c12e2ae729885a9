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

/* What KVM decoded from the guest's registers (struct kvm_xen_exit). */
struct hcall {
	uint64_t nr;
	uint64_t params[6];
	bool longmode;
	uint8_t cpl;
};

/*
 * The KVM calls the handlers make.  Each returns 0 or a negative host errno;
 * translate returns -EFAULT for a VA the guest's page tables do not map.
 */
struct hcall_ops {
	int (*vcpu_set_attr)(void *ctx, const struct kvm_xen_vcpu_attr *a);
	int (*vcpu_get_attr)(void *ctx, struct kvm_xen_vcpu_attr *a);
	int (*hvm_set_attr)(void *ctx, const struct kvm_xen_hvm_attr *a);
	int (*translate)(void *ctx, uint64_t gva, uint64_t *gpa);
	int (*get_clock)(void *ctx, uint64_t *ns);	/* kvmclock ns */
};

/* Xen's HVM_NR_PARAMS as of the headers the rig builds with. */
#define HCALL_NR_PARAMS		39

/* What Xen would remember about the domain between hypercalls. */
struct hcall_state {
	bool vcpu_info_registered;	/* VCPUOP_register_vcpu_info done */
	uint64_t vcpu_info_gpa;
	bool shinfo_mapped;
	uint64_t shinfo_gfn;
	uint8_t upcall_vector;		/* 0: none given to KVM */
	uint64_t params[HCALL_NR_PARAMS];
	uint32_t vm_assist;		/* VMASST_TYPE_* bits enabled */
};

struct hcall_env {
	struct gmem mem;
	struct serial *console;		/* CONSOLEIO_write output */
	uint16_t xen_major;
	uint16_t xen_minor;
	uint32_t kvm_xen_caps;		/* KVM_CHECK_EXTENSION(KVM_CAP_XEN_HVM) */
	const struct hcall_ops *ops;
	void *ops_ctx;
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
	char kvm[384];		/* KVM calls made and deviations, "; "-joined */
};

void hcall_dispatch(struct hcall_env *env, const struct hcall *in,
		    struct hcall_res *res);
int hcall_format(const struct hcall *in, const struct hcall_res *res,
		 char *buf, size_t len);
const char *xen_errno_name(int64_t ret);
int rig_exit_for_shutdown(uint32_t reason);

/* Largest CONSOLEIO_write the VMM accepts in one call. */
#define HCALL_CONSOLE_MAX	(64u << 10)

#endif /* VMM_HYPERCALL_H */
