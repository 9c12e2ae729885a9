// SPDX-License-Identifier: GPL-2.0
/*
 * event_channel_op, HVMOP_set_evtchn_upcall_vector and SCHEDOP_block against
 * a fake KVM: Xen's return codes, the port table's bounds and buckets, the
 * word-size limits, what KVM is asked and when, and the queueing of events
 * until shared_info exists.
 */
#include <setjmp.h>
#include <stdint.h>	/* the Xen headers need it first */
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/sched.h>

#include "evtchn_helpers.h"

/* ------------------------------------------------------------ allocation */

/* The lowest free port from 1, a freed one first; the vCPU must exist. */
static void test_bind_ipi_lowest_free(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(bind_ipi(f, 0), 1);
	assert_int_equal(bind_ipi(f, 0), 2);
	assert_int_equal(bind_ipi(f, 0), 3);
	assert_int_equal(port_op(f, EVTCHNOP_close, 2), 0);
	assert_int_equal(bind_ipi(f, 0), 2);
	assert_int_equal(bind_ipi(f, 1), -XEN_ENOENT);
	assert_int_equal(bind_ipi(f, 0xffffffff), -XEN_ENOENT);
	assert_int_equal(bind_ipi(f, 0), 4);
	assert_string_equal(f->line,
		"hcall event_channel_op(bind_ipi, vcpu 0) longmode=1: port 4 -> 0");
	/* no shared_info yet: nothing for KVM */
	assert_int_equal(f->kvm.nr_hvm_set, 0);
	assert_int_equal(f->kvm.nr_sends, 0);
}

/* Once shared_info exists, an IPI goes to KVM so that sends stay there. */
static void test_bind_ipi_in_kvm(void **state)
{
	struct fixture *f = *state;
	const struct kvm_xen_hvm_attr *a;

	assert_int_equal(map_shinfo(f), 0);
	assert_int_equal(bind_ipi(f, 0), 1);
	a = evtchn_attr(f, 0);
	assert_int_equal(a->u.evtchn.send_port, 1);
	assert_int_equal(a->u.evtchn.type, EVTCHNSTAT_ipi);
	assert_int_equal(a->u.evtchn.flags, 0);
	assert_int_equal(a->u.evtchn.deliver.port.port, 1);
	assert_int_equal(a->u.evtchn.deliver.port.vcpu, 0);
	assert_int_equal(a->u.evtchn.deliver.port.priority,
			 KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL);
	assert_string_equal(f->line,
		"hcall event_channel_op(bind_ipi, vcpu 0) longmode=1: "
		"KVM_XEN_HVM_SET_ATTR(EVTCHN, assign ipi 1 -> port 1 vcpu 0) = 0; "
		"port 1 -> 0");
	assert_true(f->env.st.ports[1].in_kvm);

	/* KVM refusing: the VMM keeps the port and answers sends itself */
	f->kvm.hvm_set_ret[KVM_XEN_ATTR_TYPE_EVTCHN] = -EEXIST;
	assert_int_equal(bind_ipi(f, 0), 2);
	assert_false(f->env.st.ports[2].in_kvm);
	assert_int_equal(port_op(f, EVTCHNOP_send, 2), 0);
	assert_int_equal(f->kvm.nr_sends, 1);
	assert_int_equal(f->kvm.sends[0].port, 2);
}

/* Ports come a bucket of 64 at a time: status tells the two apart. */
static void test_buckets(void **state)
{
	struct fixture *f = *state;
	struct evtchn_status s;
	unsigned int i;

	assert_int_equal(status(f, DOMID_SELF, 63, &s), 0);
	assert_int_equal(s.status, EVTCHNSTAT_closed);
	assert_int_equal(status(f, DOMID_SELF, 64, &s), -XEN_EINVAL);
	for (i = 1; i < 64; i++)
		assert_int_equal(alloc_unbound(f, DOMID_SELF, DOMID_SELF), i);
	assert_int_equal(f->env.st.valid_ports, 0);
	assert_int_equal(alloc_unbound(f, DOMID_SELF, DOMID_SELF), 64);
	assert_int_equal(f->env.st.valid_ports, 128);
	assert_int_equal(status(f, DOMID_SELF, 127, &s), 0);
	assert_int_equal(s.status, EVTCHNSTAT_closed);
	assert_int_equal(status(f, DOMID_SELF, 128, &s), -XEN_EINVAL);
	/* a port outside every bucket is no port for any op */
	assert_int_equal(port_op(f, EVTCHNOP_close, 128), -XEN_EINVAL);
	assert_int_equal(port_op(f, EVTCHNOP_send, 0xffffffff), -XEN_EINVAL);
	assert_int_equal(port_op(f, EVTCHNOP_unmask, 4096), -XEN_EINVAL);
	assert_int_equal(port_op(f, EVTCHNOP_unmask, 1u << 31), -XEN_EINVAL);
}

/*
 * The 2-level limit follows the word size KVM has latched: 1024 ports
 * for a 32-bit guest, 4096 for a 64-bit one.  Ports bound before a switch
 * to 32 bits stay valid, as in Xen.
 */
