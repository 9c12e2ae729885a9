// SPDX-License-Identifier: GPL-2.0
/*
 * A domain of two vCPUs: what Xen keeps per vCPU stays per vCPU, calls
 * about vCPU 1 reach vCPU 1's KVM context whoever makes them, and events
 * are delivered to the port's vCPU.  vCPU 0's context is f->kvm (also the
 * VM's), vCPU 1's is a second fake.
 */
#include <setjmp.h>
#include <stdint.h>	/* the Xen headers need it first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/vcpu.h>

#include "evtchn_helpers.h"

struct smp_fixture {
	struct fixture f;	/* first: the helpers take a struct fixture */
	struct fake_kvm kvm1;
};

static int smp_setup(void **state)
{
	struct smp_fixture *s;

	if (setup(state))
		return -1;
	s = realloc(*state, sizeof(*s));
	if (!s)
		return -1;
	memset(&s->kvm1, 0, sizeof(s->kvm1));
	/* The fixture moved: its pointers into itself with it. */
	s->f.env.mem.layout = &s->f.layout;
	s->f.env.ops_ctx = &s->f.kvm;
	s->f.env.nr_vcpus = 2;
	s->f.env.vcpu_ctx[0] = &s->f.kvm;
	s->f.env.vcpu_ctx[1] = &s->kvm1;
	*state = s;
	return 0;
}

/* A call made by vCPU @vcpu; its log line is left in f->line. */
static int64_t hc_on(struct fixture *f, uint32_t vcpu, bool lm, uint64_t nr,
		     uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct hcall in = {
		.nr = nr,
		.params = { a0, a1, a2 },
		.longmode = lm,
		.vcpu = vcpu,
	};
	struct hcall_res res;

	hcall_dispatch(&f->env, &in, &res);
	hcall_format(&in, &res, f->line, sizeof(f->line));
	return res.ret;
}

static int64_t vcpu_op_on(struct fixture *f, uint32_t caller, uint32_t cmd,
			  uint32_t vcpuid, uint64_t arg)
{
	return hc_on(f, caller, true, __HYPERVISOR_vcpu_op, cmd, vcpuid, arg);
}

static const struct kvm_xen_vcpu_attr *last_set(struct fake_kvm *k,
						uint16_t type)
{
	unsigned int i = k->nr_vcpu_set;

	while (i--)
		if (k->vcpu_set[i].type == type)
			return &k->vcpu_set[i];
	return NULL;
}

/* Each vCPU gets its own Xen id, on its own KVM vCPU. */
static void test_domain_init_ids(void **state)
{
	struct smp_fixture *s = *state;
	struct hcall_res res;
	const struct kvm_xen_vcpu_attr *a;

	hcall_domain_init(&s->f.env, &res);
	a = last_set(&s->f.kvm, KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID);
	assert_non_null(a);
	assert_int_equal(a->u.vcpu_id, 0);
	a = last_set(&s->kvm1, KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID);
	assert_non_null(a);
	assert_int_equal(a->u.vcpu_id, 1);
	assert_non_null(strstr(res.kvm, "VCPU_SET_ATTR(vcpu 1 VCPU_ID, 1)"));
}

/* shared_info gives every vCPU its default vcpu_info slot, 64 B apart. */
static void test_shinfo_default_vcpu_info(void **state)
{
	struct smp_fixture *s = *state;
	const struct kvm_xen_vcpu_attr *a;

	assert_int_equal(map_shinfo(&s->f), 0);
	a = last_set(&s->f.kvm, KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO);
	assert_non_null(a);
	assert_int_equal(a->u.gpa, SHINFO);
	a = last_set(&s->kvm1, KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO);
	assert_non_null(a);
	assert_int_equal(a->u.gpa, SHINFO + 64);
}

/*
 * register_vcpu_info for vCPU 1, made by vCPU 0 (as Linux does): vCPU 1's
 * attribute and state; vCPU 0 may still register its own, once.
 */
static void test_vcpu_info_per_vcpu(void **state)
{
	struct smp_fixture *s = *state;
	struct fixture *f = &s->f;
	struct vcpu_register_vcpu_info info = { .mfn = 0x20, .offset = 64 };
	const struct kvm_xen_vcpu_attr *a;

	memcpy(f->ram + ARG, &info, sizeof(info));
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_register_vcpu_info, 1, ARG), 0);
	a = last_set(&s->kvm1, KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO);
	assert_non_null(a);
	assert_int_equal(a->u.gpa, 0x20040);
	assert_null(last_set(&f->kvm, KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO));
	assert_true(f->env.st.vcpu[1].vcpu_info_registered);
	assert_false(f->env.st.vcpu[0].vcpu_info_registered);
	/* Xen 4.17 (the fixture's): a second one for vCPU 1 is -EINVAL */
	assert_int_equal(vcpu_op_on(f, 1, VCPUOP_register_vcpu_info, 1, ARG),
			 -XEN_EINVAL);
	info.offset = 0;
	memcpy(f->ram + ARG, &info, sizeof(info));
	assert_int_equal(vcpu_op_on(f, 1, VCPUOP_register_vcpu_info, 0, ARG), 0);
	a = last_set(&f->kvm, KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO);
	assert_non_null(a);
	assert_int_equal(a->u.gpa, 0x20000);
	/* a third vCPU does not exist */
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_register_vcpu_info, 2, ARG),
			 -XEN_ENOENT);
}

