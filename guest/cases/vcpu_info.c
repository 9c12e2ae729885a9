// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu-info: VCPUOP_register_vcpu_info as Xen answers it (#31-#35).  The
 * refusals come first because Xen checks "already registered" before the
 * placement, so they must be made while nothing is registered yet.  The
 * answer to the second registration depends on the Xen version the VMM
 * claims to be: -EBUSY from 4.18, -EINVAL before.
 */
#include <stddef.h>
#include "apic.h"
#include "case.h"
#include "ktap.h"
#include "pvclock.h"
#include "rs_common.h"
#include "string.h"
#include "xen.h"
#include "xen_ops.h"

#define GOOD_OFFSET	(PAGE_SIZE - sizeof(struct vcpu_info))	/* 4032 */
#define OTHER_OFFSET	(PAGE_SIZE - 2 * sizeof(struct vcpu_info))

static uint8_t vi_page[PAGE_SIZE] __aligned(PAGE_SIZE);

static void check_ret(const char *name, unsigned int abi, uint64_t gfn,
		      uint32_t offset, long want)
{
	long ret = xen_register_vcpu_info(gfn, offset);

	xabi(abi);
	if (!report(ret == want, "%s", name))
		report_info("register_vcpu_info(%#llx, %u) returned %ld, expected %ld",
			    (unsigned long long)gfn, offset, ret, want);
}

static void case_vcpu_info(const struct guest_config *cfg)
{
	const uint64_t gfn = (unsigned long)vi_page >> 12;
	volatile struct vcpu_info *vi = (void *)(vi_page + GOOD_OFFSET);
	bool xen418 = cfg->xen_major > 4 ||
		      (cfg->xen_major == 4 && cfg->xen_minor >= 18);
	uint64_t t1, t2;
	long ret;

	if (!xen_init()) {
		report_error(XEN_INIT_ERROR, "xen_init");
		return;
	}
	memset(vi_page, 0, sizeof(vi_page));

	check_ret("vcpu_info_crossing_enxio", 32, gfn, GOOD_OFFSET + 1,
		  -XEN_ENXIO);
	/* Xen wants the layout's alignment: 8 native, 4 compat. */
	check_ret("vcpu_info_misaligned_enxio", 32, gfn,
		  guest_is_64bit() ? 4 : 2, -XEN_ENXIO);
	check_ret("vcpu_info_outside_ram_einval", 35,
		  (ram_end() >> 12) + 0x100, 0, -XEN_EINVAL);

	ret = xen_register_vcpu_info(gfn, GOOD_OFFSET);
	xabi(31);
	if (!report(ret == 0, "vcpu_info_register_returns_zero")) {
		report_info("register_vcpu_info(%#llx, %u) returned %ld",
			    (unsigned long long)gfn,
			    (unsigned int)GOOD_OFFSET, ret);
	}

	xabi(31);
	if (!report(vi->time.version && !(vi->time.version & 1),
		    "vcpu_info_time_version_even"))
		report_info("time.version %u on return", vi->time.version);

	t1 = pvclock_read_ns(&vi->time);
	apic_sleep_ms(2);
	t2 = pvclock_read_ns(&vi->time);
	xabi(31);
	if (!report(t1 && t2 > t1, "vcpu_info_clock_advances"))
		report_info("clock %llu, then %llu after a 2 ms halt",
			    (unsigned long long)t1, (unsigned long long)t2);

	/* Interrupts are off and no upcall is set: nothing consumed them. */
	xabi(34);
	if (!report(vi->evtchn_pending_sel == (xen_ulong_t)~0ul,
		    "vcpu_info_pending_sel_all_ones"))
		report_info("evtchn_pending_sel %#lx",
			    (unsigned long)vi->evtchn_pending_sel);
	xabi(34);
	if (!report(vi->evtchn_upcall_pending == 1,
		    "vcpu_info_upcall_pending_set"))
		report_info("evtchn_upcall_pending %u",
			    vi->evtchn_upcall_pending);

	report_info("Xen %u.%u: a second registration gets %s",
		    cfg->xen_major, cfg->xen_minor,
		    xen418 ? "-EBUSY" : "-EINVAL");
	check_ret("vcpu_info_second_register_refused", 33, gfn, OTHER_OFFSET,
		  xen418 ? -XEN_EBUSY : -XEN_EINVAL);
}
DEFINE_CASE("vcpu-info", case_vcpu_info);
