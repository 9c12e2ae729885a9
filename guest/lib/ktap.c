// SPDX-License-Identifier: GPL-2.0
/*
 * KTAP reporting.  Each result is formatted into one buffer and printed with
 * one printf(), so a line is never split between VM exits.
 */
#include "ktap.h"
#include "printf.h"
#include "trap.h"

static unsigned int nr_checks, nr_pass, nr_fail, nr_skip, nr_error;

void ktap_header(void)
{
	printf("KTAP version 1\n");
}

static void result(bool pass, const char *directive, const char *name_fmt,
		   va_list ap)
{
	char name[160];

	vsnprintf(name, sizeof(name), name_fmt, ap);
	printf("%s %u %s%s\n", pass ? "ok" : "not ok", ++nr_checks, name,
	       directive);
}

bool report(bool pass, const char *name_fmt, ...)
{
	va_list ap;

	va_start(ap, name_fmt);
	result(pass, "", name_fmt, ap);
	va_end(ap);

	if (pass)
		nr_pass++;
	else
		nr_fail++;
	return pass;
}

void report_skip(const char *reason, const char *name_fmt, ...)
{
	char directive[160];
	va_list ap;

	snprintf(directive, sizeof(directive), " # SKIP %s", reason);
	va_start(ap, name_fmt);
	result(true, directive, name_fmt, ap);
	va_end(ap);
	nr_skip++;
}

static void error_result(const char *reason, const char *name_fmt,
			 va_list ap)
{
	char directive[160];

	snprintf(directive, sizeof(directive), " # ERROR %s", reason);
	result(false, directive, name_fmt, ap);
	nr_error++;
}

void report_error(const char *reason, const char *name_fmt, ...)
{
	va_list ap;

	va_start(ap, name_fmt);
	error_result(reason, name_fmt, ap);
	va_end(ap);
}

bool report_need(bool ok, const char *reason, const char *name_fmt, ...)
{
	va_list ap;

	va_start(ap, name_fmt);
	if (ok) {
		result(true, "", name_fmt, ap);
		nr_pass++;
	} else {
		error_result(reason, name_fmt, ap);
	}
	va_end(ap);
	return ok;
}

void report_info(const char *fmt, ...)
{
	char msg[PRINTF_MAX - 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# %s\n", msg);
}

void ktap_save(struct ktap_counts *c)
{
	*c = (struct ktap_counts){
		.checks = nr_checks, .pass = nr_pass, .fail = nr_fail,
		.skip = nr_skip, .error = nr_error,
	};
}

void ktap_restore(const struct ktap_counts *c)
{
	nr_checks = c->checks;
	nr_pass = c->pass;
	nr_fail = c->fail;
	nr_skip = c->skip;
	nr_error = c->error;
}

void report_summary(void)
{
	trap_summary();
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:%u\n",
	       nr_pass, nr_fail, nr_skip, nr_error);
}
