// SPDX-License-Identifier: GPL-2.0
/*
 * event_channel_op(cmd, arg): 2-level event channels with Xen's port table
 * and Xen's answers (xen/common/event_channel.c, event_2l.c).
 *
 * KVM raises events and answers EVTCHNOP_send itself for the ports the VMM
 * registers with KVM_XEN_ATTR_TYPE_EVTCHN (IPIs and interdomain loopbacks);
 * the rest of a port - its state, notify vCPU, close, unmask, status - is
 * kept here.  Xen has shared_info from domain creation, KVM only once the
 * guest maps it, and KVM warns if asked to raise an event before (its gfn
 * to pfn cache was never activated).  So until then nothing is asked of
 * KVM: what Xen would have set pending is remembered, and registered and
 * raised when the page appears (evtchn_shinfo_mapped()).
 *
 * Every port number comes from the guest.  It indexes st.ports only after
 * port_get() has checked it against valid_ports, which never exceeds
 * HCALL_MAX_PORTS.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>	/* the Xen headers need it first */
#include <string.h>

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/foreign/x86_32.h>
#include <xen/foreign/x86_64.h>

#include "hcall_priv.h"
#include "kvm_xen_uapi.h"

#define PAGE_SIZE	4096u

/* Not public: Xen's own commands beyond the guest ABI. */
#define EVTCHNOP_reset_cont	14

/* The same layout in both ABIs: no pointers, no xen_ulong_t. */
_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8 &&
	       sizeof(struct evtchn_bind_interdomain) == 12 &&
	       sizeof(struct evtchn_bind_virq) == 12 &&
	       sizeof(struct evtchn_bind_ipi) == 8 &&
	       sizeof(struct evtchn_status) == 24 &&
	       offsetof(struct evtchn_status, u) == 16 &&
	       sizeof(struct evtchn_bind_vcpu) == 8 &&
	       sizeof(struct evtchn_reset) == 2, "event channel arguments");
_Static_assert(offsetof(struct shared_info_x86_64, evtchn_pending) ==
	       offsetof(struct shared_info_x86_32, evtchn_pending),
	       "a port's pending bit is the same in both layouts");
_Static_assert(HCALL_NR_VIRQS == NR_VIRQS, "NR_VIRQS");

#define PENDING_OFF	offsetof(struct shared_info_x86_64, evtchn_pending)

static const char *evtchn_op_name(uint32_t cmd)
{
	static const char *const names[] = {
		[EVTCHNOP_bind_interdomain]	= "bind_interdomain",
		[EVTCHNOP_bind_virq]		= "bind_virq",
		[EVTCHNOP_bind_pirq]		= "bind_pirq",
		[EVTCHNOP_close]		= "close",
		[EVTCHNOP_send]			= "send",
		[EVTCHNOP_status]		= "status",
		[EVTCHNOP_alloc_unbound]	= "alloc_unbound",
		[EVTCHNOP_bind_ipi]		= "bind_ipi",
		[EVTCHNOP_bind_vcpu]		= "bind_vcpu",
		[EVTCHNOP_unmask]		= "unmask",
		[EVTCHNOP_reset]		= "reset",
		[EVTCHNOP_init_control]		= "init_control",
		[EVTCHNOP_expand_array]		= "expand_array",
		[EVTCHNOP_set_priority]		= "set_priority",
		[EVTCHNOP_reset_cont]		= "reset_cont",
	};

	return cmd < sizeof(names) / sizeof(names[0]) ? names[cmd] : NULL;
}

/* ------------------------------------------------------------ the table */

/* Xen allocates ports a bucket at a time; the first exists from the start. */
static uint32_t valid_ports(const struct hcall_state *st)
{
	return st->valid_ports ? st->valid_ports : HCALL_PORT_BUCKET;
}

/* Xen's port_is_valid(): inside an allocated bucket. */
static struct hcall_port *port_get(struct hcall_env *env, uint32_t port)
{
	if (port >= valid_ports(&env->st))
		return NULL;
	return &env->st.ports[port];
}

/* Port 0 is ECS_RESERVED from evtchn_init(); the table starts zeroed. */
static uint8_t port_state(const struct hcall_state *st, uint32_t port)
{
	return port ? st->ports[port].state : PORT_RESERVED;
}

