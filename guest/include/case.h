/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A case is one run of the guest, picked by case=NAME on the command line.
 * It reports its checks through ktap.h and returns; main() then prints the
 * totals and powers off.  Cases that end the guest some other way (crash,
 * triple fault, hang) simply never return.
 */
#ifndef GUEST_CASE_H
#define GUEST_CASE_H

#include "guest.h"

struct guest_case {
	const char *name;
	void (*run)(const struct guest_config *cfg);
};

/* The table lives in cases/cases.c and ends with a NULL name. */
extern const struct guest_case guest_cases[];

#endif /* GUEST_CASE_H */
