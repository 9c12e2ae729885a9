// SPDX-License-Identifier: GPL-2.0
/*
 * hcall-page-unplug: a hypercall-page MSR write that changes the word size
 * while the memory behind shared_info is gone (#3, #8).
 *
 * Xen takes a write with page index 0 from any mode: it fills the page and
 * latches the word size, and the wallclock follows the latch.  KVM moves
 * the wallclock at the write and, when shared_info can't be reached because
 * the VMM has deleted its memslot for a while (the rig's RIG_CMD_MEM_UNPLUG
 * of the --late range here), 6.12 answers the legal write with #GP.
 */
#include "case.h"
#include "ktap.h"
#include "mode.h"
#include "rig.h"
#include "rs_common.h"
#include "string.h"
#include "wordsize.h"
#include "xen.h"
#include "xen_ops.h"

#define HYPERCALL_POISON	0xc3

static uint8_t area_page[PAGE_SIZE] __aligned(PAGE_SIZE);

/*
 * shared_info at frame @gfn, and the first time vCPU 0's vcpu_info in it:
 * Xen refuses a second register_vcpu_info.
 */
static bool map_shared_info(uint64_t gfn, bool first)
{
	long ret = xen_shared_info_map(gfn);

	if (!ret && first)
		ret = xen_register_vcpu_info(gfn,
					     offsetof(struct shared_info, vcpu_info));
	if (ret)
		report_info("shared_info at frame %#llx: %ld",
			    (unsigned long long)gfn, ret);
	return !ret;
}

static uint32_t wc_version(const uint8_t *shinfo, unsigned int off)
{
	return *(const volatile uint32_t *)(shinfo + off);
}

static void case_hcall_page_unplug(const struct guest_config *cfg)
{
	enum guest_mode own = mode_native(), other = ws_opposite(own);
	unsigned int wc = ws_wc_of(other), layout;
	uint8_t *shinfo;
	uint32_t base;
	int fault, bad;
	long ret;

	if (!report_need(xen_init(), XEN_INIT_ERROR, "xen_init"))
		return;
	/* Plug and unplug are the VMM's: if they fail, nothing was tested. */
	base = rig_plug_late("unplug_late_memory_plugged");
	if (!base)
		return;
	shinfo = (uint8_t *)(unsigned long)base;
	if (!report(map_shared_info(base >> 12, true),
		    "unplug_shared_info_mapped"))
		return;

	/* The latch is observed through a runstate area in ordinary RAM. */
	memset(area_page, POISON, sizeof(area_page));
	ret = runstate_register(area_page);
	if (!report(ret == 0, "unplug_runstate_register")) {
		report_info("register returned %ld", ret);
		return;
	}

	/* Latch this image's own word size while shared_info is there. */
	fault = ws_write_msr(own, 0);
	if (!report(fault < 0, "unplug_msr_write_%s_plugged", mode_name(own)))
		report_info("write from %s: vector %d", mode_name(own), fault);

	if (!report_need(rig_cmd(RIG_CMD_MEM_UNPLUG, 0) == 0,
			 "RIG_CMD_MEM_UNPLUG failed", "unplug_memory_gone"))
		return;

	/* Nothing below may touch shinfo until the memory is back. */
	memset(hypercall_page, HYPERCALL_POISON, PAGE_SIZE);
	fault = ws_write_msr(other, 0);
	bad = ws_page_bad_entry();
	xabi(3);
	if (!report(fault < 0, "unplug_msr_write_no_gp"))
		report_info("write from %s with shared_info unplugged: vector %d",
			    mode_name(other), fault);
	xabi(3);
	if (!report(bad < 0, "unplug_msr_write_fills_page")) {
		report_info("first bad entry %d", bad);
		/*
		 * The wrappers need a page again.  A KVM that raised #GP has
		 * latched @other all the same, so a write from there is no
		 * change and goes through; one from @own would fault again.
		 */
		ws_write_msr(other, 0);
	}
	xabi(8);
	layout = ws_runstate_layout(area_page);
	if (!report(layout == ws_layout_of(other), "unplug_msr_write_latched"))
		report_info("write from %s: runstate written as %u bytes",
			    mode_name(other), layout);

	/*
	 * The memory back (fresh and zeroed) and shared_info mapped there
	 * again: the wallclock is where the latch says.
	 */
	if (rig_cmd(RIG_CMD_MEM_PLUG, 0)) {
		report_error("RIG_CMD_MEM_PLUG failed", "unplug_memory_back");
		return;
	}
	if (!report(map_shared_info(base >> 12, false), "unplug_memory_back"))
		return;
	xabi(8);
	if (!report(wc_version(shinfo, wc) && !(wc_version(shinfo, wc) & 1) &&
		    !wc_version(shinfo, ws_wc_of(own)),
		    "unplug_replug_wc_%#x", wc))
		report_info("wc.version at %#x: %u, at %#x: %u", wc,
			    wc_version(shinfo, wc), ws_wc_of(own),
			    wc_version(shinfo, ws_wc_of(own)));

	/* Back to the image's own word size for the shutdown. */
	ws_write_msr(own, 0);
}
DEFINE_CASE("hcall-page-unplug", case_hcall_page_unplug);