/* Xen's evtchn_usable(): bound to something. */
static bool port_usable(const struct hcall_state *st, uint32_t port)
{
	return port_state(st, port) > PORT_RESERVED;
}

bool evtchn_long_mode(struct hcall_env *env)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };

	/* KVM latches the word size on hypercall-page writes: ask it. */
	if (env->ops->hvm_get_attr(env->ops_ctx, &a))
		return false;
	return KVM_XEN_HVM_ATTR_U8(&a);
}

/* Xen's max_evtchns() for 2-level: bits per word squared, at the latch. */
static uint32_t max_ports(struct hcall_env *env)
{
	return evtchn_long_mode(env) ? HCALL_MAX_PORTS : HCALL_COMPAT_PORTS;
}

/*
 * Xen's get_free_port(): the lowest free port, a new bucket when the
 * allocated ones are full.  The toolstack's max_evtchn_port is not
 * modelled: the limit is the layout's.
 */
static int get_free_port(struct hcall_env *env)
{
	struct hcall_state *st = &env->st;
	uint32_t port, max = max_ports(env);

	for (port = 0; port < max; port++) {
		if (port < valid_ports(st)) {
			if (port_state(st, port) == PORT_FREE)
				return port;
			continue;
		}
		st->valid_ports = port + HCALL_PORT_BUCKET;
		return port;
	}
	return -XEN_ENOSPC;
}

/* Xen's get_virq_type(); VIRQ_ARGO is a domain VIRQ from 4.21. */
enum virq_type { VIRQ_TYPE_GLOBAL, VIRQ_TYPE_DOMAIN, VIRQ_TYPE_VCPU };

static enum virq_type virq_type(const struct hcall_env *env, uint32_t virq)
{
	switch (virq) {
	case VIRQ_TIMER:
	case VIRQ_DEBUG:
	case VIRQ_XENOPROF:
	case VIRQ_XENPMU:
		return VIRQ_TYPE_VCPU;
	case VIRQ_ARGO:
		return hcall_xen_at_least(env, 4, 21) ? VIRQ_TYPE_DOMAIN :
							 VIRQ_TYPE_GLOBAL;
	default:
		return VIRQ_TYPE_GLOBAL;
	}
}

/* ------------------------------------------------------------ KVM side */

static const char *evtchn_flag_name(uint32_t flags)
{
	switch (flags) {
	case 0:				return "assign";
	case KVM_XEN_EVTCHN_DEASSIGN:	return "deassign";
	case KVM_XEN_EVTCHN_UPDATE:	return "update";
	case KVM_XEN_EVTCHN_RESET:	return "reset";
	default:			return "?";
	}
}

static int hc_evtchn_attr(struct hcall_env *env, struct hcall_res *res,
			  uint32_t flags, uint32_t send_port, uint32_t type,
			  uint32_t deliver_port, uint32_t vcpu)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_EVTCHN };
	int ret;

	a.u.evtchn.send_port = send_port;
	a.u.evtchn.type = type;
	a.u.evtchn.flags = flags;
	a.u.evtchn.deliver.port.port = deliver_port;
	a.u.evtchn.deliver.port.vcpu = hcall_apic_id(vcpu);
	a.u.evtchn.deliver.port.priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL;
	ret = env->ops->hvm_set_attr(env->ops_ctx, &a);
	if (flags == KVM_XEN_EVTCHN_RESET)
		hcall_note(res, "KVM_XEN_HVM_SET_ATTR(EVTCHN, reset) = %s",
			   host_errno_name(ret));
	else if (flags == KVM_XEN_EVTCHN_DEASSIGN)
		hcall_note(res, "KVM_XEN_HVM_SET_ATTR(EVTCHN, deassign %u) = %s",
			   send_port, host_errno_name(ret));
	else
		hcall_note(res, "KVM_XEN_HVM_SET_ATTR(EVTCHN, %s %s %u -> port %u vcpu %u) = %s",
			   evtchn_flag_name(flags),
			   type == EVTCHNSTAT_ipi ? "ipi" : "interdomain",
			   send_port, deliver_port, hcall_apic_id(vcpu),
			   host_errno_name(ret));
	return ret;
}

/*
 * Let KVM answer EVTCHNOP_send on @port in the kernel: an IPI comes back
 * on itself, an interdomain loopback end raises the other end.  Only once
 * shared_info is there; a refusal leaves the sends to the VMM.
 */