static void test_word_size_limits(void **state)
{
	struct fixture *f = *state;
	struct evtchn_status s;
	unsigned int i;

	f->kvm.long_mode = 0;
	for (i = 1; i < 1024; i++)
		assert_int_equal(alloc_unbound(f, DOMID_SELF, 0), i);
	assert_int_equal(alloc_unbound(f, DOMID_SELF, 0), -XEN_ENOSPC);
	assert_int_equal(bind_ipi(f, 0), -XEN_ENOSPC);
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), -XEN_ENOSPC);
	assert_int_equal(f->env.st.vcpu[0].virq_port[VIRQ_TIMER], 0);
	f->kvm.long_mode = 1;
	for (i = 1024; i < 4096; i++)
		assert_int_equal(alloc_unbound(f, DOMID_SELF, 0), i);
	assert_int_equal(alloc_unbound(f, DOMID_SELF, 0), -XEN_ENOSPC);
	assert_int_equal(bind_interdomain(f, DOMID_SELF, 5), -XEN_ENOSPC);
	assert_int_equal(f->env.st.valid_ports, 4096);
	f->kvm.long_mode = 0;
	assert_int_equal(status(f, DOMID_SELF, 4095, &s), 0);
	assert_int_equal(s.status, EVTCHNSTAT_unbound);
	assert_int_equal(port_op(f, EVTCHNOP_close, 4000), 0);
	assert_int_equal(alloc_unbound(f, DOMID_SELF, 0), -XEN_ENOSPC);
	assert_int_equal(port_op(f, EVTCHNOP_close, 1000), 0);
	assert_int_equal(alloc_unbound(f, DOMID_SELF, 0), 1000);
	/* KVM failing to say: its default, the 32-bit layout */
	f->kvm.long_mode = 1;
	f->kvm.hvm_get_ret = -EIO;
	assert_int_equal(port_op(f, EVTCHNOP_close, 1500), 0);
	assert_int_equal(alloc_unbound(f, DOMID_SELF, 0), -XEN_ENOSPC);
}

/*
 * A port KVM has at or beyond 1024 after a switch to 32 bits: KVM refuses
 * to deassign it by number, so all are reset and the rest registered again.
 */
static void test_close_beyond_latch(void **state)
{
	struct fixture *f = *state;
	unsigned int i, n;

	f->kvm.long_mode = 1;
	assert_int_equal(map_shinfo(f), 0);
	for (i = 1; i < 1100; i++)
		assert_int_equal(alloc_unbound(f, DOMID_SELF, 0), i);
	assert_int_equal(bind_ipi(f, 0), 1100);
	assert_int_equal(port_op(f, EVTCHNOP_close, 5), 0);
	assert_int_equal(bind_ipi(f, 0), 5);
	assert_int_equal(bind_ipi(f, 0), 1101);
	n = f->kvm.nr_hvm_set;
	f->kvm.long_mode = 0;
	assert_int_equal(port_op(f, EVTCHNOP_close, 1100), 0);
	assert_int_equal(f->kvm.hvm_set[n].u.evtchn.flags,
			 KVM_XEN_EVTCHN_RESET);
	assert_int_equal(f->kvm.hvm_set[n + 1].u.evtchn.send_port, 5);
	assert_int_equal(f->kvm.hvm_set[n + 1].u.evtchn.flags, 0);
	assert_int_equal(f->kvm.hvm_set[n + 2].u.evtchn.send_port, 1101);
	assert_int_equal(f->kvm.nr_hvm_set, n + 3);
	assert_non_null(strstr(f->line, "beyond the 32-bit layout"));
	/* one below the limit is deassigned by number */
	assert_int_equal(port_op(f, EVTCHNOP_close, 5), 0);
	assert_int_equal(f->kvm.hvm_set[n + 3].u.evtchn.flags,
			 KVM_XEN_EVTCHN_DEASSIGN);
	assert_int_equal(f->kvm.hvm_set[n + 3].u.evtchn.send_port, 5);
}

/* ------------------------------------------------------- unbound, loopback */

static void test_alloc_unbound(void **state)
{
	struct fixture *f = *state;
	struct evtchn_status s;

	assert_int_equal(alloc_unbound(f, DOMID_SELF, DOMID_SELF), 1);
	assert_int_equal(status(f, DOMID_SELF, 1, &s), 0);
	assert_int_equal(s.status, EVTCHNSTAT_unbound);
	assert_int_equal(s.u.unbound.dom, HCALL_DOMID);	/* DOMID_SELF stored as us */
	assert_int_equal(alloc_unbound(f, HCALL_DOMID, 7), 2);
	assert_int_equal(status(f, HCALL_DOMID, 2, &s), 0);
	assert_int_equal(s.u.unbound.dom, 7);
	/* no other domain exists */
	assert_int_equal(alloc_unbound(f, 0, DOMID_SELF), -XEN_ESRCH);
	assert_int_equal(alloc_unbound(f, 5, DOMID_SELF), -XEN_ESRCH);
	assert_int_equal(status(f, 5, 1, &s), -XEN_ESRCH);
	/* the argument unreadable; written back faulting: the port stays */
	assert_int_equal(hc(f, true, __HYPERVISOR_event_channel_op,
			    EVTCHNOP_alloc_unbound, RAM_SIZE - 7, 0),
			 -XEN_EFAULT);
	fake_map(&f->kvm, 0x80000000, 0x5000);
	assert_int_equal(alloc_unbound(f, DOMID_SELF, 0), 3);
	/* a send on an unbound port is dropped, not refused */
	assert_int_equal(port_op(f, EVTCHNOP_send, 1), 0);
	assert_non_null(strstr(f->line, "unbound: dropped"));
	assert_int_equal(f->kvm.nr_sends, 0);
}

/*
 * The DOMID_SELF loopback: both ends interdomain, the local one always
 * set pending, and each end registered with KVM to raise the other.
 */
