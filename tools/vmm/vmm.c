// SPDX-License-Identifier: GPL-2.0
/*
 * vmm - the rig's VMM: boots one multiboot guest on KVM's Xen emulation and
 * turns its fate into an exit status (enum rig_vmm_exit in rig/abi.h).
 *
 *   vmm [--mem MB] [--timeout SEC] [--xen-version MAJ.MIN] [--cmdline STR]
 *       [--split ADDR] [--hole ADDR:SIZE] [--late ADDR:SIZE] [--module FILE]
 *       [--output-cap BYTES] [--cpu-hog] [--clock NS] [--early-event]
 *       [--dirty-ring N] [--vcpus N] [--quiet] GUEST.elf
 *
 * --no-xen is a debugging aid, left out of the usage text: it skips the Xen
 * capability check and configuration, so the loader and the serial path can
 * be tried on a host whose KVM has no Xen support.  Hypercalls then fault.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kvm.h>

#include <rig/abi.h>

#include "dirty_ring.h"
#include "hcall_kvm.h"
#include "hog.h"
#include "kvm.h"
#include "loader.h"
#include "log.h"
#include "remap.h"
#include "run.h"
#include "vmm.h"

#define MEM_MB_MIN		2
#define MEM_MB_MAX		3072	/* below the 32-bit MMIO hole */
#define TIMEOUT_DEFAULT		60
#define TIMEOUT_MAX		86400
#define IMAGE_MAX		(64u << 20)
/* --clock: far beyond any run, and clear of signed overflow in Xen's maths */
#define CLOCK_MAX		(1ull << 62)

static const char usage[] =
	"usage: vmm [--mem MB] [--timeout SEC] [--xen-version MAJ.MIN]\n"
	"           [--cmdline STR] [--split ADDR] [--hole ADDR:SIZE]\n"
	"           [--late ADDR:SIZE] [--module FILE] [--output-cap BYTES]\n"
	"           [--cpu-hog] [--clock NS] [--early-event] [--dirty-ring N]\n"
	"           [--vcpus N] [--quiet] GUEST.elf\n";

enum {
	OPT_MEM = 1,
	OPT_TIMEOUT,
	OPT_OUTPUT_CAP,
	OPT_XEN_VERSION,
	OPT_CMDLINE,
	OPT_QUIET,
	OPT_SPLIT,
	OPT_HOLE,
	OPT_LATE,
	OPT_MODULE,
	OPT_NO_XEN,
	OPT_CPU_HOG,
	OPT_CLOCK,
	OPT_EARLY_EVENT,
	OPT_DIRTY_RING,
	OPT_VCPUS,
	OPT_HELP,
};