static void kvm_register(struct hcall_env *env, struct hcall_res *res,
			 uint32_t port)
{
	struct hcall_state *st = &env->st;
	struct hcall_port *p = &st->ports[port];
	uint32_t to;
	int ret;

	if (!st->shinfo_mapped || p->in_kvm || !port)
		return;
	if (p->state == PORT_IPI) {
		ret = hc_evtchn_attr(env, res, 0, port, EVTCHNSTAT_ipi, port,
				     p->notify_vcpu);
	} else if (p->state == PORT_INTERDOMAIN) {
		to = p->remote_port;
		ret = hc_evtchn_attr(env, res, 0, port, EVTCHNSTAT_interdomain,
				     to, st->ports[to].notify_vcpu);
	} else {
		return;
	}
	p->in_kvm = !ret;
}

/*
 * Take @port away from KVM.  KVM refuses to name a port at or beyond the
 * current layout's limit (the guest went 64 -> 32 bits after binding it),
 * even to deassign it: only a reset of all ports removes it, after which
 * the others are registered again.
 */
static void kvm_unregister(struct hcall_env *env, struct hcall_res *res,
			   uint32_t port)
{
	struct hcall_state *st = &env->st;
	uint32_t i, n;

	if (!st->ports[port].in_kvm)
		return;
	st->ports[port].in_kvm = false;
	if (port < max_ports(env)) {
		hc_evtchn_attr(env, res, KVM_XEN_EVTCHN_DEASSIGN, port, 0, 0, 0);
		return;
	}
	hcall_note(res, "port %u is beyond the 32-bit layout: KVM can only reset all",
		   port);
	hc_evtchn_attr(env, res, KVM_XEN_EVTCHN_RESET, 0, 0, 0, 0);
	n = valid_ports(st);
	for (i = 1; i < n; i++) {
		if (!st->ports[i].in_kvm)
			continue;
		st->ports[i].in_kvm = false;
		kvm_register(env, res, i);
	}
}

/* The port whose KVM registration delivers to @port, if any. */
static void kvm_retarget(struct hcall_env *env, struct hcall_res *res,
			 uint32_t port)
{
	struct hcall_state *st = &env->st;
	struct hcall_port *p = &st->ports[port];
	uint32_t from;

	if (p->state != PORT_INTERDOMAIN)
		return;
	from = p->remote_port;
	if (!st->ports[from].in_kvm)
		return;
	hc_evtchn_attr(env, res, KVM_XEN_EVTCHN_UPDATE, from,
		       EVTCHNSTAT_interdomain, port, p->notify_vcpu);
}

/* ------------------------------------------------------ guest memory */

static uint8_t *shinfo_ptr(struct hcall_env *env)
{
	if (!env->st.shinfo_mapped)
		return NULL;
	return gmem_ptr(&env->mem, env->st.shinfo_gfn << 12, PAGE_SIZE);
}

uint8_t *evtchn_vcpu_info(struct hcall_env *env, uint32_t vcpu)
{
	const struct hcall_state *st = &env->st;
	const struct hcall_vcpu *v;
	uint64_t gpa;

	if (!hcall_vcpu_exists(env, vcpu))
		return NULL;
	v = hcall_vcpu(env, vcpu);
	if (v->vcpu_info_registered)
		gpa = v->vcpu_info_gpa;
	else if (st->shinfo_mapped && !(st->shinfo_gfn >> 52))
		gpa = (st->shinfo_gfn << 12) +
		      vcpu * sizeof(struct vcpu_info_x86_64);
	else
		return NULL;
	return gmem_ptr(&env->mem, gpa, sizeof(struct vcpu_info_x86_64));
}

/*
 * The guest and KVM (from its timer, in another context) change these
 * words concurrently: only atomic read-modify-writes on aligned 32-bit
 * words, which is what a little-endian bit string of any word size is.
 */
static uint32_t *bit_word(uint8_t *base, uint32_t bit)
{
	return (uint32_t *)(base + 4 * (bit / 32));
}

static bool test_and_set(uint8_t *base, uint32_t bit)
{
	uint32_t m = 1u << (bit % 32);

	return __atomic_fetch_or(bit_word(base, bit), m, __ATOMIC_SEQ_CST) & m;
}

