// SPDX-License-Identifier: GPL-2.0
/*
 * hcall-page: the hypercall-page MSR from every processor mode (#3-#9).
 *
 * Xen fills the page on any write with page index 0, makes entry 23 (iret)
 * a ud2, reads the MSR as 0, raises #GP for a page index > 0 and changes
 * nothing else then, and latches the word size from CS.L: 32-bit protected
 * and compatibility mode give the compat layouts (wallclock at 0x900,
 * 44-byte runstate), 64-bit mode the native ones (0xc00, 48 bytes).  Each
 * latch check first latches the other word size, so that the write under
 * test is a change on Xen and KVM alike.
 */
#include "case.h"
#include "desc.h"
#include "ktap.h"
#include "mode.h"
#include "rig.h"
#include "rs_common.h"
#include "string.h"
#include "wordsize.h"
#include "xen.h"

#define HYPERCALL_POISON	0xc3
#define VECTOR_GP		13

static uint8_t area_page[PAGE_SIZE] __aligned(PAGE_SIZE);

/* The switch works and the mode's hypercall ABI reaches the VMM. */
static void check_mode(enum guest_mode m, const struct guest_config *cfg)
{
	static const unsigned long want_info[MODE_COUNT] = {
		[MODE_PM32] = GDT_CS32 << 16,
		[MODE_COMPAT] = GDT_CS32 << 16 | MODE_INFO_LMA | MODE_INFO_PG,
		[MODE_LONG64] = GDT_CS64 << 16 | MODE_INFO_LMA | MODE_INFO_PG,
	};
	long want_ver = cfg->xen_major << 16 | cfg->xen_minor;
	unsigned long info = mode_call(m, MODE_OP_INFO, 0, 0);
	long ver;
	uint32_t lm;

	if (!report(info == want_info[m], "mode_%s_entered", mode_name(m)))
		report_info("%s: CS %#lx PG %lu LMA %lu, expected %#lx",
			    mode_name(m), MODE_INFO_CS(info),
			    info & MODE_INFO_PG, (info & MODE_INFO_LMA) >> 1,
			    want_info[m]);

	/* The VMM sees CS.L as KVM reports it: 1 only in 64-bit mode. */
	ver = mode_call(m, MODE_OP_HCALL, __HYPERVISOR_xen_version,
			XENVER_version);
	lm = rig_cmd(RIG_CMD_LAST_LONGMODE, 0);
	if (!report(ver == want_ver && lm == (m == MODE_LONG64),
		    "mode_%s_hypercall", mode_name(m)))
		report_info("xen_version from %s: %#lx (expected %#lx), longmode %u",
			    mode_name(m), ver, want_ver, lm);
}

static void check_iret_entry(void)
{
	const uint8_t *e = hypercall_page +
			   __HYPERVISOR_iret * HYPERCALL_ENTRY_SIZE;

	xabi(4);
	if (!report(e[0] == 0x0f && e[1] == 0x0b, "hcall_page_iret_ud2"))
		ws_dump_entry(__HYPERVISOR_iret);
}

/* A write from @m after one from the other word size: #3, #8, #9. */
static void check_latch(enum guest_mode m)
{
	const char *name = mode_name(m);
	enum rs_layout want = ws_layout_of(m);
	unsigned int wc = ws_wc_of(m), layout;
	int fault, bad;

	fault = ws_write_msr(ws_opposite(m), 0);
	if (fault >= 0)
		report_info("preparing: write from %s raised vector %d",
			    mode_name(ws_opposite(m)), fault);

	ws_wc_clear();
	memset(hypercall_page, HYPERCALL_POISON, PAGE_SIZE);
	fault = ws_write_msr(m, 0);
	bad = ws_page_bad_entry();
	xabi(3);
	if (!report(fault < 0 && bad < 0, "hcall_page_written_%s", name)) {
		report_info("write from %s: vector %d, first bad entry %d",
			    name, fault, bad);
		if (bad >= 0)
			ws_dump_entry(bad);
		/* Whatever happened, the wrappers need a page again. */
		hypercall_page_install(ws_msr());
	}
	if (m == MODE_PM32)
		check_iret_entry();

	xabi(m == MODE_COMPAT ? 9 : 8);
	report(ws_wc_only_at(wc), "latch_%s_wc_%#x", name, wc);

	xabi(m == MODE_COMPAT ? 9 : 8);
	layout = ws_runstate_layout(area_page);
	if (!report(layout == want, "latch_%s_runstate_%u", name, want))
		report_info("write from %s: runstate written as %u bytes",
			    name, layout);
}

