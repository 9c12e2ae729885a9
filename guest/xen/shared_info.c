// SPDX-License-Identifier: GPL-2.0
/*
 * shared_info and vCPU 0's vcpu_info, for the Xen clock.
 *
 * The page that receives shared_info is the library's own: Xen replaces the
 * RAM page at that frame with shared_info, KVM writes into the RAM page, and
 * either way nothing else of the guest lives there.  vcpu_info for vCPU 0 is
 * registered explicitly at its default slot (offset 0) rather than relied
 * upon implicitly, because KVM only writes a vcpu_info that the VMM set.
 */
#include <stddef.h>
#include "compiler.h"
#include "pvclock.h"
#include "runstate.h"
#include "xen_ops.h"

static uint8_t shinfo_page[4096] __aligned(4096);
static struct shared_info *shinfo;

long xen_shared_info_map(uint64_t gfn)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.idx = 0,
		.gpfn = gfn,
	};

	return xen_memory_op(XENMEM_add_to_physmap, &xatp);
}

long xen_shared_info_setup(void)
{
	uint64_t gfn = (unsigned long)shinfo_page >> 12;
	long ret;

	if (shinfo)
		return 0;
	ret = xen_shared_info_map(gfn);
	if (ret)
		return ret;
	ret = xen_register_vcpu_info(gfn,
				     offsetof(struct shared_info, vcpu_info));
	if (ret)
		return ret;
	shinfo = (struct shared_info *)shinfo_page;
	return 0;
}

void *xen_shared_info(void)
{
	return shinfo;
}

uint64_t xen_clock_ns(void)
{
	if (!shinfo)
		return 0;
	return pvclock_read_ns(&shinfo->vcpu_info[0].time);
}
