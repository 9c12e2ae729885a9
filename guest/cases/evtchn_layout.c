// SPDX-License-Identifier: GPL-2.0
/*
 * evtchn-layout, evtchn-limits: the 2-level event layout follows the word
 * size latched by the hypercall-page MSR (the event-channel reference's
 * #41-#43, #45-#47, section B).
 *
 * Xen picks the layout at each access from the latch: compat has 32-bit
 * words, 1024 ports, the mask at 0x880 and the selector at vcpu_info+4;
 * native has 64-bit words, 4096 ports, the mask at 0xa00 and the selector
 * at +8.  Nothing is converted at a switch.  So each check sends a port
 * and compares the whole event state - shared_info 0x800-0xbff and the
 * first 16 bytes of vcpu_info - with the state Xen would leave: the port's
 * pending bit, the selector bit of the latched layout, upcall_pending, and
 * every other byte as it was, including the other layout's selector bytes,
 * which are filled with a sentinel first.
 *
 * The guest runs with interrupts off and no callback until its last
 * checks, so nothing but the hypervisor touches that state.  Ports are
 * bound in order (the VMM, as Xen, allocates the lowest free port), with
 * unbound ports in between, to put IPIs at the word boundaries.
 *
 * evtchn-limits fills the port table to the last port of each layout: run
 * it with vmm --quiet, or the VMM logs some 4000 allocations.
 */
#include <stddef.h>
#include <stdint.h>
#include "apic.h"
#include "case.h"
#include "cpl3.h"
#include "evtchn.h"
#include "ktap.h"
#include "processor.h"
#include "pvclock.h"
#include "rs_common.h"
#include "runstate.h"
#include "string.h"
#include "wordsize.h"
#include "xen.h"

#define MS		1000000ull
#define STATE_OFF	EVTCHN_PENDING_OFF	/* pending and both masks */
#define STATE_LEN	0x400
#define VI_LEN		16

static uint8_t *sh;
static uint8_t *vi;
static uint8_t want_sh[STATE_LEN], want_vi[VI_LEN];
static const struct evtchn_layout *latched;
static uint32_t next_port = 1;

static const char *lname(const struct evtchn_layout *l)
{
	return l == &evtchn_native ? "native" : "compat";
}

static const struct evtchn_layout *other(const struct evtchn_layout *l)
{
	return l == &evtchn_native ? &evtchn_compat : &evtchn_native;
}

/* The hypercall-page MSR from @m: Xen latches CS.L, compat mode is 32. */
static bool latch(enum guest_mode m)
{
	int fault = ws_write_msr(m, 0);

	latched = m == MODE_LONG64 ? &evtchn_native : &evtchn_compat;
	evtchn_set_layout(latched);
	if (fault >= 0)
		report_info("hypercall-page MSR write from %s raised vector %d",
			    mode_name(m), fault);
	return fault < 0;
}

/*
 * Start a check: nothing pending or masked, no selector, upcall_pending
 * 0, the other layout's selector bytes a sentinel; the expected state is
 * what is there now.
 */
static void prepare(void)
{
	const struct evtchn_layout *o = other(latched);

	evtchn_clear_all();
	memset(vi + o->sel, SENTINEL, o->bits / 8);
	memcpy(want_sh, sh + STATE_OFF, STATE_LEN);
	memcpy(want_vi, vi, VI_LEN);
}

/* The expected state is what is there now, whatever it is. */
static void snapshot(void)
{
	memcpy(want_sh, sh + STATE_OFF, STATE_LEN);
	memcpy(want_vi, vi, VI_LEN);
}

static void want_bit(uint8_t *base, uint32_t bit, bool on)
{
	if (on)
		base[bit / 8] |= 1u << (bit % 8);
	else
		base[bit / 8] &= ~(1u << (bit % 8));
}

/* What Xen's evtchn_2l_set_pending() leaves for an unmasked port. */
static void want_delivered(uint32_t port, const struct evtchn_layout *l)
{
	want_bit(want_sh, port, true);
	want_bit(want_vi + l->sel, port / l->bits, true);
	want_vi[0] = 1;
}

/* Mask @port in @l's mask array, and expect it there. */
static void mask_in(uint32_t port, const struct evtchn_layout *l)
{
	evtchn_set_at(l->mask, port);
	want_bit(want_sh + l->mask - STATE_OFF, port, true);
}