static void test_interdomain_loopback(void **state)
{
	struct fixture *f = *state;
	const struct kvm_xen_hvm_attr *a;
	struct evtchn_status s;

	assert_int_equal(map_shinfo(f), 0);
	assert_int_equal(alloc_unbound(f, DOMID_SELF, DOMID_SELF), 1);
	assert_int_equal(bind_interdomain(f, DOMID_SELF, 1), 2);
	a = evtchn_attr(f, 0);
	assert_int_equal(a->u.evtchn.send_port, 2);
	assert_int_equal(a->u.evtchn.type, EVTCHNSTAT_interdomain);
	assert_int_equal(a->u.evtchn.deliver.port.port, 1);
	a = evtchn_attr(f, 1);
	assert_int_equal(a->u.evtchn.send_port, 1);
	assert_int_equal(a->u.evtchn.deliver.port.port, 2);
	assert_int_equal(f->kvm.nr_sends, 1);
	assert_int_equal(f->kvm.sends[0].port, 2);
	assert_int_equal(f->kvm.sends[0].vcpu, 0);
	assert_int_equal(f->kvm.sends[0].priority,
			 KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL);

	assert_int_equal(status(f, DOMID_SELF, 2, &s), 0);
	assert_int_equal(s.status, EVTCHNSTAT_interdomain);
	assert_int_equal(s.u.interdomain.dom, HCALL_DOMID);
	assert_int_equal(s.u.interdomain.port, 1);
	assert_int_equal(status(f, DOMID_SELF, 1, &s), 0);
	assert_int_equal(s.u.interdomain.port, 2);

	/* not unbound any more, never a port, not offered to us, no domain */
	assert_int_equal(bind_interdomain(f, DOMID_SELF, 1), -XEN_EINVAL);
	assert_int_equal(bind_interdomain(f, DOMID_SELF, 0), -XEN_EINVAL);
	assert_int_equal(bind_interdomain(f, DOMID_SELF, 5000), -XEN_EINVAL);
	assert_int_equal(alloc_unbound(f, DOMID_SELF, 7), 3);
	assert_int_equal(bind_interdomain(f, DOMID_SELF, 3), -XEN_EINVAL);
	assert_int_equal(bind_interdomain(f, 5, 3), -XEN_ESRCH);
	/* the failed binds took no port */
	assert_int_equal(bind_ipi(f, 0), 4);

	/* a send on one end raises the other, should KVM pass it up */
	assert_int_equal(port_op(f, EVTCHNOP_send, 1), 0);
	assert_int_equal(f->kvm.sends[1].port, 2);
	assert_non_null(strstr(f->line, "KVM did not deliver it in the kernel"));
}

/* Closing an end: the other waits for a partner again, and KVM lets go. */
static void test_close_interdomain(void **state)
{
	struct fixture *f = *state;
	struct evtchn_status s;
	unsigned int n;

	f->kvm.long_mode = 1;
	assert_int_equal(map_shinfo(f), 0);
	alloc_unbound(f, DOMID_SELF, DOMID_SELF);
	assert_int_equal(bind_interdomain(f, DOMID_SELF, 1), 2);
	set_ram_bit(f, PENDING, 2);
	set_ram_bit(f, MASK64, 2);
	n = f->kvm.nr_hvm_set;
	assert_int_equal(port_op(f, EVTCHNOP_close, 2), 0);
	assert_int_equal(f->kvm.nr_hvm_set, n + 2);
	assert_int_equal(f->kvm.hvm_set[n].u.evtchn.flags,
			 KVM_XEN_EVTCHN_DEASSIGN);
	assert_int_equal(f->kvm.hvm_set[n].u.evtchn.send_port, 2);
	assert_int_equal(f->kvm.hvm_set[n + 1].u.evtchn.send_port, 1);
	/* Xen's evtchn_free(): the pending bit goes, the mask stays */
	assert_false(ram_bit(f, PENDING, 2));
	assert_true(ram_bit(f, MASK64, 2));
	assert_int_equal(status(f, DOMID_SELF, 1, &s), 0);
	assert_int_equal(s.status, EVTCHNSTAT_unbound);
	assert_int_equal(s.u.unbound.dom, HCALL_DOMID);
	assert_int_equal(status(f, DOMID_SELF, 2, &s), 0);
	assert_int_equal(s.status, EVTCHNSTAT_closed);
	/* and it can be bound again */
	assert_int_equal(bind_interdomain(f, DOMID_SELF, 1), 2);
}

/* ---------------------------------------------------------- codes */

static void test_close_codes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(port_op(f, EVTCHNOP_close, 0), -XEN_EINVAL);
	assert_int_equal(port_op(f, EVTCHNOP_close, 1), -XEN_EINVAL);
	assert_int_equal(port_op(f, EVTCHNOP_close, 64), -XEN_EINVAL);
	assert_int_equal(bind_ipi(f, 0), 1);
	assert_int_equal(port_op(f, EVTCHNOP_close, 1), 0);
	assert_int_equal(port_op(f, EVTCHNOP_close, 1), -XEN_EINVAL);
	assert_int_equal(hc(f, true, __HYPERVISOR_event_channel_op,
			    EVTCHNOP_close, RAM_SIZE - 3, 0), -XEN_EFAULT);
}

