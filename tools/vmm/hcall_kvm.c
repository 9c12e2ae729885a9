// SPDX-License-Identifier: GPL-2.0
/*
 * The hypercall handlers' KVM calls (struct hcall_ops) as the real ioctls on
 * the rig's one VM and vCPU.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "hcall_kvm.h"
#include "kvm_xen_uapi.h"

static int ioctl_ret(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static int vcpu_set_attr(void *ctx, const struct kvm_xen_vcpu_attr *a)
{
	const struct vm *vm = ctx;

	return ioctl_ret(vm->vcpu_fd, KVM_XEN_VCPU_SET_ATTR, (void *)a);
}

static int vcpu_get_attr(void *ctx, struct kvm_xen_vcpu_attr *a)
{
	const struct vm *vm = ctx;

	return ioctl_ret(vm->vcpu_fd, KVM_XEN_VCPU_GET_ATTR, a);
}

static int hvm_set_attr(void *ctx, const struct kvm_xen_hvm_attr *a)
{
	const struct vm *vm = ctx;

	return ioctl_ret(vm->vm_fd, KVM_XEN_HVM_SET_ATTR, (void *)a);
}

/* KVM walks the vCPU's current paging mode; with paging off gpa == gva. */
static int translate(void *ctx, uint64_t gva, uint64_t *gpa)
{
	const struct vm *vm = ctx;
	struct kvm_translation tr = { .linear_address = gva };
	int ret = ioctl_ret(vm->vcpu_fd, KVM_TRANSLATE, &tr);

	if (ret)
		return ret;
	if (!tr.valid)
		return -EFAULT;
	*gpa = tr.physical_address;
	return 0;
}

/* The kvmclock KVM's runstate times are kept in. */
static int get_clock(void *ctx, uint64_t *ns)
{
	const struct vm *vm = ctx;
	struct kvm_clock_data data = { 0 };
	int ret = ioctl_ret(vm->vm_fd, KVM_GET_CLOCK, &data);

	if (!ret)
		*ns = data.clock;
	return ret;
}

const struct hcall_ops hcall_kvm_ops = {
	.vcpu_set_attr = vcpu_set_attr,
	.vcpu_get_attr = vcpu_get_attr,
	.hvm_set_attr = hvm_set_attr,
	.translate = translate,
	.get_clock = get_clock,
};
