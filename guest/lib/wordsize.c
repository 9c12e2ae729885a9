// SPDX-License-Identifier: GPL-2.0
/* Helpers of the word-size cases, see wordsize.h. */
#include "ktap.h"
#include "processor.h"
#include "rs_common.h"
#include "string.h"
#include "wordsize.h"
#include "xen.h"

#define AREA_PROBE	52	/* a native area and the 4 bytes after it */

bool ws_setup(void)
{
	long ret;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_setup"))
		return false;
	ret = xen_shared_info_setup();
	if (!report(ret == 0, "shared_info_setup")) {
		report_info("xen_shared_info_setup() returned %ld", ret);
		return false;
	}
	return true;
}

uint32_t ws_msr(void)
{
	return cpuid(xen_cpuid_base() + XEN_CPUID_LEAF_HCALL).b;
}

enum rs_layout ws_layout_of(enum guest_mode m)
{
	return m == MODE_LONG64 ? RS_NATIVE : RS_COMPAT;
}

unsigned int ws_wc_of(enum guest_mode m)
{
	return m == MODE_LONG64 ? WC_NATIVE : WC_COMPAT;
}

enum guest_mode ws_opposite(enum guest_mode m)
{
	return m == MODE_LONG64 ? MODE_PM32 : MODE_LONG64;
}

int ws_write_msr(enum guest_mode m, uint32_t index)
{
	return mode_wrmsr(m, ws_msr(), (unsigned long)hypercall_page | index);
}

static volatile uint32_t *wc_version_ptr(unsigned int off)
{
	return (volatile uint32_t *)((uint8_t *)xen_shared_info() + off);
}

uint32_t ws_wc_version(unsigned int off)
{
	return *wc_version_ptr(off);
}

void ws_wc_clear(void)
{
	*wc_version_ptr(WC_COMPAT) = 0;
	*wc_version_ptr(WC_NATIVE) = 0;
}

bool ws_wc_only_at(unsigned int off)
{
	unsigned int other = off == WC_COMPAT ? WC_NATIVE : WC_COMPAT;
	uint32_t v = ws_wc_version(off), o = ws_wc_version(other);
	bool ok = v && !(v & 1) && !o;

	if (!ok)
		report_info("wc.version at %#x: %u, at %#x: %u (want even and nonzero, 0)",
			    off, v, other, o);
	return ok;
}

unsigned int ws_runstate_layout(void *area)
{
	uint8_t *p = area;
	struct rs_snapshot s;
	unsigned int layout;

	memset(p, SENTINEL, AREA_PROBE);
	force_update(1);

	if (!mem_find_not(p, 4, SENTINEL)) {
		report_info("runstate area at %p not written", area);
		return 0;
	}
	if (mem_find_not(p + RS_NATIVE, AREA_PROBE - RS_NATIVE, SENTINEL)) {
		report_info("runstate area at %p: bytes past 48 written", area);
		return 0;
	}
	layout = mem_find_not(p + RS_COMPAT, RS_NATIVE - RS_COMPAT, SENTINEL) ?
		 RS_NATIVE : RS_COMPAT;
	runstate_read(area, layout, &s);
	if (!rs_valid(&s)) {
		rs_dump("not a valid area", &s);
		return 0;
	}
	return layout;
}

void ws_dump_entry(unsigned int nr)
{
	const uint8_t *e = hypercall_page + nr * HYPERCALL_ENTRY_SIZE;

	report_info("entry %u: %02x %02x %02x %02x %02x %02x %02x %02x %02x",
		    nr, e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8]);
}

static const uint8_t vmcall[] = { 0x0f, 0x01, 0xc1 };	/* Intel */
static const uint8_t vmmcall[] = { 0x0f, 0x01, 0xd9 };	/* AMD */

static bool is_stub(unsigned int nr)
{
	const uint8_t *e = hypercall_page + nr * HYPERCALL_ENTRY_SIZE;

	return hypercall_entry_nr(nr) == nr && e[8] == 0xc3 &&
	       (!memcmp(e + 5, vmcall, 3) || !memcmp(e + 5, vmmcall, 3));
}

int ws_page_bad_entry(void)
{
	const uint8_t *iret = hypercall_page +
			      __HYPERVISOR_iret * HYPERCALL_ENTRY_SIZE;
	unsigned int nr;

	for (nr = 0; nr < HYPERCALL_ENTRIES; nr++) {
		/* #4 judges the iret entry; here it only must not be poison. */
		if (nr == __HYPERVISOR_iret) {
			if (!is_stub(nr) && !(iret[0] == 0x0f && iret[1] == 0x0b))
				return nr;
			continue;
		}
		if (!is_stub(nr))
			return nr;
	}
	return -1;
}