/* The state is the expected one; else say where it is not. */
static bool state_is(const char *name)
{
	unsigned int i;

	for (i = 0; i < VI_LEN; i++) {
		if (vi[i] != want_vi[i]) {
			report_info("%s: vcpu_info+%u is %#x, want %#x (compat selector %#llx, native %#llx)",
				    name, i, vi[i], want_vi[i],
				    (unsigned long long)evtchn_sel_in(&evtchn_compat),
				    (unsigned long long)evtchn_sel_in(&evtchn_native));
			return false;
		}
	}
	for (i = 0; i < STATE_LEN; i++) {
		if (sh[STATE_OFF + i] != want_sh[i]) {
			report_info("%s: shared_info+%#x is %#x, want %#x",
				    name, STATE_OFF + i, sh[STATE_OFF + i],
				    want_sh[i]);
			return false;
		}
	}
	return true;
}

static bool send_ok(uint32_t port)
{
	long ret = evtchn_send(port);

	if (ret)
		report_info("send(%u) returned %ld", port, ret);
	return !ret;
}

/*
 * How far the Xen clock in vcpu_info.time is ahead of the clock the
 * hypervisor keeps the runstate area in.  Xen has one system time for
 * both and for its timers.  On a loaded emulated host the guest's TSC
 * can disagree with the one KVM computes its pvclock from (tsc_timestamp
 * 0 while the TSC reads seconds), and then the guest's clock is seconds
 * ahead of the clock KVM's timers run on: every deadline fires that much
 * late.  The timer checks here test the layout, not the clock, so they
 * arm their deadlines on the runstate clock (hv_now()), measured again
 * after each latch (an MSR write makes KVM write vcpu_info.time afresh,
 * which moves the skew); the skew is only reported.
 */
static uint8_t rs_area[64] __aligned(64);
static int64_t skew;

static uint64_t hv_now(void)
{
	return xen_clock_ns() - skew;
}

static void measure_skew(void)
{
	struct rs_snapshot s;
	int64_t prev;
	uint64_t g;
	long ret;

	ret = runstate_register(rs_area);
	force_update(1);
	g = xen_clock_ns();
	/* the area comes in the latched layout */
	runstate_read(rs_area, latched == &evtchn_native ? RS_NATIVE : RS_COMPAT,
		      &s);
	runstate_register(NULL);
	prev = skew;
	skew = ret ? 0 : (int64_t)(g - s.entry);
	/* said when it is there, and again when it moves */
	if ((skew < 0 || skew > 50 * (int64_t)MS) &&
	    (skew - prev > 50 * (int64_t)MS || prev - skew > 50 * (int64_t)MS))
		report_info("the Xen clock is %lld ns ahead of the runstate clock (register %ld); vcpu_info.time tsc_timestamp %llu, TSC %llu: deadlines are set on the runstate clock",
			    (long long)skew, ret,
			    (unsigned long long)((struct vcpu_info *)vi)->time.tsc_timestamp,
			    (unsigned long long)rdtsc());
	if (skew < 0)
		skew = 0;
}

/* Unbound ports up to @port, so that the next one bound is @port. */
static bool fill_to(uint32_t port)
{
	uint32_t got;
	long ret;

	while (next_port < port) {
		ret = evtchn_alloc_unbound(DOMID_SELF, &got);
		if (ret || got != next_port) {
			report_info("alloc_unbound: %ld, port %u, want %u", ret,
				    got, next_port);
			return false;
		}
		next_port++;
	}
	return true;
}

static bool ipi_at(uint32_t port)
{
	uint32_t got;
	long ret;

	if (!fill_to(port))
		return false;
	ret = evtchn_bind_ipi(0, &got);
	if (ret || got != port) {
		report_info("bind_ipi: %ld, port %u, want %u", ret, got, port);
		return false;
	}
	next_port++;
	return true;
}

/* #41: @port delivered in the latched layout, the other one untouched. */
static void delivered(uint32_t port)
{
	const char *l = lname(latched);

	prepare();
	want_delivered(port, latched);
	xabi(41);
	report(send_ok(port) && state_is("delivered"), "%s_port%u_delivered",
	       l, port);
}