/* What EVTCHNOP_send gives when it reaches the VMM (D.2). */
static void test_send_codes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(port_op(f, EVTCHNOP_send, 0), -XEN_EINVAL);
	assert_int_equal(port_op(f, EVTCHNOP_send, 1), -XEN_EINVAL);
	assert_int_equal(bind_virq(f, VIRQ_DEBUG, 0), 1);
	assert_int_equal(port_op(f, EVTCHNOP_send, 1), -XEN_EINVAL);
	assert_int_equal(hc(f, false, __HYPERVISOR_event_channel_op,
			    EVTCHNOP_send, RAM_SIZE - 2, 0), -XEN_EFAULT);
	assert_int_equal(bind_ipi(f, 0), 2);
	assert_int_equal(f->kvm.nr_hvm_set, 0);

	/* KVM failing to raise it: Xen would have, so still 0 */
	assert_int_equal(map_shinfo(f), 0);
	f->kvm.send_ret = -EINVAL;
	f->env.st.ports[2].in_kvm = false;
	assert_int_equal(port_op(f, EVTCHNOP_send, 2), 0);
	assert_non_null(strstr(f->line,
		"KVM_XEN_HVM_EVTCHN_SEND(port 2, vcpu 0) = -EINVAL; Xen sets it pending"));
}

static void test_status(void **state)
{
	struct fixture *f = *state;
	struct evtchn_status s;

	/* port 0 is reserved: closed to the guest */
	assert_int_equal(status(f, DOMID_SELF, 0, &s), 0);
	assert_int_equal(s.status, EVTCHNSTAT_closed);
	assert_int_equal(s.vcpu, 0);
	assert_int_equal(bind_ipi(f, 0), 1);
	assert_int_equal(bind_virq(f, VIRQ_XENPMU, 0), 2);
	/* Xen writes the state's fields only: the rest comes back as given */
	memset(f->ram + ARG, 0xaa, 24);
	put32(f, ARG, DOMID_SELF);
	put32(f, ARG + 4, 1);
	assert_int_equal(hc(f, true, __HYPERVISOR_event_channel_op,
			    EVTCHNOP_status, ARG, 0), 0);
	assert_int_equal(get32(f, ARG + 8), EVTCHNSTAT_ipi);
	assert_int_equal(get32(f, ARG + 12), 0);
	assert_int_equal(get64(f, ARG + 16), 0xaaaaaaaaaaaaaaaaull);
	assert_int_equal(status(f, DOMID_SELF, 2, &s), 0);
	assert_int_equal(s.status, EVTCHNSTAT_virq);
	assert_int_equal(s.u.virq, VIRQ_XENPMU);
	assert_string_equal(f->line,
		"hcall event_channel_op(status, dom 0x7ff0, port 2) longmode=1: "
		"status 4 vcpu 0 -> 0");
	assert_int_equal(hc(f, true, __HYPERVISOR_event_channel_op,
			    EVTCHNOP_status, RAM_SIZE - 23, 0), -XEN_EFAULT);
}

/* Xen's checks in Xen's order, for the version the VMM plays. */
static void test_bind_virq_codes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), -XEN_EEXIST);
	/* a per-vCPU VIRQ on a vCPU that is not there */
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 1000), -XEN_ENOENT);
	assert_int_equal(bind_virq(f, VIRQ_DEBUG, 1), -XEN_ENOENT);
	assert_int_equal(bind_virq(f, NR_VIRQS, 0), -XEN_EINVAL);
	assert_int_equal(bind_virq(f, 0xffffffff, 0), -XEN_EINVAL);
	/* a global one on vCPU 1: -EINVAL before the vCPU is looked at */
	assert_int_equal(bind_virq(f, VIRQ_CONSOLE, 1), -XEN_EINVAL);
	/* 4.17 lets a domU bind a global VIRQ nobody raises ... */
	assert_int_equal(bind_virq(f, VIRQ_CONSOLE, 0), 2);
	assert_int_equal(bind_virq(f, VIRQ_ARGO, 0), 3);
	/* ... 4.21 gives it to the hardware domain; ARGO is the domain's */
	f->env.xen_minor = 21;
	assert_int_equal(bind_virq(f, VIRQ_DOM_EXC, 0), -XEN_EBUSY);
	assert_int_equal(bind_virq(f, VIRQ_ARCH_0, 0), -XEN_EBUSY);
	assert_int_equal(bind_virq(f, VIRQ_ARGO, 0), -XEN_EEXIST);
	assert_int_equal(port_op(f, EVTCHNOP_close, 3), 0);
	assert_int_equal(bind_virq(f, VIRQ_ARGO, 0), 3);
	assert_int_equal(bind_virq(f, VIRQ_ARGO, 1), -XEN_EINVAL);
	/* closing frees the VIRQ for another bind */
	assert_int_equal(port_op(f, EVTCHNOP_close, 1), 0);
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
}

