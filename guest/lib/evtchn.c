// SPDX-License-Identifier: GPL-2.0
/*
 * 2-level event channels: the bitmaps in the latched layout, the scan, the
 * two upcall handlers, and the hypercalls that bind and raise ports.
 *
 * Every bit is addressed as a bit string from a byte offset with
 * `lock bts/btr` and a register bit number, which is the same instruction
 * in both builds and for both layouts; only the selector's exchange needs
 * the layout's width (cmpxchg8b for a native selector in a 32-bit build).
 */
#include <stddef.h>
#include <stdint.h>
#include "evtchn.h"
#include "lapic.h"
#include "ktap.h"
#include "smp.h"
#include "xen_ops.h"
#include "apic.h"
#include "processor.h"
#include "rs_common.h"
#include "runstate.h"
#include "string.h"
#include "trap.h"

const struct evtchn_layout evtchn_compat = {
	.bits = 32, .ports = EVTCHN_PORTS_COMPAT,
	.mask = EVTCHN_MASK_COMPAT, .sel = EVTCHN_SEL_COMPAT,
};

const struct evtchn_layout evtchn_native = {
	.bits = 64, .ports = EVTCHN_PORTS_NATIVE,
	.mask = EVTCHN_MASK_NATIVE, .sel = EVTCHN_SEL_NATIVE,
};

volatile struct evtchn_seen evtchn_seen;

static uint8_t *shinfo;
static uint8_t *vcpu_info;
static const struct evtchn_layout *layout = &evtchn_native;

/* Other vCPUs' vcpu_info, for their upcalls; vCPU 0's is vcpu_info. */
static uint8_t *cpu_vcpu_info[SMP_MAX_CPUS];
volatile struct evtchn_cpu_seen evtchn_cpu_seen[SMP_MAX_CPUS];

void evtchn_attach_cpu(unsigned int cpu, void *vi)
{
	if (cpu && cpu < SMP_MAX_CPUS)
		cpu_vcpu_info[cpu] = vi;
}

/* The vCPU taking the upcall: 0 unless a second one was started. */
static unsigned int this_cpu(void)
{
	unsigned int cpu = smp_ap_running() ? smp_cpu_id() : 0;

	return cpu < SMP_MAX_CPUS ? cpu : 0;
}

static uint8_t *cpu_vi(unsigned int cpu)
{
	return cpu && cpu_vcpu_info[cpu] ? cpu_vcpu_info[cpu] : vcpu_info;
}

const struct evtchn_layout *evtchn_own_layout(void)
{
	return sizeof(long) == 8 ? &evtchn_native : &evtchn_compat;
}

void evtchn_reset_seen(void)
{
	memset((void *)&evtchn_seen, 0, sizeof(evtchn_seen));
}

void evtchn_attach(void *s, void *vi, const struct evtchn_layout *l)
{
	shinfo = s;
	vcpu_info = vi;
	layout = l;
}

long evtchn_map_shared_info(void *page)
{
	struct shared_info *s = page;

	memset(page, 0, PAGE_SIZE);
	evtchn_attach(page, &s->vcpu_info[0], evtchn_own_layout());
	return xen_shared_info_map((unsigned long)page >> 12);
}

bool evtchn_setup_pages(void *sh, void *vi)
{
	memset(sh, 0, PAGE_SIZE);
	memset(vi, 0, PAGE_SIZE);
	if (!report_need(xen_shared_info_map((unsigned long)sh >> 12) == 0,
			 "XENMEM_add_to_physmap(shared_info) failed",
			 "shared_info_map"))
		return false;
	if (!report_need(xen_register_vcpu_info((unsigned long)vi >> 12, 0) == 0,
			 "VCPUOP_register_vcpu_info failed", "vcpu_info_register"))
		return false;
	evtchn_attach(sh, vi, evtchn_own_layout());
	return true;
}

void evtchn_set_layout(const struct evtchn_layout *l)
{
	layout = l;
}

const struct evtchn_layout *evtchn_layout(void)
{
	return layout;
}

static bool bit_test(const volatile void *base, uint32_t bit)
{
	const volatile uint8_t *b = base;

	return b[bit / 8] & (1u << (bit % 8));
}

static bool bit_test_and_clear(volatile void *base, uint32_t bit)
{
	bool old;

	asm volatile("lock btrl %2, %1; setc %0"
		     : "=q" (old), "+m" (*(volatile uint32_t *)base)
		     : "r" (bit) : "memory", "cc");
	return old;
}

static void bit_set(volatile void *base, uint32_t bit)
{
	asm volatile("lock btsl %1, %0"
		     : "+m" (*(volatile uint32_t *)base) : "r" (bit)
		     : "memory", "cc");
}

