// SPDX-License-Identifier: GPL-2.0
/*
 * Read the multiboot command line, run the case it names and end the run:
 * totals line, then SCHEDOP_shutdown(SHUTDOWN_poweroff) whatever the
 * results, because the runner judges the case from the KTAP output.
 */
#include <stdint.h>
#include "case.h"
#include "cmdline.h"
#include "guest.h"
#include "kexec.h"
#include "ktap.h"
#include "multiboot.h"
#include "rig.h"
#include "shutdown.h"
#include "string.h"
#include "trap.h"
#include "xen.h"

#define CASE_NAME_MAX	64

void __noreturn main(uint32_t magic, uint32_t mbi_gpa);

static struct guest_config config = {
	.cmdline = "",
	.xen_major = RIG_XEN_DEFAULT_MAJOR,
	.xen_minor = RIG_XEN_DEFAULT_MINOR,
};

static void __noreturn finish(void)
{
	/* Power off the Xen way even if the case never needed hypercalls. */
	if (!hypercall_page_ready() && xen_cpuid_base())
		xen_init();

	report_summary();
	guest_shutdown(SHUTDOWN_poweroff);
}

static void parse_xenver(void)
{
	char val[16];
	const char *p;
	unsigned long major, minor;
	int len = cmdline_get(config.cmdline, "xenver", val, sizeof(val));

	if (len < 0) {
		report_info("no xenver= given, assuming %u.%u",
			    config.xen_major, config.xen_minor);
		return;
	}

	major = simple_strtoul(val, &p);
	if (len >= (int)sizeof(val) || p == val || *p != '.')
		goto bad;
	minor = simple_strtoul(p + 1, &p);
	if (*p || p[-1] == '.' || major > 0xffff || minor > 0xffff)
		goto bad;

	config.xen_major = major;
	config.xen_minor = minor;
	return;
bad:
	report_info("cannot parse xenver=%s, assuming %u.%u", val,
		    config.xen_major, config.xen_minor);
}

static const struct guest_case *find_case(const char *name)
{
	const struct guest_case *c;

	for_each_case(c)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* The command line asks for what this guest cannot run: the rig's doing. */
static void report_unknown_case(const char *name, int len)
{
	const struct guest_case *c;

	if (len < 0) {
		report_error("no case=NAME on the command line", "unknown_case");
	} else if (len >= CASE_NAME_MAX) {
		report_error("case name too long", "unknown_case");
	} else {
		report_error("no such case in this guest", "unknown_case");
		report_info("no case named '%s'", name);
	}
	for_each_case(c)
		report_info("known case: %s", c->name);
}

void main(uint32_t magic, uint32_t mbi_gpa)
{
	const struct multiboot_info *mbi =
		(const void *)(unsigned long)mbi_gpa;
	const struct guest_case *c = NULL;
	char name[CASE_NAME_MAX];
	int len;

	trap_init();

	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		ktap_header();
		report_error("not booted by a multiboot loader", "multiboot_magic");
		report_info("EAX at entry %#x, expected %#x", magic,
			    MULTIBOOT_BOOTLOADER_MAGIC);
		finish();
	}

	if (mbi->flags & MULTIBOOT_INFO_CMDLINE)
		config.cmdline = (const char *)(unsigned long)mbi->cmdline;
	config.mbi_gpa = mbi_gpa;
	/* A self-kexec stage continues the KTAP stream of the one before. */
	if (!kexec_resume(config.cmdline))
		ktap_header();
	report_info("gpc-rig guest " GUEST_MODE ", command line: %s",
		    config.cmdline);
	parse_xenver();

	len = cmdline_get(config.cmdline, "case", name, sizeof(name));
	if (len >= 0 && len < (int)sizeof(name))
		c = find_case(name);

	if (c)
		c->run(&config);
	else
		report_unknown_case(name, len);
	finish();
}
