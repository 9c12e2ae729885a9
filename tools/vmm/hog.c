// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU hog behind vmm --cpu-hog.  The host that runs the rig has one CPU,
 * so a second task there that is runnable most of the time makes the
 * scheduler preempt the vCPU thread again and again, anywhere in KVM's
 * preemptible code.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hog.h"
#include "log.h"

#define HOG_SPIN_NS	300000L
#define HOG_SLEEP_NS	200000L

pid_t hog_start(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0) {
		vmm_err("--cpu-hog: fork: %s", strerror(errno));
		return -1;
	}
	if (pid)
		return pid;

	/* Die with the VMM, whatever kills it: no hog outlives a case. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(0);
	/*
	 * Spin, then sleep a moment: every wakeup preempts the vCPU thread
	 * wherever it is, so preemptions come more often than the
	 * scheduler's time slice alone would make them.
	 */
	for (;;) {
		struct timespec start, now, nap = { 0, HOG_SLEEP_NS };

		clock_gettime(CLOCK_MONOTONIC, &start);
		do
			clock_gettime(CLOCK_MONOTONIC, &now);
		while ((now.tv_sec - start.tv_sec) * 1000000000L +
		       now.tv_nsec - start.tv_nsec < HOG_SPIN_NS);
		nanosleep(&nap, NULL);
	}
}

void hog_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
