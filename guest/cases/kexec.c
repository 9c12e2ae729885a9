// SPDX-License-Identifier: GPL-2.0
/*
 * kexec, kexec-stage2: self-kexec with a runstate area registered (#37,
 * #38, #27).
 *
 * Xen knows nothing of kexec: the area stays registered and is written in
 * whatever the new kernel put there, in the word size the new kernel
 * latches, until it registers another one; the times run on.  KVM keeps
 * the old GPA the same way.  The first stage (case=kexec chain=IMG,...)
 * registers an area in the kexec state pages, reads it and boots the first
 * image of the chain; every later stage (case=kexec-stage2) checks what
 * the old area does now, registers its own, compares the times with what
 * the stage before saw, and boots the next image or ends the run.  The
 * state page carries the registration and the KTAP counters across, so
 * the whole chain is one KTAP stream.
 *
 * No stage maps shared_info or registers vcpu_info: that registration
 * cannot be undone (Xen: -EBUSY), and a vcpu_info left in the old image's
 * memory would be written into the new image's.
 */
#include "case.h"
#include "cmdline.h"
#include "kexec.h"
#include "ktap.h"
#include "printf.h"
#include "rs_common.h"
#include "string.h"
#include "wordsize.h"
#include "xen.h"

#define CANARY		0x5a
#define AREA_PROBE	52	/* a native area and the 4 bytes after it */
#define IMAGE_NAME_MAX	16

/* Save the registration at @area as the next stage will inherit it. */
static void hand_over(struct kexec_state *st, void *area,
		      const struct rs_snapshot *s)
{
	unsigned int i;

	st->area_gpa = (unsigned long)area;
	st->area_layout = rs_layout_native();
	st->entry = s->entry;
	for (i = 0; i < 4; i++)
		st->time[i] = s->time[i];
}

/* Boot the first image of st->chain; returns if there is none or on error. */
static void boot_next(const struct guest_config *cfg, struct kexec_state *st)
{
	char name[IMAGE_NAME_MAX], file[IMAGE_NAME_MAX + 4], args[64];
	char why[80];
	const char *comma = strchr(st->chain, ',');
	size_t n = comma ? (size_t)(comma - st->chain) : strlen(st->chain);
	const void *image;
	size_t len;
	const char *err;

	if (!n)
		return;
	str_copy(name, st->chain, n + 1 < sizeof(name) ? n + 1 : sizeof(name));
	snprintf(file, sizeof(file), "%s.elf", name);
	/* The VMM loads the images: a missing one is the rig's error. */
	snprintf(why, sizeof(why),
		 "no multiboot module %s (the case needs vmm --module %s)",
		 file, file);
	if (!report_need(kexec_find_module(cfg->mbi_gpa, file, &image, &len),
			 why, "stage%u_find_%s", st->stage, name))
		return;

	str_copy(st->from, GUEST_MODE, sizeof(st->from));
	memmove(st->chain, comma ? comma + 1 : st->chain + n,
		strlen(comma ? comma + 1 : "") + 1);
	snprintf(args, sizeof(args), "case=kexec-stage2 xenver=%u.%u",
		 cfg->xen_major, cfg->xen_minor);
	report_info("stage %u: kexec %s -> %s (%lu bytes at %p)", st->stage,
		    GUEST_MODE, name, (unsigned long)len, image);
	/* Only the rig's own machinery can refuse the image or come back. */
	err = kexec_boot(cfg->mbi_gpa, image, len, args);
	report_error(err, "stage%u_kexec", st->stage);
}

static void case_kexec(const struct guest_config *cfg)
{
	struct kexec_state *st = kexec_state();
	void *area = kexec_page(1);
	struct rs_snapshot s;
	long ret;

	memset(st, 0, sizeof(*st));
	st->stage = 1;
	if (!report_need(cmdline_get(cfg->cmdline, "chain", st->chain,
				     sizeof(st->chain)) > 0,
			 "no chain=IMAGE,... on the command line",
			 "stage1_chain"))
		return;
	if (!report_need(xen_init(), XEN_INIT_ERROR, "stage1_xen_setup"))
		return;

	memset(area, POISON, PAGE_SIZE);
	ret = runstate_register(area);
	if (!report(ret == 0, "stage1_register")) {
		report_info("runstate_register(%p) returned %ld", area, ret);
		return;
	}
	force_update(1);
	runstate_read(area, rs_layout_native(), &s);
	if (!report(rs_valid(&s), "stage1_area_valid")) {
		rs_dump("stage 1", &s);
		return;
	}
	rs_dump("stage 1 before kexec", &s);
	st->invariant = s.entry - rs_sum(&s);
	hand_over(st, area, &s);
	boot_next(cfg, st);
}
DEFINE_CASE("kexec", case_kexec);

