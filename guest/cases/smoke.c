// SPDX-License-Identifier: GPL-2.0
/*
 * smoke: the Xen interface a stock KVM offers, end to end.  CPUID leaves,
 * the hypercall page KVM writes, and the hypercalls the VMM handles.  Later
 * checks depend on earlier ones; those that cannot run are skipped, under
 * the same names, so the list of checks is the same on every run.
 */
#include "case.h"
#include "ktap.h"
#include "processor.h"
#include "rig.h"
#include "string.h"
#include "xen.h"

/* The runner looks for this line in the VMM's output. */
#define CONSOLE_TEXT	"gpc-rig console_io hello from " GUEST_MODE

static void sig_to_str(const struct cpuid *r, char *sig)
{
	unsigned int i;

	memcpy(sig, &r->b, 4);
	memcpy(sig + 4, &r->c, 4);
	memcpy(sig + 8, &r->d, 4);
	for (i = 0; i < 12; i++)
		if (sig[i] < 0x20 || sig[i] > 0x7e)
			sig[i] = '.';
	sig[12] = '\0';
}

static uint32_t check_cpuid_signature(void)
{
	uint32_t base = xen_cpuid_base();
	struct cpuid r = cpuid(base ? base : XEN_CPUID_FIRST_LEAF);
	char sig[13];

	sig_to_str(&r, sig);
	if (base)
		report_info("Xen CPUID base %#x, EAX %#x", base, r.a);
	else
		report_info("no Xen leaf with EAX >= base + 2; leaf %#x: EAX %#x signature \"%s\"",
			    XEN_CPUID_FIRST_LEAF, r.a, sig);
	report_info("xen-abi: 1");
	report(base != 0, "xen_cpuid_signature");
	return base;
}

static void check_cpuid_version(uint32_t base, const struct guest_config *cfg)
{
	uint32_t want = cfg->xen_major << 16 | cfg->xen_minor;
	uint32_t got = cpuid(base + XEN_CPUID_LEAF_VERSION).a;

	if (!report(got == want, "xen_cpuid_version"))
		report_info("CPUID %#x EAX %#x (%u.%u), expected %u.%u",
			    base + XEN_CPUID_LEAF_VERSION, got, got >> 16,
			    got & 0xffff, cfg->xen_major, cfg->xen_minor);
}

static uint32_t check_cpuid_hypercall_leaf(uint32_t base)
{
	struct cpuid r = cpuid(base + XEN_CPUID_LEAF_HCALL);

	report_info("xen-abi: 2");
	if (!report(r.a == 1 && r.b == RIG_XEN_MSR, "xen_cpuid_hypercall_leaf"))
		report_info("hypercall pages %u MSR %#x, expected 1 and %#x",
			    r.a, r.b, RIG_XEN_MSR);
	return r.b;
}

static void dump_entry(unsigned int nr)
{
	const uint8_t *e = hypercall_page + nr * HYPERCALL_ENTRY_SIZE;

	report_info("entry %u: %02x %02x %02x %02x %02x %02x %02x %02x %02x",
		    nr, e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8]);
}

static bool check_hypercall_page_written(uint32_t msr)
{
	bool ok = hypercall_page_install(msr);
	unsigned int nr;

	if (!report(ok, "hypercall_page_written")) {
		for (nr = 0; nr < HYPERCALL_ENTRIES; nr++)
			if (hypercall_entry_nr(nr) != nr)
				break;
		report_info("page at %p through MSR %#x: entry %u is not \"mov $%u, %%eax\"",
			    hypercall_page, msr, nr, nr);
		dump_entry(nr);
	}
	return ok;
}

static const uint8_t vmcall[] = { 0x0f, 0x01, 0xc1 };	/* Intel */
static const uint8_t vmmcall[] = { 0x0f, 0x01, 0xd9 };	/* AMD */

