// SPDX-License-Identifier: GPL-2.0
/*
 * Every line is formatted into one buffer and written with a single stdio
 * call, then flushed: the runner may kill the host at any point and must
 * still see every line the VMM had finished.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

bool log_quiet;

static void vlog(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	fprintf(f, "%s%s\n", prefix, buf);
	fflush(f);
}

void vmm_err(const char *fmt, ...)
{
	va_list ap;

	/* Keep stdout ordered before the error that ends the run. */
	fflush(stdout);
	va_start(ap, fmt);
	vlog(stderr, "vmm: ", fmt, ap);
	va_end(ap);
}

void vmm_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(stdout, "# vmm: ", fmt, ap);
	va_end(ap);
}

void vmm_trace(const char *fmt, ...)
{
	va_list ap;

	if (log_quiet)
		return;
	va_start(ap, fmt);
	vlog(stdout, "# vmm: ", fmt, ap);
	va_end(ap);
}
