// SPDX-License-Identifier: GPL-2.0
/*
 * hvm_op(HVMOP_set_param/get_param, HVMOP_set_evtchn_upcall_vector) and
 * vm_assist: where Xen latches domain-wide or per-vCPU behaviour that KVM
 * keeps as attributes.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>	/* the Xen headers need it first */

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

#include "hcall_priv.h"
#include "kvm_xen_uapi.h"

_Static_assert(HVM_NR_PARAMS == HCALL_NR_PARAMS, "HVM_NR_PARAMS");
/* The same 16 bytes in both ABIs: value is 8-aligned either way. */
_Static_assert(sizeof(struct xen_hvm_param) == 16 &&
	       offsetof(struct xen_hvm_param, value) == 8, "xen_hvm_param");
_Static_assert(sizeof(struct xen_hvm_evtchn_upcall_vector) == 8,
	       "xen_hvm_evtchn_upcall_vector");

#define CALLBACK_TYPE(v)	((v) >> 56)
#define CALLBACK_TYPE_GSI	0
#define CALLBACK_TYPE_PCI_INTX	1
#define CALLBACK_TYPE_VECTOR	2

/*
 * HVM_PARAM_CALLBACK_IRQ: like Xen, latch the word size of the caller (so a
 * guest that switches modes gets the shared_info layout it now uses), and
 * hand KVM the upcall vector when the callback is one.  Any other type but
 * a GSI or INTx is "none" to Xen.  KVM can raise neither a GSI nor an INTx
 * for events, nor vectors 1-15, which Xen takes: refused, not pretended.
 */
static int64_t set_callback_irq(struct hcall_env *env, const struct hcall *c,
				uint64_t value, struct hcall_res *res)
{
	uint64_t type = CALLBACK_TYPE(value);
	uint8_t vector = 0;
	int ret;

	if ((type == CALLBACK_TYPE_GSI && value) ||
	    type == CALLBACK_TYPE_PCI_INTX) {
		hcall_note(res, "KVM has no GSI or INTx event callback; Xen would raise it");
		return -XEN_EINVAL;
	}
	if (type == CALLBACK_TYPE_VECTOR) {
		vector = value & 0xff;
		if (vector && vector < 0x10) {
			hcall_note(res, "KVM refuses vectors below 0x10; Xen takes any vector");
			return -XEN_EINVAL;
		}
	}
	hc_hvm_set(env, res, KVM_XEN_ATTR_TYPE_LONG_MODE, c->longmode);
	if (!vector && !env->st.upcall_vector)
		return 0;
	ret = hc_hvm_set(env, res, KVM_XEN_ATTR_TYPE_UPCALL_VECTOR, vector);
	if (ret) {
		hcall_note(res, "Xen takes any vector");
		return -XEN_EINVAL;
	}
	env->st.upcall_vector = vector;
	return 0;
}

/*
 * Xen's hvm_set_callback_via() ends with hvm_assert_evtchn_irq() on every
 * online vCPU, whatever the new callback: a vCPU with a per-vCPU upcall
 * vector gets it injected once, pending events or not.  The global vector
 * needs nothing here: KVM raises it on the next entry while upcall_pending
 * is set.
 */
static void callback_changed(struct hcall_env *env, struct hcall_res *res)
{
	uint32_t vcpu;

	for (vcpu = 0; vcpu < hcall_nr_vcpus(env); vcpu++)
		if (hcall_vcpu(env, vcpu)->upcall_vector)
			evtchn_assert_vector(env, res, vcpu);
}

static int64_t hvm_param(struct hcall_env *env, const struct hcall *c,
			 bool set, uint64_t arg, struct hcall_res *res)
{
	const char *op = set ? "set_param" : "get_param";
	struct xen_hvm_param hp;

	if (gva_read(env, res, arg, &hp, sizeof(hp))) {
		hcall_describe(res, "hvm_op(%s, arg %#llx)", op,
			       (unsigned long long)arg);
		return -XEN_EFAULT;
	}
	if (set)
		hcall_describe(res, "hvm_op(set_param, dom %#x, %u, %#llx)",
			       hp.domid, hp.index,
			       (unsigned long long)hp.value);
	else
		hcall_describe(res, "hvm_op(get_param, dom %#x, %u)",
			       hp.domid, hp.index);
	/* Xen's order: the index is bounded before the domain is looked up. */
	if (hp.index >= HVM_NR_PARAMS)
		return -XEN_EINVAL;
	if (!hcall_dom_is_self(hp.domid))
		return -XEN_ESRCH;
	if (set) {
		if (hp.index == HVM_PARAM_CALLBACK_IRQ) {
			int64_t ret = set_callback_irq(env, c, hp.value, res);

			if (ret)
				return ret;
			callback_changed(env, res);
		}
		env->st.params[hp.index] = hp.value;
		return 0;
	}
	hp.value = env->st.params[hp.index];
	hcall_note(res, "value %#llx", (unsigned long long)hp.value);
	return gva_write(env, res, arg, &hp, sizeof(hp));
}

