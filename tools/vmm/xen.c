// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_EXIT_XEN: hand the decoded hypercall to the dispatcher and put its
 * answer where KVM_RUN will load it into the guest's RAX.
 */
#include <linux/kvm.h>

#include <rig/abi.h>

#include "hypercall.h"
#include "log.h"
#include "xen.h"

static int xen_hcall(struct vmm *v, struct vm_vcpu *vc, struct kvm_run *run)
{
	struct hcall in = {
		.nr = run->xen.u.hcall.input,
		.longmode = run->xen.u.hcall.longmode,
		.cpl = run->xen.u.hcall.cpl,
		.vcpu = vc->id,
	};
	struct hcall_res res;
	char line[768];
	unsigned int i;

	for (i = 0; i < 6; i++)
		in.params[i] = run->xen.u.hcall.params[i];

	/* What the guest can ask back over the control port, per vCPU. */
	vc->last_longmode = run->xen.u.hcall.longmode;
	vc->hcall_count++;

	hcall_dispatch(&v->hcall_env, &in, &res);
	run->xen.u.hcall.result = res.ret;

	hcall_format(&in, &res, line, sizeof(line));
	if (vc->id)
		vmm_trace("vcpu %u: %s", vc->id, line);
	else
		vmm_trace("%s", line);

	return res.action == HCALL_EXIT ? res.exit_code : VMM_CONTINUE;
}

int xen_exit(struct vmm *v, struct vm_vcpu *vc)
{
	struct kvm_run *run = vc->run;

	switch (run->xen.type) {
	case KVM_EXIT_XEN_HCALL:
		return xen_hcall(v, vc, run);
	default:
		vmm_diag("unexpected KVM_EXIT_XEN type %u", run->xen.type);
		return RIG_EXIT_HOST;
	}
}
