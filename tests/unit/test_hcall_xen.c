// SPDX-License-Identifier: GPL-2.0
/*
 * memory_op(add_to_physmap), hvm_op(set/get_param) and vm_assist against a
 * fake KVM: both argument layouts, Xen's errnos, and what a KVM error turns
 * into for the guest.
 */
#include <setjmp.h>
#include <stdint.h>	/* the Xen headers need it first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/memory.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

#include "hcall_fixture.h"

#define ARG	0x1000

/* ------------------------------------------------ add_to_physmap */

static void xatp64(struct fixture *f, uint16_t domid, uint32_t space,
		   uint64_t idx, uint64_t gpfn)
{
	struct xen_add_to_physmap x = {
		.domid = domid, .space = space, .idx = idx, .gpfn = gpfn,
	};

	memcpy(f->ram + ARG, &x, sizeof(x));
}

/* The 32-bit layout: u16 domid, u16 size, u32 space, u32 idx, u32 gpfn. */
static void xatp32(struct fixture *f, uint16_t domid, uint32_t space,
		   uint32_t idx, uint32_t gpfn)
{
	memcpy(f->ram + ARG, &domid, 2);
	memset(f->ram + ARG + 2, 0, 2);
	put32(f, ARG + 4, space);
	put32(f, ARG + 8, idx);
	put32(f, ARG + 12, gpfn);
	put64(f, ARG + 16, 0x5555555555555555ull);	/* not part of it */
}

static void assert_shinfo_set(struct fixture *f, unsigned int i, uint64_t gfn)
{
	assert_true(f->kvm.nr_hvm_set > i);
	assert_int_equal(f->kvm.hvm_set[i].type, KVM_XEN_ATTR_TYPE_SHARED_INFO);
	assert_int_equal(f->kvm.hvm_set[i].u.shared_info.gfn, gfn);
}

static void test_physmap_native(void **state)
{
	struct fixture *f = *state;

	xatp64(f, DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x80);
	assert_int_equal(hc(f, true, __HYPERVISOR_memory_op,
			    XENMEM_add_to_physmap, ARG, 0), 0);
	assert_shinfo_set(f, 0, 0x80);
	/* vCPU 0's default vcpu_info: slot 0 of the page */
	assert_int_equal(f->kvm.nr_vcpu_set, 1);
	assert_int_equal(f->kvm.vcpu_set[0].type,
			 KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO);
	assert_int_equal(f->kvm.vcpu_set[0].u.gpa, 0x80000);
	assert_string_equal(f->line,
		"hcall memory_op(add_to_physmap, dom 0x7ff0 space 0 idx 0 gpfn 0x80) longmode=1: "
		"KVM_XEN_HVM_SET_ATTR(SHARED_INFO, gfn 0x80) = 0; "
		"KVM_XEN_VCPU_SET_ATTR(VCPU_INFO, gpa 0x80000) = 0 -> 0");
}

static void test_physmap_compat(void **state)
{
	struct fixture *f = *state;

	xatp32(f, DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x90);
	assert_int_equal(hc(f, false, __HYPERVISOR_memory_op,
			    HI32 | XENMEM_add_to_physmap, HI32 | ARG, 0), 0);
	assert_shinfo_set(f, 0, 0x90);

	/* the native layout read by a 32-bit caller: idx lands in gpfn's place */
	xatp64(f, DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x90);
	assert_int_equal(hc(f, false, __HYPERVISOR_memory_op,
			    XENMEM_add_to_physmap, ARG, 0), 0);
	assert_shinfo_set(f, 1, 0);
	/* and the compat one by a 64-bit caller: idx = 0x90 << 32 */
	xatp32(f, DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x90);
	assert_int_equal(hc(f, true, __HYPERVISOR_memory_op,
			    XENMEM_add_to_physmap, ARG, 0), -XEN_EINVAL);
}

