/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A case is one run of the guest, picked by case=NAME on the command line.
 * It reports its checks through ktap.h and returns; main() then prints the
 * totals and powers off.  Cases that end the guest some other way (crash,
 * triple fault, hang) simply never return.
 */
#ifndef GUEST_CASE_H
#define GUEST_CASE_H

#include "compiler.h"
#include "guest.h"

struct guest_case {
	const char *name;
	void (*run)(const struct guest_config *cfg);
};

/*
 * Register @_fn as the case @_name (a string literal), next to the code that
 * implements it: the descriptor goes to a section .rodata.cases.NAME, which
 * guest.lds sorts by name into one array between __start_cases and
 * __stop_cases.  The explicit alignment keeps the compiler from padding
 * descriptors apart.
 *
 * The descriptor's symbol is "guest_case.NAME", global, so that two cases
 * with one name do not link ("multiple definition of guest_case.NAME").
 */
#define DEFINE_CASE(_name, _fn)						\
	static void _fn(const struct guest_config *cfg);		\
	const struct guest_case __case_##_fn				\
		__asm__("\"guest_case." _name "\"")			\
		__used __section(".rodata.cases." _name)		\
		__aligned(__alignof__(struct guest_case)) = {		\
		.name = _name, .run = _fn,				\
	}

extern const struct guest_case __start_cases[], __stop_cases[];

#define for_each_case(c)						\
	for ((c) = __start_cases; (c) < __stop_cases; (c)++)

#endif /* GUEST_CASE_H */
