/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the rig's two host /init programs share (tools/init/init.c for the
 * cases, tools/kselftest/init.c for the kernel's selftests): the serial
 * channel they report on, one line at a time, the pseudo file systems,
 * and a millisecond clock and alarm for the programs they run.  Each is a
 * single translation unit, so everything here is static.
 */
#ifndef RIG_INITLIB_H
#define RIG_INITLIB_H

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int out = -1;		/* the rig channel */

static void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(out, buf, n) < 0) {
		/* Nowhere left to report to. */
	}
}

static void raw_serial(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return;
	cfmakeraw(&t);
	/* 115200 8n1: what a real box's console server expects. */
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	t.c_oflag |= OPOST | ONLCR;
	tcsetattr(fd, TCSANOW, &t);
}

static void open_channel(const char *path)
{
	out = open(path, O_WRONLY | O_NOCTTY);
	if (out < 0)
		out = open("/dev/console", O_WRONLY | O_NOCTTY);
	if (out < 0)
		return;
	raw_serial(out);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	       (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* /dev, /proc and /sys, which an initramfs starts without. */
static void mount_pseudo_fs(void)
{
	mkdir("/dev", 0755);
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
}

static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

#endif /* RIG_INITLIB_H */