/* Masked in the latched layout: only pending; unmask does the rest. */
static void masked(uint32_t port)
{
	const char *l = lname(latched);
	long ret;

	prepare();
	mask_in(port, latched);
	want_bit(want_sh, port, true);
	report(send_ok(port) && state_is("masked"), "%s_port%u_masked_only_pending",
	       l, port);
	ret = evtchn_unmask(port);
	want_bit(want_sh + latched->mask - STATE_OFF, port, false);
	want_delivered(port, latched);
	if (!report(ret == 0 && state_is("unmasked"),
		    "%s_port%u_unmask_delivers", l, port))
		report_info("unmask returned %ld", ret);
}

/* #42: an event on each side of a switch, no conversion between. */
static void across_switch(enum guest_mode from, enum guest_mode to,
			  uint32_t port)
{
	const struct evtchn_layout *a, *b;

	latch(from);
	a = latched;
	evtchn_clear_all();
	snapshot();
	want_delivered(port, a);
	if (!report(send_ok(port) && state_is("before"),
		    "switch_%s_%s_port%u_before", lname(a),
		    lname(other(a)), port))
		return;
	latch(to);
	b = latched;
	/* the port and upcall_pending taken, the selector left as it was */
	evtchn_clear_pending(port);
	vi[0] = 0;
	snapshot();
	want_delivered(port, b);
	xabi(42);
	report(send_ok(port) && state_is("after"),
	       "switch_%s_%s_port%u_after_old_selector_kept", lname(a),
	       lname(b), port);
}

/* #43: a mask written in one layout is not consulted in the other. */
static void other_mask(enum guest_mode from, enum guest_mode to,
		       uint32_t port)
{
	const struct evtchn_layout *a;

	latch(from);
	a = latched;
	prepare();
	mask_in(port, a);
	latch(to);
	/* as a guest must after a switch: a clean selector in the new layout */
	memset(vi + latched->sel, 0, latched->bits / 8);
	memset(vi + a->sel, SENTINEL, a->bits / 8);
	snapshot();
	want_delivered(port, latched);
	xabi(43);
	report(send_ok(port) && state_is("other mask"),
	       "%s_mask_not_consulted_%s_port%u", lname(a), lname(latched),
	       port);
	if (a == &evtchn_compat)
		report_info("the compat mask bit of port %u is native pending port %u: %s",
			    port, 1024 + port,
			    evtchn_test_at(EVTCHN_PENDING_OFF, 1024 + port) ?
			    "set" : "clear");
}

/* #46: a timer armed in one layout fires into the one latched at expiry. */
static void timer_across(enum guest_mode from, enum guest_mode to,
			 uint32_t timer)
{
	uint64_t deadline, when;
	bool got;
	long ret;

	latch(from);
	measure_skew();
	prepare();
	deadline = hv_now() + 200 * MS;
	ret = xen_set_timer_op(deadline);
	latch(to);
	measure_skew();
	prepare();
	if (hv_now() >= deadline) {
		xabi(46);
		report_info("deadline %llu, now %llu", (unsigned long long)deadline,
			    (unsigned long long)hv_now());
		report_skip("the switch took longer than the timer",
			    "timer_%s_to_%s_fires_%s", lname(other(latched)),
			    lname(latched), lname(latched));
		return;
	}
	want_delivered(timer, latched);
	got = evtchn_wait_ms(timer, 3000);
	when = hv_now();
	cli();
	xabi(46);
	if (!report(ret == 0 && got && state_is("timer"),
		    "timer_%s_to_%s_fires_%s", lname(other(latched)),
		    lname(latched), lname(latched))) {
		const volatile struct vcpu_time_info *t =
			&((struct vcpu_info *)vi)->time;

		report_info("set_timer_op %ld, %s %lld ns after the deadline %llu",
			    ret, got ? "pending" : "nothing",
			    (long long)(when - deadline),
			    (unsigned long long)deadline);
		report_info("vcpu_info.time: version %u system_time %llu tsc_timestamp %llu, tsc now %llu",
			    t->version, (unsigned long long)t->system_time,
			    (unsigned long long)t->tsc_timestamp,
			    (unsigned long long)rdtsc());
	}
}

/* #45: a write from compatibility mode latches 32 bits (CS.L = 0). */
static void compat_mode_latch(uint32_t port)
{
	latch(MODE_COMPAT);
	prepare();
	want_delivered(port, &evtchn_compat);
	xabi(45);
	report(send_ok(port) && state_is("compat mode"),
	       "latch_compat_mode_port%u_compat_layout", port);
}

