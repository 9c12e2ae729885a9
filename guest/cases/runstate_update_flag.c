// SPDX-License-Identifier: GPL-2.0
/*
 * runstate-update-flag: VMASST_TYPE_runstate_update_flag through vm_assist
 * (#29), and bit 63 of state_entry_time as the owning vCPU sees it, with
 * the flag on and off (#12).  The hypervisor only writes the area while the
 * vCPU is not running, so its owner must never catch the bit set.
 */
#include "case.h"
#include "ktap.h"
#include "rs_common.h"
#include "string.h"
#include "xen.h"
#include "xen_ops.h"

#define ROUNDS		40
#define VMASST_CMD_BAD	7

static uint8_t area_page[PAGE_SIZE] __aligned(PAGE_SIZE);

static void check_vm_assist(const char *name, unsigned int cmd,
			    unsigned int type, long want)
{
	long ret = xen_vm_assist(cmd, type);

	xabi(29);
	if (!report(ret == want, "%s", name))
		report_info("vm_assist(%u, %u) returned %ld, expected %ld",
			    cmd, type, ret, want);
}

/* Reads across exits and halts: none may show the update bit (#12). */
static void check_bit_clear(const char *name)
{
	struct rs_snapshot s;
	unsigned int i, seen = 0, invalid = 0;

	for (i = 0; i < ROUNDS; i++) {
		force_update(i % 10 == 9 ? 1 : 0);
		runstate_read(area_page, rs_layout_native(), &s);
		if (s.update)
			seen++;
		else if (!rs_valid(&s))
			invalid++;
		rs_invariant(&s, name);
	}
	xabi(12);
	if (!report(!seen && !invalid, "%s", name))
		report_info("%u of %u reads with bit 63 set, %u not running",
			    seen, ROUNDS, invalid);
}

static void case_runstate_update_flag(const struct guest_config *cfg)
{
	long ret;

	if (!xen_init()) {
		report_error(XEN_INIT_ERROR, "xen_init");
		return;
	}

	/* Poisoned: an area never written must not pass for a valid one. */
	memset(area_page, POISON, sizeof(area_page));
	ret = runstate_register(area_page);
	xabi(10);
	if (!report(ret == 0, "update_flag_register_returns_zero"))
		report_info("register returned %ld", ret);

	check_vm_assist("update_flag_enable", VMASST_CMD_enable,
			VMASST_TYPE_runstate_update_flag, 0);
	check_vm_assist("update_flag_other_type_einval", VMASST_CMD_enable,
			VMASST_TYPE_writable_pagetables, -XEN_EINVAL);
	check_vm_assist("update_flag_bad_cmd_enosys", VMASST_CMD_BAD,
			VMASST_TYPE_runstate_update_flag, -XEN_ENOSYS);
	check_bit_clear("update_bit_clear_flag_on");

	check_vm_assist("update_flag_disable", VMASST_CMD_disable,
			VMASST_TYPE_runstate_update_flag, 0);
	check_bit_clear("update_bit_clear_flag_off");
	rs_report_invariant("update_flag_invariant_constant");
}
DEFINE_CASE("runstate-update-flag", case_runstate_update_flag);