static bool test_and_clear(uint8_t *base, uint32_t bit)
{
	uint32_t m = 1u << (bit % 32);

	return __atomic_fetch_and(bit_word(base, bit), ~m, __ATOMIC_SEQ_CST) & m;
}

static bool test_bit(uint8_t *base, uint32_t bit)
{
	return __atomic_load_n(bit_word(base, bit), __ATOMIC_SEQ_CST) &
	       (1u << (bit % 32));
}

/* Xen's evtchn_port_clear_pending() when a port is freed. */
static void clear_pending(struct hcall_env *env, struct hcall_res *res,
			  uint32_t port)
{
	uint8_t *sh;

	env->st.ports[port].early = false;
	if (!env->st.shinfo_mapped)
		return;
	sh = shinfo_ptr(env);
	if (!sh) {
		hcall_note(res, "shared_info is not RAM: pending bit left");
		return;
	}
	/* No range check, as in Xen: past the compat array it is the mask. */
	test_and_clear(sh + PENDING_OFF, port);
}

/* ----------------------------------------------------------- delivery */

/*
 * Xen's hvm_assert_evtchn_irq() for a per-vCPU upcall vector: inject it
 * through the LAPIC when that is enabled.  KVM drops an interrupt for a
 * disabled LAPIC, which is what Xen does since 4.18.
 */
void evtchn_assert_vector(struct hcall_env *env, struct hcall_res *res,
			  uint32_t vcpu)
{
	uint8_t vector = hcall_vcpu(env, vcpu)->upcall_vector;
	int en, ret;

	en = env->ops->lapic_enabled(hcall_vcpu_ctx(env, vcpu));
	if (en != 1) {
		hcall_note(res, "LAPIC %s: vector %#x not injected%s",
			   en ? "unreadable" : "disabled", vector,
			   hcall_xen_at_least(env, 4, 18) ? "" :
			   "; Xen before 4.18 would leave it in IRR");
		return;
	}
	ret = env->ops->signal_msi(env->ops_ctx, hcall_apic_id(vcpu), vector);
	hcall_note(res, "KVM_SIGNAL_MSI(apic %u, vector %#x) = %s",
		   hcall_apic_id(vcpu), vector,
		   ret > 0 ? "delivered" : ret == 0 ? "not delivered" :
		   host_errno_name(ret));
}

/*
 * Xen's vcpu_mark_events_pending(): upcall_pending 0 -> 1 asserts the
 * upcall.  For the global vector KVM checks upcall_pending on every entry
 * and when a halted vCPU is woken: the caller is about to re-enter, and
 * another vCPU only needs its KVM_RUN interrupted, as Xen's vcpu_kick().
 */
static void mark_events_pending(struct hcall_env *env, struct hcall_res *res,
				uint8_t *vi, uint32_t vcpu)
{
	int ret;

	if (__atomic_exchange_n(&vi[offsetof(struct vcpu_info_x86_64,
					     evtchn_upcall_pending)],
				1, __ATOMIC_SEQ_CST))
		return;
	if (hcall_vcpu(env, vcpu)->upcall_vector) {
		evtchn_assert_vector(env, res, vcpu);
	} else if (vcpu != env->caller && env->ops->kick) {
		ret = env->ops->kick(hcall_vcpu_ctx(env, vcpu));
		hcall_note(res, "kick vcpu %u = %s", vcpu, host_errno_name(ret));
	}
}

void evtchn_raise(struct hcall_env *env, struct hcall_res *res, uint32_t port)
{
	struct hcall_state *st = &env->st;
	struct hcall_port *p = &st->ports[port];

	if (!st->shinfo_mapped) {
		p->early = true;
		st->any_early = true;
		hcall_note(res, "port %u pending once shared_info is mapped",
			   port);
		return;
	}
	if (hc_evtchn_send(env, res, port, p->notify_vcpu))
		hcall_note(res, "Xen sets it pending");
}

void evtchn_shinfo_mapped(struct hcall_env *env, struct hcall_res *res)
{
	struct hcall_state *st = &env->st;
	uint32_t port, n = valid_ports(st);

	for (port = 1; port < n; port++)
		kvm_register(env, res, port);
	timer_shinfo_mapped(env, res);
	if (!st->any_early)
		return;
	st->any_early = false;
	for (port = 1; port < n; port++) {
		if (!st->ports[port].early)
			continue;
		st->ports[port].early = false;
		if (port_usable(st, port))
			evtchn_raise(env, res, port);
	}
}

