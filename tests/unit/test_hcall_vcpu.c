// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_op: the runstate area, get_runstate_info, vcpu_info and the time
 * area, in both ABIs, against a fake KVM: what the guest gets, what KVM is
 * asked, and the log line.
 */
#include <setjmp.h>
#include <stdint.h>	/* the Xen headers need it first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/vcpu.h>

#include "hcall_fixture.h"

#define ARG	0x1000		/* where the tests put the hypercall argument */

static int64_t vcpu_op(struct fixture *f, bool longmode, uint32_t cmd,
		       uint64_t vcpuid, uint64_t arg)
{
	return hc(f, longmode, __HYPERVISOR_vcpu_op, cmd, vcpuid, arg);
}

static void assert_vcpu_set(struct fixture *f, unsigned int i, uint16_t type,
			    uint64_t gpa)
{
	assert_true(f->kvm.nr_vcpu_set > i);
	assert_int_equal(f->kvm.vcpu_set[i].type, type);
	assert_int_equal(f->kvm.vcpu_set[i].u.gpa, gpa);
}

/* ------------------------------------------------ runstate registration */

/* A 32-bit caller's handle is 4 bytes: the next 4 are not part of it. */
static void test_runstate_arg_width(void **state)
{
	struct fixture *f = *state;

	put64(f, ARG, 0xdeadbeef00042000ull);
	assert_int_equal(vcpu_op(f, false, VCPUOP_register_runstate_memory_area,
				 HI32 | 0, HI32 | ARG), 0);
	assert_int_equal(f->kvm.nr_vcpu_set, 1);
	assert_vcpu_set(f, 0, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR, 0x42000);

	/* a 64-bit caller's is all 8 bytes: far outside RAM, KVM says so */
	f->kvm.vcpu_set_ret[KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR] = -EFAULT;
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_runstate_memory_area,
				 0, ARG), 0);
	assert_vcpu_set(f, 1, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR,
			0xdeadbeef00042000ull);
}

/* Both the argument pointer and the area's address are linear addresses. */
static void test_runstate_translated(void **state)
{
	struct fixture *f = *state;

	fake_map(&f->kvm, 0xc0001000, 0x5000);		/* the argument */
	fake_map(&f->kvm, 0xc0100000, 0x7000);		/* the area */
	put32(f, 0x5010, 0xc0100fd4);
	assert_int_equal(vcpu_op(f, false, VCPUOP_register_runstate_memory_area,
				 0, 0xc0001010), 0);
	assert_vcpu_set(f, 0, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR, 0x7fd4);
	assert_string_equal(f->line,
		"hcall vcpu_op(register_runstate_memory_area, 0, va 0xc0100fd4) longmode=0: "
		"KVM_TRANSLATE(0xc0100fd4) = gpa 0x7fd4; "
		"KVM_XEN_VCPU_SET_ATTR(RUNSTATE_ADDR, gpa 0x7fd4) = 0 -> 0");
}

/* GPA 0 is a valid registration to KVM: address 0 must become INVALID_GPA. */
static void test_runstate_zero_deregisters(void **state)
{
	struct fixture *f = *state;

	put64(f, ARG, 0);
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_runstate_memory_area,
				 0, ARG), 0);
	assert_vcpu_set(f, 0, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR,
			KVM_XEN_INVALID_GPA);
	assert_string_equal(f->line,
		"hcall vcpu_op(register_runstate_memory_area, 0, va 0) longmode=1: "
		"KVM_XEN_VCPU_SET_ATTR(RUNSTATE_ADDR, INVALID_GPA) = 0 -> 0");

	/* only the low half counts for a 32-bit caller */
	put64(f, ARG, 0xffffffff00000000ull);
	assert_int_equal(vcpu_op(f, false, VCPUOP_register_runstate_memory_area,
				 0, ARG), 0);
	assert_vcpu_set(f, 1, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR,
			KVM_XEN_INVALID_GPA);
}

