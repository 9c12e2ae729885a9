// SPDX-License-Identifier: GPL-2.0
/*
 * Every hypercall handler's argument decoding: hcall_dispatch() with the
 * unit tests' fake KVM against a fake guest memory, driven by a program of
 * guest-memory stores, page-table changes and hypercalls.
 *
 * Guest RAM is an allocation of exactly RAM_SIZE, with a hole and a late
 * range in the layout, so a handler that reads or writes outside guest RAM,
 * or inside a range that is not RAM, is caught: the first by ASan, the
 * second by the poison check after every call.
 *
 * Arguments are drawn so that most are meaningful: a tag picks a pointer
 * into RAM, a value near a boundary (end of RAM, 2^32, 2^64), a small
 * number or raw bits.
 *
 * The event-channel port table and the timer state are guest-controlled
 * state that outlives a call: after every call they must still hold
 * together (check_ports()), whatever the program did before.  Between
 * calls the program may also flip KVM's word-size latch (as a hypercall
 * page write does), let time pass and enable or disable the LAPIC.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include "fake_kvm.h"
#include "hypercall.h"
#include "input.h"
#include "serial.h"

#define RAM_SIZE	(1u << 20)
#define HOLE_START	0x80000u
#define HOLE_SIZE	0x4000u
#define LATE_START	0xc0000u
#define LATE_SIZE	0x10000u
#define MAX_OPS		64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t arg(struct input *in)
{
	uint8_t tag = in_u8(in);

	switch (tag & 7) {
	case 0:
	case 1:
		return in_u32(in) % RAM_SIZE;
	case 2:
		return RAM_SIZE - (in_u8(in) & 0x7f);
	case 3:
		return (1ull << 32) - (in_u8(in) & 0x7f);
	case 4:
		return 0 - (uint64_t)(in_u8(in) & 0x7f);
	case 5:
		return in_u8(in);
	case 6:
		return HOLE_START + in_u16(in) % (LATE_START + LATE_SIZE - HOLE_START);
	default:
		return in_u64(in);
	}
}

/* Hypercall numbers the VMM knows, and some it does not. */
static uint64_t hcall_nr(struct input *in)
{
	static const uint64_t nrs[] = { 7, 12, 17, 18, 21, 24, 29, 34, 0, 63 };
	static const uint64_t timer_evtchn[] = { 15, 32, 32, 32 };
	uint8_t v = in_u8(in);

	if (v < 200)
		return nrs[v % (sizeof(nrs) / sizeof(nrs[0]))];
	if (v < 225)
		return timer_evtchn[v % 4];
	if (v < 250)
		return v;
	return in_u64(in);
}

/*
 * Answers Xen gives whatever the guest's memory holds: a wrong one is a
 * finding as much as a crash is.  From the hostile guest case: the width
 * of vm_assist's arguments and Xen's filtering of HVM vcpu_ops before the
 * vCPU id is looked at.
 */
static void check_xen_answer(const struct hcall_env *env, const struct hcall *c,
			     const struct hcall_res *res)
{
	uint64_t nr = c->longmode ? c->nr : (uint32_t)c->nr;
	uint32_t p0 = c->params[0], p1 = c->params[1];

	if (c->cpl) {
		if (res->ret != -1)		/* -XEN_EPERM */
			abort();
		return;
	}
	if (nr >= 64 && res->ret != -38)	/* -XEN_ENOSYS */
		abort();
	/* vcpu_op: commands past VCPUOP_register_vcpu_time_phys_area */
	if (nr == 24 && p0 > 15 && res->ret != -38)
		abort();
	/* vm_assist(cmd, runstate_update_flag): a bad cmd, in 32 bits */
	if (nr == 21 && p1 == 5 && p0 > 1 && env->xen_minor >= 14 &&
	    res->ret != -38)
		abort();
	/* event_channel_op: FIFO and unknown commands */
	if (nr == 32 && p0 >= 11 && p0 != 14 && res->ret != -38)
		abort();
	/* set_timer_op, SCHEDOP_block: Xen always answers 0 */
	if ((nr == 15 || (nr == 29 && p0 == 1)) && res->ret)
		abort();
}

