/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Formatted output: %d %i %u %x %X %p %s %c %%, with '-', '0', a field width
 * and the l and ll length modifiers.
 */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include <stdarg.h>
#include <stddef.h>
#include "compiler.h"

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) __printf(1, 2);

/* Longest line printf() emits in one piece; longer ones are truncated. */
#define PRINTF_MAX	512

#endif /* GUEST_PRINTF_H */
