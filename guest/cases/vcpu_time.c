// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu-time: VCPUOP_register_vcpu_time_memory_area (the event-channel
 * reference's assertions 75-77), then vcpu_info at the end of RAM (#78), or
 * with vcpu_info=4024 on the command line only vcpu_info at that page
 * offset (#79).
 *
 * Xen keeps the area as a linear address, answers 0 for any address and
 * from then on writes only there, through the page tables, across a page
 * if it must; 0 unregisters.  What it writes is what it writes to
 * vcpu_info.time in the same update, so every field is compared with that
 * copy (vCPU 0's slot of shared_info), both read under a stable version.
 *
 * Xen rewrites the area at every reschedule and time calibration; KVM only
 * when something asks it to update the vCPU's clock.  A write of
 * IA32_TSC_ADJUST with its own value is such a request for KVM, a halt one
 * for Xen: clock_update() does both, and an area that must no longer be
 * written is checked across it, with vcpu_info.time's version showing that
 * the update happened.
 */
#include <stddef.h>
#include <stdint.h>
#include "apic.h"
#include "case.h"
#include "cmdline.h"
#include "compiler.h"
#include "evtchn.h"
#include "ktap.h"
#include "processor.h"
#include "pvclock.h"
#include "rs_common.h"
#include "runstate.h"
#include "string.h"
#include "xen.h"
#include "xen_ops.h"

#define AREA			32u	/* sizeof(struct vcpu_time_info) */
/* A linear address in no page table of the hvm64 build (it maps 4 GiB). */
#define UNMAPPED_VA		0x100001000ull
/* An address below 4 GiB that is no RAM with the VMM's 64 MiB. */
#define NOT_RAM			0xc0000000ull

/* Sentinel page, the area's page, the page a crossing area runs into. */
static uint8_t buf[3 * PAGE_SIZE] __aligned(PAGE_SIZE);
/* Where the area is while buf is refilled: nothing written lands in buf. */
static uint8_t parking[64] __aligned(64);
static uint8_t shinfo_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t vi_pages[2 * PAGE_SIZE] __aligned(PAGE_SIZE);

static volatile struct shared_info *const sh = (void *)shinfo_page;
/* The reference: vCPU 0's vcpu_info.time, where the VMM put vcpu_info. */
#define REF	(&sh->vcpu_info[0].time)

static bool tsc_adjust;

struct snap {
	uint32_t version;
	uint64_t tsc_timestamp, system_time;
	uint32_t mul;
	int8_t shift;
};

static void check(const char *name, long got, long want)
{
	if (!report(got == want, "%s", name))
		report_info("%s: got %ld, want %ld", name, got, want);
}

/* The fields under an even version that did not change meanwhile. */
static bool read_stable(const volatile void *p, struct snap *s)
{
	const volatile struct vcpu_time_info *t = p;
	unsigned int tries;

	for (tries = 0; tries < 1000; tries++) {
		s->version = t->version;
		barrier();
		s->tsc_timestamp = t->tsc_timestamp;
		s->system_time = t->system_time;
		s->mul = t->tsc_to_system_mul;
		s->shift = t->tsc_shift;
		barrier();
		if (!(s->version & 1) && s->version == t->version)
			return true;
	}
	return false;
}

/* Written: a version even and not 0 (a poisoned area's is odd). */
static bool written(const volatile void *area)
{
	struct snap s;

	return read_stable(area, &s) && s.version;
}

/*
 * Every field equal to vcpu_info.time's, from one update: the reference is
 * read before and after the area, and a read that an update split is done
 * again.
 */
static bool matches_ref(const char *name, const volatile void *area)
{
	struct snap a, r1, r2;
	unsigned int tries;

	for (tries = 0; tries < 10; tries++) {
		if (!read_stable(REF, &r1) || !read_stable(area, &a) ||
		    !read_stable(REF, &r2))
			break;
		if (r1.version != r2.version)
			continue;
		if (a.tsc_timestamp == r1.tsc_timestamp &&
		    a.system_time == r1.system_time && a.mul == r1.mul &&
		    a.shift == r1.shift && a.version)
			return true;
		report_info("%s: area v%u tsc %llu sys %llu mul %u shift %d; vcpu_info.time v%u tsc %llu sys %llu mul %u shift %d",
			    name, a.version,
			    (unsigned long long)a.tsc_timestamp,
			    (unsigned long long)a.system_time, a.mul, a.shift,
			    r1.version, (unsigned long long)r1.tsc_timestamp,
			    (unsigned long long)r1.system_time, r1.mul,
			    r1.shift);
		return false;
	}
	report_info("%s: no stable read of both", name);
	return false;
}

static bool all_bytes(const volatile void *p, uint8_t v, unsigned int n)
{
	const volatile uint8_t *b = p;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (b[i] != v)
			return false;
	return true;
}

/* The 8-byte handle; a 32-bit caller's is its low 4 bytes. */
static long register_handle(uint64_t handle)
{
	uint64_t h = handle;

	return xen_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &h);
}

static long register_area(const void *area)
{
	return register_handle((unsigned long)area);
}

/*
 * Make both hypervisors write the registered area: IA32_TSC_ADJUST
 * rewritten with its value (KVM updates the clock), and a halt (Xen does at
 * the reschedule).  True if vcpu_info.time shows an update.
 */
static bool clock_update(void)
{
	uint32_t v = REF->version;

	pvclock_poke();
	apic_sleep_ms(10);
	return REF->version != v;
}

/* The area away from buf, then buf all sentinels and the area poisoned. */
static void prepare(uint8_t *area)
{
	register_area(parking);
	memset(buf, SENTINEL, sizeof(buf));
	memset(area, POISON, AREA);
}

/*
 * #75: register at @area, whose @before and @after bytes around it are
 * sentinels: 0, written on return with vcpu_info.time's values, nothing
 * around it touched.
 */
static void placement(const char *name, uint8_t *area, unsigned int before,
		      unsigned int after)
{
	long ret = register_area(area);

	xabi(75);
	if (!report(ret == 0, "%s_register_returns_zero", name))
		report_info("%s: got %ld", name, ret);
	xabi(75);
	report(written(area), "%s_written_on_return", name);
	xabi(75);
	report(matches_ref(name, area), "%s_fields_match_vcpu_info", name);
	xabi(75);
	report(all_bytes(area - before, SENTINEL, before) &&
	       all_bytes(area + AREA, SENTINEL, after),
	       "%s_sentinels_intact", name);
}

static void placements(void)
{
	uint64_t end = ram_end();
	uint8_t *area;

	area = buf + PAGE_SIZE;
	prepare(area);
	placement("offset_0", area, AREA, AREA);

	area = buf + 2 * PAGE_SIZE - AREA;
	prepare(area);
	placement("page_end", area, AREA, AREA);

	/* the last 32 bytes of the last memslot: 64 MiB, the VMM's default */
	if (!end) {
		report_error("no usable multiboot memory information",
			     "ram_end_area");
		return;
	}
	report_info("end of RAM %#llx from multiboot", (unsigned long long)end);
	area = (uint8_t *)(unsigned long)(end - AREA);
	register_area(parking);
	memset(area - AREA, SENTINEL, AREA);
	memset(area, POISON, AREA);
	placement("ram_end", area, AREA, 0);
}

/*
 * #76: 24 bytes in one page, 8 in the next (mul, shift, flags), the pages
 * contiguous.  Xen writes both; KVM's attribute takes 32 bytes within a
 * page, so this area is not written there.  The old area (parking) must
 * stop either way.
 */
static void crossing(void)
{
	uint8_t *area = buf + 2 * PAGE_SIZE - 24;
	bool updated;
	long ret;

	prepare(area);
	if (!report(written(parking), "crossing_old_area_written"))
		return;
	ret = register_area(area);
	xabi(76);
	check("crossing_register_returns_zero", ret, 0);
	memset(parking, POISON, AREA);
	updated = clock_update();
	xabi(76);
	if (!report(written(area) && matches_ref("crossing", area),
		    "crossing_written_both_pages"))
		report_info("crossing: version %#x, next page %02x %02x %02x %02x",
			    ((volatile struct vcpu_time_info *)area)->version,
			    buf[2 * PAGE_SIZE], buf[2 * PAGE_SIZE + 1],
			    buf[2 * PAGE_SIZE + 2], buf[2 * PAGE_SIZE + 3]);
	xabi(76);
	report(all_bytes(area - AREA, SENTINEL, AREA) &&
	       all_bytes(area + AREA, SENTINEL, AREA),
	       "crossing_sentinels_intact");
	xabi(77);
	if (!updated)
		report_skip("no clock update seen", "crossing_old_area_not_written");
	else
		report(all_bytes(parking, POISON, AREA),
		       "crossing_old_area_not_written");
}

/*
 * Re-register at another offset of the same page: the new place is
 * written on return, the old one neither then nor at the next update.
 */
static void reregister(void)
{
	uint8_t *old = buf + PAGE_SIZE, *new = buf + PAGE_SIZE + 1024;
	bool updated;
	long ret;

	prepare(old);
	register_area(old);
	if (!report(written(old), "reregister_first_written"))
		return;
	memset(old, POISON, AREA);
	memset(new, POISON, AREA);
	ret = register_area(new);
	check("reregister_returns_zero", ret, 0);
	xabi(75);
	report(written(new) && matches_ref("reregister", new),
	       "reregister_new_written");
	xabi(77);
	report(all_bytes(old, POISON, AREA), "reregister_old_not_written_on_return");
	updated = clock_update();
	if (!updated) {
		report_skip("no clock update seen", "reregister_new_rewritten");
		report_skip("no clock update seen", "reregister_old_not_written");
		return;
	}
	report(matches_ref("reregister_update", new), "reregister_new_rewritten");
	xabi(77);
	report(all_bytes(old, POISON, AREA), "reregister_old_not_written");
}

/*
 * #77: re-register at @handle, which Xen cannot write (or 0, which
 * unregisters): 0, and the old area is written no more.
 */
static void stops(const char *name, uint64_t handle)
{
	bool updated;
	long ret;

	register_area(parking);
	if (!report(written(parking), "%s_old_area_written", name))
		return;
	ret = register_handle(handle);
	xabi(77);
	if (!report(ret == 0, "%s_register_returns_zero", name))
		report_info("%s: got %ld", name, ret);
	memset(parking, POISON, AREA);
	updated = clock_update();
	xabi(77);
	if (!updated)
		report_skip("no clock update seen", "%s_old_area_not_written",
			    name);
	else if (!report(all_bytes(parking, POISON, AREA),
			 "%s_old_area_not_written", name))
		report_info("%s: old area version %#x", name,
			    ((volatile struct vcpu_time_info *)parking)->version);
}

/* A 32-bit caller's handle is 4 bytes: Xen's compat_vcpu_op reads no more. */
static void high_half(void)
{
	uint8_t *area = buf + PAGE_SIZE;

	if (guest_is_64bit()) {
		report_skip("a 64-bit caller's handle is 8 bytes",
			    "garbage_high_half_registers_low");
		return;
	}
	prepare(area);
	xabi(75);
	report(register_handle(0xdeadbeef00000000ull | (unsigned long)area) == 0 &&
	       written(area), "garbage_high_half_registers_low");
}

static void time_area(void)
{
	tsc_adjust = pvclock_can_poke();
	if (!tsc_adjust)
		report_info("no IA32_TSC_ADJUST: updates come from halts only");

	placements();
	crossing();
	reregister();
	if (guest_is_64bit())
		stops("unmapped", UNMAPPED_VA);
	else
		report_skip("paging is off: every address translates",
			    "unmapped_old_area_not_written");
	stops("not_ram", NOT_RAM);
	stops("zero", 0);
	high_half();
	register_handle(0);
}

/*
 * #78, #79: vcpu_info for vCPU 0 at @base, registered, then a send on an
 * IPI: the pending bit, the selector in the latched layout and
 * upcall_pending there, nothing around it or in the old slot changed.
 *
 * At page offset 4024 (#79) the compat selector is at +4, 4028: KVM sets
 * its bit with an 8-byte `lock bts`, which spans the cache line at 4032.
 * On an Intel host with split-lock detection that is an #AC in the host
 * kernel; the rig's emulated AMD host has none, so this passes here and
 * only shows the hazard where it exists.
 */
static void vcpu_info_at(unsigned int xabi_nr, const char *name,
			 uint8_t *base, uint8_t *lo, uint8_t *hi)
{
	const struct evtchn_layout *l = evtchn_own_layout();
	volatile struct vcpu_info *old = &sh->vcpu_info[0];
	uint64_t gpa = (unsigned long)base;
	uint32_t port;
	long ret;

	memset(lo, SENTINEL, base - lo);
	memset(base, 0, 64);
	memset(base + 64, SENTINEL, hi - base - 64);
	ret = xen_register_vcpu_info(gpa >> 12, gpa & (PAGE_SIZE - 1));
	xabi(xabi_nr);
	if (!report(ret == 0, "%s_register_returns_zero", name)) {
		report_info("%s: got %ld", name, ret);
		return;
	}
	xabi(xabi_nr);
	report(written(&((volatile struct vcpu_info *)base)->time),
	       "%s_time_written", name);
	evtchn_attach(shinfo_page, base, l);
	ret = evtchn_bind_ipi(0, &port);
	if (!report(ret == 0, "%s_bind_ipi", name))
		return;
	evtchn_clear_all();
	memset((void *)old, 0, 16);
	check("send_returns_zero", evtchn_send(port), 0);
	xabi(xabi_nr);
	if (!report(evtchn_pending(port) && evtchn_sel_bit(port / l->bits) &&
		    evtchn_upcall_pending(), "%s_send_delivered", name))
		report_info("%s: pending %d selector %#llx upcall_pending %u",
			    name, evtchn_pending(port),
			    (unsigned long long)evtchn_sel_word(),
			    evtchn_upcall_pending());
	xabi(xabi_nr);
	report(all_bytes(lo, SENTINEL, base - lo) &&
	       all_bytes(base + 64, SENTINEL, hi - base - 64),
	       "%s_sentinels_intact", name);
	xabi(xabi_nr);
	report(all_bytes((const void *)old, 0, 16), "%s_old_slot_untouched",
	       name);
	evtchn_close(port);
}

static void case_vcpu_time(const struct guest_config *cfg)
{
	uint64_t off = 0, end;
	long ret;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	memset(shinfo_page, 0, sizeof(shinfo_page));
	ret = xen_shared_info_map((unsigned long)shinfo_page >> 12);
	if (!report_need(ret == 0, "XENMEM_add_to_physmap(shared_info) failed",
			 "shared_info_map"))
		return;
	/* vCPU 0's vcpu_info is its shared_info slot until one is registered */
	if (!report_need(written(REF), "vcpu_info.time was never written",
			 "xen_clock"))
		return;

	if (cmdline_number(cfg->cmdline, "vcpu_info", &off)) {
		if (!report_need(off == 4024, "vcpu_info= takes only 4024",
				 "vcpu_info_offset"))
			return;
		vcpu_info_at(79, "vcpu_info_4024", vi_pages + off, vi_pages,
			     vi_pages + sizeof(vi_pages));
		return;
	}

	time_area();
	end = ram_end();
	if (end)
		vcpu_info_at(78, "vcpu_info_ram_end",
			     (uint8_t *)(unsigned long)(end - 64),
			     (uint8_t *)(unsigned long)(end - 128),
			     (uint8_t *)(unsigned long)end);
}
DEFINE_CASE("vcpu-time", case_vcpu_time);