/* Xen answers 0 whatever KVM does with the address. */
static void test_runstate_kvm_error(void **state)
{
	struct fixture *f = *state;

	f->kvm.vcpu_set_ret[KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR] = -EFAULT;
	put32(f, ARG, 0x1ff0fd4);
	assert_int_equal(vcpu_op(f, false, VCPUOP_register_runstate_memory_area,
				 0, ARG), 0);
	assert_string_equal(f->line,
		"hcall vcpu_op(register_runstate_memory_area, 0, va 0x1ff0fd4) longmode=0: "
		"KVM_TRANSLATE(0x1ff0fd4) = gpa 0x1ff0fd4; "
		"KVM_XEN_VCPU_SET_ATTR(RUNSTATE_ADDR, gpa 0x1ff0fd4) = -EFAULT; "
		"KVM dropped the previous area -> 0");

	f->kvm.vcpu_set_ret[KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR] = -EINVAL;
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_runstate_memory_area,
				 0, ARG), 0);
	assert_non_null(strstr(f->line, "= -EINVAL"));
}

/* An unmapped VA: 0, and KVM keeps the old area (it is not even asked). */
static void test_runstate_unmapped(void **state)
{
	struct fixture *f = *state;

	fake_unmap(&f->kvm, 0x80000000);
	put32(f, ARG, 0x80000010);
	assert_int_equal(vcpu_op(f, false, VCPUOP_register_runstate_memory_area,
				 0, ARG), 0);
	assert_int_equal(f->kvm.nr_vcpu_set, 0);
	assert_non_null(strstr(f->line, "KVM_TRANSLATE(0x80000010) = not mapped"));

	/* the argument itself unmapped: that Xen does fault */
	assert_int_equal(vcpu_op(f, false, VCPUOP_register_runstate_memory_area,
				 0, 0x80000000), -XEN_EFAULT);
	assert_int_equal(f->kvm.nr_vcpu_set, 0);
}

/* An area whose second page is not the physically next one is logged. */
static void test_runstate_discontiguous(void **state)
{
	struct fixture *f = *state;

	fake_map(&f->kvm, 0x400000, 0x10000);
	fake_map(&f->kvm, 0x401000, 0x30000);
	put64(f, ARG, 0x400ff8);
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_runstate_memory_area,
				 0, ARG), 0);
	assert_vcpu_set(f, 0, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR, 0x10ff8);
	assert_non_null(strstr(f->line,
		"Xen: tail at gpa 0x30000, KVM writes it at gpa 0x11000"));

	/* 44 bytes at 4052 end on the page: no second page for compat */
	put32(f, ARG, 0x400fd4);
	f->kvm.nr_translate = 0;
	vcpu_op(f, false, VCPUOP_register_runstate_memory_area, 0, ARG);
	assert_null(strstr(f->line, "tail"));
	/* ... but 48 do cross */
	put64(f, ARG, 0x400fd4);
	vcpu_op(f, true, VCPUOP_register_runstate_memory_area, 0, ARG);
	assert_non_null(strstr(f->line, "tail"));
}

static void test_vcpu_other_ids(void **state)
{
	struct fixture *f = *state;
	static const uint32_t cmds[] = {
		VCPUOP_get_runstate_info, VCPUOP_register_runstate_memory_area,
		VCPUOP_register_vcpu_info, VCPUOP_register_vcpu_time_memory_area,
	};
	unsigned int i;

	for (i = 0; i < 4; i++) {
		assert_int_equal(vcpu_op(f, true, cmds[i], 1, ARG), -XEN_ENOENT);
		assert_int_equal(vcpu_op(f, false, cmds[i], 0xffffffff, ARG),
				 -XEN_ENOENT);
	}
	/* A command HVM guests may not use: -ENOSYS before the vCPU id. */
	assert_int_equal(vcpu_op(f, true, 0x7fffffff, 1, ARG), -XEN_ENOSYS);
	assert_int_equal(vcpu_op(f, false, VCPUOP_send_nmi, 0xffffffff, ARG),
			 -XEN_ENOSYS);
	/* One it may, that the VMM does not implement: the id first. */
	assert_int_equal(vcpu_op(f, true, VCPUOP_is_up, 1, ARG), -XEN_ENOENT);
	assert_int_equal(f->kvm.nr_vcpu_set, 0);
	/* vcpuid is an unsigned int: the upper register half is not part of it */
	put64(f, ARG, 0);
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_runstate_memory_area,
				 1ull << 32, ARG), 0);
	assert_int_equal(f->kvm.nr_vcpu_set, 1);
	/* VCPUOP_up on a running vCPU: Xen has nothing to do. */
	assert_int_equal(vcpu_op(f, true, VCPUOP_up, 0, 0), 0);
	assert_int_equal(vcpu_op(f, true, VCPUOP_initialise, 0, 0), -XEN_ENOSYS);
}

