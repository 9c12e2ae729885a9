/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One-line error messages into a caller's buffer, for the parts of the VMM
 * that are also built into the unit tests and fuzz harnesses (which read
 * the message instead of a log).
 */
#ifndef VMM_ERRBUF_H
#define VMM_ERRBUF_H

#include <stddef.h>

/* Format into err (if any) and return -1, for "return errbuf(...)". */
int errbuf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* VMM_ERRBUF_H */
