/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GUEST_CPL3_H
#define GUEST_CPL3_H

#include <stdbool.h>

/*
 * Make hypercall @op with first argument @arg1 from user mode (CPL3) and
 * return its result.  Sets up user segments, a TSS and user-accessible
 * page-table entries for the duration.  False if the mode is not supported.
 */
bool cpl3_call(unsigned int op, unsigned long arg1, long *result);

#endif /* GUEST_CPL3_H */
