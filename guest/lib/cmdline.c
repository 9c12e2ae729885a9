// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line tokens are separated by spaces.  The loader may put other
 * words in front (QEMU passes the image name first), so unknown tokens are
 * simply ignored.
 */
#include "cmdline.h"
#include "string.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		const char *tok;
		size_t len = 0;

		while (is_space(*p))
			p++;
		tok = p;
		while (*p && !is_space(*p))
			p++;
		if ((size_t)(p - tok) <= klen || strncmp(tok, key, klen) ||
		    tok[klen] != '=')
			continue;

		tok += klen + 1;
		len = p - tok;
		if (size) {
			size_t n = len < size - 1 ? len : size - 1;

			memcpy(buf, tok, n);
			buf[n] = '\0';
		}
		return len;
	}
	return -1;
}