/*
 * The port table's invariants: ports exist a bucket at a time, an
 * interdomain pair points at each other, a VIRQ's port is the one its
 * table names, KVM has only IPI and interdomain ports and only once
 * shared_info is there, and nothing is queued after that.  Ports beyond
 * the allocated buckets must be untouched: checked once a program is
 * done (@all), as every call would cost 4096 ports' worth.
 */
static void check_ports(const struct hcall_env *env, bool all)
{
	const struct hcall_state *st = &env->st;
	uint32_t valid = st->valid_ports ? st->valid_ports : HCALL_PORT_BUCKET;
	const struct hcall_port *p, *r;
	bool early = false;
	unsigned int i, v;

	if (valid % HCALL_PORT_BUCKET || valid > HCALL_MAX_PORTS)
		abort();
	if (st->ports[0].state || st->ports[0].in_kvm || st->ports[0].early)
		abort();
	for (i = 1; i < (all ? HCALL_MAX_PORTS : valid); i++) {
		p = &st->ports[i];
		if (i >= valid && (p->state || p->in_kvm || p->early))
			abort();
		if (p->state > PORT_IPI || p->notify_vcpu >= HCALL_MAX_VCPUS)
			abort();
		if (p->in_kvm && (!st->shinfo_mapped ||
				  (p->state != PORT_IPI &&
				   p->state != PORT_INTERDOMAIN)))
			abort();
		if (p->early && (st->shinfo_mapped || !st->any_early ||
				 p->state <= PORT_RESERVED))
			abort();
		early |= p->early;
		if (p->state == PORT_INTERDOMAIN) {
			if (p->remote_port >= valid || p->remote_port == i)
				abort();
			r = &st->ports[p->remote_port];
			if (r->state != PORT_INTERDOMAIN || r->remote_port != i)
				abort();
		}
		/* a VIRQ is its vCPU's: virq_to_evtchn is per vCPU */
		if (p->state == PORT_VIRQ &&
		    (p->virq >= HCALL_NR_VIRQS ||
		     st->vcpu[p->notify_vcpu].virq_port[p->virq] != i))
			abort();
	}
	for (v = 0; v < HCALL_MAX_VCPUS; v++) {
		for (i = 0; i < HCALL_NR_VIRQS; i++) {
			uint32_t port = st->vcpu[v].virq_port[i];

			if (port && (port >= valid ||
				     st->ports[port].state != PORT_VIRQ ||
				     st->ports[port].virq != i ||
				     st->ports[port].notify_vcpu != v))
				abort();
		}
		/* VIRQ_TIMER is 0 */
		if (st->vcpu[v].timer.in_kvm &&
		    (!st->vcpu[v].virq_port[0] || !st->shinfo_mapped))
			abort();
	}
	if (st->shinfo_mapped && st->any_early)
		abort();
	if (early && !st->any_early)
		abort();
}

static struct serial console;
static uint8_t *ram;
static bool print_calls;

