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

bool cmdline_number(const char *cmdline, const char *key, uint64_t *val)
{
	char buf[24];
	const char *p = buf;
	uint64_t v = 0;
	unsigned int base = 10, d;
	int len = cmdline_get(cmdline, key, buf, sizeof(buf));

	if (len <= 0 || len >= (int)sizeof(buf))
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return false;
		v = v * base + d;
	}
	*val = v;
	return true;
}
