// SPDX-License-Identifier: GPL-2.0
/*
 * hostile: what no sane guest sends.  Hypercall arguments beyond RAM and
 * near 2^32 and 2^64, lengths that wrap or outrun RAM, hypercall numbers
 * and sub-ops nobody implements, garbage written to the hypercall-page MSR,
 * areas registered at absurd addresses and control-port commands out of
 * range.  Each check asserts the answer Xen gives (an errno, or #GP for the
 * MSR) and that the guest is still alive afterwards: the VMM must neither
 * die nor touch anything outside guest RAM, and the host kernel must not
 * complain (the runner reports a splat on its own).
 *
 * flood: prints for ever, so that the VMM's output cap is what ends it.
 */
#include <stddef.h>
#include <stdint.h>

#include "case.h"
#include "ktap.h"
#include "processor.h"
#include "rig.h"
#include "rs_common.h"
#include "trap.h"
#include "xen.h"
#include "xen_ops.h"

/* After xen.h, which picks the interface version the headers follow. */
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

#define GP_VECTOR	13
#define OUTSIDE		0x100000u	/* how far past the end of RAM to aim */

static long xenver_want;

/* The guest answers hypercalls and the control port as before. */
static bool alive(void)
{
	return HYPERVISOR_xen_version(XENVER_version, NULL) == xenver_want &&
	       rig_cmd(RIG_CMD_LAST_LONGMODE, 0) == guest_is_64bit();
}

static void check(const char *name, long got, long want)
{
	bool up = alive();

	if (!report(got == want && up, "%s", name))
		report_info("%s: got %ld, want %ld%s", name, got, want,
			    up ? "" : "; guest no longer answered");
}

/* ------------------------------------------------------------ pointers */

static long console_write(unsigned long buf, unsigned int count)
{
	return xen_hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, count,
			     buf, 0, 0);
}

static void console_checks(uint64_t end)
{
	check("console_io_beyond_ram_efault",
	      console_write(end + OUTSIDE, 16), -XEN_EFAULT);
	check("console_io_across_ram_end_efault",
	      console_write(end - 8, 16), -XEN_EFAULT);
	check("console_io_near_4g_efault",
	      console_write(0xfffffff0ul, 32), -XEN_EFAULT);
	/* Longer than RAM from inside it: Xen's copy faults at the end. */
	check("console_io_longer_than_ram_efault",
	      console_write(0x100000ul, end), -XEN_EFAULT);
	check("console_io_count_all_ones_efault",
	      console_write(0, 0xffffffffu), -XEN_EFAULT);
#ifdef __x86_64__
	check("console_io_wraps_2_64_efault",
	      console_write(0xffffffffffffff00ul, 0x200), -XEN_EFAULT);
	check("console_io_noncanonical_efault",
	      console_write(0x0000800000000000ul, 16), -XEN_EFAULT);
#endif
	check("console_io_unknown_cmd_enosys",
	      xen_hypercall(__HYPERVISOR_console_io, 0x7fffffff, 0, 0, 0, 0),
	      -XEN_ENOSYS);
}

static void arg_checks(uint64_t end)
{
	unsigned long beyond = end + OUTSIDE;

	check("sched_op_shutdown_arg_beyond_ram_efault",
	      HYPERVISOR_sched_op(SCHEDOP_shutdown, (void *)beyond),
	      -XEN_EFAULT);
	check("runstate_arg_beyond_ram_efault",
	      xen_vcpu_op(VCPUOP_register_runstate_memory_area, 0,
			  (void *)beyond), -XEN_EFAULT);
	check("get_runstate_info_beyond_ram_efault",
	      xen_vcpu_op(VCPUOP_get_runstate_info, 0, (void *)beyond),
	      -XEN_EFAULT);
	check("get_runstate_info_across_ram_end_efault",
	      xen_vcpu_op(VCPUOP_get_runstate_info, 0,
			  (void *)(unsigned long)(end - 8)), -XEN_EFAULT);
	check("vcpu_info_arg_near_4g_efault",
	      xen_vcpu_op(VCPUOP_register_vcpu_info, 0,
			  (void *)0xfffffff8ul), -XEN_EFAULT);
	check("add_to_physmap_arg_near_4g_efault",
	      xen_memory_op(XENMEM_add_to_physmap, (void *)0xfffffff8ul),
	      -XEN_EFAULT);
	check("hvm_set_param_arg_beyond_ram_efault",
	      xen_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param, beyond,
			    0, 0, 0), -XEN_EFAULT);
#ifdef __x86_64__
	check("hvm_get_param_arg_near_2_64_efault",
	      xen_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_param,
			    0xfffffffffffffff8ul, 0, 0, 0), -XEN_EFAULT);