static void poison_absent(const struct mem_layout *l)
{
	/* Not RAM: a store there is a VMM bug, a load is flagged by ASan. */
	ASAN_POISON_MEMORY_REGION(ram + HOLE_START, HOLE_SIZE);
	if (!l->late_plugged)
		ASAN_POISON_MEMORY_REGION(ram + LATE_START, LATE_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct mem_layout layout = {
		.ram_size = RAM_SIZE,
		.nr_holes = 1,
		.holes = { { HOLE_START, HOLE_SIZE } },
		.late = { LATE_START, LATE_SIZE },
	};
	struct fake_kvm kvm, kvm1, *self;
	struct hcall_env env;
	struct hcall c;
	struct hcall_res res;
	char line[640];
	unsigned int op, i;
	uint8_t setup;

	if (!ram) {
		/* FUZZ_HCALL_PRINT=1: each call's log line, to see what a seed does. */
		print_calls = getenv("FUZZ_HCALL_PRINT") != NULL;
		ram = malloc(RAM_SIZE);
		if (!ram)
			abort();
		serial_init(&console, fopen("/dev/null", "w"), SERIAL_DEFAULT_CAP);
	}
	ASAN_UNPOISON_MEMORY_REGION(ram, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	memset(&kvm, 0, sizeof(kvm));
	console.total = 0;
	console.capped = false;

	setup = in_u8(&in);
	layout.late_plugged = setup & 1;
	env = (struct hcall_env) {
		.mem = { .base = ram, .size = RAM_SIZE, .layout = &layout },
		.console = &console,
		.xen_major = 4,
		.xen_minor = 14 + in_u8(&in) % 6,
		.kvm_xen_caps = in_u8(&in) & 1 ? 0x1ff : 0x3f,
		.ops = &fake_kvm_ops,
		.ops_ctx = &kvm,
	};
	/* KVM's own errors for the attributes, now and then. */
	for (i = 0; i < 4; i++) {
		uint8_t e = in_u8(&in);

		if (e < 16)
			kvm.vcpu_set_ret[e] = -EFAULT;
		else if (e < 32)
			kvm.hvm_set_ret[e - 16] = -EINVAL;
		else if (e < 40)
			kvm.send_ret = -EINVAL;
		else if (e < 48)
			kvm.mp_ret = -EINVAL;
		else if (e == 48)
			kvm.hvm_get_ret = -EIO;
	}
	kvm.get_ret = in_u8(&in) == 0xff ? -EINVAL : 0;
	kvm.runstate.u.runstate.state = in_u8(&in) % 6;
	kvm.runstate.u.runstate.state_entry_time = in_u64(&in);
	kvm.clock = in_u64(&in);
	/*
	 * Two vCPUs now and then: vCPU 1 has a KVM context of its own, a
	 * copy of vCPU 0's, and the same page tables.
	 */
	kvm1 = kvm;
	if (setup & 2) {
		env.nr_vcpus = 2;
		env.vcpu_ctx[0] = &kvm;
		env.vcpu_ctx[1] = &kvm1;
	}
	poison_absent(&layout);

	for (op = 0; op < MAX_OPS && in.left; op++) {
		uint8_t kind = in_u8(&in);

		switch (kind % 4) {
		case 0: {	/* the guest stores something in its RAM */
			uint64_t gpa = in_u32(&in) % RAM_SIZE;
			size_t n = in_u8(&in);

			if (n > RAM_SIZE - gpa ||
			    !mem_present(&layout, gpa, n))
				break;
			in_bytes(&in, ram + gpa, n);
			break;
		}
		case 1: {	/* the guest changes a page mapping */
			uint64_t gva, gpa;

			if (kvm.nr_pages == FAKE_MAX_PAGES)
				kvm.nr_pages = kvm1.nr_pages = 0;
			if (in_u8(&in) & 1) {
				gva = arg(&in) & ~0xfffull;
				fake_unmap(&kvm, gva);
				fake_unmap(&kvm1, gva);
			} else {
				gva = arg(&in) & ~0xfffull;
				gpa = arg(&in) & ~0xfffull;
				fake_map(&kvm, gva, gpa);
				fake_map(&kvm1, gva, gpa);
			}
			break;
		}
		default:	/* a hypercall */
			memset(&c, 0, sizeof(c));
			c.nr = hcall_nr(&in);
			for (i = 0; i < 6; i++)
				c.params[i] = arg(&in);
			c.longmode = kind & 4;
			c.cpl = (kind & 0x18) == 0x18 ? kind >> 5 : 0;
			c.vcpu = env.nr_vcpus == 2 ? in_u8(&in) & 1 : 0;
			self = c.vcpu ? &kvm1 : &kvm;
			if ((kind & 0x18) != 0x18) {
				/* a hypercall-page write re-latched the word size */
				if (kind & 0x80)
					kvm.long_mode ^= 1;
				if (kind & 0x40)
					kvm.clock += in_u32(&in);
				if (kind & 0x20)
					self->lapic_enabled ^= 1;
			}
			hcall_dispatch(&env, &c, &res);
			hcall_format(&c, &res, line, sizeof(line));
			if (print_calls)
				fprintf(stderr, "vCPU %u: %s\n", c.vcpu, line);
			if (strnlen(res.desc, sizeof(res.desc)) == sizeof(res.desc) ||
			    strnlen(res.kvm, sizeof(res.kvm)) == sizeof(res.kvm))
				abort();	/* log strings must stay terminated */
			/* Xen's errnos are small; anything else is a host one leaking. */
			if (res.ret < 0 && !xen_errno_name(res.ret))
				abort();
			check_xen_answer(&env, &c, &res);
			check_ports(&env, false);
			break;
		}
	}
	check_ports(&env, true);
	return 0;
}