/* "mov $nr, %eax; vmcall or vmmcall; ret", as KVM writes it. */
static const char *stub_insn(unsigned int nr)
{
	const uint8_t *e = hypercall_page + nr * HYPERCALL_ENTRY_SIZE;

	if (hypercall_entry_nr(nr) != nr || e[8] != 0xc3)
		return NULL;
	if (!memcmp(e + 5, vmcall, sizeof(vmcall)))
		return "vmcall";
	if (!memcmp(e + 5, vmmcall, sizeof(vmmcall)))
		return "vmmcall";
	return NULL;
}

static void check_hypercall_page_stub_shape(void)
{
	const char *insn = stub_insn(0);
	unsigned int nr;

	for (nr = 0; nr < HYPERCALL_ENTRIES; nr++) {
		/* Xen puts ud2 in the iret entry and KVM does not: not here. */
		if (nr == __HYPERVISOR_iret)
			continue;
		if (!insn || stub_insn(nr) != insn)
			break;
	}

	report_info("xen-abi: 3");
	if (report(nr == HYPERCALL_ENTRIES, "hypercall_page_stub_shape")) {
		report_info("hypercall instruction: %s", insn);
	} else {
		report_info("entry %u is not \"mov $%u, %%eax; %s; ret\"", nr,
			    nr, insn ? insn : "vmcall/vmmcall");
		dump_entry(nr);
	}
}

static void check_xen_version(const struct guest_config *cfg)
{
	long want = cfg->xen_major << 16 | cfg->xen_minor;
	long got = HYPERVISOR_xen_version(XENVER_version, NULL);

	if (!report(got == want, "xen_version"))
		report_info("xen_version(XENVER_version) returned %#lx, expected %#lx",
			    got, want);
}

static void check_longmode_flag(void)
{
	uint32_t want = guest_is_64bit();
	uint32_t got;

	/* The flag belongs to the last hypercall: make sure there is one. */
	HYPERVISOR_xen_version(XENVER_version, NULL);
	got = rig_cmd(RIG_CMD_LAST_LONGMODE, 0);
	if (!report(got == want, "hypercall_longmode_flag"))
		report_info("KVM reported longmode %u, expected %u", got, want);
}

static void check_console_io(void)
{
	/* The VMM copies it into the guest's output stream: make it a line. */
	static const char text[] = CONSOLE_TEXT "\n";
	long ret;

	report_info("console_io text: %s", CONSOLE_TEXT);
	ret = HYPERVISOR_console_io(CONSOLEIO_write, sizeof(text) - 1, text);
	if (!report(ret == 0, "console_io_write"))
		report_info("console_io(CONSOLEIO_write) returned %ld", ret);
}

/* Check names, for skipping those that cannot run. */
static const char *const page_checks[] = {
	"xen_cpuid_version", "xen_cpuid_hypercall_leaf",
	"hypercall_page_written", "hypercall_page_stub_shape",
};

static const char *const hypercall_checks[] = {
	"xen_version", "hypercall_longmode_flag", "console_io_write",
};

static void skip_all(const char *reason, const char *const *names,
		     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		report_skip(reason, "%s", names[i]);
}

static void case_smoke(const struct guest_config *cfg)
{
	uint32_t base, msr;

	base = check_cpuid_signature();
	if (!base) {
		skip_all("no Xen CPUID leaves", page_checks,
			 ARRAY_SIZE(page_checks));
		skip_all("no Xen CPUID leaves", hypercall_checks,
			 ARRAY_SIZE(hypercall_checks));
		return;
	}

	check_cpuid_version(base, cfg);
	msr = check_cpuid_hypercall_leaf(base);

	if (!check_hypercall_page_written(msr)) {
		report_skip("hypercall page not written", "hypercall_page_stub_shape");
		skip_all("hypercall page not written", hypercall_checks,
			 ARRAY_SIZE(hypercall_checks));
		return;
	}
	check_hypercall_page_stub_shape();

	check_xen_version(cfg);
	check_longmode_flag();
	check_console_io();
}
DEFINE_CASE("smoke", case_smoke);
