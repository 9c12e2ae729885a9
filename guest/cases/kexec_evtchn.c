// SPDX-License-Identifier: GPL-2.0
/*
 * kexec-evtchn, kexec-evtchn-stage2: event channels across a self-kexec
 * into the other word size's image.
 *
 * Xen has no kexec for HVM guests: what the old kernel bound stays bound,
 * its callback stays set and its timer stays armed, unless it takes them
 * down.  A kernel that kexecs itself therefore resets its event channels
 * (EVTCHNOP_reset, which closes every port and clears their pending bits),
 * withdraws its callback and lets the new kernel start from there; the
 * VMM sees no kexec, only those hypercalls.  Stage 1 binds an IPI and
 * VIRQ_TIMER, takes an event through its callback, leaves one pending,
 * arms the singleshot timer 300 ms ahead and resets; stage 2, in the
 * other word size, finds shared_info where stage 1 mapped it (Xen keeps
 * it mapped), no port pending and the old ports closed, waits until the
 * old timer's deadline has passed with nothing bound (Xen drops the
 * event), binds again from the lowest port and gets its events in its
 * own layout, through its own callback.
 *
 * shared_info is mapped at a page after the kexec state, outside both
 * images, and vcpu_info stays at its default slot in it: neither can be
 * undone, and inside an image they would be written over the next one.
 */
#include <stddef.h>
#include <stdint.h>
#include "apic.h"
#include "case.h"
#include "cmdline.h"
#include "evtchn.h"
#include "kexec.h"
#include "ktap.h"
#include "printf.h"
#include "processor.h"
#include "pvclock.h"
#include "rs_common.h"
#include "runstate.h"
#include "string.h"
#include "xen.h"

#define MS		1000000ull
#define SHINFO_PAGE	12	/* kexec_page(): outside both images */
#define HANDOVER_PAGE	13
#define RUNSTATE_PAGE	14
#define HANDOVER_MAGIC	0x6b657674	/* "kevt" */
#define IMAGE_NAME_MAX	16

/* What stage 1 leaves for stage 2, in a page both images agree on. */
struct evt_handover {
	uint32_t magic;
	uint32_t ipi, timer;		/* stage 1's ports */
	uint32_t sel_bits;		/* its layout: 32 or 64 */
	uint64_t deadline __aligned(8);	/* its singleshot timer */
};

static struct shared_info *sh;
static volatile struct vcpu_info *vi;

static struct evt_handover *handover(void)
{
	return kexec_page(HANDOVER_PAGE);
}

static int64_t skew;

static uint64_t now(void)
{
	return pvclock_read_ns(&vi->time);
}

/* The runstate clock: the one KVM's timers run on (evtchn_layout.c). */
static uint64_t hv_now(void)
{
	return now() - skew;
}

/*
 * How far the Xen clock is ahead of the runstate clock, which Xen keeps
 * in one system time and a loaded emulated host need not: reported, and
 * the deadlines set on the runstate clock.  The area is outside both
 * images and deregistered again.
 */
static void measure_skew(void)
{
	void *area = kexec_page(RUNSTATE_PAGE);
	struct rs_snapshot s;
	int64_t prev;
	uint64_t g;
	long ret;

	ret = runstate_register(area);
	force_update(1);
	g = now();
	runstate_read(area, rs_layout_native(), &s);
	runstate_register(NULL);
	prev = skew;
	skew = ret ? 0 : (int64_t)(g - s.entry);
	/* said when it is there, and again when it moves */
	if ((skew < 0 || skew > 50 * (int64_t)MS) &&
	    (skew - prev > 50 * (int64_t)MS || prev - skew > 50 * (int64_t)MS))
		report_info("the Xen clock is %lld ns ahead of the runstate clock (register %ld); vcpu_info.time tsc_timestamp %llu, TSC %llu: deadlines are set on the runstate clock",
			    (long long)skew, ret,
			    (unsigned long long)vi->time.tsc_timestamp,
			    (unsigned long long)rdtsc());
	if (skew < 0)
		skew = 0;
}

static void attach(void)
{
	sh = kexec_page(SHINFO_PAGE);
	vi = &sh->vcpu_info[0];
	evtchn_attach(sh, (void *)vi, evtchn_own_layout());
}

static long set_callback_none(void)
{
	struct xen_hvm_param p = {
		.domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
	};

	return xen_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param,
			     (unsigned long)&p, 0, 0, 0);
}

static bool port_closed(uint32_t port)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
	long ret = evtchn_op(EVTCHNOP_status, &st);

	if (ret || st.status != EVTCHNSTAT_closed)
		report_info("status(%u): %ld, state %u", port, ret, st.status);
	return !ret && st.status == EVTCHNSTAT_closed;
}

/*
 * No port below @ports pending: the compat array, or the native one,
 * whose upper part is the compat mask and wallclock of a 32-bit latch.
 */
static bool none_pending(unsigned int ports)
{
	const uint8_t *p = (const uint8_t *)sh + EVTCHN_PENDING_OFF;
	unsigned int i;

	for (i = 0; i < ports / 8; i++) {
		if (p[i]) {
			report_info("shared_info+%#x is %#x", EVTCHN_PENDING_OFF + i,
				    p[i]);
			return false;
		}
	}
	return true;
}