static void check_rdmsr(void)
{
	long lo = mode_call(mode_native(), MODE_OP_RDMSR, ws_msr(), 0);
	int fault = mode_fault();

	xabi(5);
	if (report(fault < 0 && lo == 0 && mode_msr_high() == 0,
		   "hcall_msr_rdmsr_zero"))
		return;
	if (fault >= 0)
		report_info("rdmsr(%#x) raised vector %d", ws_msr(), fault);
	else
		report_info("rdmsr(%#x) = %#x:%08x", ws_msr(), mode_msr_high(),
			    (uint32_t)lo);
}

/* #6 from the latched mode, then #6 and #7 from the other one. */
static void check_index1(void)
{
	enum guest_mode own = mode_native(), other = ws_opposite(own);
	unsigned int wc_own = ws_wc_of(own), wc_other = ws_wc_of(other);
	uint32_t ver;
	unsigned int layout;
	int fault;

	ws_write_msr(own, 0);
	fault = ws_write_msr(own, 1);
	xabi(6);
	if (!report(fault == VECTOR_GP, "hcall_msr_index1_gp"))
		report_info("wrmsr(page|1) from %s: vector %d", mode_name(own),
			    fault);

	ws_wc_clear();
	ws_write_msr(ws_opposite(own), 0);
	ws_write_msr(own, 0);
	ver = ws_wc_version(wc_own);
	*(volatile uint32_t *)((uint8_t *)xen_shared_info() + wc_other) = 0;

	fault = ws_write_msr(other, 1);
	xabi(6);
	if (!report(fault == VECTOR_GP, "hcall_msr_index1_other_mode_gp"))
		report_info("wrmsr(page|1) from %s: vector %d",
			    mode_name(other), fault);

	xabi(7);
	if (!report(ws_wc_version(wc_own) == ver && !ws_wc_version(wc_other),
		    "hcall_msr_index1_keeps_wc"))
		report_info("wc.version at %#x: %u -> %u, at %#x: 0 -> %u",
			    wc_own, ver, ws_wc_version(wc_own), wc_other,
			    ws_wc_version(wc_other));

	xabi(7);
	layout = ws_runstate_layout(area_page);
	if (!report(layout == ws_layout_of(own),
		    "hcall_msr_index1_keeps_runstate"))
		report_info("after the faulting write from %s: runstate written as %u bytes, latched %s wants %u",
			    mode_name(other), layout, mode_name(own),
			    ws_layout_of(own));

	/* Back to the image's own word size for whatever comes next. */
	ws_write_msr(own, 0);
}

static void case_hcall_page(const struct guest_config *cfg)
{
	static const enum guest_mode order[] = {
		MODE_PM32, MODE_LONG64, MODE_COMPAT,
	};
	unsigned int i;
	long ret;

	if (!ws_setup())
		return;
	ret = runstate_register(area_page);
	if (!report(ret == 0, "runstate_register")) {
		report_info("runstate_register(%p) returned %ld", area_page,
			    ret);
		return;
	}

	for (i = 0; i < MODE_COUNT; i++)
		check_mode(i, cfg);
	for (i = 0; i < ARRAY_SIZE(order); i++)
		check_latch(order[i]);
	ws_write_msr(mode_native(), 0);

	check_rdmsr();
	check_index1();
}
DEFINE_CASE("hcall-page", case_hcall_page);
