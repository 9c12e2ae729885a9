// SPDX-License-Identifier: GPL-2.0
/*
 * runstate-addr: what the address given to op 5 means over time (#24-#28),
 * and VCPUOP_get_runstate_info (#39).  Xen keeps a virtual address and
 * copies through it at every update, so a re-registration moves the area,
 * address 0 stops the updates, and an address whose memory is not there
 * yet starts being written once it is.  The late-memory part needs the VMM
 * option --late ADDR:SIZE and runs last but one, because on some hosts it
 * drops the registration altogether.  Last, a hypercall from user mode
 * (#40).
 */
#include "case.h"
#include "cpl3.h"
#include "ktap.h"
#include "rig.h"
#include "rs_common.h"
#include "string.h"
#include "xen.h"
#include "xen_ops.h"

#define HALT_MS		10
#define INFO_BUF	64
#define LATE_OFFSET	0x800
#define GARBAGE_HIGH	0xdeadbeef00000000ull

static uint8_t page_a[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t page_b[PAGE_SIZE] __aligned(PAGE_SIZE);

static unsigned int area_size(void)
{
	return rs_layout_native();
}

/* Poison an area, then see that the next update rewrote it validly. */
static bool poisoned_area_valid(uint8_t *area, const char *where)
{
	struct rs_snapshot s;

	runstate_read(area, rs_layout_native(), &s);
	if (rs_valid(&s) && rs_invariant(&s, where))
		return true;
	rs_dump(where, &s);
	return false;
}

/* #39: the hypervisor's view, in the caller's layout, not behind the area. */
static void check_get_runstate_info(void)
{
	uint8_t buf[INFO_BUF];
	struct rs_snapshot area, info;
	const uint8_t *bad;
	unsigned int i;
	bool ok;
	long ret;

	memset(buf, SENTINEL, sizeof(buf));
	force_update(0);
	runstate_read(page_a, rs_layout_native(), &area);
	ret = xen_vcpu_op(VCPUOP_get_runstate_info, 0, buf);
	xabi(39);
	if (!report(ret == 0, "get_runstate_info_returns_zero"))
		report_info("VCPUOP_get_runstate_info returned %ld", ret);

	runstate_read(buf, rs_layout_native(), &info);
	bad = mem_find_not(buf + area_size(), INFO_BUF - area_size(),
			   SENTINEL);
	ok = ret == 0 && rs_valid(&info) && !bad &&
	     info.entry >= area.entry;
	for (i = 0; i < 4; i++)
		ok = ok && info.time[i] >= area.time[i];
	xabi(39);
	if (!report(ok, "get_runstate_info_caller_layout")) {
		rs_dump("area", &area);
		rs_dump("get_runstate_info", &info);
		if (bad)
			report_info("byte %u beyond the %u-byte layout written",
				    (unsigned int)(bad - buf), area_size());
	}
}

/* #27: the new area is valid at once, the old one frozen, times go on. */
static void check_reregister(void)
{
	uint8_t frozen[48];
	struct rs_snapshot a, b;
	long ret;

	force_update(0);
	runstate_read(page_a, rs_layout_native(), &a);
	memset(page_b, POISON, area_size());
	ret = runstate_register(page_b);
	memcpy(frozen, page_a, area_size());

	xabi(27);
	if (!report(ret == 0, "reregister_returns_zero"))
		report_info("register at %p returned %ld", page_b, ret);
	xabi(27);
	report(poisoned_area_valid(page_b, "new area"), "reregister_new_valid");

	runstate_read(page_b, rs_layout_native(), &b);
	xabi(27);
	if (!report(rs_not_backwards(&a, &b), "reregister_times_continue")) {
		rs_dump("old area", &a);
		rs_dump("new area", &b);
	}

	force_update(HALT_MS);
	xabi(27);
	report(!memcmp(frozen, page_a, area_size()), "reregister_old_frozen");
}

/* #26: address 0 deregisters: a canary in the old area survives. */
static void check_deregister(void)
{
	long ret = runstate_register(NULL);
	const uint8_t *bad;

	xabi(26);
	if (!report(ret == 0, "deregister_returns_zero"))
		report_info("register(0) returned %ld", ret);

	memset(page_b, POISON, area_size());
	force_update(HALT_MS);
	bad = mem_find_not(page_b, area_size(), POISON);
	xabi(26);
	if (!report(!bad, "deregistered_area_not_written"))
		report_info("byte %u of the old area rewritten",
			    (unsigned int)(bad - page_b));
}

/* #28: a 32-bit caller's argument is 4 bytes; the rest is not looked at. */
static void check_garbage_high_half(void)
{
	uint64_t arg = GARBAGE_HIGH | (uint32_t)(unsigned long)page_a;
	long ret;

	xabi(28);
	if (guest_is_64bit()) {
		report_skip("a 64-bit caller's argument is all address",
			    "garbage_high_half_registers_low");
		return;
	}
	memset(page_a, POISON, area_size());
	ret = runstate_register_raw(arg);
	if (ret)
		report_info("register with argument %#llx returned %ld",
			    (unsigned long long)arg, ret);
	force_update(0);
	report(ret == 0 && poisoned_area_valid(page_a, "low address"),
	       "garbage_high_half_registers_low");
}

/* #24, #25: an address whose memory appears only later. */
static void check_late_memory(void)
{
	uint32_t base = rig_cmd(RIG_CMD_MEM_LATE_BASE, 0);
	unsigned int size = area_size();
	uint8_t *area;
	uint32_t plug;
	long ret;
	bool ok;

	if (!base) {
		xabi(24);
		report_error(RIG_NO_LATE, "late_register_returns_zero");
		xabi(25);
		report_skip("no --late memory", "late_area_written_after_plug");
		return;
	}
	area = (uint8_t *)(unsigned long)base + LATE_OFFSET;
	report_info("late memory at %#x, area at %p", base, area);

	ret = runstate_register(area);
	xabi(24);
	if (!report(ret == 0, "late_register_returns_zero"))
		report_info("register at %p returned %ld", area, ret);

	/* A plug that fails proves nothing either way: the rig's error. */
	plug = rig_cmd(RIG_CMD_MEM_PLUG, 0);
	if (plug) {
		xabi(25);
		report_error("RIG_CMD_MEM_PLUG failed",
			     "late_area_written_after_plug");
		report_info("RIG_CMD_MEM_PLUG answered %#x", plug);
		return;
	}
	area[-1] = SENTINEL;
	area[size] = SENTINEL;
	memset(area, POISON, size);
	force_update(HALT_MS);
	ok = poisoned_area_valid(area, "late area");
	xabi(25);
	report(ok && area[-1] == SENTINEL && area[size] == SENTINEL,
	       "late_area_written_after_plug");
}

/* #40: only ring 0 may make hypercalls; Xen answers CPL3 with -EPERM. */
static void check_cpl3(void)
{
	long ret;

	xabi(40);
	if (!cpl3_call(__HYPERVISOR_xen_version, XENVER_version, &ret)) {
		report_skip("no hypercall page", "hypercall_from_cpl3_eperm");
		return;
	}
	if (!report(ret == -XEN_EPERM, "hypercall_from_cpl3_eperm"))
		report_info("xen_version from CPL3 returned %ld", ret);
}

static void case_runstate_addr(const struct guest_config *cfg)
{
	long ret;

	if (!xen_init()) {
		report_error(XEN_INIT_ERROR, "xen_init");
		return;
	}

	memset(page_a, POISON, area_size());
	ret = runstate_register(page_a);
	xabi(10);
	if (!report(ret == 0 && poisoned_area_valid(page_a, "first area"),
		    "addr_first_area_valid"))
		report_info("register at %p returned %ld", page_a, ret);

	check_get_runstate_info();
	check_reregister();
	check_deregister();
	check_garbage_high_half();

	/* From a known registration: the last one may have gone nowhere. */
	runstate_register(page_a);
	check_late_memory();

	check_cpl3();
	rs_report_invariant("addr_invariant_constant");
}
DEFINE_CASE("runstate-addr", case_runstate_addr);
