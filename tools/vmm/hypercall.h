/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen hypercalls the VMM answers itself, as a pure function of the call and
 * guest memory so they can be tested without KVM.
 */
#ifndef VMM_HYPERCALL_H
#define VMM_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "gmem.h"

struct serial;

/* What KVM decoded from the guest's registers (struct kvm_xen_exit). */
struct hcall {
	uint64_t nr;
	uint64_t params[6];
	bool longmode;
	uint8_t cpl;
};

struct hcall_env {
	struct gmem mem;
	struct serial *console;		/* CONSOLEIO_write output */
	uint16_t xen_major;
	uint16_t xen_minor;
};

enum hcall_action {
	HCALL_CONTINUE,
	HCALL_EXIT,		/* stop the guest with exit_code */
};

struct hcall_res {
	int64_t ret;		/* for the guest's RAX; Xen errnos negative */
	enum hcall_action action;
	int exit_code;		/* enum rig_vmm_exit, for HCALL_EXIT */
	char desc[128];		/* the call as the guest made it, for logs */
};

void hcall_dispatch(const struct hcall_env *env, const struct hcall *in,
		    struct hcall_res *res);
int hcall_format(const struct hcall *in, const struct hcall_res *res,
		 char *buf, size_t len);
const char *xen_errno_name(int64_t ret);
int rig_exit_for_shutdown(uint32_t reason);

/* Largest CONSOLEIO_write the VMM accepts in one call. */
#define HCALL_CONSOLE_MAX	(64u << 10)

#endif /* VMM_HYPERCALL_H */