/* ------------------------------------------------------------ the ops */

static int64_t copy_out(struct hcall_env *env, struct hcall_res *res,
			uint64_t arg, const void *buf, size_t len)
{
	/* Xen keeps the binding when the copy back faults. */
	return gva_write(env, res, arg, buf, len);
}

static int64_t alloc_unbound(struct hcall_env *env, uint64_t arg,
			     struct hcall_res *res)
{
	struct evtchn_alloc_unbound a;
	struct hcall_port *p;
	int port;

	if (gva_read(env, res, arg, &a, sizeof(a)))
		return -XEN_EFAULT;
	hcall_describe(res, "event_channel_op(alloc_unbound, dom %#x, remote %#x)",
		       a.dom, a.remote_dom);
	if (!hcall_dom_is_self(a.dom))
		return -XEN_ESRCH;
	port = get_free_port(env);
	if (port < 0)
		return port;
	p = &env->st.ports[port];
	p->state = PORT_UNBOUND;
	p->remote_dom = a.remote_dom == DOMID_SELF ? HCALL_DOMID : a.remote_dom;
	a.port = port;
	hcall_note(res, "port %d", port);
	return copy_out(env, res, arg, &a, sizeof(a));
}

/* Only the loopback: the rig's domain is alone. */
static int64_t bind_interdomain(struct hcall_env *env, uint64_t arg,
				struct hcall_res *res)
{
	struct evtchn_bind_interdomain b;
	struct hcall_port *lp, *rp;
	int lport;

	if (gva_read(env, res, arg, &b, sizeof(b)))
		return -XEN_EFAULT;
	hcall_describe(res, "event_channel_op(bind_interdomain, dom %#x, port %u)",
		       b.remote_dom, b.remote_port);
	if (!hcall_dom_is_self(b.remote_dom))
		return -XEN_ESRCH;
	/* Xen takes the local port before it looks at the remote one. */
	lport = get_free_port(env);
	if (lport < 0)
		return lport;
	rp = port_get(env, b.remote_port);
	if (!rp || port_state(&env->st, b.remote_port) != PORT_UNBOUND ||
	    rp->remote_dom != HCALL_DOMID)
		return -XEN_EINVAL;
	lp = &env->st.ports[lport];
	lp->state = PORT_INTERDOMAIN;
	lp->remote_port = b.remote_port;
	rp->state = PORT_INTERDOMAIN;
	rp->remote_port = lport;
	kvm_register(env, res, lport);
	kvm_register(env, res, b.remote_port);
	/* "conservatively always setting a notification on the local port" */
	evtchn_raise(env, res, lport);
	b.local_port = lport;
	hcall_note(res, "port %d", lport);
	return copy_out(env, res, arg, &b, sizeof(b));
}

static int64_t bind_virq(struct hcall_env *env, uint64_t arg,
			 struct hcall_res *res)
{
	struct evtchn_bind_virq b;
	struct hcall_port *p;
	enum virq_type type;
	int port;

	if (gva_read(env, res, arg, &b, sizeof(b)))
		return -XEN_EFAULT;
	hcall_describe(res, "event_channel_op(bind_virq, virq %u, vcpu %u)",
		       b.virq, b.vcpu);
	if (b.virq >= HCALL_NR_VIRQS)
		return -XEN_EINVAL;
	type = virq_type(env, b.virq);
	if (type != VIRQ_TYPE_VCPU && b.vcpu != 0)
		return -XEN_EINVAL;
	if (!hcall_vcpu_exists(env, b.vcpu))
		return -XEN_ENOENT;
	/* Since 4.21: a global VIRQ is its handler's, the hardware domain's. */
	if (type == VIRQ_TYPE_GLOBAL && hcall_xen_at_least(env, 4, 21))
		return -XEN_EBUSY;
	if (hcall_vcpu(env, b.vcpu)->virq_port[b.virq])
		return -XEN_EEXIST;
	port = get_free_port(env);
	if (port < 0)
		return port;
	p = &env->st.ports[port];
	p->state = PORT_VIRQ;
	p->virq = b.virq;
	p->notify_vcpu = b.vcpu;
	hcall_vcpu(env, b.vcpu)->virq_port[b.virq] = port;
	if (b.virq == VIRQ_TIMER)
		timer_virq_bound(env, res, b.vcpu, port);
	b.port = port;
	hcall_note(res, "port %d", port);
	return copy_out(env, res, arg, &b, sizeof(b));
}