static void test_physmap_errors(void **state)
{
	struct fixture *f = *state;

	xatp64(f, DOMID_SELF, XENMAPSPACE_grant_table, 0, 0x80);
	assert_int_equal(hc(f, true, __HYPERVISOR_memory_op,
			    XENMEM_add_to_physmap, ARG, 0), -XEN_EINVAL);
	xatp64(f, DOMID_SELF, XENMAPSPACE_gmfn, 0, 0x80);
	assert_int_equal(hc(f, true, __HYPERVISOR_memory_op,
			    XENMEM_add_to_physmap, ARG, 0), -XEN_EINVAL);
	xatp64(f, DOMID_SELF, XENMAPSPACE_shared_info, 1, 0x80);
	assert_int_equal(hc(f, true, __HYPERVISOR_memory_op,
			    XENMEM_add_to_physmap, ARG, 0), -XEN_EINVAL);
	xatp64(f, 5, XENMAPSPACE_shared_info, 0, 0x80);
	assert_int_equal(hc(f, true, __HYPERVISOR_memory_op,
			    XENMEM_add_to_physmap, ARG, 0), -XEN_ESRCH);
	assert_int_equal(hc(f, true, __HYPERVISOR_memory_op,
			    XENMEM_add_to_physmap, RAM_SIZE - 8, 0),
			 -XEN_EFAULT);
	assert_int_equal(f->kvm.nr_hvm_set, 0);
	assert_int_equal(hc(f, true, __HYPERVISOR_memory_op,
			    XENMEM_populate_physmap, ARG, 0), -XEN_ENOSYS);
}

/* KVM cannot map a gfn without a memslot; Xen would, over the hole. */
static void test_physmap_kvm_error(void **state)
{
	struct fixture *f = *state;

	f->kvm.hvm_set_ret[KVM_XEN_ATTR_TYPE_SHARED_INFO] = -EFAULT;
	xatp64(f, DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x100000);
	assert_int_equal(hc(f, true, __HYPERVISOR_memory_op,
			    XENMEM_add_to_physmap, ARG, 0), -XEN_EFAULT);
	assert_string_equal(f->line,
		"hcall memory_op(add_to_physmap, dom 0x7ff0 space 0 idx 0 gpfn 0x100000) longmode=1: "
		"KVM_XEN_HVM_SET_ATTR(SHARED_INFO, gfn 0x100000) = -EFAULT; "
		"Xen would map it over the hole: 0 -> -14 (EFAULT)");
	assert_int_equal(f->kvm.nr_vcpu_set, 0);
	assert_false(f->env.st.shinfo_mapped);
}

/* The guest's own vcpu_info wins over the shared_info slot. */
static void test_physmap_keeps_own_vcpu_info(void **state)
{
	struct fixture *f = *state;

	f->env.st.vcpu[0].vcpu_info_registered = true;
	xatp64(f, DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x80);
	assert_int_equal(hc(f, true, __HYPERVISOR_memory_op,
			    XENMEM_add_to_physmap, ARG, 0), 0);
	assert_int_equal(f->kvm.nr_vcpu_set, 0);
}

/* ------------------------------------------------ hvm params */

static void hvm_param(struct fixture *f, uint16_t domid, uint32_t index,
		      uint64_t value)
{
	struct xen_hvm_param p = {
		.domid = domid, .index = index, .value = value,
	};

	memcpy(f->ram + ARG, &p, sizeof(p));
}