static void test_bind_vcpu(void **state)
{
	struct fixture *f = *state;
	struct evtchn_bind_vcpu b = { .port = 1, .vcpu = 0 };
	unsigned int n;

	assert_int_equal(map_shinfo(f), 0);
	assert_int_equal(bind_ipi(f, 0), 1);
	assert_int_equal(evtchn(f, true, EVTCHNOP_bind_vcpu, &b, sizeof(b)),
			 -XEN_EINVAL);
	b.vcpu = 1;
	assert_int_equal(evtchn(f, true, EVTCHNOP_bind_vcpu, &b, sizeof(b)),
			 -XEN_ENOENT);
	/* the vCPU before the port */
	b.port = 9999;
	assert_int_equal(evtchn(f, true, EVTCHNOP_bind_vcpu, &b, sizeof(b)),
			 -XEN_ENOENT);
	b.vcpu = 0;
	assert_int_equal(evtchn(f, true, EVTCHNOP_bind_vcpu, &b, sizeof(b)),
			 -XEN_EINVAL);
	b.port = 0;
	assert_int_equal(evtchn(f, true, EVTCHNOP_bind_vcpu, &b, sizeof(b)),
			 -XEN_EINVAL);
	/* a per-vCPU VIRQ stays; a global one moves */
	b.port = bind_virq(f, VIRQ_TIMER, 0);
	assert_int_equal(evtchn(f, true, EVTCHNOP_bind_vcpu, &b, sizeof(b)),
			 -XEN_EINVAL);
	b.port = bind_virq(f, VIRQ_TBUF, 0);
	assert_int_equal(evtchn(f, true, EVTCHNOP_bind_vcpu, &b, sizeof(b)), 0);
	/* an interdomain end: KVM's registration of the other end follows */
	b.port = alloc_unbound(f, DOMID_SELF, DOMID_SELF);
	assert_int_equal(evtchn(f, true, EVTCHNOP_bind_vcpu, &b, sizeof(b)), 0);
	b.port = bind_interdomain(f, DOMID_SELF, b.port);
	n = f->kvm.nr_hvm_set;
	assert_int_equal(evtchn(f, true, EVTCHNOP_bind_vcpu, &b, sizeof(b)), 0);
	assert_int_equal(f->kvm.nr_hvm_set, n + 1);
	assert_int_equal(f->kvm.hvm_set[n].u.evtchn.flags,
			 KVM_XEN_EVTCHN_UPDATE);
	assert_int_equal(f->kvm.hvm_set[n].u.evtchn.send_port, b.port - 1);
	assert_int_equal(f->kvm.hvm_set[n].u.evtchn.deliver.port.port, b.port);
}

static void test_reset(void **state)
{
	struct fixture *f = *state;
	struct evtchn_reset r = { .dom = 5 };
	struct evtchn_status s;
	const struct kvm_xen_vcpu_attr *t;
	unsigned int port;

	assert_int_equal(map_shinfo(f), 0);
	assert_int_equal(bind_ipi(f, 0), 1);
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 2);
	port = alloc_unbound(f, DOMID_SELF, DOMID_SELF);
	assert_int_equal(bind_interdomain(f, DOMID_SELF, port), 4);
	assert_int_equal(evtchn(f, true, EVTCHNOP_reset, &r, sizeof(r)),
			 -XEN_ESRCH);
	/* the continuation of a reset that is not running */
	r.dom = DOMID_SELF;
	assert_int_equal(evtchn(f, true, 14, &r, sizeof(r)), -XEN_EBUSY);
	assert_int_equal(evtchn(f, true, EVTCHNOP_reset, &r, sizeof(r)), 0);
	assert_int_equal(hvm_sets(f, KVM_XEN_ATTR_TYPE_EVTCHN), 4);
	assert_int_equal(f->kvm.hvm_set[f->kvm.nr_hvm_set - 1].u.evtchn.flags,
			 KVM_XEN_EVTCHN_RESET);
	t = last_vcpu_set(f, KVM_XEN_VCPU_ATTR_TYPE_TIMER);
	assert_non_null(t);
	assert_int_equal(t->u.timer.port, 0);
	for (port = 1; port < 64; port++) {
		assert_int_equal(status(f, DOMID_SELF, port, &s), 0);
		assert_int_equal(s.status, EVTCHNSTAT_closed);
	}
	assert_int_equal(f->env.st.vcpu[0].virq_port[VIRQ_TIMER], 0);
	assert_int_equal(bind_virq(f, VIRQ_TIMER, 0), 1);
	assert_int_equal(hc(f, true, __HYPERVISOR_event_channel_op,
			    EVTCHNOP_reset, RAM_SIZE - 1, 0), -XEN_EFAULT);
}

static void test_other_cmds(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[24] = { 0 };
	unsigned int cmd;

	/* FIFO: KVM delivers 2-level only; Linux stays with that */
	for (cmd = EVTCHNOP_init_control; cmd <= EVTCHNOP_set_priority; cmd++)
		assert_int_equal(evtchn(f, true, cmd, buf, sizeof(buf)),
				 -XEN_ENOSYS);
	assert_non_null(strstr(f->line, "2-level events only"));
	/* no physical IRQs: as a Xen without CONFIG_HAS_PIRQ */
	assert_int_equal(evtchn(f, true, EVTCHNOP_bind_pirq, buf, 12),
			 -XEN_EOPNOTSUPP);
	assert_int_equal(hc(f, true, __HYPERVISOR_event_channel_op,
			    EVTCHNOP_bind_pirq, RAM_SIZE - 11, 0), -XEN_EFAULT);
	assert_int_equal(evtchn(f, true, 15, buf, 4), -XEN_ENOSYS);
	/* the command is an int: no upper half, whoever calls */
	memset(buf, 0, sizeof(buf));
	memcpy(f->ram + ARG, buf, 8);
	assert_int_equal(hc(f, true, __HYPERVISOR_event_channel_op,
			    HI32 | EVTCHNOP_bind_ipi, ARG, 0), 0);
	assert_int_equal(hc(f, false, __HYPERVISOR_event_channel_op,
			    HI32 | EVTCHNOP_bind_ipi, HI32 | ARG, 0), 0);
	assert_int_equal(get32(f, ARG + 4), 2);
	assert_int_equal(f->kvm.nr_hvm_set, 0);
}

