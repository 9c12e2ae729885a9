// SPDX-License-Identifier: GPL-2.0
/*
 * The per-vCPU event set-up of a two-vCPU case.  vCPU 1 registers its
 * own areas and vector: Xen takes VCPUOP_register_vcpu_info for another
 * vCPU too, but the upcall vector is the calling vCPU's, and a guest's
 * bring-up does all three on the vCPU that comes up.
 */
#include <stdint.h>
#include "evtchn.h"
#include "ktap.h"
#include "rs_common.h"
#include "smp.h"
#include "smp_evtchn.h"
#include "string.h"
#include "xen_ops.h"

#define AP_WAIT_MS	2000

static struct {
	void *vi;
	struct vcpu_time_info *time;
	long vcpu_info_ret, time_ret, vector_ret;
} ap;

static void ap_setup(void *arg)
{
	struct vcpu_register_vcpu_info info = {
		.mfn = (uintptr_t)ap.vi >> 12,
	};
	uint64_t va = (uintptr_t)ap.time;

	memset(ap.vi, 0, PAGE_SIZE);
	ap.vcpu_info_ret = xen_vcpu_op(VCPUOP_register_vcpu_info, 1, &info);
	evtchn_attach_cpu(1, ap.vi);
	ap.time_ret = xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 1,
				  &va);
	ap.vector_ret = evtchn_set_upcall_vector(1, EVTCHN_UPCALL_VECTOR);
}

bool smp_evtchn_start(struct vcpu_time_info *time0, void *vi1,
		      struct vcpu_time_info *time1)
{
	uint64_t va = (uintptr_t)time0;

	if (!report_need(xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0,
				     &va) == 0 && time0->version,
			 "no vcpu_time_info for vCPU 0", "time_area_register"))
		return false;
	if (!report_need(evtchn_set_upcall_vector(0, EVTCHN_UPCALL_VECTOR) == 0,
			 "HVMOP_set_evtchn_upcall_vector failed",
			 "upcall_vector_vcpu0"))
		return false;
	if (!report_need(smp_start_ap(AP_WAIT_MS, NULL), "vCPU 1 did not arrive",
			 "vcpu1_started"))
		return false;
	ap.vi = vi1;
	ap.time = time1;
	return report_need(smp_call(ap_setup, NULL) && smp_wait(AP_WAIT_MS) &&
			   !ap.vcpu_info_ret && !ap.time_ret && !ap.vector_ret,
			   "vCPU 1 could not register its vcpu_info, time area or vector",
			   "vcpu1_setup");
}