/* #37: nobody unregistered the old area, so it is still written. */
static void check_old_area(unsigned int stage, uint8_t *old)
{
	memset(old, CANARY, AREA_PROBE);
	force_update(1);
	xabi(37);
	report(mem_find_not(old, 4, CANARY) != NULL,
	       "stage%u_old_area_still_written", stage);
	report_info("old area at %p written as %s bytes", old,
		    !mem_find_not(old, 4, CANARY) ? "no" :
		    mem_find_not(old + RS_COMPAT, 4, CANARY) ? "48" : "44");
}

/* #38: a new registration in this image's word size, times carried on. */
static bool check_new_area(unsigned int stage, struct kexec_state *st,
			   void *area, struct rs_snapshot *s)
{
	enum rs_layout want = rs_layout_native();
	unsigned int layout, i;
	bool ok;
	long ret;

	memset(area, POISON, PAGE_SIZE);
	ret = runstate_register(area);
	xabi(38);
	if (!report(ret == 0, "stage%u_reregister", stage)) {
		report_info("runstate_register(%p) returned %ld", area, ret);
		return false;
	}

	layout = ws_runstate_layout(area);
	xabi(38);
	report(layout == want, "stage%u_new_layout_%u", stage, want);

	runstate_read(area, want, s);
	/* time[runnable] aside, as rs_not_backwards() explains. */
	ok = s->entry >= st->entry;
	for (i = 0; i < 4; i++)
		ok = ok && (i == RUNSTATE_runnable || s->time[i] >= st->time[i]);
	xabi(38);
	if (!report(ok, "stage%u_times_not_reset", stage)) {
		report_info("before kexec: entry %llu time %llu %llu %llu %llu",
			    (unsigned long long)st->entry,
			    (unsigned long long)st->time[0],
			    (unsigned long long)st->time[1],
			    (unsigned long long)st->time[2],
			    (unsigned long long)st->time[3]);
		rs_dump("now", s);
	}

	xabi(38);
	if (!report(s->entry - rs_sum(s) == st->invariant,
		    "stage%u_invariant_unchanged", stage))
		report_info("entry - sum %#llx, before kexec %#llx",
			    (unsigned long long)(s->entry - rs_sum(s)),
			    (unsigned long long)st->invariant);
	return true;
}

static void case_kexec_stage2(const struct guest_config *cfg)
{
	struct kexec_state *st = kexec_state();
	unsigned int stage = st->stage + 1;
	uint8_t *old = (uint8_t *)(unsigned long)st->area_gpa;
	void *area = kexec_page(stage);
	struct rs_snapshot s;

	/*
	 * kexec_resume() found the state, or the stream would be new.  Only
	 * a stage before writes it: without one, the rig started this case
	 * on its own.
	 */
	if (!report_need(st->magic == KEXEC_MAGIC &&
			 stage < KEXEC_STATE_PAGES &&
			 old == kexec_page(st->stage),
			 "no state from a kexec stage before (case kexec boots this one)",
			 "stage%u_handover", stage)) {
		report_info("state: magic %#x stage %u area %#x", st->magic,
			    st->stage, st->area_gpa);
		return;
	}
	report_info("stage %u: %s booted by %s, old area at %p (%u bytes)",
		    stage, GUEST_MODE, st->from, old, st->area_layout);
	st->stage = stage;

	/* The image's own MSR write: the word size is this image's now. */
	if (!report_need(xen_init(), XEN_INIT_ERROR, "stage%u_xen_setup",
			 stage))
		return;

	check_old_area(stage, old);
	if (!check_new_area(stage, st, area, &s))
		return;

	/* #27: the re-registration took the old area's place. */
	memset(old, CANARY, AREA_PROBE);
	force_update(1);
	xabi(27);
	report(!mem_find_not(old, AREA_PROBE, CANARY),
	       "stage%u_old_area_frozen", stage);

	runstate_read(area, rs_layout_native(), &s);
	hand_over(st, area, &s);
	boot_next(cfg, st);
}
DEFINE_CASE("kexec-stage2", case_kexec_stage2);
