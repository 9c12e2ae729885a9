/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Copy the value of the first KEY=VALUE token of @cmdline into @buf (always
 * NUL-terminated).  Returns the full length of the value, which is >= @size
 * when it was truncated, or -1 when there is no such token.
 */
int cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

/* A KEY=NUMBER from the command line (decimal or 0x hex); false if none. */
bool cmdline_number(const char *cmdline, const char *key, uint64_t *val);

#endif /* GUEST_CMDLINE_H */