static void test_callback_irq_vector(void **state)
{
	struct fixture *f = *state;

	hvm_param(f, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 2ull << 56 | 0xf3);
	assert_int_equal(hc(f, false, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), 0);
	assert_int_equal(f->kvm.nr_hvm_set, 2);
	assert_int_equal(f->kvm.hvm_set[0].type, KVM_XEN_ATTR_TYPE_LONG_MODE);
	assert_int_equal(f->kvm.hvm_set[0].u.long_mode, 0);
	assert_int_equal(f->kvm.hvm_set[1].type,
			 KVM_XEN_ATTR_TYPE_UPCALL_VECTOR);
	assert_int_equal(f->kvm.hvm_set[1].u.vector, 0xf3);
	assert_string_equal(f->line,
		"hcall hvm_op(set_param, dom 0x7ff0, 0, 0x2000000000000f3) longmode=0: "
		"KVM_XEN_HVM_SET_ATTR(LONG_MODE, 0) = 0; "
		"KVM_XEN_HVM_SET_ATTR(UPCALL_VECTOR, 0xf3) = 0 -> 0");

	/* no callback: word size latched, the vector withdrawn */
	hvm_param(f, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 0);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), 0);
	assert_int_equal(f->kvm.hvm_set[2].type, KVM_XEN_ATTR_TYPE_LONG_MODE);
	assert_int_equal(f->kvm.hvm_set[2].u.long_mode, 1);
	assert_int_equal(f->kvm.hvm_set[3].type,
			 KVM_XEN_ATTR_TYPE_UPCALL_VECTOR);
	assert_int_equal(f->kvm.hvm_set[3].u.vector, 0);
	/* ... and not again */
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), 0);
	assert_int_equal(f->kvm.nr_hvm_set, 5);
}

/*
 * What KVM cannot deliver is refused, not pretended, before anything is
 * latched or stored: vectors 1-15 (KVM refuses them), a GSI or a PCI INTx
 * callback.  Xen takes all of them.
 */
static void test_callback_irq_refused(void **state)
{
	struct fixture *f = *state;
	static const uint64_t refused[] = {
		2ull << 56 | 0x5, 2ull << 56 | 0xf, 5, 1ull << 56 | 0x10203,
	};
	unsigned int i;

	for (i = 0; i < 4; i++) {
		hvm_param(f, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, refused[i]);
		assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op,
				    HVMOP_set_param, ARG, 0), -XEN_EINVAL);
	}
	assert_non_null(strstr(f->line, "Xen would raise it"));
	assert_int_equal(f->kvm.nr_hvm_set, 0);
	assert_int_equal(f->env.st.params[HVM_PARAM_CALLBACK_IRQ], 0);
	/* another type is "none" to Xen: accepted, nothing to withdraw */
	hvm_param(f, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 3ull << 56 | 0x20);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), 0);
	assert_int_equal(f->kvm.nr_hvm_set, 1);
}

/*
 * Xen's hvm_set_callback_via() asserts the event upcall on every vCPU
 * whatever the new callback is: a per-vCPU upcall vector is injected once
 * (into an enabled LAPIC), and nothing is injected without one.
 */
static void test_callback_irq_asserts_vcpu_vector(void **state)
{
	struct fixture *f = *state;
	struct xen_hvm_evtchn_upcall_vector v = { .vcpu = 0, .vector = 0x1b };

	f->kvm.lapic_enabled = 1;
	hvm_param(f, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 2ull << 56 | 0x1c);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), 0);
	assert_int_equal(f->kvm.nr_msis, 0);

	memcpy(f->ram + ARG, &v, sizeof(v));
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op,
			    HVMOP_set_evtchn_upcall_vector, ARG, 0), 0);
	assert_int_equal(f->kvm.nr_msis, 1);

	hvm_param(f, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 0);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), 0);
	assert_int_equal(f->kvm.nr_msis, 2);
	assert_int_equal(f->kvm.msis[1].vector, 0x1b);
	assert_int_equal(f->kvm.msis[1].apic_id, 0);
	assert_non_null(strstr(f->line,
		"KVM_SIGNAL_MSI(apic 0, vector 0x1b) = delivered -> 0"));

	/* a disabled LAPIC takes none (Xen 4.18) */
	f->kvm.lapic_enabled = 0;
	hvm_param(f, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 2ull << 56 | 0x1c);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), 0);
	assert_int_equal(f->kvm.nr_msis, 2);

	/* a refused callback changes nothing, so asserts nothing */
	f->kvm.lapic_enabled = 1;
	hvm_param(f, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 2ull << 56 | 0x5);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), -XEN_EINVAL);
	assert_int_equal(f->kvm.nr_msis, 2);
}

