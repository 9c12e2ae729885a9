// SPDX-License-Identifier: GPL-2.0
/*
 * What every hypercall handler needs: the log line's parts, KVM calls that
 * record themselves in it, and copies through guest-virtual addresses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/errno.h>

#include "hcall_priv.h"
#include "kvm_xen_uapi.h"

#define PAGE_SIZE	4096u

void hcall_describe(struct hcall_res *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->desc, sizeof(res->desc), fmt, ap);
	va_end(ap);
}

void hcall_note(struct hcall_res *res, const char *fmt, ...)
{
	size_t n = strlen(res->kvm);
	va_list ap;

	if (n && n + 2 < sizeof(res->kvm)) {
		memcpy(res->kvm + n, "; ", 3);
		n += 2;
	}
	if (n + 1 >= sizeof(res->kvm))
		return;
	va_start(ap, fmt);
	vsnprintf(res->kvm + n, sizeof(res->kvm) - n, fmt, ap);
	va_end(ap);
}

/* The errnos KVM's Xen attributes and KVM_TRANSLATE can give. */
const char *host_errno_name(int err)
{
	static char other[16];

	switch (-err) {
	case 0:		return "0";
	case EPERM:	return "-EPERM";
	case ENOENT:	return "-ENOENT";
	case EIO:	return "-EIO";
	case ENXIO:	return "-ENXIO";
	case EAGAIN:	return "-EAGAIN";
	case ENOMEM:	return "-ENOMEM";
	case EFAULT:	return "-EFAULT";
	case EBUSY:	return "-EBUSY";
	case EEXIST:	return "-EEXIST";
	case EINVAL:	return "-EINVAL";
	case ENOTTY:	return "-ENOTTY";
	case ENOSPC:	return "-ENOSPC";
	case ERANGE:	return "-ERANGE";
	case ENOSYS:	return "-ENOSYS";
	case EOPNOTSUPP: return "-EOPNOTSUPP";
	default:
		snprintf(other, sizeof(other), "%d", err);
		return other;
	}
}

static const char *vcpu_attr_name(uint16_t type)
{
	switch (type) {
	case KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO:		return "VCPU_INFO";
	case KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO:	return "VCPU_TIME_INFO";
	case KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR:	return "RUNSTATE_ADDR";
	case KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA:	return "RUNSTATE_DATA";
	case KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID:		return "VCPU_ID";
	case KVM_XEN_VCPU_ATTR_TYPE_TIMER:		return "TIMER";
	case KVM_XEN_VCPU_ATTR_TYPE_UPCALL_VECTOR:	return "UPCALL_VECTOR";
	default:					return "?";
	}
}

static const char *hvm_attr_name(uint16_t type)
{
	switch (type) {
	case KVM_XEN_ATTR_TYPE_LONG_MODE:		return "LONG_MODE";
	case KVM_XEN_ATTR_TYPE_SHARED_INFO:		return "SHARED_INFO";
	case KVM_XEN_ATTR_TYPE_UPCALL_VECTOR:		return "UPCALL_VECTOR";
	case KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG:	return "RUNSTATE_UPDATE_FLAG";
	case KVM_XEN_ATTR_TYPE_EVTCHN:			return "EVTCHN";
	default:					return "?";
	}
}

/* "vcpu 1 " before a vCPU attribute's name, nothing for vCPU 0. */
static const char *vcpu_prefix(uint32_t vcpu)
{
	static char buf[24];

	if (!vcpu)
		return "";
	snprintf(buf, sizeof(buf), "vcpu %u ", vcpu);
	return buf;
}

int hc_vcpu_set_gpa(struct hcall_env *env, struct hcall_res *res,
		    uint32_t vcpu, uint16_t type, uint64_t gpa)
{
	struct kvm_xen_vcpu_attr a = { .type = type, .u.gpa = gpa };
	int ret = env->ops->vcpu_set_attr(hcall_vcpu_ctx(env, vcpu), &a);

	if (gpa == KVM_XEN_INVALID_GPA)
		hcall_note(res, "KVM_XEN_VCPU_SET_ATTR(%s%s, INVALID_GPA) = %s",
			   vcpu_prefix(vcpu), vcpu_attr_name(type),
			   host_errno_name(ret));
	else
		hcall_note(res, "KVM_XEN_VCPU_SET_ATTR(%s%s, gpa %#llx) = %s",
			   vcpu_prefix(vcpu), vcpu_attr_name(type),
			   (unsigned long long)gpa, host_errno_name(ret));
	return ret;
}