static const struct option options[] = {
	{ "mem",	 required_argument, NULL, OPT_MEM },
	{ "timeout",	 required_argument, NULL, OPT_TIMEOUT },
	{ "output-cap",	 required_argument, NULL, OPT_OUTPUT_CAP },
	{ "xen-version", required_argument, NULL, OPT_XEN_VERSION },
	{ "cmdline",	 required_argument, NULL, OPT_CMDLINE },
	{ "quiet",	 no_argument,	    NULL, OPT_QUIET },
	{ "split",	 required_argument, NULL, OPT_SPLIT },
	{ "hole",	 required_argument, NULL, OPT_HOLE },
	{ "late",	 required_argument, NULL, OPT_LATE },
	{ "module",	 required_argument, NULL, OPT_MODULE },
	{ "no-xen",	 no_argument,	    NULL, OPT_NO_XEN },
	{ "cpu-hog",	 no_argument,	    NULL, OPT_CPU_HOG },
	{ "clock",	 required_argument, NULL, OPT_CLOCK },
	{ "early-event", no_argument,	    NULL, OPT_EARLY_EVENT },
	{ "dirty-ring",	 required_argument, NULL, OPT_DIRTY_RING },
	{ "vcpus",	 required_argument, NULL, OPT_VCPUS },
	{ "help",	 no_argument,	    NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

/*
 * Digits in @base (0: a C number, decimal, 0x hex or 0 octal) and nothing
 * else: no sign, no blanks, no trailing garbage.
 */
static int parse_u64(const char *s, int base, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Decimal digits only. */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	uint64_t v;

	if (parse_u64(s, 10, max, &v))
		return -1;
	*out = v;
	return 0;
}

static int parse_version(const char *s, struct vmm_config *cfg)
{
	unsigned long maj, min;
	const char *dot = strchr(s, '.');
	char buf[16];

	if (!dot || (size_t)(dot - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, dot - s);
	buf[dot - s] = '\0';
	if (parse_uint(buf, 0xffff, &maj) || parse_uint(dot + 1, 0xffff, &min))
		return -1;
	cfg->xen_major = maj;
	cfg->xen_minor = min;
	return 0;
}

static int parse_args(int argc, char **argv, struct vmm_config *cfg)
{
	char err[160];
	unsigned long v;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (opt) {
		case OPT_MEM:
			if (parse_uint(optarg, MEM_MB_MAX, &v) || v < MEM_MB_MIN) {
				vmm_err("--mem: '%s' is not a size in MiB from %u to %u",
					optarg, MEM_MB_MIN, MEM_MB_MAX);
				return -1;
			}
			cfg->mem_mb = v;
			break;
		case OPT_TIMEOUT:
			if (parse_uint(optarg, TIMEOUT_MAX, &v)) {
				vmm_err("--timeout: '%s' is not a number of seconds up to %u",
					optarg, TIMEOUT_MAX);
				return -1;
			}
			cfg->timeout = v;
			break;
		case OPT_OUTPUT_CAP:
			if (parse_uint(optarg, SERIAL_DEFAULT_CAP, &v) || !v) {
				vmm_err("--output-cap: '%s' is not a byte count from 1 to %u",
					optarg, SERIAL_DEFAULT_CAP);
				return -1;
			}
			cfg->output_cap = v;
			break;
		case OPT_XEN_VERSION:
			if (parse_version(optarg, cfg)) {
				vmm_err("--xen-version: '%s' is not MAJOR.MINOR",
					optarg);
				return -1;
			}
			break;
		case OPT_CMDLINE:
			if (strlen(optarg) >= RIG_CMDLINE_MAX) {
				vmm_err("--cmdline: longer than %u bytes",
					RIG_CMDLINE_MAX - 1);
				return -1;
			}
			cfg->cmdline = optarg;
			break;
		case OPT_QUIET:
			log_quiet = true;
			break;
		case OPT_SPLIT:
			if (mem_parse_split(&cfg->mem, optarg, err, sizeof(err)))
				goto bad_layout;
			break;
		case OPT_HOLE:
			if (mem_parse_hole(&cfg->mem, optarg, err, sizeof(err)))
				goto bad_layout;
			break;
		case OPT_LATE:
			if (mem_parse_late(&cfg->mem, optarg, err, sizeof(err)))
				goto bad_layout;
			break;
		case OPT_MODULE:
			if (cfg->nr_modules == VMM_MAX_MODULES) {
				vmm_err("--module: more than %u given",
					VMM_MAX_MODULES);
				return -1;
			}
			cfg->modules[cfg->nr_modules++] = optarg;
			break;
		case OPT_NO_XEN:
			cfg->no_xen = true;
			break;
		case OPT_CPU_HOG:
			cfg->cpu_hog = true;
			break;
		case OPT_CLOCK:
			if (parse_u64(optarg, 0, CLOCK_MAX, &cfg->clock_ns)) {
				vmm_err("--clock: '%s' is not a number of nanoseconds up to %#llx",
					optarg, (unsigned long long)CLOCK_MAX);
				return -1;
			}
			cfg->clock_set = true;
			break;
		case OPT_EARLY_EVENT:
			cfg->early_event = true;
			break;
		case OPT_DIRTY_RING:
			if (parse_uint(optarg, DIRTY_RING_MAX_ENTRIES, &v) ||
			    !dirty_ring_entries_ok(v)) {
				vmm_err("--dirty-ring: '%s' is not a power of two from %u to %u",
					optarg, DIRTY_RING_MIN_ENTRIES,
					DIRTY_RING_MAX_ENTRIES);
				return -1;
			}
			cfg->dirty_ring = v;
			break;
		case OPT_VCPUS:
			if (parse_uint(optarg, VMM_MAX_VCPUS, &v) || !v) {
				vmm_err("--vcpus: '%s' is not a number from 1 to %u",
					optarg, VMM_MAX_VCPUS);
				return -1;
			}
			cfg->nr_vcpus = v;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			exit(0);
		case ':':
			vmm_err("option '%s' needs an argument", argv[optind - 1]);
			return -1;
		default:
			vmm_err("unknown option '%s'", argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc - 1) {
		vmm_err(optind == argc ? "no guest image given" :
			"more than one guest image given");
		return -1;
	}
	cfg->image = argv[optind];

	/* --mem may come after the ranges: check them against the final size. */
	cfg->mem.ram_size = (uint64_t)cfg->mem_mb << 20;
	if (mem_layout_check(&cfg->mem, err, sizeof(err)))
		goto bad_layout;
	return 0;

bad_layout:
	vmm_err("%s", err);
	return -1;
}

static void *read_image(const char *path, size_t *len)
{
	struct stat st;
	void *buf;
	ssize_t n;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		vmm_err("%s: %s", path, strerror(errno));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > IMAGE_MAX) {
		vmm_err("%s: not a regular file of at most %u MiB", path,
			IMAGE_MAX >> 20);
		goto err_close;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		vmm_err("%s: out of memory", path);
		goto err_close;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, (char *)buf + got, st.st_size - got);
		if (n <= 0) {
			vmm_err("%s: %s", path, n ? strerror(errno) : "short read");
			free(buf);
			goto err_close;
		}
		got += n;
	}
	close(fd);
	*len = got;
	return buf;

err_close:
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* The file's base name: what the guest sees as the module's string. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int load_modules(struct vmm *v, const struct mb_image *mb,
			uint64_t *end)
{
	struct mb_module mods[VMM_MAX_MODULES];
	unsigned int i, n = v->cfg.nr_modules;
	char err[256];
	int ret = 0;

	*end = RIG_MODULE_GPA;
	for (i = 0; i < n; i++) {
		mods[i].name = base_name(v->cfg.modules[i]);
		mods[i].data = read_image(v->cfg.modules[i], &mods[i].len);
		if (!mods[i].data) {
			ret = RIG_EXIT_USAGE;
			n = i;
			goto out;
		}
	}
	if (mb_add_modules(v->vm.ram, v->vm.ram_size, mb, mods, n, end, err,
			   sizeof(err))) {
		vmm_err("--module: %s", err);
		ret = RIG_EXIT_USAGE;
	} else if (n) {
		vmm_trace("%u module(s) at [%#x, %#llx)", n, RIG_MODULE_GPA,
			  (unsigned long long)*end);
	}
out:
	for (i = 0; i < n; i++)
		free((void *)mods[i].data);
	return ret;
}

/*
 * What the VMM writes before boot must be where the guest can read it: not
 * in a hole, nor in the late range (which is fresh memory when plugged).
 */
static int check_loaded(const struct vmm *v, const char *what,
			uint64_t start, uint64_t end)
{
	if (end > start && !mem_present(&v->cfg.mem, start, end - start)) {
		vmm_err("%s [%#llx, %#llx) lies in a --hole or --late range",
			what, (unsigned long long)start,
			(unsigned long long)end);
		return RIG_EXIT_USAGE;
	}
	return 0;
}

/* Read and place the guest in RAM: all of it checkable without KVM. */
static int load_guest(struct vmm *v, struct mb_image *mb)
{
	uint64_t mods_end;
	char err[256];
	size_t len;
	void *img;
	int ret;

	img = read_image(v->cfg.image, &len);
	if (!img)
		return RIG_EXIT_USAGE;
	ret = mb_load(img, len, v->vm.ram, v->vm.ram_size, mb, err, sizeof(err));
	if (!ret)
		ret = mb_write_info(v->vm.ram, v->vm.ram_size, v->cfg.cmdline,
				    err, sizeof(err));
	free(img);
	if (ret) {
		vmm_err("%s: %s", v->cfg.image, err);
		return RIG_EXIT_USAGE;
	}
	ret = load_modules(v, mb, &mods_end);
	if (!ret)
		ret = check_loaded(v, "the guest image", mb->load_start,
				   mb->load_end);
	if (!ret)
		ret = check_loaded(v, "the boot information", RIG_MBI_GPA,
				   RIG_CMDLINE_GPA + RIG_CMDLINE_MAX);
	if (!ret && v->cfg.nr_modules)
		ret = check_loaded(v, "the modules", RIG_MODULE_GPA, mods_end);
	return ret;
}

/* What Xen has from domain creation: tell KVM before the guest runs. */
static void domain_init(struct vmm *v)
{
	struct hcall_res res;

	hcall_domain_init(&v->hcall_env, &res);
	if (res.kvm[0])
		vmm_trace("domain: %s", res.kvm);
}

/*
 * --early-event: the control case for KVM's never-activated shared_info
 * cache.  Xen has shared_info from domain creation, so an event raised
 * before the guest maps it is simply pending; KVM's gfn-to-pfn cache was
 * never activated and (with CONFIG_BUG) warns when asked to deliver into
 * it.  The VMM never does this on a guest's behalf - it queues such
 * events - so this raises port 1 on purpose, once, before the guest runs.
 */
static void early_event(struct vmm *v)
{
	struct kvm_irq_routing_xen_evtchn e = {
		.port = 1,
		.vcpu = 0,
		.priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL,
	};
	int ret;

	if (!(v->vm.xen_caps & KVM_XEN_HVM_CONFIG_EVTCHN_SEND)) {
		vmm_diag("--early-event: KVM_CAP_XEN_HVM %#x lacks EVTCHN_SEND, not sent",
			 v->vm.xen_caps);
		return;
	}
	ret = v->hcall_env.ops->evtchn_send(v->hcall_env.ops_ctx, &e);
	vmm_diag("--early-event: KVM_XEN_HVM_EVTCHN_SEND(port 1, vcpu 0) before SHARED_INFO = %d%s%s%s",
		 ret, ret ? " (" : "", ret ? strerror(-ret) : "", ret ? ")" : "");
}

/* Large (the old pages' snapshots): not on the stack, not in struct vmm. */
static struct remap remap;

static struct vmm vmm = {
	.cfg = {
		.mem_mb = RIG_DEFAULT_RAM_MB,
		.timeout = TIMEOUT_DEFAULT,
		.output_cap = SERIAL_DEFAULT_CAP,
		.xen_major = RIG_XEN_DEFAULT_MAJOR,
		.xen_minor = RIG_XEN_DEFAULT_MINOR,
		.cmdline = "",
		.nr_vcpus = 1,
	},
	.vm = { .kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1 },
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

int main(int argc, char **argv)
{
	struct vmm *v = &vmm;
	struct mb_image mb;
	unsigned int i;
	pid_t hog = 0;
	int ret;

	/* One line on stderr, as for every error: no usage dump. */
	if (parse_args(argc, argv, &v->cfg))
		return RIG_EXIT_USAGE;

	v->vm.ram_size = (size_t)v->cfg.mem_mb << 20;
	v->vm.layout = &v->cfg.mem;
	v->vm.ram = mmap(NULL, v->vm.ram_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->vm.ram == MAP_FAILED) {
		vmm_err("cannot allocate %u MiB of guest RAM: %s",
			v->cfg.mem_mb, strerror(errno));
		return RIG_EXIT_HOST;
	}

	ret = load_guest(v, &mb);
	if (ret)
		return ret;

	serial_init(&v->serial, stdout, v->cfg.output_cap);
	v->ctl.mem = &v->cfg.mem;
	v->ctl.add_slot = vm_plug_late;
	v->ctl.del_slot = vm_unplug_late;
	v->ctl.slot_ctx = &v->vm;
	v->ctl.remap = &remap;

	ret = vm_create(&v->vm, &v->cfg);
	remap_setup(&remap, &v->vm);
	v->hcall_env = (struct hcall_env) {
		.mem = {
			.base = v->vm.ram,
			.size = v->vm.ram_size,
			.layout = &v->cfg.mem,
		},
		.console = &v->serial,
		.xen_major = v->cfg.xen_major,
		.xen_minor = v->cfg.xen_minor,
		.kvm_xen_caps = v->vm.xen_caps,
		.nr_vcpus = v->cfg.nr_vcpus,
		.ops = &hcall_kvm_ops,
		.ops_ctx = &v->vm,
	};
	for (i = 0; i < VMM_MAX_VCPUS; i++)
		v->hcall_env.vcpu_ctx[i] = &v->vm.vcpu[i];
	if (!ret)
		ret = vcpu_create(&v->vm, &v->cfg, mb.entry);
	if (!ret && !v->cfg.no_xen)
		domain_init(v);
	if (!ret && v->cfg.clock_set)
		ret = vm_set_clock(&v->vm, v->cfg.clock_ns);
	if (!ret && v->cfg.early_event && !v->cfg.no_xen)
		early_event(v);
	if (!ret && v->cfg.cpu_hog) {
		hog = hog_start();
		if (hog < 0)
			ret = RIG_EXIT_HOST;
	}
	if (!ret)
		ret = vmm_run(v);
	hog_stop(hog);

	serial_flush(&v->serial);
	hcall_kvm_stop();
	vm_destroy(&v->vm);
	return ret;
}
