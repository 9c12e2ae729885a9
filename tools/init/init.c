// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the rig's host initramfs.
 *
 * One host boot runs all of that host's cases, because the boot is the
 * expensive part under emulation.  For every line of /rig/plan it runs the
 * VMM once and frames the output on the rig channel (the first serial port),
 * so the runner can split the log into cases:
 *
 *   @@rig host-begin release=6.12.57 xen_hvm=0x1ff uptime=1.21
 *   @@rig case-begin smoke-hvm64
 *   ...whatever the VMM and the guest print...
 *   @@rig case-end smoke-hvm64 exit=0 ms=812
 *   @@rig splat smoke-hvm64 WARNING: CPU: 0 PID: 51 at arch/x86/kvm/xen.c...
 *   @@rig host-end cases=4
 *
 * The kernel's own console is the second serial port (console=ttyS1), so
 * printk output never lands in the middle of a guest's KTAP line.  After each
 * case init reads the new records of /dev/kmsg and reports the ones that
 * show a host kernel splat, attributed to that case.
 *
 * The plan is /rig/plan unless rig_plan= on the kernel command line names
 * another (an ISO's boot menu has one per case group).  tools/matrix.py
 * writes the plan; its lines are tab-separated: name, timeout in seconds,
 * guest image, guest command line, extra VMM arguments separated by spaces,
 * and the images the VMM loads as multiboot modules, separated by spaces.
 * Images are named as the guest build names them (hvm32, hvm64) and live
 * in GUESTS as NAME.elf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "rig/abi.h"
#include "initlib.h"

#define PLAN		"/rig/plan"
#define VMM		"/bin/vmm"
#define GUESTS		"/guests"
#define MAX_ARGS	64
#define PLAN_FIELDS	6

static int kmsg = -1;

/* What a host kernel splat starts with: a WARN, a BUG, lockdep, KASAN... */
static const char *const splat_markers[] = {
	"WARNING:", "BUG:", "kernel BUG at", "Call Trace:", "Kernel panic",
	"Oops:", "general protection fault", "possible recursive locking",
	"possible circular locking", "sleeping function called from invalid context",
	"suspicious RCU usage", "KASAN", "UBSAN:", "soft lockup", "hard LOCKUP",
	"rcu_preempt detected stalls", "rcu: INFO:", "blocked for more than",
};

static const char *splat_in(const char *msg)
{
	size_t i;

	for (i = 0; i < sizeof(splat_markers) / sizeof(splat_markers[0]); i++)
		if (strstr(msg, splat_markers[i]))
			return splat_markers[i];
	return NULL;
}

/*
 * Report the splats among the kmsg records that appeared since the last
 * call.  Only the first line of each splat is reported: the whole of it is
 * in the kernel log the runner saves from the kernel's console.
 */
static int drain_kmsg(const char *who)
{
	char rec[2048];
	int found = 0;
	ssize_t n;

	if (kmsg < 0)
		return 0;
	for (;;) {
		char *msg, *nl;

		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* records lost to overwrite; go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		if (splat_in(msg)) {
			say("@@rig splat %s %s", who, msg);
			found++;
		}
	}
	return found;
}

static void query_kvm(char *buf, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int caps;

	if (fd < 0) {
		snprintf(buf, len, "kvm=%s", strerror(errno));
		for (char *p = buf; *p; p++)
			if (*p == ' ')
				*p = '_';
		return;
	}
	caps = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_XEN_HVM);
	snprintf(buf, len, "xen_hvm=0x%x", caps < 0 ? 0 : caps);
	close(fd);
}

/*
 * KVM snapshots the host's TSC frequency when it initialises and gives
 * every new vCPU that frequency.  An emulated host calibrates its TSC
 * noisily at boot and refines the figure a second later; when the two
 * differ by more than kvm.tsc_tolerance_ppm (250), vCPU creation asks for
 * TSC scaling the emulated SVM does not have ("user requested TSC rate
 * below hardware speed"), and from then on the guest's pvclock runs
 * seconds ahead of the clock KVM's Xen timers and SCHEDOP_poll use: a
 * timer due in 20 ms fires seconds late.  The refinement never moves the
 * figure by more than 1%, so accepting that keeps one clock for both
 * (host patch 0020 fixes what KVM does when it is not accepted).
 * Returns the tolerance in force, or -1 where KVM has no such parameter.
 */
