// SPDX-License-Identifier: GPL-2.0
/*
 * memory_op(cmd, arg): XENMEM_add_to_physmap of the shared_info page, which
 * is all a KVM-backed domain can offer of it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>	/* the Xen headers need it first */

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/memory.h>

#include "hcall_priv.h"
#include "kvm_xen_uapi.h"

/*
 * struct xen_add_to_physmap as a 32-bit guest lays it out: xen_ulong_t idx
 * and xen_pfn_t gpfn are 32 bits there.  The foreign headers do not carry
 * memory.h, hence the local copy.
 */
struct xatp_compat {
	uint16_t domid;
	uint16_t size;
	uint32_t space;
	uint32_t idx;
	uint32_t gpfn;
};

_Static_assert(sizeof(struct xatp_compat) == 16, "compat add_to_physmap");
_Static_assert(sizeof(struct xen_add_to_physmap) == 24 &&
	       offsetof(struct xen_add_to_physmap, idx) == 8,
	       "native add_to_physmap");

static int64_t map_shared_info(struct hcall_env *env, uint64_t gfn,
			       struct hcall_res *res)
{
	uint32_t id;
	int ret;

	ret = hc_hvm_set(env, res, KVM_XEN_ATTR_TYPE_SHARED_INFO, gfn);
	if (ret) {
		if (!gmem_ptr(&env->mem, gfn << 12, 4096) || gfn >> 52)
			hcall_note(res, "Xen would map it over the hole: 0");
		return ret == -EFAULT ? -XEN_EFAULT : -XEN_EINVAL;
	}
	env->st.shinfo_mapped = true;
	env->st.shinfo_gfn = gfn;
	/*
	 * KVM leaves each vCPU's default vcpu_info slot, shared_info's
	 * vcpu_info[id], to the VMM (api.rst); it must be there before any
	 * event can reach the vCPU.
	 */
	for (id = 0; id < hcall_nr_vcpus(env); id++)
		if (!hcall_vcpu(env, id)->vcpu_info_registered)
			hc_vcpu_set_gpa(env, res, id,
					KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO,
					(gfn << 12) + id * 64);
	evtchn_shinfo_mapped(env, res);
	return 0;
}

static int64_t add_to_physmap(struct hcall_env *env, const struct hcall *c,
			      uint64_t arg, struct hcall_res *res)
{
	struct xen_add_to_physmap x;
	struct xatp_compat xc;
	int ret;

	if (c->longmode) {
		ret = gva_read(env, res, arg, &x, sizeof(x));
	} else {
		ret = gva_read(env, res, arg, &xc, sizeof(xc));
		x.domid = xc.domid;
		x.size = xc.size;
		x.space = xc.space;
		x.idx = xc.idx;
		x.gpfn = xc.gpfn;
	}
	if (ret) {
		hcall_describe(res, "memory_op(add_to_physmap, arg %#llx)",
			       (unsigned long long)arg);
		return -XEN_EFAULT;
	}
	hcall_describe(res, "memory_op(add_to_physmap, dom %#x space %u idx %#llx gpfn %#llx)",
		       x.domid, x.space, (unsigned long long)x.idx,
		       (unsigned long long)x.gpfn);
	if (!hcall_dom_is_self(x.domid))
		return -XEN_ESRCH;
	if (x.space != XENMAPSPACE_shared_info || x.idx != 0)
		return -XEN_EINVAL;
	return map_shared_info(env, x.gpfn, res);
}

/* memory_op(unsigned int cmd, void *arg) */
int64_t do_memory_op(struct hcall_env *env, const struct hcall *c,
		     const uint64_t *p, struct hcall_res *res)
{
	uint32_t cmd = p[0];

	switch (cmd) {
	case XENMEM_add_to_physmap:
		return add_to_physmap(env, c, p[1], res);
	default:
		hcall_describe(res, "memory_op(%u, %#llx)", cmd,
			       (unsigned long long)p[1]);
		return -XEN_ENOSYS;
	}
}