/*
 * A send from CPL3: Xen refuses every HVM hypercall from CPL > 0 with
 * -EPERM before it looks at the arguments.  In hvm64 the argument
 * pointer is RSI, which the trampoline leaves equal to RDI (the command,
 * 4): the port is put at linear address 4, so that a hypervisor that
 * took the call would find a real IPI port there.  The 32-bit one points
 * at the trampoline's stack.
 */
static void cpl3_send(uint32_t port)
{
	volatile uint32_t *arg;
	const char *l = lname(latched);
	uint32_t saved = 0;
	long ret = 0;
	bool ran;

	/* an address the compiler cannot see as a null-page access */
	asm("" : "=r" (arg) : "0" (4ul));
	prepare();
	if (sizeof(long) == 8) {
		saved = *arg;
		*arg = port;
	}
	ran = cpl3_call(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &ret);
	if (sizeof(long) == 8)
		*arg = saved;
	if (!ran) {
		report_skip("no CPL3 trampoline", "%s_cpl3_send_eperm", l);
		report_skip("no CPL3 trampoline", "%s_cpl3_send_no_effect", l);
		return;
	}
	if (!report(ret == -XEN_EPERM, "%s_cpl3_send_eperm", l))
		report_info("send from CPL3 returned %ld", ret);
	report(state_is("cpl3"), "%s_cpl3_send_no_effect", l);
}

/* One entry of the callback vector took @port, in the latched layout. */
static void callback_taken(uint32_t port)
{
	if (!report(evtchn_seen.callbacks == 1 && evtchn_seen.count[port] == 1 &&
		    !evtchn_pending(port), "callback_scan_takes_port_%s",
		    lname(latched)))
		report_info("%u callbacks (%u found nothing), port %u taken %u times, pending %d, upcall_pending %u",
			    evtchn_seen.callbacks, evtchn_seen.empty, port,
			    evtchn_seen.count[port], evtchn_pending(port),
			    evtchn_upcall_pending());
}

/*
 * Last: HVM_PARAM_CALLBACK_IRQ latches the caller's word size too (Xen's
 * hvm_latch_shinfo_size()), and the handler scans the latched layout.
 */
static void callback(uint32_t port)
{
	enum guest_mode own = mode_native();
	long ret;

	latch(ws_opposite(own));
	ret = evtchn_set_callback_vector();
	if (!report(ret == 0, "callback_vector_set")) {
		report_info("HVM_PARAM_CALLBACK_IRQ returned %ld", ret);
		return;
	}
	latched = own == MODE_LONG64 ? &evtchn_native : &evtchn_compat;
	evtchn_set_layout(latched);
	prepare();
	want_delivered(port, latched);
	report(send_ok(port) && state_is("callback param"),
	       "callback_param_latches_caller_%s", lname(latched));
	evtchn_reset_seen();
	evtchn_take_ms(port, 100);
	callback_taken(port);

	latch(ws_opposite(own));
	prepare();
	evtchn_reset_seen();
	report(send_ok(port), "callback_send_after_switch");
	evtchn_take_ms(port, 100);
	callback_taken(port);
}

static bool setup(void)
{
	long ret;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return false;
	ret = xen_shared_info_setup();
	if (!report_need(ret == 0, "shared_info and vcpu_info could not be set up",
			 "shared_info_setup"))
		return false;
	sh = xen_shared_info();
	vi = (uint8_t *)&((struct shared_info *)sh)->vcpu_info[0];
	latched = evtchn_own_layout();
	evtchn_attach(sh, vi, latched);
	measure_skew();
	cli();
	return true;
}