/* ---------------------------------------------------------- unmask */

/*
 * Xen's evtchn_2l_unmask() in the 64-bit layout: mask at 0xa00, the
 * selector at vcpu_info+8 with a bit per 64 ports.
 */
static void test_unmask_native(void **state)
{
	struct fixture *f = *state;

	f->kvm.long_mode = 1;
	assert_int_equal(map_shinfo(f), 0);
	assert_int_equal(bind_ipi(f, 0), 1);
	while (bind_ipi(f, 0) < 70)
		;
	set_ram_bit(f, PENDING, 70);
	set_ram_bit(f, MASK64, 70);
	set_ram_bit(f, MASK32, 70);
	assert_int_equal(port_op(f, EVTCHNOP_unmask, 70), 0);
	assert_false(ram_bit(f, MASK64, 70));
	assert_true(ram_bit(f, MASK32, 70));		/* the other layout's */
	assert_int_equal(get64(f, VI + 8), 1ull << 1);
	assert_int_equal(get32(f, VI + 4), 0);
	assert_int_equal(f->ram[VI], 1);
	assert_int_equal(f->kvm.nr_sends, 0);
	assert_int_equal(f->kvm.nr_msis, 0);	/* the global vector: KVM sees it */

	/* not masked: nothing, even though pending */
	f->ram[VI] = 0;
	put64(f, VI + 8, 0);
	assert_int_equal(port_op(f, EVTCHNOP_unmask, 70), 0);
	assert_int_equal(get64(f, VI + 8), 0);
	assert_int_equal(f->ram[VI], 0);
	/* masked, not pending: only the mask goes */
	set_ram_bit(f, MASK64, 69);
	assert_int_equal(port_op(f, EVTCHNOP_unmask, 69), 0);
	assert_false(ram_bit(f, MASK64, 69));
	assert_int_equal(get64(f, VI + 8), 0);
	/* the selector bit already set: no new upcall */
	set_ram_bit(f, MASK64, 70);
	put64(f, VI + 8, 1ull << 1);
	assert_int_equal(port_op(f, EVTCHNOP_unmask, 70), 0);
	assert_int_equal(f->ram[VI], 0);
	/* a free port is no channel: its mask stays (evtchn_usable) */
	set_ram_bit(f, MASK64, 100);
	assert_int_equal(port_op(f, EVTCHNOP_unmask, 100), 0);
	assert_true(ram_bit(f, MASK64, 100));
	assert_int_equal(port_op(f, EVTCHNOP_unmask, 0), 0);
}

/* The 32-bit layout: mask at 0x880, selector at +4, a bit per 32 ports. */
static void test_unmask_compat(void **state)
{
	struct fixture *f = *state;

	f->kvm.long_mode = 0;
	assert_int_equal(map_shinfo(f), 0);
	while (bind_ipi(f, 0) < 70)
		;
	put64(f, VI + 8, 0x5555);
	set_ram_bit(f, PENDING, 70);
	set_ram_bit(f, MASK32, 70);
	put32(f, ARG, 70);
	assert_int_equal(hc(f, false, __HYPERVISOR_event_channel_op,
			    HI32 | EVTCHNOP_unmask, HI32 | ARG, 0), 0);
	assert_false(ram_bit(f, MASK32, 70));
	assert_int_equal(get32(f, VI + 4), 1u << 2);
	assert_int_equal(get64(f, VI + 8), 0x5555);	/* arch.cr2 untouched */
	assert_int_equal(f->ram[VI], 1);
	assert_non_null(strstr(f->line, "selector bit 2 set"));
}

/* Before shared_info nothing can be masked; without vcpu_info, no upcall. */
static void test_unmask_no_page(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(bind_ipi(f, 0), 1);
	assert_int_equal(port_op(f, EVTCHNOP_unmask, 1), 0);
	assert_int_equal(f->kvm.nr_hvm_set, 0);
	/* shared_info whose memory went away */
	f->layout.holes[0] = (struct mem_range){ SHINFO, 0x1000 };
	f->layout.nr_holes = 1;
	f->env.st.shinfo_mapped = true;
	f->env.st.shinfo_gfn = SHINFO_GFN;
	assert_int_equal(port_op(f, EVTCHNOP_unmask, 1), 0);
	assert_non_null(strstr(f->line, "shared_info is not RAM"));
	assert_int_equal(port_op(f, EVTCHNOP_close, 1), 0);
	assert_non_null(strstr(f->line, "pending bit left"));
}

/* A per-vCPU vector is injected on the upcall's 0 -> 1, as Xen does. */
static void test_unmask_vcpu_vector(void **state)
{
	struct fixture *f = *state;
	struct xen_hvm_evtchn_upcall_vector v = { .vcpu = 0, .vector = 0xe0 };

	f->kvm.long_mode = 1;
	f->kvm.lapic_enabled = 1;
	assert_int_equal(map_shinfo(f), 0);
	memcpy(f->ram + ARG, &v, sizeof(v));
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op,
			    HVMOP_set_evtchn_upcall_vector, ARG, 0), 0);
	assert_int_equal(f->kvm.nr_msis, 1);
	assert_int_equal(bind_ipi(f, 0), 1);
	set_ram_bit(f, PENDING, 1);
	set_ram_bit(f, MASK64, 1);
	assert_int_equal(port_op(f, EVTCHNOP_unmask, 1), 0);
	assert_int_equal(f->kvm.nr_msis, 2);
	assert_int_equal(f->kvm.msis[1].vector, 0xe0);
	assert_int_equal(f->kvm.msis[1].apic_id, 0);
	/* upcall_pending already 1: Xen injects nothing */
	put64(f, VI + 8, 0);
	set_ram_bit(f, MASK64, 1);
	assert_int_equal(port_op(f, EVTCHNOP_unmask, 1), 0);
	assert_int_equal(get64(f, VI + 8), 1);
	assert_int_equal(f->kvm.nr_msis, 2);
}