bool evtchn_test_at(unsigned int off, uint32_t bit)
{
	return bit_test(shinfo + off, bit);
}

void evtchn_set_at(unsigned int off, uint32_t bit)
{
	bit_set(shinfo + off, bit);
}

bool evtchn_pending(uint32_t port)
{
	return bit_test(shinfo + EVTCHN_PENDING_OFF, port);
}

bool evtchn_masked(uint32_t port)
{
	return bit_test(shinfo + layout->mask, port);
}

void evtchn_mask(uint32_t port)
{
	bit_set(shinfo + layout->mask, port);
}

void evtchn_unmask_bit(uint32_t port)
{
	bit_test_and_clear(shinfo + layout->mask, port);
}

void evtchn_clear_pending(uint32_t port)
{
	bit_test_and_clear(shinfo + EVTCHN_PENDING_OFF, port);
}

uint64_t evtchn_sel_in(const struct evtchn_layout *l)
{
	const volatile uint32_t *w = (const volatile uint32_t *)(vcpu_info + l->sel);

	return l->bits == 32 ? w[0] : (uint64_t)w[1] << 32 | w[0];
}

uint64_t evtchn_sel_word(void)
{
	return evtchn_sel_in(layout);
}

bool evtchn_sel_bit(unsigned int word)
{
	return bit_test(vcpu_info + layout->sel, word);
}

uint8_t evtchn_upcall_pending(void)
{
	return *(volatile uint8_t *)vcpu_info;
}

/* Exchange @vi's selector with 0, in the layout's width. */
static uint64_t sel_xchg(uint8_t *vi)
{
	volatile void *p = vi + layout->sel;
	uint64_t old;

	if (layout->bits == 32) {
		uint32_t v = 0;

		asm volatile("xchgl %0, %1" : "+r" (v),
			     "+m" (*(volatile uint32_t *)p) :: "memory");
		return v;
	}
#ifdef __x86_64__
	old = 0;
	asm volatile("xchgq %0, %1" : "+r" (old),
		     "+m" (*(volatile uint64_t *)p) :: "memory");
#else
	{
		uint32_t lo = ((volatile uint32_t *)p)[0];
		uint32_t hi = ((volatile uint32_t *)p)[1];
		bool done;

		do {
			asm volatile("lock cmpxchg8b %1; sete %0"
				     : "=q" (done),
				       "+m" (*(volatile uint64_t *)p),
				       "+a" (lo), "+d" (hi)
				     : "b" (0), "c" (0) : "memory", "cc");
		} while (!done);
		old = (uint64_t)hi << 32 | lo;
	}
#endif
	return old;
}

void evtchn_clear_all(void)
{
	memset(shinfo + EVTCHN_PENDING_OFF, 0, EVTCHN_PORTS_NATIVE / 8);
	memset(shinfo + EVTCHN_MASK_NATIVE, 0, EVTCHN_PORTS_NATIVE / 8);
	/* the compat mask is native pending 1024..2047: cleared above */
	memset(vcpu_info + EVTCHN_SEL_COMPAT, 0, 12);
	*(volatile uint8_t *)vcpu_info = 0;
}

static void taken(uint32_t port, unsigned int cpu)
{
	volatile struct evtchn_cpu_seen *c = &evtchn_cpu_seen[cpu];

	c->events++;
	if (port < EVTCHN_CPU_TRACKED)
		c->count[port]++;
	evtchn_seen.events++;
	evtchn_seen.last = port;
	if (port >= EVTCHN_TRACKED)
		evtchn_seen.other++;
	else if (evtchn_seen.count[port] != 255)
		evtchn_seen.count[port]++;
}

unsigned int evtchn_scan(void)
{
	uint8_t *pend = shinfo + EVTCHN_PENDING_OFF;
	uint8_t *mask = shinfo + layout->mask;
	unsigned int n = 0, w, b, cpu = this_cpu();
	uint8_t *vi = cpu_vi(cpu);
	uint64_t sel;

	*(volatile uint8_t *)vi = 0;
	sel = sel_xchg(vi);
	evtchn_cpu_seen[cpu].sel |= sel;
	for (w = 0; w < layout->bits && w * layout->bits < layout->ports; w++) {
		if (!(sel & (1ull << w)))
			continue;
		for (b = 0; b < layout->bits; b++) {
			uint32_t port = w * layout->bits + b;

			if (!bit_test(pend, port) || bit_test(mask, port))
				continue;
			if (bit_test_and_clear(pend, port)) {
				taken(port, cpu);
				n++;
			}
		}
	}
	if (!n)
		evtchn_seen.empty++;
	return n;
}