/*
 * HVMOP_set_evtchn_upcall_vector: Xen's checks, then the vector for KVM to
 * inject on new events, and Xen's hvm_assert_evtchn_irq(): one injection
 * right away, pending events or not, which KVM does not do at set time.
 */
static int64_t set_upcall_vector(struct hcall_env *env, uint64_t arg,
				 struct hcall_res *res)
{
	struct xen_hvm_evtchn_upcall_vector op;
	struct kvm_xen_vcpu_attr a = {
		.type = KVM_XEN_VCPU_ATTR_TYPE_UPCALL_VECTOR,
	};

	if (gva_read(env, res, arg, &op, sizeof(op))) {
		hcall_describe(res, "hvm_op(set_evtchn_upcall_vector, arg %#llx)",
			       (unsigned long long)arg);
		return -XEN_EFAULT;
	}
	hcall_describe(res, "hvm_op(set_evtchn_upcall_vector, vcpu %u, vector %#x)",
		       op.vcpu, op.vector);
	if (op.vector < 0x10)
		return -XEN_EINVAL;
	if (!hcall_vcpu_exists(env, op.vcpu))
		return -XEN_ENOENT;
	a.u.vector = op.vector;
	if (hc_vcpu_set(env, res, op.vcpu, &a)) {
		hcall_note(res, "Xen would take it");
		return -XEN_EINVAL;
	}
	hcall_vcpu(env, op.vcpu)->upcall_vector = op.vector;
	evtchn_assert_vector(env, res, op.vcpu);
	return 0;
}

/* hvm_op(unsigned long op, void *arg) */
int64_t do_hvm_op(struct hcall_env *env, const struct hcall *c,
		  const uint64_t *p, struct hcall_res *res)
{
	switch (p[0]) {
	case HVMOP_set_param:
		return hvm_param(env, c, true, p[1], res);
	case HVMOP_get_param:
		return hvm_param(env, c, false, p[1], res);
	case HVMOP_set_evtchn_upcall_vector:
		return set_upcall_vector(env, p[1], res);
	default:
		hcall_describe(res, "hvm_op(%llu, %#llx)",
			       (unsigned long long)p[0],
			       (unsigned long long)p[1]);
		return -XEN_ENOSYS;
	}
}

/*
 * vm_assist(cmd, type), as Xen's do_vm_assist: the type is checked before
 * the command.  HVM guests got it in Xen 4.14, with runstate_update_flag
 * the only valid type.  KVM before 6.2 cannot turn the flag off (it always
 * sets it), nor be asked: then the VMM refuses as a Xen without the type
 * would.
 */
int64_t do_vm_assist(struct hcall_env *env, const struct hcall *c,
		     const uint64_t *p, struct hcall_res *res)
{
	/* Both are unsigned ints in Xen: upper register halves are not. */
	uint32_t cmd = p[0], type = p[1];
	const char *cname = cmd == VMASST_CMD_enable ? "enable" :
			    cmd == VMASST_CMD_disable ? "disable" : NULL;
	bool on = cmd == VMASST_CMD_enable;
	int ret;

	if (cname)
		hcall_describe(res, "vm_assist(%s, %u)", cname, type);
	else
		hcall_describe(res, "vm_assist(%u, %u)", cmd, type);
	if (env->xen_major < 4 || (env->xen_major == 4 && env->xen_minor < 14))
		return -XEN_ENOSYS;
	if (type != VMASST_TYPE_runstate_update_flag)
		return -XEN_EINVAL;
	if (!cname)
		return -XEN_ENOSYS;
	if (!(env->kvm_xen_caps & KVM_XEN_HVM_CONFIG_RUNSTATE_UPDATE_FLAG)) {
		hcall_note(res, "KVM_CAP_XEN_HVM %#x lacks RUNSTATE_UPDATE_FLAG, not asked; Xen would return 0",
			   env->kvm_xen_caps);
		return -XEN_EINVAL;
	}
	ret = hc_hvm_set(env, res, KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG, on);
	if (ret) {
		hcall_note(res, "Xen would return 0");
		return -XEN_EINVAL;
	}
	if (on)
		env->st.vm_assist |= 1u << VMASST_TYPE_runstate_update_flag;
	else
		env->st.vm_assist &= ~(1u << VMASST_TYPE_runstate_update_flag);
	return 0;
}