/* ------------------------------------------------ before shared_info */

/*
 * Xen has shared_info from domain creation: ports bound and raised before
 * the guest maps it are pending once it does.  KVM must not be asked
 * anything before SHARED_INFO (it warns); then the VMM registers the ports
 * and raises what was raised, once each.
 */
static void test_queue_until_shinfo(void **state)
{
	struct fixture *f = *state;
	const struct kvm_xen_hvm_attr *a;
	unsigned int port;

	assert_int_equal(bind_ipi(f, 0), 1);
	port = alloc_unbound(f, DOMID_SELF, DOMID_SELF);
	assert_int_equal(bind_interdomain(f, DOMID_SELF, port), 3);
	assert_non_null(strstr(f->line,
		"port 3 pending once shared_info is mapped"));
	assert_int_equal(port_op(f, EVTCHNOP_send, 1), 0);
	assert_int_equal(port_op(f, EVTCHNOP_send, 1), 0);
	assert_int_equal(bind_ipi(f, 0), 4);
	assert_int_equal(port_op(f, EVTCHNOP_send, 4), 0);
	/* closed before the page: its event goes with it */
	assert_int_equal(port_op(f, EVTCHNOP_close, 4), 0);
	assert_int_equal(f->kvm.nr_hvm_set, 0);
	assert_int_equal(f->kvm.nr_vcpu_set, 0);
	assert_int_equal(f->kvm.nr_sends, 0);

	assert_int_equal(map_shinfo(f), 0);
	/* SHARED_INFO, then vcpu_info, then the ports, then the events */
	assert_int_equal(f->kvm.hvm_set[0].type, KVM_XEN_ATTR_TYPE_SHARED_INFO);
	assert_int_equal(f->kvm.vcpu_set[0].type,
			 KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO);
	assert_int_equal(f->kvm.vcpu_set[0].u.gpa, SHINFO);
	assert_int_equal(hvm_sets(f, KVM_XEN_ATTR_TYPE_EVTCHN), 3);
	a = evtchn_attr(f, 0);
	assert_int_equal(a->u.evtchn.send_port, 1);
	assert_int_equal(a->u.evtchn.type, EVTCHNSTAT_ipi);
	assert_int_equal(evtchn_attr(f, 1)->u.evtchn.send_port, 2);
	assert_int_equal(evtchn_attr(f, 2)->u.evtchn.send_port, 3);
	assert_int_equal(f->kvm.nr_sends, 2);
	assert_int_equal(f->kvm.sends[0].port, 1);
	assert_int_equal(f->kvm.sends[1].port, 3);
	assert_false(f->env.st.any_early);
	/* mapped again (elsewhere): nothing to do twice */
	assert_int_equal(map_shinfo(f), 0);
	assert_int_equal(hvm_sets(f, KVM_XEN_ATTR_TYPE_EVTCHN), 3);
	assert_int_equal(f->kvm.nr_sends, 2);
}

/* KVM refusing SHARED_INFO: still nothing asked, still queued. */
static void test_queue_shinfo_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(bind_ipi(f, 0), 1);
	assert_int_equal(port_op(f, EVTCHNOP_send, 1), 0);
	f->kvm.hvm_set_ret[KVM_XEN_ATTR_TYPE_SHARED_INFO] = -EFAULT;
	assert_int_equal(map_shinfo(f), -XEN_EFAULT);
	assert_int_equal(hvm_sets(f, KVM_XEN_ATTR_TYPE_EVTCHN), 0);
	assert_int_equal(f->kvm.nr_sends, 0);
	assert_true(f->env.st.ports[1].early);
	f->kvm.hvm_set_ret[KVM_XEN_ATTR_TYPE_SHARED_INFO] = 0;
	assert_int_equal(map_shinfo(f), 0);
	assert_int_equal(f->kvm.nr_sends, 1);
}

/* ------------------------------------------------ upcall vector, block */

