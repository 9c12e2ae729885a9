/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GUEST_STRING_H
#define GUEST_STRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The compiler may emit calls to the first four on its own. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
bool str_has_prefix(const char *s, const char *prefix);

/* Parse an unsigned decimal number; *end points past it. */
unsigned long simple_strtoul(const char *s, const char **end);

/* Copy a string, truncating, always NUL-terminated. */
void str_copy(char *dst, const char *src, size_t size);

/* The first byte of [p, p + len) that is not @val, or NULL. */
const uint8_t *mem_find_not(const void *p, size_t len, uint8_t val);

#endif /* GUEST_STRING_H */