#endif
}

/* ------------------------------------------------- numbers and sub-ops */

static const void *stub;	/* entry 0's vmcall/vmmcall; ret */

/* Any hypercall number, past what the page's "mov $nr, %eax" can give. */
static long raw_hypercall(unsigned long nr)
{
	long ret;

	asm volatile("call *%[stub]"
		     : "=a" (ret)
		     : "0" (nr), [stub] "m" (stub)
		     : "memory");
	return ret;
}

static void number_checks(void)
{
	static const unsigned long beyond[] = { 128, 0x1000, 0x7fffffff,
						0xffffffff };
	unsigned int i;

	check("hypercall_set_trap_table_enosys",
	      xen_hypercall(__HYPERVISOR_set_trap_table, 0, 0, 0, 0, 0),
	      -XEN_ENOSYS);
	check("hypercall_unused_60_enosys",
	      xen_hypercall(60, 0, 0, 0, 0, 0), -XEN_ENOSYS);
	check("hypercall_last_entry_enosys",
	      xen_hypercall(HYPERCALL_ENTRIES - 1, 0, 0, 0, 0, 0),
	      -XEN_ENOSYS);

	/* KVM's stub: "mov $nr, %eax" (5 bytes), then the 3-byte call. */
	if (hypercall_page[5] != 0x0f || hypercall_page[6] != 0x01) {
		report_skip("no vmcall/vmmcall at entry 0 + 5",
			    "hypercall_beyond_page_enosys");
	} else {
		stub = hypercall_page + 5;
		for (i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++)
			if (raw_hypercall(beyond[i]) != -XEN_ENOSYS)
				break;
		if (i < sizeof(beyond) / sizeof(beyond[0]))
			report_info("hypercall %#lx did not give -ENOSYS",
				    beyond[i]);
		check("hypercall_beyond_page_enosys",
		      i == sizeof(beyond) / sizeof(beyond[0]), 1);
#ifdef __x86_64__
		/* The whole of RAX is the number for a 64-bit caller. */
		check("hypercall_high_rax_enosys",
		      raw_hypercall(0x100000000ul | __HYPERVISOR_xen_version),
		      -XEN_ENOSYS);
#endif
	}

	check("xen_version_unknown_cmd_enosys",
	      HYPERVISOR_xen_version(0x7fffffff, NULL), -XEN_ENOSYS);
	check("sched_op_unknown_cmd_enosys",
	      HYPERVISOR_sched_op(0x7fffffff, NULL), -XEN_ENOSYS);
	check("vcpu_op_unknown_cmd_enosys",
	      xen_vcpu_op(0x7fffffff, 0, NULL), -XEN_ENOSYS);
	/* Xen filters an HVM guest's vcpu_op by command before the vCPU. */
	check("vcpu_op_unknown_cmd_bad_vcpu_enosys",
	      xen_vcpu_op(0x7fffffff, 1, NULL), -XEN_ENOSYS);
	check("vcpu_op_bad_vcpu_enoent",
	      xen_vcpu_op(VCPUOP_register_runstate_memory_area, 0xffffffffu,
			  NULL), -XEN_ENOENT);
	check("memory_op_unknown_cmd_enosys",
	      xen_memory_op(0x3f, NULL), -XEN_ENOSYS);
	check("hvm_op_unknown_cmd_enosys",
	      xen_hypercall(__HYPERVISOR_hvm_op, 0xff, 0, 0, 0, 0),
	      -XEN_ENOSYS);
	check("vm_assist_bad_type_einval",
	      xen_vm_assist(VMASST_CMD_enable, 0xffffffffu), -XEN_EINVAL);
	check("vm_assist_bad_cmd_enosys",
	      xen_vm_assist(7, VMASST_TYPE_runstate_update_flag),
	      -XEN_ENOSYS);
#ifdef __x86_64__
	/* type is an unsigned int: the upper half of the register is not. */
	check("vm_assist_type_high_bits_ignored",
	      xen_hypercall(__HYPERVISOR_vm_assist, 7,
			    0xdead000000000000ul |
			    VMASST_TYPE_runstate_update_flag, 0, 0, 0),
	      -XEN_ENOSYS);
#endif
}

static long hvm_param(unsigned int op, uint16_t dom, uint32_t index)
{
	struct xen_hvm_param p = { .domid = dom, .index = index };

	return xen_hypercall(__HYPERVISOR_hvm_op, op, (unsigned long)&p,
			     0, 0, 0);
}