/* ------------------------------------------------ get_runstate_info */

static void set_runstate(struct fixture *f, uint64_t state, uint64_t entry)
{
	f->kvm.runstate.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA;
	f->kvm.runstate.u.runstate.state = state;
	f->kvm.runstate.u.runstate.state_entry_time = entry;
	f->kvm.runstate.u.runstate.time_running = 100;
	f->kvm.runstate.u.runstate.time_runnable = 200;
	f->kvm.runstate.u.runstate.time_blocked = 300;
	f->kvm.runstate.u.runstate.time_offline = 400;
}

/* Native: 48 bytes, time[] at 16; now - entry added to the current state. */
static void test_get_runstate_native(void **state)
{
	struct fixture *f = *state;

	set_runstate(f, RUNSTATE_running, 1000);
	f->kvm.clock = 1500;
	memset(f->ram + 0x2000, 0xaa, 64);
	assert_int_equal(vcpu_op(f, true, VCPUOP_get_runstate_info, 0, 0x2000),
			 0);
	assert_int_equal(get32(f, 0x2000), RUNSTATE_running);
	assert_int_equal(get64(f, 0x2008), 1000);
	assert_int_equal(get64(f, 0x2010), 600);
	assert_int_equal(get64(f, 0x2018), 200);
	assert_int_equal(get64(f, 0x2020), 300);
	assert_int_equal(get64(f, 0x2028), 400);
	assert_int_equal(f->ram[0x2030], 0xaa);

	set_runstate(f, RUNSTATE_blocked, 1000);
	f->kvm.clock = 1001;
	vcpu_op(f, true, VCPUOP_get_runstate_info, 0, 0x2000);
	assert_int_equal(get32(f, 0x2000), RUNSTATE_running);
	assert_int_equal(get64(f, 0x2010), 100);
	assert_int_equal(get64(f, 0x2020), 301);
}

/* Compat: 44 packed bytes, state_entry_time at 4, time[] at 12. */
static void test_get_runstate_compat(void **state)
{
	struct fixture *f = *state;

	set_runstate(f, RUNSTATE_runnable, 50);
	f->kvm.clock = 60;
	memset(f->ram + 0x2000, 0xaa, 64);
	assert_int_equal(vcpu_op(f, false, VCPUOP_get_runstate_info,
				 HI32 | 0, HI32 | 0x2000), 0);
	/* the caller is running, whatever KVM last recorded for it */
	assert_int_equal(get32(f, 0x2000), RUNSTATE_running);
	assert_int_equal(get64(f, 0x2004), 50);
	assert_int_equal(get64(f, 0x200c), 100);
	assert_int_equal(get64(f, 0x2014), 210);
	assert_int_equal(get64(f, 0x201c), 300);
	assert_int_equal(get64(f, 0x2024), 400);
	assert_int_equal(f->ram[0x202c], 0xaa);

	/* a clock behind the entry time adds nothing */
	f->kvm.clock = 10;
	vcpu_op(f, false, VCPUOP_get_runstate_info, 0, 0x2000);
	assert_int_equal(get64(f, 0x2014), 200);
}

static void test_get_runstate_faults(void **state)
{
	struct fixture *f = *state;

	set_runstate(f, RUNSTATE_running, 0);
	fake_unmap(&f->kvm, 0x3000);
	assert_int_equal(vcpu_op(f, true, VCPUOP_get_runstate_info, 0, 0x3000),
			 -XEN_EFAULT);
	assert_int_equal(vcpu_op(f, false, VCPUOP_get_runstate_info, 0,
				 RAM_SIZE - 43), -XEN_EFAULT);
	assert_int_equal(vcpu_op(f, false, VCPUOP_get_runstate_info, 0,
				 RAM_SIZE - 44), 0);

	/* KVM without runstate support: its error, logged */
	f->kvm.get_ret = -EOPNOTSUPP;
	assert_int_equal(vcpu_op(f, true, VCPUOP_get_runstate_info, 0, 0x2000),
			 -XEN_EOPNOTSUPP);
	assert_non_null(strstr(f->line,
		"KVM_XEN_VCPU_GET_ATTR(RUNSTATE_DATA) = -EOPNOTSUPP"));
}