static long set_tsc_tolerance(void)
{
	const char *path = "/sys/module/kvm/parameters/tsc_tolerance_ppm";
	const char *want = getenv("rig_tsc_tolerance_ppm");
	char buf[32];
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* rig_tsc_tolerance_ppm=250 keeps KVM's own (tools/tsc-proof.sh) */
		if (want)
			n = snprintf(buf, sizeof(buf), "%s", want);
		else
			n = snprintf(buf, sizeof(buf), "%d", RIG_TSC_TOLERANCE_PPM);
		if (write(fd, buf, n) != n)
			say("@@rig error cannot set %s: %s", path, strerror(errno));
		close(fd);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* Seconds since the kernel started, for the boot-time figure. */
static const char *uptime(void)
{
	static char buf[32];
	int fd = open("/proc/uptime", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return "?";
	buf[n] = '\0';
	buf[strcspn(buf, " \n")] = '\0';
	return buf;
}

/* An image name of the plan as a path; NULL for a name that is not one. */
static char *image_path(const char *name)
{
	char *path;

	if (!*name || strchr(name, '/') || asprintf(&path, GUESTS "/%s.elf", name) < 0)
		return NULL;
	return path;
}

/* Split a plan line in place; returns the argument count for execv. */
static int build_argv(char *line, char **argv, char **name, int *timeout)
{
	char *field[PLAN_FIELDS] = { 0 };
	char *p = line, *tok, *save, *image;
	int nf = 0, argc = 0;
	char tbuf[16];

	while (nf < PLAN_FIELDS && p) {
		field[nf++] = p;
		p = strchr(p, '\t');
		if (p)
			*p++ = '\0';
	}
	image = nf >= 4 ? image_path(field[2]) : NULL;
	if (!image || !*field[0])
		return -1;
	*name = field[0];
	*timeout = atoi(field[1]);
	if (*timeout <= 0)
		*timeout = 30;
	snprintf(tbuf, sizeof(tbuf), "%d", *timeout);

	argv[argc++] = VMM;
	argv[argc++] = "--timeout";
	argv[argc++] = strdup(tbuf);
	argv[argc++] = "--cmdline";
	argv[argc++] = field[3];
	if (field[4])
		for (tok = strtok_r(field[4], " ", &save);
		     tok && argc < MAX_ARGS - 2;
		     tok = strtok_r(NULL, " ", &save))
			argv[argc++] = tok;
	if (field[5])
		for (tok = strtok_r(field[5], " ", &save);
		     tok && argc < MAX_ARGS - 3;
		     tok = strtok_r(NULL, " ", &save)) {
			argv[argc++] = "--module";
			argv[argc] = image_path(tok);
			if (!argv[argc++])
				return -1;
		}
	argv[argc++] = image;
	argv[argc] = NULL;
	return argc;
}

static void run_case(char *line)
{
	char *argv[MAX_ARGS], *name;
	struct timespec t0;
	int timeout, status;
	pid_t pid, w;

	if (build_argv(line, argv, &name, &timeout) < 0) {
		say("@@rig error malformed plan line");
		return;
	}

	say("@@rig case-begin %s", name);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		dup2(out, 1);
		dup2(out, 2);
		execv(VMM, argv);
		dprintf(2, "vmm: cannot execute %s: %s\n", VMM, strerror(errno));
		_exit(6);
	}
	if (pid < 0) {
		say("@@rig case-end %s exit=fork-failed ms=0", name);
		return;
	}

	alarmed = 0;
	alarm(timeout + RIG_INIT_GRACE_SEC);
	for (;;) {
		w = waitpid(pid, &status, 0);
		if (w == pid)
			break;
		if (w < 0 && errno == EINTR && alarmed) {
			/* The VMM's own timeout did not fire: it is stuck. */
			kill(pid, SIGKILL);
			alarmed = 0;
		}
	}
	alarm(0);

	if (WIFEXITED(status))
		say("@@rig case-end %s exit=%d ms=%ld", name,
		    WEXITSTATUS(status), ms_since(&t0));
	else
		say("@@rig case-end %s signal=%d ms=%ld", name,
		    WTERMSIG(status), ms_since(&t0));
	drain_kmsg(name);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	char line[4096], kvm[64], *chan = "/dev/ttyS0", *plan_path = PLAN;
	struct utsname u;
	FILE *plan;
	int cases = 0;

	mount_pseudo_fs();

	/*
	 * The kernel hands unknown name=value parameters (without a dot) to
	 * init's environment: a boot menu picks the plan and the channel.
	 */
	if (getenv("rig_channel"))
		chan = getenv("rig_channel");
	if (getenv("rig_plan"))
		plan_path = getenv("rig_plan");
	open_channel(chan);
	sigaction(SIGALRM, &sa, NULL);

	/* Boot messages that are splats count against the boot, not a case. */
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	uname(&u);
	query_kvm(kvm, sizeof(kvm));
	say("@@rig host-begin release=%s %s tsc_tolerance_ppm=%ld uptime=%s",
	    u.release, kvm, set_tsc_tolerance(), uptime());
	drain_kmsg("boot");

	plan = fopen(plan_path, "r");
	if (!plan) {
		say("@@rig error cannot open %s: %s", plan_path, strerror(errno));
	} else {
		while (fgets(line, sizeof(line), plan)) {
			line[strcspn(line, "\n")] = '\0';
			if (!line[0] || line[0] == '#')
				continue;
			run_case(line);
			cases++;
		}
		fclose(plan);
	}

	say("@@rig host-end cases=%d", cases);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