/* KVM refusing a vector it should take: the guest is told. */
static void test_callback_irq_kvm_error(void **state)
{
	struct fixture *f = *state;

	f->kvm.hvm_set_ret[KVM_XEN_ATTR_TYPE_UPCALL_VECTOR] = -EINVAL;
	hvm_param(f, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 2ull << 56 | 0x50);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), -XEN_EINVAL);
	assert_non_null(strstr(f->line,
		"UPCALL_VECTOR, 0x50) = -EINVAL; Xen takes any vector"));
	assert_int_equal(f->env.st.upcall_vector, 0);
}

static void test_params_store(void **state)
{
	struct fixture *f = *state;

	/* never set: 0 */
	hvm_param(f, DOMID_SELF, HVM_PARAM_STORE_PFN, 0x1234);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_get_param,
			    ARG, 0), 0);
	assert_int_equal(get64(f, ARG + 8), 0);

	hvm_param(f, DOMID_SELF, HVM_PARAM_STORE_PFN, 0xfeedf00dcafe);
	assert_int_equal(hc(f, false, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), 0);
	assert_int_equal(f->kvm.nr_hvm_set, 0);
	hvm_param(f, DOMID_SELF, HVM_PARAM_STORE_PFN, 0);
	assert_int_equal(hc(f, false, __HYPERVISOR_hvm_op, HVMOP_get_param,
			    HI32 | ARG, 0), 0);
	assert_int_equal(get64(f, ARG + 8), 0xfeedf00dcafe);
	assert_int_equal(get32(f, ARG + 4), HVM_PARAM_STORE_PFN);
}

static void test_params_errors(void **state)
{
	struct fixture *f = *state;

	hvm_param(f, DOMID_SELF, HVM_NR_PARAMS, 1);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), -XEN_EINVAL);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_get_param,
			    ARG, 0), -XEN_EINVAL);
	hvm_param(f, 2, HVM_PARAM_CALLBACK_IRQ, 1);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), -XEN_ESRCH);
	/* Both wrong: Xen bounds the index before it looks up the domain. */
	hvm_param(f, 2, 0xffffffff, 1);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    ARG, 0), -XEN_EINVAL);
	assert_int_equal(hc(f, false, __HYPERVISOR_hvm_op, HVMOP_get_param,
			    ARG, 0), -XEN_EINVAL);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, HVMOP_set_param,
			    RAM_SIZE - 15, 0), -XEN_EFAULT);
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op, 2, ARG, 0),
			 -XEN_ENOSYS);
	assert_int_equal(f->kvm.nr_hvm_set, 0);
}

/* ------------------------------------------------ vm_assist */

static void test_vm_assist(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(hc(f, false, __HYPERVISOR_vm_assist, VMASST_CMD_enable,
			    VMASST_TYPE_runstate_update_flag, 0), 0);
	assert_int_equal(f->kvm.nr_hvm_set, 1);
	assert_int_equal(f->kvm.hvm_set[0].type,
			 KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG);
	assert_int_equal(KVM_XEN_HVM_ATTR_U8(&f->kvm.hvm_set[0]), 1);
	assert_string_equal(f->line,
		"hcall vm_assist(enable, 5) longmode=0: "
		"KVM_XEN_HVM_SET_ATTR(RUNSTATE_UPDATE_FLAG, 0x1) = 0 -> 0");
	assert_int_equal(hc(f, true, __HYPERVISOR_vm_assist, VMASST_CMD_disable,
			    VMASST_TYPE_runstate_update_flag, 0), 0);
	assert_int_equal(KVM_XEN_HVM_ATTR_U8(&f->kvm.hvm_set[1]), 0);
}