static void param_checks(void)
{
	check("hvm_get_param_bad_index_einval",
	      hvm_param(HVMOP_get_param, DOMID_SELF, 0xffffffffu),
	      -XEN_EINVAL);
	check("hvm_set_param_bad_index_einval",
	      hvm_param(HVMOP_set_param, DOMID_SELF, HVM_NR_PARAMS),
	      -XEN_EINVAL);
	check("hvm_get_param_bad_domain_esrch",
	      hvm_param(HVMOP_get_param, 0x1234, HVM_PARAM_STORE_PFN),
	      -XEN_ESRCH);
	/* Xen bounds the index before it looks the domain up. */
	check("hvm_set_param_bad_index_and_domain_einval",
	      hvm_param(HVMOP_set_param, 0x1234, 0xffffffffu), -XEN_EINVAL);
}

/* ----------------------------------------------- areas at absurd places */

static void area_checks(uint64_t end, const struct guest_config *cfg)
{
	const uint64_t absurd[] = {
		(end + OUTSIDE) >> 12, 0xfffff000u, 0xffffffffffffffffull,
		1ull << 52,
	};
	bool xen418 = cfg->xen_major > 4 ||
		      (cfg->xen_major == 4 && cfg->xen_minor >= 18);
	unsigned long va;
	unsigned int i;
	long ret;

	/* Xen takes any linear address for these and answers 0. */
	va = end + OUTSIDE;
	check("runstate_register_beyond_ram_returns_zero",
	      xen_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &va), 0);
	va = 0xfffffff0ul;
	check("runstate_register_near_4g_returns_zero",
	      xen_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &va), 0);
#ifdef __x86_64__
	va = 0xffffffffffffffd0ul;
	check("runstate_register_near_2_64_returns_zero",
	      xen_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &va), 0);
#endif
	va = 0;
	check("runstate_deregister_returns_zero",
	      xen_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &va), 0);
	{
		uint64_t tva = end + OUTSIDE;

		check("time_area_beyond_ram_returns_zero",
		      xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0,
				  &tva), 0);
		tva = 0;
		check("time_area_deregister_returns_zero",
		      xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0,
				  &tva), 0);
	}

	/* vcpu_info: frames that are no RAM at all are -EINVAL. */
	for (i = 0; i < sizeof(absurd) / sizeof(absurd[0]); i++) {
		ret = xen_register_vcpu_info(absurd[i], 0);
		if (ret != -XEN_EINVAL) {
			report_info("register_vcpu_info(%#llx, 0) returned %ld",
				    (unsigned long long)absurd[i], ret);
			break;
		}
	}
	check("vcpu_info_absurd_gfn_einval",
	      i == sizeof(absurd) / sizeof(absurd[0]), 1);
	/*
	 * An offset far past the page: 4.17's map_vcpu_info checks the offset
	 * (-ENXIO), 4.18's map_guest_area the address it makes (-EINVAL).
	 */
	check("vcpu_info_offset_huge",
	      xen_register_vcpu_info(0x100, 0xfffffff0u),
	      xen418 ? -XEN_EINVAL : -XEN_ENXIO);
}

/* -------------------------------------------------- hypercall-page MSR */

static volatile unsigned int gp_count;

/* Step over a wrmsr that took #GP; anything else is not ours. */
static void on_gp(struct ex_regs *regs)
{
	const uint8_t *ip = (const uint8_t *)regs->rip;

	if (ip[0] == 0x0f && ip[1] == 0x30) {
		gp_count++;
		regs->rip += 2;
		return;
	}
	/* Re-executed with the default handler, which reports it. */
	handle_exception(GP_VECTOR, NULL);
}

static void msr_gp(const char *name, uint32_t msr, uint64_t val)
{
	unsigned int before = gp_count;
	bool gp;

	wrmsr(msr, val);
	gp = gp_count == before + 1;
	check(name, gp, 1);
	if (!gp)
		report_info("wrmsr(%#x, %#llx) did not raise #GP", msr,
			    (unsigned long long)val);
}

static void msr_checks(uint64_t end)
{
	uint32_t msr = cpuid(xen_cpuid_base() + XEN_CPUID_LEAF_HCALL).b;
	unsigned long page = (unsigned long)hypercall_page;
	exception_handler_t old = handle_exception(GP_VECTOR, on_gp);

	/* Xen: only page 0 of the blob, and only a page of RAM. */
	msr_gp("hcall_msr_page_index_gp", msr, page | 1);
	msr_gp("hcall_msr_page_index_max_gp", msr, page | 0xfff);
	msr_gp("hcall_msr_beyond_ram_gp", msr, end + OUTSIDE);
	msr_gp("hcall_msr_near_4g_gp", msr, 0xfffff000u);
	msr_gp("hcall_msr_all_ones_page_gp", msr, 0xfffffffffffff000ull);
	handle_exception(GP_VECTOR, old);
	/* Nothing was written: the page still holds entry 0's stub. */
	check("hcall_page_intact_after_gp",
	      hypercall_entry_nr(__HYPERVISOR_xen_version),
	      __HYPERVISOR_xen_version);
}

