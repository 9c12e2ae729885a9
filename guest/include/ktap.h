/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP output in the style of kvm-unit-tests' report().
 *
 * A case does not know in advance how many checks it makes, so there is no
 * plan line; instead report_summary() ends every run with a kselftest-style
 * totals line, which also tells the runner that the output is complete.
 * Check names are printf formats; they must expand to stable lowercase
 * words joined by underscores, unique within a case.
 */
#ifndef GUEST_KTAP_H
#define GUEST_KTAP_H

#include <stdbool.h>
#include "compiler.h"

void ktap_header(void);
bool report(bool pass, const char *name_fmt, ...) __printf(2, 3);
void report_skip(const char *reason, const char *name_fmt, ...) __printf(2, 3);

/*
 * The rig could not give the case what it needs (a hypercall page where
 * the case does not test it, a VMM option, a command-line value, a
 * module): "not ok N NAME # ERROR reason", counted in the totals' error
 * field and not as a failure, so that a broken rig never passes for a KVM
 * bug.  What the case tests of KVM or Xen is never an error.
 */
void report_error(const char *reason, const char *name_fmt, ...) __printf(2, 3);

/* A precondition as a check: "ok NAME" if @ok, else report_error(). */
bool report_need(bool ok, const char *reason, const char *name_fmt, ...)
	__printf(3, 4);
void report_info(const char *fmt, ...) __printf(1, 2);
void report_summary(void);

/*
 * The counters behind the check numbers and the totals, so that a guest
 * that boots another image (self-kexec) continues one KTAP stream.
 */
struct ktap_counts {
	unsigned int checks, pass, fail, skip, error;
};

void ktap_save(struct ktap_counts *c);
void ktap_restore(const struct ktap_counts *c);

#endif /* GUEST_KTAP_H */