/* ------------------------------------------------ register_vcpu_info */

static int64_t reg_vcpu_info(struct fixture *f, bool longmode, uint64_t mfn,
			     uint32_t offset, uint32_t rsvd)
{
	struct vcpu_register_vcpu_info info = {
		.mfn = mfn, .offset = offset, .rsvd = rsvd,
	};

	memcpy(f->ram + ARG, &info, sizeof(info));
	return vcpu_op(f, longmode, VCPUOP_register_vcpu_info, 0, ARG);
}

static void set_xen(struct fixture *f, unsigned int maj, unsigned int min)
{
	f->env.xen_major = maj;
	f->env.xen_minor = min;
}

/* Xen's errnos, per version, for each way a registration can be wrong. */
static void test_vcpu_info_errnos(void **state)
{
	struct fixture *f = *state;
	static const struct {
		bool longmode;
		uint64_t mfn;
		uint32_t offset, rsvd;
		int64_t x417, x418;
	} t[] = {
		/* crosses the page */
		{ true, 0x10, 4096 - 56, 0, -XEN_ENXIO, -XEN_ENXIO },
		{ false, 0x10, 4096 - 60, 0, -XEN_ENXIO, -XEN_ENXIO },
		/* offset carries into the next gfn */
		{ true, 0x10, 4096, 0, -XEN_ENXIO, -XEN_EINVAL },
		{ true, 0x10, 0xfffffff8, 0, -XEN_ENXIO, -XEN_EINVAL },
		/* alignment is the caller's: 8 native, 4 compat */
		{ true, 0x10, 4, 0, -XEN_ENXIO, -XEN_ENXIO },
		{ false, 0x10, 2, 0, -XEN_ENXIO, -XEN_ENXIO },
		/* not RAM */
		{ true, RAM_SIZE >> 12, 0, 0, -XEN_EINVAL, -XEN_EINVAL },
		{ false, 1ull << 52, 0, 0, -XEN_EINVAL, -XEN_EINVAL },
		{ true, ~0ull, 0, 0, -XEN_EINVAL, -XEN_EINVAL },
		/* rsvd */
		{ true, 0x10, 0, 1, -XEN_EINVAL, -XEN_EINVAL },
	};
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		set_xen(f, 4, 17);
		assert_int_equal(reg_vcpu_info(f, t[i].longmode, t[i].mfn,
					       t[i].offset, t[i].rsvd),
				 t[i].x417);
		set_xen(f, 4, 18);
		assert_int_equal(reg_vcpu_info(f, t[i].longmode, t[i].mfn,
					       t[i].offset, t[i].rsvd),
				 t[i].x418);
	}
	assert_int_equal(f->kvm.nr_vcpu_set, 0);
	/* the compat alignment is enough for a 32-bit caller */
	assert_int_equal(reg_vcpu_info(f, false, 0x10, 4, 0), 0);
}

/* Only once: -EINVAL up to 4.17, -EBUSY from 4.18, checked before the rest. */
static void test_vcpu_info_once(void **state)
{
	struct fixture *f = *state;

	set_xen(f, 4, 17);
	assert_int_equal(reg_vcpu_info(f, true, 0x10, 0x40, 0), 0);
	assert_int_equal(reg_vcpu_info(f, true, 0x11, 0x40, 0), -XEN_EINVAL);
	/* 4.17 checks the offset first */
	assert_int_equal(reg_vcpu_info(f, true, 0x11, 4090, 0), -XEN_ENXIO);
	set_xen(f, 4, 18);
	assert_int_equal(reg_vcpu_info(f, true, 0x11, 0x40, 0), -XEN_EBUSY);
	/* 4.18 checks "registered" before the page crossing */
	assert_int_equal(reg_vcpu_info(f, true, 0x11, 4090, 0), -XEN_EBUSY);
	set_xen(f, 5, 0);
	assert_int_equal(reg_vcpu_info(f, true, 0x11, 0x40, 0), -XEN_EBUSY);
	assert_int_equal(f->kvm.nr_vcpu_set, 1);
}