static int64_t bind_ipi(struct hcall_env *env, uint64_t arg,
			struct hcall_res *res)
{
	struct evtchn_bind_ipi b;
	struct hcall_port *p;
	int port;

	if (gva_read(env, res, arg, &b, sizeof(b)))
		return -XEN_EFAULT;
	hcall_describe(res, "event_channel_op(bind_ipi, vcpu %u)", b.vcpu);
	if (!hcall_vcpu_exists(env, b.vcpu))
		return -XEN_ENOENT;
	port = get_free_port(env);
	if (port < 0)
		return port;
	p = &env->st.ports[port];
	p->state = PORT_IPI;
	p->notify_vcpu = b.vcpu;
	kvm_register(env, res, port);
	b.port = port;
	hcall_note(res, "port %d", port);
	return copy_out(env, res, arg, &b, sizeof(b));
}

/* Xen's evtchn_close() on a valid port. */
static int64_t close_port(struct hcall_env *env, struct hcall_res *res,
			  uint32_t port)
{
	struct hcall_state *st = &env->st;
	struct hcall_port *p = &st->ports[port], *rp;
	struct hcall_vcpu *v;
	uint32_t id;

	switch (port_state(st, port)) {
	case PORT_FREE:
	case PORT_RESERVED:
		return -XEN_EINVAL;
	case PORT_VIRQ:
		/* As Xen: whichever vCPU's virq_to_evtchn has it. */
		for (id = 0; id < hcall_nr_vcpus(env); id++) {
			v = hcall_vcpu(env, id);
			if (p->virq >= HCALL_NR_VIRQS ||
			    v->virq_port[p->virq] != port)
				continue;
			v->virq_port[p->virq] = 0;
			if (p->virq == VIRQ_TIMER)
				timer_virq_closed(env, res, id);
		}
		break;
	case PORT_IPI:
		kvm_unregister(env, res, port);
		break;
	case PORT_INTERDOMAIN:
		/* The other end waits for a new partner: us again. */
		rp = &st->ports[p->remote_port];
		kvm_unregister(env, res, port);
		kvm_unregister(env, res, p->remote_port);
		rp->state = PORT_UNBOUND;
		rp->remote_dom = HCALL_DOMID;
		rp->remote_port = 0;
		break;
	default:
		break;
	}
	clear_pending(env, res, port);
	memset(p, 0, sizeof(*p));
	return 0;
}

static int64_t evtchn_close(struct hcall_env *env, uint64_t arg,
			    struct hcall_res *res)
{
	struct evtchn_close cl;

	if (gva_read(env, res, arg, &cl, sizeof(cl)))
		return -XEN_EFAULT;
	hcall_describe(res, "event_channel_op(close, port %u)", cl.port);
	if (!port_get(env, cl.port))
		return -XEN_EINVAL;
	return close_port(env, res, cl.port);
}

/* What reaches the VMM: ports KVM was not given, or could not raise. */
static int64_t evtchn_send(struct hcall_env *env, uint64_t arg,
			   struct hcall_res *res)
{
	struct evtchn_send s;
	struct hcall_port *p;

	if (gva_read(env, res, arg, &s, sizeof(s)))
		return -XEN_EFAULT;
	hcall_describe(res, "event_channel_op(send, port %u)", s.port);
	p = port_get(env, s.port);
	if (!p)
		return -XEN_EINVAL;
	if (p->in_kvm)
		hcall_note(res, "KVM did not deliver it in the kernel");
	switch (port_state(&env->st, s.port)) {
	case PORT_INTERDOMAIN:
		evtchn_raise(env, res, p->remote_port);
		return 0;
	case PORT_IPI:
		evtchn_raise(env, res, s.port);
		return 0;
	case PORT_UNBOUND:
		hcall_note(res, "unbound: dropped");
		return 0;
	default:
		return -XEN_EINVAL;
	}
}