static void case_evtchn_layout(const struct guest_config *cfg)
{
	static const uint32_t ports[] = { 31, 32, 63, 64, 70 };
	uint32_t timer, i;
	bool ok;
	long ret;

	if (!setup())
		return;
	ret = evtchn_bind_virq(VIRQ_TIMER, 0, &timer);
	ok = !ret && timer == 1;
	next_port = 2;
	for (i = 0; ok && i < sizeof(ports) / sizeof(ports[0]); i++)
		ok = ipi_at(ports[i]);
	ok = ok && ipi_at(71);
	if (!report(ok, "bind_ports_in_order"))
		return;

	/* #41 and the boundaries: ports 31/32 and 63/64 in both layouts */
	latch(MODE_PM32);
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		delivered(ports[i]);
	masked(70);
	latch(MODE_LONG64);
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		delivered(ports[i]);
	masked(70);

	across_switch(MODE_PM32, MODE_LONG64, 70);
	across_switch(MODE_LONG64, MODE_PM32, 70);
	other_mask(MODE_PM32, MODE_LONG64, 70);
	other_mask(MODE_LONG64, MODE_PM32, 71);
	compat_mode_latch(70);
	timer_across(MODE_PM32, MODE_LONG64, timer);
	timer_across(MODE_LONG64, MODE_PM32, timer);

	latch(MODE_PM32);
	cpl3_send(70);
	latch(MODE_LONG64);
	cpl3_send(70);
	callback(70);
}
DEFINE_CASE("evtchn-layout", case_evtchn_layout);

/* The send beyond the layout's last port: Xen's port_is_valid() fails. */
static void beyond(uint32_t port)
{
	long ret;

	prepare();
	ret = evtchn_send(port);
	if (!report(ret == -XEN_EINVAL && state_is("beyond"),
		    "%s_send_port%u_einval", lname(latched), port))
		report_info("send(%u) returned %ld", port, ret);
}

/* The next allocation beyond the last port: -ENOSPC (evtchn_allocate_port). */
static void full(void)
{
	uint32_t got;
	long ret = evtchn_alloc_unbound(DOMID_SELF, &got);

	if (!report(ret == -XEN_ENOSPC, "%s_alloc_beyond_last_enospc",
		    lname(latched)))
		report_info("alloc_unbound returned %ld, port %u", ret, got);
}

/*
 * #47: VIRQ_TIMER on a port a 64-bit latch allowed, fired after a switch
 * to 32 bits.  Xen's evtchn_2l_set_pending() has no range check: the
 * pending bit lands in the compat mask array and the selector bit (port /
 * 32) in vcpu_info.arch, with upcall_pending; KVM refuses the port and
 * drops the event.  Both are odd, neither is gated on: the check takes
 * either state, and says which it was.
 */
static void virq_beyond_compat(uint32_t port)
{
	uint32_t timer;
	bool xen, dropped;
	long ret;

	ret = evtchn_close(port);
	if (!report(ret == 0, "close_unbound_port%u", port))
		return;
	ret = evtchn_bind_virq(VIRQ_TIMER, 0, &timer);
	if (!report(!ret && timer == port, "virq_timer_bound_port%u", port)) {
		report_info("bind_virq returned %ld, port %u", ret, timer);
		return;
	}
	latch(MODE_PM32);
	prepare();
	/* a deadline passed: it fires at once, whatever the clocks say */
	ret = xen_set_timer_op(1);
	dropped = state_is("dropped");
	snapshot();
	want_bit(want_sh, port, true);
	want_bit(want_vi + 4, port / 32, true);
	want_vi[0] = 1;
	/* state_is() of the state that is not there explains too much */
	xen = !dropped && !memcmp(want_sh, sh + STATE_OFF, STATE_LEN) &&
	      !memcmp(want_vi, vi, VI_LEN);
	report_info("VIRQ_TIMER on port %u after a switch to 32 bits: %s", port,
		    xen ? "written past the compat arrays, as Xen does" :
		    dropped ? "dropped, as KVM does" : "neither");
	if (!xen && !dropped)
		state_is("xen");
	xabi(47);
	report(ret == 0 && (xen || dropped),
	       "virq_beyond_compat_xen_or_dropped");
	xen_set_timer_op(0);
	evtchn_close(port);
}

static void case_evtchn_limits(const struct guest_config *cfg)
{
	if (!setup())
		return;

	/* 32 bits: 1024 ports, 1023 the last */
	latch(MODE_PM32);
	if (!report(ipi_at(1023), "compat_bind_ipi_last_port_1023"))
		return;
	full();
	delivered(1023);
	beyond(1024);

	/* 64 bits: the ports bound so far stay, 4095 the last */
	latch(MODE_LONG64);
	if (!report(ipi_at(4095), "native_bind_ipi_last_port_4095"))
		return;
	full();
	delivered(4095);
	delivered(1023);
	beyond(4096);

	virq_beyond_compat(2000);
}
DEFINE_CASE("evtchn-limits", case_evtchn_limits);
