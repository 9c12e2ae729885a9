/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <linux/kvm.h> plus the Xen-emulation constants newer than the headers the
 * rig is built with (Debian 12's are from Linux 6.1).  The values are the
 * kernel's ABI; a host kernel that lacks one rejects it at run time, which
 * the VMM logs.
 */
#ifndef VMM_KVM_XEN_UAPI_H
#define VMM_KVM_XEN_UAPI_H

#include <linux/kvm.h>

#ifndef KVM_XEN_INVALID_GPA
#define KVM_XEN_INVALID_GPA			((__u64)-1)
#endif
#ifndef KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG
#define KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG	0x5
#endif
#ifndef KVM_XEN_HVM_CONFIG_RUNSTATE_UPDATE_FLAG
#define KVM_XEN_HVM_CONFIG_RUNSTATE_UPDATE_FLAG	(1 << 6)
#endif

/*
 * u.runstate_update_flag (6.2+) is the union's first byte, like u.long_mode;
 * the older struct has no member of that name.
 */
#define KVM_XEN_HVM_ATTR_U8(a)	(*(__u8 *)&(a)->u)

#endif /* VMM_KVM_XEN_UAPI_H */