/* The runstate and time areas go to the vCPU named, not the caller. */
static void test_areas_per_vcpu(void **state)
{
	struct smp_fixture *s = *state;
	struct fixture *f = &s->f;
	const struct kvm_xen_vcpu_attr *a;

	put64(f, ARG, 0x30000);
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_register_runstate_memory_area,
				    1, ARG), 0);
	a = last_set(&s->kvm1, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR);
	assert_non_null(a);
	assert_int_equal(a->u.gpa, 0x30000);
	assert_null(last_set(&f->kvm, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR));
	put64(f, ARG, 0x31000);
	assert_int_equal(vcpu_op_on(f, 1, VCPUOP_register_vcpu_time_memory_area,
				    1, ARG), 0);
	assert_true(f->env.st.vcpu[1].time_area_set);
	assert_int_equal(f->env.st.vcpu[1].time_area_gpa, 0x31000);
	assert_false(f->env.st.vcpu[0].time_area_set);
}

/* Another vCPU's runstate is KVM's; the caller's own is running. */
static void test_get_runstate_other(void **state)
{
	struct smp_fixture *s = *state;
	struct fixture *f = &s->f;
	struct vcpu_runstate_info rs;

	s->kvm1.runstate.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA;
	s->kvm1.runstate.u.runstate.state = RUNSTATE_blocked;
	s->kvm1.runstate.u.runstate.state_entry_time = 500;
	f->kvm.clock = 800;
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_get_runstate_info, 1, ARG), 0);
	memcpy(&rs, f->ram + ARG, sizeof(rs));
	assert_int_equal(rs.state, RUNSTATE_blocked);
	assert_int_equal(rs.time[RUNSTATE_blocked], 300);
	assert_int_equal(vcpu_op_on(f, 1, VCPUOP_get_runstate_info, 1, ARG), 0);
	memcpy(&rs, f->ram + ARG, sizeof(rs));
	assert_int_equal(rs.state, RUNSTATE_running);
}

/* VCPUOP_is_up and up follow KVM's mp_state of the vCPU asked about. */
static void test_is_up(void **state)
{
	struct smp_fixture *s = *state;
	struct fixture *f = &s->f;

	s->kvm1.mp_state_now = KVM_MP_STATE_UNINITIALIZED;
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_is_up, 1, 0), 0);
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_up, 1, 0), -XEN_EINVAL);
	s->kvm1.mp_state_now = KVM_MP_STATE_INIT_RECEIVED;
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_is_up, 1, 0), 0);
	s->kvm1.mp_state_now = KVM_MP_STATE_HALTED;
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_is_up, 1, 0), 1);
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_up, 1, 0), 0);
	assert_int_equal(vcpu_op_on(f, 1, VCPUOP_is_up, 0, 0), 1);
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_is_up, 2, 0), -XEN_ENOENT);
}

/*
 * bind_ipi on vCPU 1: KVM delivers it to APIC ID 1; a send that reaches
 * the VMM raises it there too.  bind_ipi on vCPU 2: -ENOENT.
 */
static void test_ipi_to_vcpu1(void **state)
{
	struct smp_fixture *s = *state;
	struct fixture *f = &s->f;
	const struct kvm_xen_hvm_attr *a;
	struct evtchn_status st;
	int64_t port;

	assert_int_equal(map_shinfo(f), 0);
	assert_int_equal(bind_ipi(f, 2), -XEN_ENOENT);
	port = bind_ipi(f, 1);
	assert_true(port > 0);
	a = evtchn_attr(f, 0);
	assert_int_equal(a->u.evtchn.send_port, port);
	assert_int_equal(a->u.evtchn.deliver.port.vcpu, 1);
	assert_int_equal(status(f, DOMID_SELF, port, &st), 0);
	assert_int_equal(st.vcpu, 1);
	assert_int_equal(port_op(f, EVTCHNOP_send, port), 0);
	assert_int_equal(f->kvm.nr_sends, 1);
	assert_int_equal(f->kvm.sends[0].port, port);
	assert_int_equal(f->kvm.sends[0].vcpu, 1);
	/* an IPI cannot be moved */
	{
		struct evtchn_bind_vcpu b = { .port = port, .vcpu = 0 };

		assert_int_equal(evtchn(f, true, EVTCHNOP_bind_vcpu, &b,
					sizeof(b)), -XEN_EINVAL);
	}
}

/*
 * VIRQ_TIMER is per vCPU: each may bind it once, its TIMER attribute is
 * its own, and closing one leaves the other.
 */