/* Success: KVM gets the GPA, then the guest sees Xen's pending bits. */
static void test_vcpu_info_populate(void **state)
{
	struct fixture *f = *state;

	memset(f->ram + 0x10040, 0x00, 64);
	f->ram[0x10080] = 0x55;
	assert_int_equal(reg_vcpu_info(f, true, 0x10, 0x40, 0), 0);
	assert_vcpu_set(f, 0, KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO, 0x10040);
	assert_int_equal(f->ram[0x10040], 1);		/* upcall_pending */
	assert_int_equal(get64(f, 0x10048), ~0ull);	/* pending_sel */
	assert_int_equal(f->ram[0x10080], 0x55);
	assert_string_equal(f->line,
		"hcall vcpu_op(register_vcpu_info, 0, mfn 0x10 offset 0x40) longmode=1: "
		"KVM_XEN_VCPU_SET_ATTR(VCPU_INFO, gpa 0x10040) = 0 -> 0");
}

static void test_vcpu_info_populate_compat(void **state)
{
	struct fixture *f = *state;

	memset(f->ram + 0x20000, 0, 64);
	assert_int_equal(reg_vcpu_info(f, false, 0x20, 0xfc0, 0), 0);
	assert_vcpu_set(f, 0, KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO, 0x20fc0);
	assert_int_equal(f->ram[0x20fc0], 1);
	assert_int_equal(get32(f, 0x20fc4), 0xffffffff);
	assert_int_equal(get32(f, 0x20fc8), 0);		/* arch.cr2 */
}

/* The old contents come along: the shared_info slot, when there is one. */
static void test_vcpu_info_copies_old(void **state)
{
	struct fixture *f = *state;

	f->env.st.shinfo_mapped = true;
	f->env.st.shinfo_gfn = 0x30;
	memset(f->ram + 0x30000, 0x11, 64);
	assert_int_equal(reg_vcpu_info(f, true, 0x31, 0, 0), 0);
	assert_int_equal(f->ram[0x31000], 1);
	assert_int_equal(f->ram[0x31001], 0x11);	/* upcall_mask kept */
	assert_int_equal(get64(f, 0x31008), ~0ull);
	assert_int_equal(f->ram[0x31020], 0x11);	/* time */
}

/* KVM refusing: the guest is told no, the log says Xen would not have. */
static void test_vcpu_info_kvm_error(void **state)
{
	struct fixture *f = *state;

	f->kvm.vcpu_set_ret[KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO] = -EFAULT;
	memset(f->ram + 0x10000, 0, 64);
	assert_int_equal(reg_vcpu_info(f, true, 0x10, 0, 0), -XEN_EFAULT);
	assert_int_equal(f->ram[0x10000], 0);
	assert_non_null(strstr(f->line, "Xen would accept it"));
	/* not registered: a second try is no -EINVAL */
	f->kvm.vcpu_set_ret[KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO] = 0;
	assert_int_equal(reg_vcpu_info(f, true, 0x10, 0, 0), 0);
}

/* A gfn in a hole is not RAM. */
static void test_vcpu_info_hole(void **state)
{
	struct fixture *f = *state;

	f->layout.holes[0] = (struct mem_range){ 0x40000, 0x10000 };
	f->layout.nr_holes = 1;
	assert_int_equal(reg_vcpu_info(f, true, 0x40, 0, 0), -XEN_EINVAL);
	assert_int_equal(reg_vcpu_info(f, true, 0x50, 0, 0), 0);
}

/* ------------------------------------------------ time area */