/* Type before command, as Xen's do_vm_assist; none of it before 4.14. */
static void test_vm_assist_errnos(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(hc(f, true, __HYPERVISOR_vm_assist, VMASST_CMD_enable,
			    VMASST_TYPE_writable_pagetables, 0), -XEN_EINVAL);
	assert_int_equal(hc(f, true, __HYPERVISOR_vm_assist, 7,
			    VMASST_TYPE_writable_pagetables, 0), -XEN_EINVAL);
	assert_int_equal(hc(f, true, __HYPERVISOR_vm_assist, 7,
			    VMASST_TYPE_runstate_update_flag, 0), -XEN_ENOSYS);
	/* type is an unsigned int in Xen, for a 64-bit caller too */
	assert_int_equal(hc(f, true, __HYPERVISOR_vm_assist, VMASST_CMD_enable,
			    (1ull << 32) | 5, 0), 0);
	assert_int_equal(hc(f, true, __HYPERVISOR_vm_assist, 7,
			    HI32 | 5, 0), -XEN_ENOSYS);
	/* a 32-bit caller's type is 32 bits */
	assert_int_equal(hc(f, false, __HYPERVISOR_vm_assist, VMASST_CMD_enable,
			    HI32 | 5, 0), 0);
	f->env.xen_minor = 13;
	assert_int_equal(hc(f, true, __HYPERVISOR_vm_assist, VMASST_CMD_enable,
			    VMASST_TYPE_runstate_update_flag, 0), -XEN_ENOSYS);
	assert_int_equal(f->kvm.nr_hvm_set, 2);
}

/* A KVM that cannot do it (6.1: no capability bit) or refuses: -EINVAL. */
static void test_vm_assist_kvm(void **state)
{
	struct fixture *f = *state;

	f->env.kvm_xen_caps = 0x3f;
	assert_int_equal(hc(f, true, __HYPERVISOR_vm_assist, VMASST_CMD_enable,
			    VMASST_TYPE_runstate_update_flag, 0), -XEN_EINVAL);
	assert_int_equal(f->kvm.nr_hvm_set, 0);
	assert_non_null(strstr(f->line, "lacks RUNSTATE_UPDATE_FLAG"));

	f->env.kvm_xen_caps = 0x1ff;
	f->kvm.hvm_set_ret[KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG] = -EOPNOTSUPP;
	assert_int_equal(hc(f, true, __HYPERVISOR_vm_assist, VMASST_CMD_enable,
			    VMASST_TYPE_runstate_update_flag, 0), -XEN_EINVAL);
	assert_string_equal(f->line,
		"hcall vm_assist(enable, 5) longmode=1: "
		"KVM_XEN_HVM_SET_ATTR(RUNSTATE_UPDATE_FLAG, 0x1) = -EOPNOTSUPP; "
		"Xen would return 0 -> -22 (EINVAL)");
}

/* Ring 3 gets -EPERM before any argument is read or KVM asked. */
static void test_cpl3(void **state)
{
	struct fixture *f = *state;
	static const uint64_t nrs[] = {
		__HYPERVISOR_memory_op, __HYPERVISOR_hvm_op,
		__HYPERVISOR_vm_assist, __HYPERVISOR_vcpu_op,
	};
	struct hcall in = { .cpl = 3 };
	struct hcall_res res;
	unsigned int i;

	xatp64(f, DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x80);
	for (i = 0; i < 4; i++) {
		in.nr = nrs[i];
		in.params[0] = 0;
		in.params[1] = nrs[i] == __HYPERVISOR_vm_assist ? 5 : ARG;
		in.longmode = i & 1;
		hcall_dispatch(&f->env, &in, &res);
		assert_int_equal(res.ret, -XEN_EPERM);
	}
	assert_int_equal(f->kvm.nr_hvm_set + f->kvm.nr_vcpu_set, 0);
	assert_int_equal(f->kvm.nr_translate, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_physmap_native),
		T(test_physmap_compat),
		T(test_physmap_errors),
		T(test_physmap_kvm_error),
		T(test_physmap_keeps_own_vcpu_info),
		T(test_callback_irq_vector),
		T(test_callback_irq_refused),
		T(test_callback_irq_kvm_error),
		T(test_callback_irq_asserts_vcpu_vector),
		T(test_params_store),
		T(test_params_errors),
		T(test_vm_assist),
		T(test_vm_assist_errnos),
		T(test_vm_assist_kvm),
		T(test_cpl3),
	};

	return cmocka_run_group_tests_name("hcall_xen", tests, NULL, NULL);
}