static void test_virq_timer_per_vcpu(void **state)
{
	struct smp_fixture *s = *state;
	struct fixture *f = &s->f;
	const struct kvm_xen_vcpu_attr *a;
	int64_t p0, p1;

	assert_int_equal(map_shinfo(f), 0);
	p1 = bind_virq(f, VIRQ_TIMER, 1);
	assert_true(p1 > 0);
	a = last_set(&s->kvm1, KVM_XEN_VCPU_ATTR_TYPE_TIMER);
	assert_non_null(a);
	assert_int_equal(a->u.timer.port, p1);
	assert_null(last_set(&f->kvm, KVM_XEN_VCPU_ATTR_TYPE_TIMER));
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 1), -XEN_EEXIST);
	p0 = bind_virq(f, VIRQ_TIMER, 0);
	assert_true(p0 > 0 && p0 != p1);
	a = last_set(&f->kvm, KVM_XEN_VCPU_ATTR_TYPE_TIMER);
	assert_non_null(a);
	assert_int_equal(a->u.timer.port, p0);
	assert_int_equal(port_op(f, EVTCHNOP_close, p1), 0);
	assert_int_equal(f->env.st.vcpu[1].virq_port[VIRQ_TIMER], 0);
	assert_int_equal(f->env.st.vcpu[0].virq_port[VIRQ_TIMER], p0);
	a = last_set(&s->kvm1, KVM_XEN_VCPU_ATTR_TYPE_TIMER);
	assert_int_equal(a->u.timer.port, 0);
	/* a global VIRQ is vCPU 0's only */
	assert_int_equal(bind_virq(f, VIRQ_CONSOLE, 1), -XEN_EINVAL);
}

/*
 * The singleshot timer is the caller's: Xen refuses one for another vCPU
 * (-EINVAL); set_timer_op sets the caller's.
 */
static void test_singleshot_caller_only(void **state)
{
	struct smp_fixture *s = *state;
	struct fixture *f = &s->f;
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = 5000 };

	memcpy(f->ram + ARG, &t, sizeof(t));
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_set_singleshot_timer, 1, ARG),
			 -XEN_EINVAL);
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_stop_singleshot_timer, 1, 0),
			 -XEN_EINVAL);
	assert_int_equal(vcpu_op_on(f, 1, VCPUOP_set_singleshot_timer, 1, ARG),
			 0);
	assert_int_equal(f->env.st.vcpu[1].timer.expires, 5000);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, 0);
	assert_int_equal(hc_on(f, 0, true, __HYPERVISOR_set_timer_op, 7000, 0,
			       0), 0);
	assert_int_equal(f->env.st.vcpu[0].timer.expires, 7000);
	assert_int_equal(f->env.st.vcpu[1].timer.expires, 5000);
}

/* The periodic timer of vCPU 1 raises its VIRQ_TIMER on APIC ID 1. */
static void test_periodic_vcpu1(void **state)
{
	struct smp_fixture *s = *state;
	struct fixture *f = &s->f;
	struct vcpu_set_periodic_timer p = { .period_ns = 10000000 };
	int64_t port;

	assert_int_equal(map_shinfo(f), 0);
	port = bind_virq(f, VIRQ_TIMER, 1);
	memcpy(f->ram + ARG, &p, sizeof(p));
	f->kvm.clock = 1;
	assert_int_equal(vcpu_op_on(f, 0, VCPUOP_set_periodic_timer, 1, ARG), 0);
	assert_true(f->kvm.nr_periodic > 0);
	assert_int_equal(f->kvm.periodic[f->kvm.nr_periodic - 1].apic_id, 1);
	assert_int_equal(f->kvm.periodic[f->kvm.nr_periodic - 1].port, port);
}

/*
 * Unmasking a pending port of vCPU 1 from vCPU 0 with the global vector:
 * vCPU 1's selector and upcall_pending, and a kick for vCPU 1, which may
 * be halted.  vCPU 0's vcpu_info is untouched.
 */
static void test_unmask_kicks_other(void **state)
{
	struct smp_fixture *s = *state;
	struct fixture *f = &s->f;
	int64_t port;

	f->kvm.long_mode = 1;
	assert_int_equal(map_shinfo(f), 0);
	port = bind_ipi(f, 1);
	set_ram_bit(f, PENDING, port);
	set_ram_bit(f, MASK64, port);
	assert_int_equal(port_op(f, EVTCHNOP_unmask, port), 0);
	assert_false(ram_bit(f, MASK64, port));
	assert_true(ram_bit(f, SHINFO + 64 + 8, port / 64));
	assert_int_equal(f->ram[SHINFO + 64], 1);	/* upcall_pending */
	assert_int_equal(f->ram[SHINFO], 0);
	assert_int_equal(s->kvm1.nr_kicks, 1);
	assert_int_equal(f->kvm.nr_kicks, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, smp_setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_domain_init_ids),
		T(test_shinfo_default_vcpu_info),
		T(test_vcpu_info_per_vcpu),
		T(test_areas_per_vcpu),
		T(test_get_runstate_other),
		T(test_is_up),
		T(test_ipi_to_vcpu1),
		T(test_virq_timer_per_vcpu),
		T(test_singleshot_caller_only),
		T(test_periodic_vcpu1),
		T(test_unmask_kicks_other),
	};

	return cmocka_run_group_tests_name("hcall_smp", tests, NULL, NULL);
}