static void test_time_area(void **state)
{
	struct fixture *f = *state;

	/* a 32-bit caller's handle is 4 bytes (compat_vcpu_op) */
	put64(f, ARG, 0xdead000000003000ull);
	assert_int_equal(vcpu_op(f, false, VCPUOP_register_vcpu_time_memory_area,
				 0, ARG), 0);
	assert_vcpu_set(f, 0, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO, 0x3000);
	assert_string_equal(f->line,
		"hcall vcpu_op(register_vcpu_time_memory_area, 0, va 0x3000) longmode=0: "
		"KVM_TRANSLATE(0x3000) = gpa 0x3000; "
		"KVM_XEN_VCPU_SET_ATTR(VCPU_TIME_INFO, gpa 0x3000) = 0 -> 0");
	/* a 64-bit caller's all 8: 0 unregisters */
	put64(f, ARG, 0);
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area,
				 0, ARG), 0);
	assert_vcpu_set(f, 1, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO,
			KVM_XEN_INVALID_GPA);
	put64(f, ARG, 0xffffffff00000000ull);
	assert_int_equal(vcpu_op(f, false, VCPUOP_register_vcpu_time_memory_area,
				 0, ARG), 0);
	assert_vcpu_set(f, 2, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO,
			KVM_XEN_INVALID_GPA);
	/* the argument itself unreadable: that Xen does fault */
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area,
				 0, RAM_SIZE - 4), -XEN_EFAULT);
	assert_int_equal(vcpu_op(f, false, VCPUOP_register_vcpu_time_memory_area,
				 0, RAM_SIZE - 3), -XEN_EFAULT);
	assert_int_equal(vcpu_op(f, false, VCPUOP_register_vcpu_time_memory_area,
				 0, RAM_SIZE - 4), 0);
}

/*
 * 32 bytes that cross a page: Xen writes both pages and no longer the old
 * area; KVM would refuse them and keep the old one, so the VMM unregisters
 * KVM's area instead.  The last 32 bytes of a page fit.
 */
static void test_time_area_page_crossing(void **state)
{
	struct fixture *f = *state;
	static const uint64_t crossing[] = { 0x3fe1, 0x3ff8, 0x3fff };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		put64(f, ARG, 0x2000);
		vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area, 0, ARG);
		assert_true(f->env.st.vcpu[0].time_area_set);
		put64(f, ARG, crossing[i]);
		assert_int_equal(vcpu_op(f, true,
					 VCPUOP_register_vcpu_time_memory_area,
					 0, ARG), 0);
		assert_non_null(strstr(f->line, "crosses a page"));
		assert_int_equal(f->kvm.nr_vcpu_set, 2 * (i + 1));
		assert_vcpu_set(f, 2 * i + 1,
				KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO,
				KVM_XEN_INVALID_GPA);
		assert_false(f->env.st.vcpu[0].time_area_set);
	}
	put32(f, ARG, 0x3fe0);
	assert_int_equal(vcpu_op(f, false, VCPUOP_register_vcpu_time_memory_area,
				 0, ARG), 0);
	assert_vcpu_set(f, 6, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO, 0x3fe0);
	/* the last 32 bytes of RAM */
	put64(f, ARG, RAM_SIZE - 32);
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area,
				 0, ARG), 0);
	assert_vcpu_set(f, 7, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO,
			RAM_SIZE - 32);
	assert_int_equal(f->env.st.vcpu[0].time_area_gpa, RAM_SIZE - 32);
}

/*
 * An address Xen cannot write yet replaces the old one all the same: not
 * mapped, not RAM, a hole, or one KVM fails.  KVM is given no GPA it
 * cannot write (on -EFAULT it would keep its cache there), and its area is
 * unregistered, so that the old one is written no more.
 */
