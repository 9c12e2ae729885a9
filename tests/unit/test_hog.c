// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU hog behind vmm --cpu-hog: it runs, it stops when told, and it
 * never outlives the VMM, even one that is killed.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hog.h"

/* The state letter in /proc/PID/stat, or 0 when the process is gone. */
static char proc_state(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Gone, or a zombie nobody reaps yet: either way it burns no CPU. */
static bool gone_within(pid_t pid, int ms)
{
	char st;

	for (; ms > 0; ms -= 10) {
		st = proc_state(pid);
		if (!st || st == 'Z')
			return true;
		sleep_ms(10);
	}
	return false;
}

static void test_runs_and_stops(void **state)
{
	pid_t pid = hog_start();
	int i, running;
	char st;

	assert_true(pid > 0);
	/*
	 * Running or runnable, most of the time: it naps only briefly, so
	 * some of a hundred looks must find it competing for the CPU.
	 */
	for (i = 0, running = 0; i < 100; i++, sleep_ms(2)) {
		st = proc_state(pid);
		assert_true(st == 'R' || st == 'S');
		running += st == 'R';
	}
	assert_true(running > 0);
	hog_stop(pid);
	/* Reaped: no zombie left behind. */
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(proc_state(pid), 0);
}

static void test_dies_with_the_vmm(void **state)
{
	int fds[2];
	pid_t vmm, hog = 0;
	bool gone;

	assert_int_equal(pipe(fds), 0);
	vmm = fork();
	assert_true(vmm >= 0);
	if (!vmm) {
		/* A VMM that starts the hog and is then killed outright. */
		hog = hog_start();
		if (write(fds[1], &hog, sizeof(hog)) != sizeof(hog))
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(fds[0], &hog, sizeof(hog)), sizeof(hog));
	assert_true(hog > 0);
	kill(vmm, SIGKILL);
	assert_int_equal(waitpid(vmm, NULL, 0), vmm);
	gone = gone_within(hog, 2000);
	/* A hog that survived must not spin on after the test either. */
	if (!gone)
		kill(hog, SIGKILL);
	close(fds[0]);
	close(fds[1]);
	assert_true(gone);
}

static void test_stop_of_nothing(void **state)
{
	/* hog_start() failed or was never called: nothing to do, no crash. */
	hog_stop(0);
	hog_stop(-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_and_stops),
		cmocka_unit_test(test_dies_with_the_vmm),
		cmocka_unit_test(test_stop_of_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
