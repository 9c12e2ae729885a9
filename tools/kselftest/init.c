// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the host initramfs that runs the kernel's own KVM selftests
 * (tools/kvm-selftests.sh) instead of the rig's cases.
 *
 * Every executable in /selftests runs once, in name order, with "-v" (the
 * Xen selftests' verbose flag) and its output on the first serial port (the
 * host kernel's console is the second one, as in the rig's own boots),
 * framed so that the script can tell the tests apart:
 *
 *   @@selftest host-begin release=6.12.57
 *   @@selftest begin xen_shinfo_test
 *   ...the test's output...
 *   @@selftest end xen_shinfo_test exit=0 ms=5123
 *   @@selftest host-end tests=2
 *
 * A test still running after TIMEOUT_SEC is killed and ends "signal=9";
 * the selftests have their own alarms, this only keeps a wedged one from
 * costing the whole boot.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../init/initlib.h"

#define TESTS		"/selftests"
#define CHANNEL		"/dev/ttyS0"
#define TIMEOUT_SEC	600
#define MAX_TESTS	16

static void run_test(const char *name)
{
	char path[256];
	struct timespec t0;
	int status;
	pid_t pid, w;

	snprintf(path, sizeof(path), TESTS "/%s", name);
	say("@@selftest begin %s", name);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		/* xen_shinfo_test says which stage it reached; others ignore it. */
		char *argv[] = { path, "-v", NULL };

		dup2(out, 1);
		dup2(out, 2);
		execv(path, argv);
		dprintf(2, "cannot execute %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		say("@@selftest end %s exit=fork-failed ms=0", name);
		return;
	}
	alarmed = 0;
	alarm(TIMEOUT_SEC);
	for (;;) {
		w = waitpid(pid, &status, 0);
		if (w == pid)
			break;
		if (w < 0 && errno == EINTR && alarmed) {
			kill(pid, SIGKILL);
			alarmed = 0;
		}
	}
	alarm(0);
	if (WIFEXITED(status))
		say("@@selftest end %s exit=%d ms=%ld", name,
		    WEXITSTATUS(status), ms_since(&t0));
	else
		say("@@selftest end %s signal=%d ms=%ld", name,
		    WTERMSIG(status), ms_since(&t0));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	char *names[MAX_TESTS];
	struct dirent *d;
	struct utsname u;
	int n = 0, i;
	DIR *dir;

	mount_pseudo_fs();
	open_channel(CHANNEL);
	sigaction(SIGALRM, &sa, NULL);

	uname(&u);
	say("@@selftest host-begin release=%s", u.release);
	dir = opendir(TESTS);
	if (!dir) {
		say("@@selftest error cannot open " TESTS ": %s", strerror(errno));
	} else {
		while ((d = readdir(dir)) && n < MAX_TESTS)
			if (d->d_name[0] != '.')
				names[n++] = strdup(d->d_name);
		closedir(dir);
		qsort(names, n, sizeof(names[0]), by_name);
		for (i = 0; i < n; i++)
			run_test(names[i]);
	}
	say("@@selftest host-end tests=%d", n);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