static int64_t evtchn_status(struct hcall_env *env, uint64_t arg,
			     struct hcall_res *res)
{
	struct evtchn_status s;
	struct hcall_port *p;

	if (gva_read(env, res, arg, &s, sizeof(s)))
		return -XEN_EFAULT;
	hcall_describe(res, "event_channel_op(status, dom %#x, port %u)",
		       s.dom, s.port);
	if (!hcall_dom_is_self(s.dom))
		return -XEN_ESRCH;
	p = port_get(env, s.port);
	if (!p)
		return -XEN_EINVAL;
	/* Only the fields of the state are written; the rest is copied back. */
	switch (port_state(&env->st, s.port)) {
	case PORT_UNBOUND:
		s.status = EVTCHNSTAT_unbound;
		s.u.unbound.dom = p->remote_dom;
		break;
	case PORT_INTERDOMAIN:
		s.status = EVTCHNSTAT_interdomain;
		s.u.interdomain.dom = HCALL_DOMID;
		s.u.interdomain.port = p->remote_port;
		break;
	case PORT_PIRQ:
		s.status = EVTCHNSTAT_pirq;
		break;
	case PORT_VIRQ:
		s.status = EVTCHNSTAT_virq;
		s.u.virq = p->virq;
		break;
	case PORT_IPI:
		s.status = EVTCHNSTAT_ipi;
		break;
	default:
		s.status = EVTCHNSTAT_closed;
		break;
	}
	s.vcpu = p->notify_vcpu;
	hcall_note(res, "status %u vcpu %u", s.status, s.vcpu);
	return copy_out(env, res, arg, &s, sizeof(s));
}

/* Pending and selector state stay where they are, as in Xen. */
static int64_t bind_vcpu(struct hcall_env *env, uint64_t arg,
			 struct hcall_res *res)
{
	struct evtchn_bind_vcpu b;
	struct hcall_port *p;

	if (gva_read(env, res, arg, &b, sizeof(b)))
		return -XEN_EFAULT;
	hcall_describe(res, "event_channel_op(bind_vcpu, port %u, vcpu %u)",
		       b.port, b.vcpu);
	if (!hcall_vcpu_exists(env, b.vcpu))
		return -XEN_ENOENT;
	p = port_get(env, b.port);
	if (!p)
		return -XEN_EINVAL;
	switch (port_state(&env->st, b.port)) {
	case PORT_VIRQ:
		if (virq_type(env, p->virq) == VIRQ_TYPE_VCPU)
			return -XEN_EINVAL;
		p->notify_vcpu = b.vcpu;
		return 0;
	case PORT_UNBOUND:
	case PORT_INTERDOMAIN:
		p->notify_vcpu = b.vcpu;
		kvm_retarget(env, res, b.port);
		return 0;
	default:
		return -XEN_EINVAL;
	}
}

/*
 * Xen's evtchn_2l_unmask(), which KVM cannot do: KVM_XEN_HVM_EVTCHN_SEND is
 * a no-op for a port already pending.  If the port was masked and is
 * pending, its selector bit goes to the notify vCPU's vcpu_info and, on
 * 0 -> 1, the upcall is asserted.
 */
static int64_t evtchn_unmask(struct hcall_env *env, uint64_t arg,
			     struct hcall_res *res)
{
	struct evtchn_unmask u;
	struct hcall_port *p;
	uint8_t *sh, *vi;
	size_t mask, sel;
	uint32_t word;
	bool lm;

	if (gva_read(env, res, arg, &u, sizeof(u)))
		return -XEN_EFAULT;
	hcall_describe(res, "event_channel_op(unmask, port %u)", u.port);
	p = port_get(env, u.port);
	if (!p)
		return -XEN_EINVAL;
	if (!port_usable(&env->st, u.port))
		return 0;
	/* Before the guest maps it, it cannot have masked anything in it. */
	if (!env->st.shinfo_mapped)
		return 0;
	sh = shinfo_ptr(env);
	if (!sh) {
		hcall_note(res, "shared_info is not RAM: nothing unmasked");
		return 0;
	}
	/* The layout KVM writes in: the mask array and the selector move. */
	lm = evtchn_long_mode(env);
	if (lm) {
		mask = offsetof(struct shared_info_x86_64, evtchn_mask);
		sel = offsetof(struct vcpu_info_x86_64, evtchn_pending_sel);
		word = u.port / 64;
	} else {
		mask = offsetof(struct shared_info_x86_32, evtchn_mask);
		sel = offsetof(struct vcpu_info_x86_32, evtchn_pending_sel);
		word = u.port / 32;
	}
	if (!test_and_clear(sh + mask, u.port) ||
	    !test_bit(sh + PENDING_OFF, u.port))
		return 0;
	vi = evtchn_vcpu_info(env, p->notify_vcpu);
	if (!vi) {
		hcall_note(res, "vcpu_info is not RAM: no upcall");
		return 0;
	}
	if (test_and_set(vi + sel, word))
		return 0;
	hcall_note(res, "pending: selector bit %u set", word);
	mark_events_pending(env, res, vi, p->notify_vcpu);
	return 0;
}