static void boot_next(const struct guest_config *cfg, struct kexec_state *st)
{
	char file[IMAGE_NAME_MAX + 4], args[64], why[80];
	const void *image;
	size_t len;

	snprintf(file, sizeof(file), "%s.elf", st->chain);
	snprintf(why, sizeof(why),
		 "no multiboot module %s (the case needs vmm --module %s)",
		 file, file);
	if (!report_need(kexec_find_module(cfg->mbi_gpa, file, &image, &len),
			 why, "stage1_find_%s", st->chain))
		return;
	str_copy(st->from, GUEST_MODE, sizeof(st->from));
	snprintf(args, sizeof(args), "case=kexec-evtchn-stage2 xenver=%u.%u",
		 cfg->xen_major, cfg->xen_minor);
	report_info("kexec %s -> %s", GUEST_MODE, st->chain);
	report_error(kexec_boot(cfg->mbi_gpa, image, len, args),
		     "stage1_kexec");
}

static void case_kexec_evtchn(const struct guest_config *cfg)
{
	struct kexec_state *st = kexec_state();
	struct evt_handover *h = handover();
	struct evtchn_reset r = { .dom = DOMID_SELF };
	long ret;

	memset(st, 0, sizeof(*st));
	memset(h, 0, sizeof(*h));
	st->stage = 1;
	if (!report_need(cmdline_get(cfg->cmdline, "chain", st->chain,
				     sizeof(st->chain)) > 0 &&
			 strlen(st->chain) < IMAGE_NAME_MAX &&
			 !strchr(st->chain, ','),
			 "no chain=IMAGE (one image) on the command line",
			 "stage1_chain"))
		return;
	if (!report_need(xen_init(), XEN_INIT_ERROR, "stage1_xen_setup"))
		return;
	attach();
	memset(sh, 0, PAGE_SIZE);
	ret = xen_shared_info_map((unsigned long)sh >> 12);
	if (!report_need(ret == 0, "XENMEM_add_to_physmap(shared_info) failed",
			 "stage1_shared_info_map"))
		return;
	/* enables the LAPIC; the clock is in vcpu_info now */
	apic_sleep_ms(1);
	measure_skew();
	cli();
	evtchn_clear_all();

	ret = evtchn_set_callback_vector();
	report(ret == 0, "stage1_callback_vector_set");
	ret = evtchn_bind_ipi(0, &h->ipi);
	ret = ret ? ret : evtchn_bind_virq(VIRQ_TIMER, 0, &h->timer);
	if (!report(!ret && h->ipi == 1 && h->timer == 2, "stage1_bind")) {
		report_info("bind: %ld, ports %u %u", ret, h->ipi, h->timer);
		return;
	}
	evtchn_reset_seen();
	ret = evtchn_send(h->ipi);
	evtchn_take_ms(h->ipi, 100);
	report(!ret && evtchn_seen.count[h->ipi] == 1, "stage1_ipi_taken");

	/* what the old kernel leaves behind: an event, a timer */
	evtchn_send(h->ipi);
	h->deadline = hv_now() + 300 * MS;
	ret = xen_set_timer_op(h->deadline);
	report(ret == 0 && evtchn_pending(h->ipi), "stage1_event_and_timer_left");

	/* and takes down before the kexec */
	ret = evtchn_op(EVTCHNOP_reset, &r);
	report(ret == 0, "stage1_evtchn_reset");
	report(port_closed(h->ipi) && port_closed(h->timer) &&
	       !evtchn_pending(h->ipi), "stage1_reset_closed_ports");
	ret = set_callback_none();
	report(ret == 0, "stage1_callback_withdrawn");
	report_info("left: upcall_pending %u, selector %#llx, timer at %llu ns",
		    vi->evtchn_upcall_pending,
		    (unsigned long long)evtchn_sel_word(),
		    (unsigned long long)h->deadline);

	h->sel_bits = evtchn_own_layout()->bits;
	h->magic = HANDOVER_MAGIC;
	boot_next(cfg, st);
}
DEFINE_CASE("kexec-evtchn", case_kexec_evtchn);

/*
 * The event state after a send of @port: its pending bit, the selector
 * bit in @l and upcall_pending, and nothing else; the other layout's
 * selector bytes were set to the sentinel and stay so.
 */
static bool own_layout_delivery(uint32_t port, const struct evtchn_layout *l)
{
	const struct evtchn_layout *o = l == &evtchn_native ? &evtchn_compat :
							     &evtchn_native;
	const uint8_t *v = (const uint8_t *)vi;
	uint64_t sel = evtchn_sel_in(l);
	unsigned int i;
	bool ok;

	ok = evtchn_pending(port) && sel == 1ull << (port / l->bits) &&
	     vi->evtchn_upcall_pending;
	for (i = 0; i < o->bits / 8; i++)
		ok = ok && v[o->sel + i] == SENTINEL;
	evtchn_clear_pending(port);
	ok = ok && none_pending(l->ports);
	if (!ok)
		report_info("selector %#llx at +%u, upcall_pending %u, +%u: %02x %02x %02x %02x",
			    (unsigned long long)sel, l->sel,
			    vi->evtchn_upcall_pending, o->sel, v[o->sel],
			    v[o->sel + 1], v[o->sel + 2], v[o->sel + 3]);
	return ok;
}