static void test_time_area_replaces_old(void **state)
{
	struct fixture *f = *state;
	unsigned int n = 0;

	/* a VA the guest has not mapped: KVM_TRANSLATE fails */
	put64(f, ARG, 0x2000);
	vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area, 0, ARG);
	assert_vcpu_set(f, n++, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO, 0x2000);
	fake_unmap(&f->kvm, 0x80000000);
	put64(f, ARG, 0x80000010);
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area,
				 0, ARG), 0);
	assert_non_null(strstr(f->line, "writes once it is mapped"));
	assert_vcpu_set(f, n++, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO,
			KVM_XEN_INVALID_GPA);
	assert_false(f->env.st.vcpu[0].time_area_set);

	/* beyond RAM, and in a hole: KVM is not given the GPA */
	put64(f, ARG, 0x2000);
	vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area, 0, ARG);
	n++;
	put64(f, ARG, RAM_SIZE + 0x1000);
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area,
				 0, ARG), 0);
	assert_non_null(strstr(f->line, "not RAM"));
	assert_vcpu_set(f, n++, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO,
			KVM_XEN_INVALID_GPA);
	f->layout.holes[0] = (struct mem_range){ 0x40000, 0x10000 };
	f->layout.nr_holes = 1;
	put64(f, ARG, 0x2000);
	vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area, 0, ARG);
	n++;
	put64(f, ARG, 0x40020);
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area,
				 0, ARG), 0);
	assert_vcpu_set(f, n++, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO,
			KVM_XEN_INVALID_GPA);
	assert_int_equal(f->kvm.nr_vcpu_set, n);

	/* KVM failing anyway: its cache is taken down */
	put64(f, ARG, 0x2000);
	vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area, 0, ARG);
	n++;
	assert_true(f->env.st.vcpu[0].time_area_set);
	f->kvm.vcpu_set_ret[KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO] = -EFAULT;
	put64(f, ARG, 0x5000);
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area,
				 0, ARG), 0);
	assert_vcpu_set(f, n++, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO, 0x5000);
	assert_vcpu_set(f, n++, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO,
			KVM_XEN_INVALID_GPA);
	assert_int_equal(f->kvm.nr_vcpu_set, n);
	/* the fake refused the unregistration too: the record stays */
	assert_true(f->env.st.vcpu[0].time_area_set);
	assert_int_equal(f->env.st.vcpu[0].time_area_gpa, 0x2000);
}

/* A registration that works after one that did not is KVM's again. */
static void test_time_area_after_failure(void **state)
{
	struct fixture *f = *state;

	fake_unmap(&f->kvm, 0x80000000);
	put64(f, ARG, 0x80000010);
	assert_int_equal(vcpu_op(f, true, VCPUOP_register_vcpu_time_memory_area,
				 0, ARG), 0);
	assert_false(f->env.st.vcpu[0].time_area_set);
	put32(f, ARG, 0x3000);
	assert_int_equal(vcpu_op(f, false, VCPUOP_register_vcpu_time_memory_area,
				 0, ARG), 0);
	assert_vcpu_set(f, 1, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO, 0x3000);
	assert_true(f->env.st.vcpu[0].time_area_set);
	assert_int_equal(f->env.st.vcpu[0].time_area_gpa, 0x3000);
}

/* Ring 3 asks nothing of KVM. */
static void test_vcpu_cpl3(void **state)
{
	struct fixture *f = *state;
	struct hcall in = {
		.nr = __HYPERVISOR_vcpu_op,
		.params = { VCPUOP_register_runstate_memory_area, 0, ARG },
		.cpl = 3,
	};
	struct hcall_res res;

	put32(f, ARG, 0x2000);
	hcall_dispatch(&f->env, &in, &res);
	assert_int_equal(res.ret, -XEN_EPERM);
	in.longmode = true;
	in.params[0] = VCPUOP_get_runstate_info;
	hcall_dispatch(&f->env, &in, &res);
	assert_int_equal(res.ret, -XEN_EPERM);
	assert_int_equal(f->kvm.nr_vcpu_set, 0);
	assert_int_equal(f->kvm.nr_translate, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_runstate_arg_width),
		T(test_runstate_translated),
		T(test_runstate_zero_deregisters),
		T(test_runstate_kvm_error),
		T(test_runstate_unmapped),
		T(test_runstate_discontiguous),
		T(test_vcpu_other_ids),
		T(test_get_runstate_native),
		T(test_get_runstate_compat),
		T(test_get_runstate_faults),
		T(test_vcpu_info_errnos),
		T(test_vcpu_info_once),
		T(test_vcpu_info_populate),
		T(test_vcpu_info_populate_compat),
		T(test_vcpu_info_copies_old),
		T(test_vcpu_info_kvm_error),
		T(test_vcpu_info_hole),
		T(test_time_area),
		T(test_time_area_page_crossing),
		T(test_time_area_replaces_old),
		T(test_time_area_after_failure),
		T(test_vcpu_cpl3),
	};

	return cmocka_run_group_tests_name("hcall_vcpu", tests, NULL, NULL);
}
