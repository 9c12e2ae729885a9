/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the hypercall handlers: the handler type, the log helpers, the
 * KVM calls that log themselves and guest-virtual access.
 */
#ifndef VMM_HCALL_PRIV_H
#define VMM_HCALL_PRIV_H

#include <stddef.h>
#include <stdint.h>

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
		    uint16_t type, uint64_t gpa);
int hc_hvm_set(struct hcall_env *env, struct hcall_res *res, uint16_t type,
	       uint64_t val);
int hc_translate(struct hcall_env *env, struct hcall_res *res, uint64_t va,
		 uint64_t *gpa);

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