static void test_upcall_vector_codes(void **state)
{
	struct fixture *f = *state;
	struct xen_hvm_evtchn_upcall_vector v = { .vcpu = 0, .vector = 0x0f };
	const struct kvm_xen_vcpu_attr *a;

	memcpy(f->ram + ARG, &v, sizeof(v));
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op,
			    HVMOP_set_evtchn_upcall_vector, ARG, 0),
			 -XEN_EINVAL);
	v.vector = 0;
	memcpy(f->ram + ARG, &v, sizeof(v));
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op,
			    HVMOP_set_evtchn_upcall_vector, ARG, 0),
			 -XEN_EINVAL);
	/* the vector before the vCPU */
	v.vcpu = 1000;
	memcpy(f->ram + ARG, &v, sizeof(v));
	assert_int_equal(hc(f, true, __HYPERVISOR_hvm_op,
			    HVMOP_set_evtchn_upcall_vector, ARG, 0),
			 -XEN_EINVAL);
	v.vector = 0x10;
	memcpy(f->ram + ARG, &v, sizeof(v));
	assert_int_equal(hc(f, false, __HYPERVISOR_hvm_op,
			    HVMOP_set_evtchn_upcall_vector, ARG, 0),
			 -XEN_ENOENT);
	assert_int_equal(hc(f, false, __HYPERVISOR_hvm_op,
			    HVMOP_set_evtchn_upcall_vector, RAM_SIZE - 7, 0),
			 -XEN_EFAULT);
	assert_int_equal(f->kvm.nr_vcpu_set, 0);

	/* the LAPIC disabled: no injection; Xen 4.17 would set IRR */
	v.vcpu = 0;
	memcpy(f->ram + ARG, &v, sizeof(v));
	assert_int_equal(hc(f, false, __HYPERVISOR_hvm_op,
			    HVMOP_set_evtchn_upcall_vector, ARG, 0), 0);
	a = last_vcpu_set(f, KVM_XEN_VCPU_ATTR_TYPE_UPCALL_VECTOR);
	assert_non_null(a);
	assert_int_equal(a->u.vector, 0x10);
	assert_int_equal(f->kvm.nr_msis, 0);
	assert_string_equal(f->line,
		"hcall hvm_op(set_evtchn_upcall_vector, vcpu 0, vector 0x10) longmode=0: "
		"KVM_XEN_VCPU_SET_ATTR(UPCALL_VECTOR, 0x10) = 0; "
		"LAPIC disabled: vector 0x10 not injected; "
		"Xen before 4.18 would leave it in IRR -> 0");
	/* enabled: one MSI at registration, nothing pending or not */
	f->kvm.lapic_enabled = 1;
	assert_int_equal(hc(f, false, __HYPERVISOR_hvm_op,
			    HVMOP_set_evtchn_upcall_vector, ARG, 0), 0);
	assert_int_equal(f->kvm.nr_msis, 1);
	assert_int_equal(f->kvm.msis[0].vector, 0x10);
	/* KVM refusing it */
	f->kvm.vcpu_set_ret[KVM_XEN_VCPU_ATTR_TYPE_UPCALL_VECTOR] = -EINVAL;
	assert_int_equal(hc(f, false, __HYPERVISOR_hvm_op,
			    HVMOP_set_evtchn_upcall_vector, ARG, 0),
			 -XEN_EINVAL);
	assert_int_equal(f->kvm.nr_msis, 1);
}

/* Xen clears upcall_mask and blocks; KVM blocks a vCPU that is HALTED. */
static void test_sched_block(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(hc(f, true, __HYPERVISOR_sched_op, SCHEDOP_block, 0,
			    0), 0);
	assert_int_equal(f->kvm.mp_state, KVM_MP_STATE_HALTED);
	assert_non_null(strstr(f->line, "no vcpu_info yet"));
	assert_int_equal(map_shinfo(f), 0);
	f->ram[VI + 1] = 1;
	assert_int_equal(hc(f, false, __HYPERVISOR_sched_op, SCHEDOP_block,
			    HI32, 0), 0);
	assert_int_equal(f->ram[VI + 1], 0);
	assert_string_equal(f->line,
		"hcall sched_op(block) longmode=0: KVM_SET_MP_STATE(HALTED) = 0 -> 0");
	/* a registered vcpu_info is the one */
	f->env.st.vcpu[0].vcpu_info_registered = true;
	f->env.st.vcpu[0].vcpu_info_gpa = 0x20040;
	f->ram[0x20041] = 1;
	f->ram[VI + 1] = 1;
	f->kvm.mp_ret = -EINVAL;
	assert_int_equal(hc(f, true, __HYPERVISOR_sched_op, SCHEDOP_block, 0,
			    0), 0);
	assert_int_equal(f->ram[0x20041], 0);
	assert_int_equal(f->ram[VI + 1], 1);
	assert_non_null(strstr(f->line, "Xen would block"));
	assert_int_equal(f->kvm.nr_mp_state, 3);
}

/* Ring 3 asks nothing of KVM and changes no port. */
static void test_evtchn_cpl3(void **state)
{
	struct fixture *f = *state;
	struct hcall in = {
		.nr = __HYPERVISOR_event_channel_op,
		.params = { EVTCHNOP_bind_ipi, ARG },
		.cpl = 3,
	};
	struct hcall_res res;

	memset(f->ram + ARG, 0, 8);
	hcall_dispatch(&f->env, &in, &res);
	assert_int_equal(res.ret, -XEN_EPERM);
	assert_int_equal(bind_ipi(f, 0), 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bind_ipi_lowest_free),
		T(test_bind_ipi_in_kvm),
		T(test_buckets),
		T(test_word_size_limits),
		T(test_close_beyond_latch),
		T(test_alloc_unbound),
		T(test_interdomain_loopback),
		T(test_close_interdomain),
		T(test_close_codes),
		T(test_send_codes),
		T(test_status),
		T(test_bind_virq_codes),
		T(test_bind_vcpu),
		T(test_reset),
		T(test_other_cmds),
		T(test_unmask_native),
		T(test_unmask_compat),
		T(test_unmask_no_page),
		T(test_unmask_vcpu_vector),
		T(test_queue_until_shinfo),
		T(test_queue_shinfo_refused),
		T(test_upcall_vector_codes),
		T(test_sched_block),
		T(test_evtchn_cpl3),
	};

	return cmocka_run_group_tests_name("hcall_evtchn", tests, NULL, NULL);
}
