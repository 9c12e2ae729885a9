/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Both vCPUs ready to take events on their own per-vCPU vector, as a Xen
 * guest's SMP bring-up leaves them.
 */
#ifndef GUEST_SMP_EVTCHN_H
#define GUEST_SMP_EVTCHN_H

#include <stdbool.h>
#include "xen.h"

/*
 * With shared_info and vCPU 0's vcpu_info set up (evtchn_setup_pages()):
 * vCPU 0's time area @time0 and upcall vector, then vCPU 1 started and,
 * from its own context, its vcpu_info on the page @vi1, its time area
 * @time1 and its upcall vector (EVTCHN_UPCALL_VECTOR on both).  A step
 * that fails is the case's ERROR (report_need()), and false.
 */
bool smp_evtchn_start(struct vcpu_time_info *time0, void *vi1,
		      struct vcpu_time_info *time1);

#endif /* GUEST_SMP_EVTCHN_H */