static void prepare(const struct evtchn_layout *l)
{
	const struct evtchn_layout *o = l == &evtchn_native ? &evtchn_compat :
							     &evtchn_native;

	evtchn_clear_all();
	memset((uint8_t *)vi + o->sel, SENTINEL, o->bits / 8);
}

static void case_kexec_evtchn_stage2(const struct guest_config *cfg)
{
	struct kexec_state *st = kexec_state();
	struct evt_handover *h = handover();
	const struct evtchn_layout *l = evtchn_own_layout();
	uint32_t ipi = 0, timer = 0;
	uint64_t t0;
	bool got;
	long ret;

	if (!report_need(st->magic == KEXEC_MAGIC && st->stage == 1 &&
			 h->magic == HANDOVER_MAGIC,
			 "no state from a kexec stage before (case kexec-evtchn boots this one)",
			 "stage2_handover"))
		return;
	st->stage = 2;
	report_info("stage 2: %s booted by %s, which used %u-bit event words",
		    GUEST_MODE, st->from, h->sel_bits);
	if (!report_need(xen_init(), XEN_INIT_ERROR, "stage2_xen_setup"))
		return;
	attach();

	/* Xen keeps shared_info where the old kernel put it */
	t0 = now();
	apic_sleep_ms(2);
	measure_skew();
	cli();
	if (!report(vi->time.version && !(vi->time.version & 1) && t0 &&
		    now() > t0, "stage2_shared_info_still_mapped"))
		report_info("vcpu_info.time version %u, clock %llu then %llu",
			    vi->time.version, (unsigned long long)t0,
			    (unsigned long long)now());

	/* the reset took every port and its pending bit */
	report(none_pending(EVTCHN_PORTS_COMPAT), "stage2_no_port_pending");
	report_info("found: upcall_pending %u, compat selector %#llx, native %#llx",
		    vi->evtchn_upcall_pending,
		    (unsigned long long)evtchn_sel_in(&evtchn_compat),
		    (unsigned long long)evtchn_sel_in(&evtchn_native));
	report(port_closed(h->ipi) && port_closed(h->timer),
	       "stage2_old_ports_closed");
	ret = evtchn_send(h->ipi);
	if (!report(ret == -XEN_EINVAL, "stage2_old_ipi_send_einval"))
		report_info("send(%u) returned %ld", h->ipi, ret);

	/*
	 * The old timer expires with VIRQ_TIMER unbound: Xen drops it.  Past
	 * its deadline by the Xen clock, and a second more of the LAPIC
	 * timer's, which runs on the host's clock as the Xen timer does.
	 */
	while (hv_now() < h->deadline + 100 * MS)
		apic_sleep_ms(10);
	apic_sleep_ms(1000);
	cli();
	/* a new layout: the masks and selectors set up afresh */
	prepare(l);
	ret = evtchn_bind_ipi(0, &ipi);
	ret = ret ? ret : evtchn_bind_virq(VIRQ_TIMER, 0, &timer);
	if (!report(!ret && ipi == 1 && timer == 2, "stage2_rebind_lowest_ports")) {
		report_info("bind: %ld, ports %u %u", ret, ipi, timer);
		return;
	}
	t0 = now();
	while (now() < t0 + 100 * MS)
		apic_sleep_ms(10);
	cli();
	if (!report(none_pending(l->ports) && !vi->evtchn_upcall_pending,
		    "stage2_old_timer_not_delivered"))
		report_info("deadline %llu, now %llu",
			    (unsigned long long)h->deadline,
			    (unsigned long long)hv_now());

	/* its own events, in its own layout */
	prepare(l);
	ret = evtchn_send(ipi);
	report(!ret && own_layout_delivery(ipi, l), "stage2_ipi_own_layout_%u",
	       l->bits);
	prepare(l);
	ret = xen_set_timer_op(hv_now() + 20 * MS);
	got = evtchn_wait_ms(timer, 5000);
	cli();
	if (!report(!ret && got && own_layout_delivery(timer, l),
		    "stage2_timer_own_layout_%u", l->bits))
		report_info("set_timer_op %ld, %s", ret,
			    got ? "pending" : "not pending after 5 s");

	/* and through its own callback */
	evtchn_clear_all();
	ret = evtchn_set_callback_vector();
	report(ret == 0, "stage2_callback_vector_set");
	evtchn_reset_seen();
	ret = evtchn_send(ipi);
	evtchn_take_ms(ipi, 100);
	report(!ret && evtchn_seen.count[ipi] == 1 && !evtchn_pending(ipi),
	       "stage2_callback_takes_ipi");
}
DEFINE_CASE("kexec-evtchn-stage2", case_kexec_evtchn_stage2);
