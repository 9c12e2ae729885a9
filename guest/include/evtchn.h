/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 2-level event channels as a Xen HVM guest uses them.
 *
 * The bitmaps and the selector are addressed through a layout, not through
 * the C types of this build, because the layout is the one the hypervisor
 * latched (the hypercall-page MSR's word size), and a 64-bit guest can latch
 * 32-bit: compat has 32-bit words, 1024 ports and the mask at 0x880; native
 * has 64-bit words, 4096 ports and the mask at 0xa00.  A port's pending bit
 * is the same bit (0x800 + port / 8) in both.
 *
 * The upcall handlers do what a real guest's do: clear upcall_pending,
 * exchange the selector with 0, scan each word it names for pending and
 * unmasked ports, clear their pending bits and count them.
 */
#ifndef GUEST_EVTCHN_H
#define GUEST_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>
#include "xen.h"

/* After xen.h, which picks the interface version the headers follow. */
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

#define EVTCHN_PENDING_OFF	0x800
#define EVTCHN_MASK_COMPAT	0x880
#define EVTCHN_MASK_NATIVE	0xa00
#define EVTCHN_SEL_COMPAT	4
#define EVTCHN_SEL_NATIVE	8
#define EVTCHN_PORTS_COMPAT	1024
#define EVTCHN_PORTS_NATIVE	4096

/*
 * Vectors the IDT has stubs for that push no error code, all >= 0x10 as
 * both hypervisors require.  The APIC timer uses 31 (apic.c).
 */
#define EVTCHN_CALLBACK_VECTOR	28
#define EVTCHN_UPCALL_VECTOR	27

/* Ports the upcall handlers count one by one; higher ones go to "other". */
#define EVTCHN_TRACKED		4096

struct evtchn_layout {
	unsigned int bits;	/* bits per word: 32 or 64 */
	unsigned int ports;	/* 1024 or 4096 */
	unsigned int mask;	/* offset of evtchn_mask in shared_info */
	unsigned int sel;	/* offset of evtchn_pending_sel in vcpu_info */
};

extern const struct evtchn_layout evtchn_compat, evtchn_native;

/* The layout of this build's own word size. */
const struct evtchn_layout *evtchn_own_layout(void);

/* What the upcall handlers saw; evtchn_reset_seen() zeroes it. */
struct evtchn_seen {
	unsigned int callbacks;	/* global callback vector entries */
	unsigned int upcalls;	/* per-vCPU vector entries */
	unsigned int events;	/* ports taken, in all */
	unsigned int other;	/* ports >= EVTCHN_TRACKED */
	unsigned int empty;	/* entries that found no port */
	uint8_t count[EVTCHN_TRACKED];	/* per port, saturating at 255 */
	uint32_t last;		/* the last port taken */
};

extern volatile struct evtchn_seen evtchn_seen;
void evtchn_reset_seen(void);

/*
 * With a second vCPU (smp.h): the upcall handlers scan the vcpu_info of
 * the vCPU they run on, given here for vCPUs other than 0, and count what
 * each vCPU took in evtchn_cpu_seen[its id] as well.  Only that vCPU
 * writes its entry; a case resets it with memset while nothing is sent.
 */
#define EVTCHN_CPU_TRACKED	64
struct evtchn_cpu_seen {
	unsigned int upcalls;	/* per-vCPU vector entries on this vCPU */
	unsigned int events;	/* ports it took */
	uint64_t sel;		/* every selector bit its scans exchanged */
	uint32_t count[EVTCHN_CPU_TRACKED];	/* per port */
};
extern volatile struct evtchn_cpu_seen evtchn_cpu_seen[];
void evtchn_attach_cpu(unsigned int cpu, void *vcpu_info);

/*
 * Point the library at shared_info (mapped by the caller) and vCPU 0's
 * vcpu_info, in @layout.  evtchn_set_layout() changes only the layout,
 * after a latch change.
 */
void evtchn_attach(void *shinfo, void *vcpu_info,
		   const struct evtchn_layout *layout);
void evtchn_set_layout(const struct evtchn_layout *layout);

/*
 * Clear @page (Xen's shared_info is zeroed at domain creation), attach the
 * library to it with vCPU 0's default vcpu_info in this build's layout,
 * and map it as shared_info: XENMEM_add_to_physmap's result.
 */
long evtchn_map_shared_info(void *page);

/*
 * Map @sh as shared_info and register vCPU 0's vcpu_info at the start of
 * @vi, a page of its own, then attach the library to them in this build's
 * layout.  Both pages are cleared first.  Each step is a precondition
 * check ("shared_info_map", "vcpu_info_register"): false if one failed.
 */
bool evtchn_setup_pages(void *sh, void *vi);
const struct evtchn_layout *evtchn_layout(void);

/* The bits of port @port, in the current layout. */
bool evtchn_pending(uint32_t port);
bool evtchn_masked(uint32_t port);
void evtchn_mask(uint32_t port);
void evtchn_unmask_bit(uint32_t port);
void evtchn_clear_pending(uint32_t port);
bool evtchn_sel_bit(unsigned int word);
uint64_t evtchn_sel_word(void);
uint8_t evtchn_upcall_pending(void);

/* Raw access in a given layout, for checks across a latch change. */
bool evtchn_test_at(unsigned int off, uint32_t bit);
void evtchn_set_at(unsigned int off, uint32_t bit);
uint64_t evtchn_sel_in(const struct evtchn_layout *l);

/*
 * No port pending, every port unmasked (both layouts' arrays), no selector
 * in either layout, upcall_pending 0: the start of a check.
 */
void evtchn_clear_all(void);

/* The 2-level scan; returns the ports taken. */
unsigned int evtchn_scan(void);

/* Install the handlers and tell the hypervisor about them. */
long evtchn_set_callback_vector(void);
long evtchn_set_upcall_vector(uint32_t vcpu, uint8_t vector);

/* Hypercall wrappers; they return Xen's codes. */
long evtchn_op(unsigned int cmd, void *arg);
long evtchn_port_op(unsigned int cmd, uint32_t port);
long evtchn_bind_ipi(uint32_t vcpu, uint32_t *port);
long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, uint32_t *port);
long evtchn_send(uint32_t port);
long evtchn_close(uint32_t port);
long evtchn_unmask(uint32_t port);
/* EVTCHNOP_alloc_unbound for DOMID_SELF, offered to @remote. */
long evtchn_alloc_unbound(domid_t remote, uint32_t *port);

/* A 32-bit caller's deadline is EBX (low) and ECX (high). */
long xen_set_timer_op(uint64_t when);

/*
 * Wait in HLT with interrupts on (the APIC timer wakes it every ms) until
 * @port is pending or taken by a handler, or the clock passes @limit.
 * @clock reads the Xen clock; *@when gets the time it stopped.
 */
bool evtchn_wait(uint32_t port, uint64_t (*clock)(void), uint64_t limit,
		 uint64_t *when);

/*
 * Wait up to @ms of the LAPIC timer (HLT with interrupts on, then off)
 * for @port to be pending or taken by a handler.  The LAPIC timer runs on
 * the host's clock, as KVM's Xen timer does; the Xen clock the guest
 * reads need not keep pace with it on a loaded emulated host.
 */
bool evtchn_wait_ms(uint32_t port, unsigned int ms);

/*
 * Let the upcall in: HLT on the LAPIC timer, with interrupts on only
 * there, until a handler has taken @port (< EVTCHN_TRACKED) once more or
 * @ms pass.  Unlike "sti; nop; cli" it does not depend on the interrupt
 * arriving at one instruction boundary.
 */
bool evtchn_take_ms(uint32_t port, unsigned int ms);

#endif /* GUEST_EVTCHN_H */