/* Xen's evtchn_reset(): every port closed, the 2-level ABI kept. */
static int64_t evtchn_reset(struct hcall_env *env, uint32_t cmd, uint64_t arg,
			    struct hcall_res *res)
{
	struct hcall_state *st = &env->st;
	struct evtchn_reset r;
	uint32_t port, n = valid_ports(st);
	bool any = false;

	if (gva_read(env, res, arg, &r, sizeof(r)))
		return -XEN_EFAULT;
	hcall_describe(res, "event_channel_op(%s, dom %#x)",
		       evtchn_op_name(cmd), r.dom);
	if (!hcall_dom_is_self(r.dom))
		return -XEN_ESRCH;
	/* The continuation of a reset that is not in progress. */
	if (cmd == EVTCHNOP_reset_cont)
		return -XEN_EBUSY;
	for (port = 1; port < n; port++) {
		any |= st->ports[port].in_kvm;
		st->ports[port].in_kvm = false;
	}
	if (any)
		hc_evtchn_attr(env, res, KVM_XEN_EVTCHN_RESET, 0, 0, 0, 0);
	for (port = 1; port < n; port++)
		if (port_usable(st, port))
			close_port(env, res, port);
	return 0;
}

/* event_channel_op(int cmd, void *arg) */
int64_t do_event_channel_op(struct hcall_env *env, const struct hcall *c,
			    const uint64_t *p, struct hcall_res *res)
{
	uint32_t cmd = p[0];
	uint64_t arg = p[1];
	const char *name = evtchn_op_name(cmd);

	/* Described again once the argument is read. */
	if (name)
		hcall_describe(res, "event_channel_op(%s, arg %#llx)", name,
			       (unsigned long long)arg);
	else
		hcall_describe(res, "event_channel_op(%u, %#llx)", cmd,
			       (unsigned long long)arg);
	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
		return alloc_unbound(env, arg, res);
	case EVTCHNOP_bind_interdomain:
		return bind_interdomain(env, arg, res);
	case EVTCHNOP_bind_virq:
		return bind_virq(env, arg, res);
	case EVTCHNOP_bind_ipi:
		return bind_ipi(env, arg, res);
	case EVTCHNOP_bind_pirq: {
		struct evtchn_bind_pirq b;

		if (gva_read(env, res, arg, &b, sizeof(b)))
			return -XEN_EFAULT;
		/* As a Xen built without CONFIG_HAS_PIRQ: no physical IRQs. */
		hcall_note(res, "no PIRQs to bind");
		return -XEN_EOPNOTSUPP;
	}
	case EVTCHNOP_close:
		return evtchn_close(env, arg, res);
	case EVTCHNOP_send:
		return evtchn_send(env, arg, res);
	case EVTCHNOP_status:
		return evtchn_status(env, arg, res);
	case EVTCHNOP_bind_vcpu:
		return bind_vcpu(env, arg, res);
	case EVTCHNOP_unmask:
		return evtchn_unmask(env, arg, res);
	case EVTCHNOP_reset:
	case EVTCHNOP_reset_cont:
		return evtchn_reset(env, cmd, arg, res);
	case EVTCHNOP_init_control:
	case EVTCHNOP_expand_array:
	case EVTCHNOP_set_priority:
		/* Linux then stays with 2-level event channels. */
		hcall_note(res, "KVM delivers 2-level events only; Xen offers FIFO");
		return -XEN_ENOSYS;
	default:
		return -XEN_ENOSYS;
	}
}