/* ----------------------------------------------------- shared_info */

static void shinfo_checks(uint64_t end)
{
	struct xen_add_to_physmap x = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.idx = 0,
		.gpfn = (end + OUTSIDE) >> 12,
	};

	/* Xen maps shared_info at any frame, RAM or not. */
	check("shared_info_beyond_ram_returns_zero",
	      xen_memory_op(XENMEM_add_to_physmap, &x), 0);
	x.idx = 1;
	check("shared_info_bad_idx_einval",
	      xen_memory_op(XENMEM_add_to_physmap, &x), -XEN_EINVAL);
	x.idx = 0;
	x.space = 0x7fffffff;
	check("add_to_physmap_bad_space_einval",
	      xen_memory_op(XENMEM_add_to_physmap, &x), -XEN_EINVAL);
	x.space = XENMAPSPACE_shared_info;
	x.domid = 0x1234;
	check("add_to_physmap_bad_domain_esrch",
	      xen_memory_op(XENMEM_add_to_physmap, &x), -XEN_ESRCH);
}

/* ------------------------------------------------------ control port */

static void ctlport_checks(void)
{
	/* RIG_CMD_NR: the first number past the commands there are. */
	static const uint32_t unknown[] = { 0, RIG_CMD_NR, 0x7fffffff,
					    0xffffffff };
	uint32_t count, ans = 0;
	unsigned int i;

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		ans = rig_cmd(unknown[i], 0x12345678);
		if (ans != 0xffffffff)
			break;
	}
	check("ctlport_unknown_cmd_all_ones",
	      i == sizeof(unknown) / sizeof(unknown[0]), 1);
	if (i < sizeof(unknown) / sizeof(unknown[0]))
		report_info("command %#x answered %#x", unknown[i], ans);
	check("ctlport_plug_without_late_all_ones",
	      rig_cmd(RIG_CMD_MEM_PLUG, 0) == 0xffffffff, 1);
	/* A byte-wide command is a command too: an unknown one. */
	outl(0, RIG_PORT_DATA);
	outb(0x99, RIG_PORT_CMD);
	check("ctlport_byte_cmd_all_ones", inb(RIG_PORT_DATA), 0xff);
	check("ctlport_read_cmd_port_all_ones",
	      inl(RIG_PORT_CMD) == 0xffffffff, 1);
	/* Still counting: the VMM kept going through all of the above. */
	count = rig_cmd(RIG_CMD_HCALL_COUNT, 0);
	HYPERVISOR_xen_version(XENVER_version, NULL);
	check("ctlport_hcall_count_advances",
	      rig_cmd(RIG_CMD_HCALL_COUNT, 0) == count + 1, 1);
}

static void case_hostile(const struct guest_config *cfg)
{
	uint64_t end = ram_end();

	if (!xen_init()) {
		report_error(XEN_INIT_ERROR, "xen_init");
		return;
	}
	xenver_want = (long)(cfg->xen_major << 16 | cfg->xen_minor);
	if (!report(alive(), "hostile_baseline_alive")) {
		report_info("xen_version %ld, expected %ld",
			    HYPERVISOR_xen_version(XENVER_version, NULL),
			    xenver_want);
		return;
	}
	report_info("RAM ends at %#llx; aiming at %#llx and beyond",
		    (unsigned long long)end,
		    (unsigned long long)(end + OUTSIDE));

	console_checks(end);
	arg_checks(end);
	number_checks();
	param_checks();
	area_checks(end, cfg);
	msr_checks(end);
	shinfo_checks(end);
	ctlport_checks();
	report(alive(), "hostile_guest_alive_at_end");
}
DEFINE_CASE("hostile", case_hostile);

/* ------------------------------------------------------------- flood */

static void case_flood(const struct guest_config *cfg)
{
	static char buf[4096];
	unsigned int i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = i % 64 == 63 ? '\n' : "flood "[i % 64 % 6];
	report_info("flood: rep outsb of %u bytes until the VMM stops listening",
		    (unsigned int)sizeof(buf));
	for (;;)
		outsb(RIG_COM1, buf, sizeof(buf));
}
DEFINE_CASE("flood", case_flood);
