/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <stddef.h>

/*
 * Copy the value of the first KEY=VALUE token of @cmdline into @buf (always
 * NUL-terminated).  Returns the full length of the value, which is >= @size
 * when it was truncated, or -1 when there is no such token.
 */
int cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

#endif /* GUEST_CMDLINE_H */
