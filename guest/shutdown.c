// SPDX-License-Identifier: GPL-2.0
#include "ktap.h"
#include "processor.h"
#include "rig.h"
#include "shutdown.h"
#include "xen.h"

void guest_shutdown(unsigned int reason)
{
	if (hypercall_page_ready()) {
		struct sched_shutdown arg = { .reason = reason };
		long ret = HYPERVISOR_sched_op(SCHEDOP_shutdown, &arg);

		/* Only reached if the VMM ignored the request. */
		report_info("SCHEDOP_shutdown(%u) returned %ld", reason, ret);
	}

	rig_cmd(RIG_CMD_EXIT, reason);

	/* Still here: no VMM behind the control port (e.g. plain QEMU). */
	halt_forever();
}