int hc_vcpu_set(struct hcall_env *env, struct hcall_res *res, uint32_t vcpu,
		const struct kvm_xen_vcpu_attr *a)
{
	int ret = env->ops->vcpu_set_attr(hcall_vcpu_ctx(env, vcpu), a);
	const char *pre = vcpu_prefix(vcpu);

	switch (a->type) {
	case KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID:
		hcall_note(res, "KVM_XEN_VCPU_SET_ATTR(%sVCPU_ID, %u) = %s",
			   pre, a->u.vcpu_id, host_errno_name(ret));
		break;
	case KVM_XEN_VCPU_ATTR_TYPE_TIMER:
		hcall_note(res, "KVM_XEN_VCPU_SET_ATTR(%sTIMER, port %u, expires %llu) = %s",
			   pre, a->u.timer.port,
			   (unsigned long long)a->u.timer.expires_ns,
			   host_errno_name(ret));
		break;
	case KVM_XEN_VCPU_ATTR_TYPE_UPCALL_VECTOR:
		hcall_note(res, "KVM_XEN_VCPU_SET_ATTR(%sUPCALL_VECTOR, %#x) = %s",
			   pre, a->u.vector, host_errno_name(ret));
		break;
	default:
		hcall_note(res, "KVM_XEN_VCPU_SET_ATTR(%s%s, %#llx) = %s",
			   pre, vcpu_attr_name(a->type),
			   (unsigned long long)a->u.gpa, host_errno_name(ret));
		break;
	}
	return ret;
}

int hc_evtchn_send(struct hcall_env *env, struct hcall_res *res,
		   uint32_t port, uint32_t vcpu)
{
	struct kvm_irq_routing_xen_evtchn e = {
		.port = port,
		.vcpu = hcall_apic_id(vcpu),
		.priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL,
	};
	int ret = env->ops->evtchn_send(env->ops_ctx, &e);

	hcall_note(res, "KVM_XEN_HVM_EVTCHN_SEND(port %u, vcpu %u) = %s",
		   e.port, e.vcpu, host_errno_name(ret));
	return ret;
}

int hc_hvm_set(struct hcall_env *env, struct hcall_res *res, uint16_t type,
	       uint64_t val)
{
	struct kvm_xen_hvm_attr a = { .type = type };
	int ret;

	if (type == KVM_XEN_ATTR_TYPE_SHARED_INFO)
		a.u.shared_info.gfn = val;
	else
		KVM_XEN_HVM_ATTR_U8(&a) = val;	/* long_mode, vector, flag */
	ret = env->ops->hvm_set_attr(env->ops_ctx, &a);
	hcall_note(res, "KVM_XEN_HVM_SET_ATTR(%s, %s%#llx) = %s",
		   hvm_attr_name(type),
		   type == KVM_XEN_ATTR_TYPE_SHARED_INFO ? "gfn " : "",
		   (unsigned long long)val, host_errno_name(ret));
	return ret;
}

int hc_translate(struct hcall_env *env, struct hcall_res *res, uint64_t va,
		 uint64_t *gpa)
{
	int ret = env->ops->translate(hcall_vcpu_ctx(env, env->caller), va,
				      gpa);

	if (!ret)
		hcall_note(res, "KVM_TRANSLATE(%#llx) = gpa %#llx",
			   (unsigned long long)va, (unsigned long long)*gpa);
	else if (ret == -EFAULT)
		hcall_note(res, "KVM_TRANSLATE(%#llx) = not mapped",
			   (unsigned long long)va);
	else
		hcall_note(res, "KVM_TRANSLATE(%#llx) = %s",
			   (unsigned long long)va, host_errno_name(ret));
	return ret;
}

/* One page's worth of [va, va + len): its host pointer, or NULL. */
static void *gva_chunk(struct hcall_env *env, uint64_t va, size_t len)
{
	uint64_t gpa;

	if (env->ops->translate(hcall_vcpu_ctx(env, env->caller), va, &gpa))
		return NULL;
	return gmem_ptr(&env->mem, gpa, len);
}

static int gva_copy(struct hcall_env *env, struct hcall_res *res,
		    uint64_t va, void *buf, size_t len, bool write)
{
	uint8_t *b = buf;
	size_t n;
	void *p;

	while (len) {
		n = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (n > len)
			n = len;
		p = gva_chunk(env, va, n);
		if (!p) {
			hcall_note(res, "%s va %#llx faulted",
				   write ? "copy to" : "copy from",
				   (unsigned long long)va);
			return -XEN_EFAULT;
		}
		if (write)
			memcpy(p, b, n);
		else
			memcpy(b, p, n);
		va += n;
		b += n;
		len -= n;
	}
	return 0;
}

int gva_read(struct hcall_env *env, struct hcall_res *res, uint64_t va,
	     void *buf, size_t len)
{
	return gva_copy(env, res, va, buf, len, false);
}

int gva_write(struct hcall_env *env, struct hcall_res *res, uint64_t va,
	      const void *buf, size_t len)
{
	return gva_copy(env, res, va, (void *)buf, len, true);
}