/* The global callback: an external interrupt, no LAPIC, no EOI. */
static void callback_irq(struct ex_regs *regs)
{
	evtchn_seen.callbacks++;
	evtchn_scan();
}

/* The per-vCPU vector: through the LAPIC, so it needs its EOI. */
static void upcall_irq(struct ex_regs *regs)
{
	evtchn_cpu_seen[this_cpu()].upcalls++;
	evtchn_seen.upcalls++;
	evtchn_scan();
	apic_write(APIC_EOI, 0);
}

static long hvm_op(unsigned int cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_hvm_op, cmd, (unsigned long)arg,
			     0, 0, 0);
}

long evtchn_set_callback_vector(void)
{
	struct xen_hvm_param p = {
		.domid = DOMID_SELF,
		.index = HVM_PARAM_CALLBACK_IRQ,
		.value = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 |
			 EVTCHN_CALLBACK_VECTOR,
	};

	handle_exception(EVTCHN_CALLBACK_VECTOR, callback_irq);
	return hvm_op(HVMOP_set_param, &p);
}

long evtchn_set_upcall_vector(uint32_t vcpu, uint8_t vector)
{
	struct xen_hvm_evtchn_upcall_vector v = {
		.vcpu = vcpu, .vector = vector,
	};

	if (vector == EVTCHN_UPCALL_VECTOR)
		handle_exception(EVTCHN_UPCALL_VECTOR, upcall_irq);
	return hvm_op(HVMOP_set_evtchn_upcall_vector, &v);
}

long evtchn_op(unsigned int cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_event_channel_op, cmd,
			     (unsigned long)arg, 0, 0, 0);
}

long evtchn_port_op(unsigned int cmd, uint32_t port)
{
	return evtchn_op(cmd, &port);
}

long evtchn_bind_ipi(uint32_t vcpu, uint32_t *port)
{
	struct evtchn_bind_ipi b = { .vcpu = vcpu };
	long ret = evtchn_op(EVTCHNOP_bind_ipi, &b);

	*port = ret ? 0 : b.port;
	return ret;
}

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, uint32_t *port)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
	long ret = evtchn_op(EVTCHNOP_bind_virq, &b);

	*port = ret ? 0 : b.port;
	return ret;
}

long evtchn_send(uint32_t port)
{
	return evtchn_port_op(EVTCHNOP_send, port);
}

long evtchn_close(uint32_t port)
{
	return evtchn_port_op(EVTCHNOP_close, port);
}

long evtchn_unmask(uint32_t port)
{
	return evtchn_port_op(EVTCHNOP_unmask, port);
}

long xen_set_timer_op(uint64_t when)
{
	if (sizeof(long) == 8)
		return xen_hypercall(__HYPERVISOR_set_timer_op,
				     (unsigned long)when, 0, 0, 0, 0);
	return xen_hypercall(__HYPERVISOR_set_timer_op, (uint32_t)when,
			     (uint32_t)(when >> 32), 0, 0, 0);
}

bool evtchn_wait(uint32_t port, uint64_t (*clock)(void), uint64_t limit,
		 uint64_t *when)
{
	unsigned int before = port < EVTCHN_TRACKED ? evtchn_seen.count[port] : 0;
	bool got;

	for (;;) {
		got = evtchn_pending(port) ||
		      (port < EVTCHN_TRACKED && evtchn_seen.count[port] != before);
		if (got || clock() >= limit)
			break;
		apic_sleep_ms(1);
	}
	*when = clock();
	return got;
}

long evtchn_alloc_unbound(domid_t remote, uint32_t *port)
{
	struct evtchn_alloc_unbound a = {
		.dom = DOMID_SELF, .remote_dom = remote,
	};
	long ret = evtchn_op(EVTCHNOP_alloc_unbound, &a);

	*port = ret ? 0 : a.port;
	return ret;
}

bool evtchn_wait_ms(uint32_t port, unsigned int ms)
{
	unsigned int before = port < EVTCHN_TRACKED ? evtchn_seen.count[port] : 0;

	for (;;) {
		if (evtchn_pending(port) ||
		    (port < EVTCHN_TRACKED && evtchn_seen.count[port] != before))
			return true;
		if (!ms--)
			return false;
		apic_sleep_ms(1);
	}
}

bool evtchn_take_ms(uint32_t port, unsigned int ms)
{
	unsigned int before = evtchn_seen.count[port];

	while (evtchn_seen.count[port] == before && ms--)
		apic_sleep_ms(1);
	return evtchn_seen.count[port] != before;
}
