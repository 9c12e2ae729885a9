// SPDX-License-Identifier: GPL-2.0
/*
 * A small printf.  printf() formats a whole message before writing it, so
 * that a line reaches the serial port in one piece (see serial.c).
 */
#include <stdint.h>
#include "div64.h"
#include "printf.h"
#include "serial.h"
#include "string.h"

struct outbuf {
	char *buf;
	size_t size;
	size_t len;	/* what would have been written, even past size */
};

static void put(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

struct spec {
	unsigned int width;
	bool zero;
	bool left;
};

static void pad(struct outbuf *o, unsigned int n, char c)
{
	while (n--)
		put(o, c);
}

static void put_str(struct outbuf *o, const char *s, const struct spec *sp)
{
	size_t len = strlen(s);
	unsigned int fill = sp->width > len ? sp->width - len : 0;

	if (!sp->left)
		pad(o, fill, ' ');
	while (*s)
		put(o, *s++);
	if (sp->left)
		pad(o, fill, ' ');
}

static void put_num(struct outbuf *o, uint64_t val, unsigned int base,
		    bool neg, bool upper, const char *prefix,
		    const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	unsigned int n = 0, len, fill;

	do {
		tmp[n++] = digits[do_div(val, base)];
	} while (val);

	len = n + neg + strlen(prefix);
	fill = sp->width > len ? sp->width - len : 0;

	if (!sp->left && !sp->zero)
		pad(o, fill, ' ');
	if (neg)
		put(o, '-');
	while (*prefix)
		put(o, *prefix++);
	if (!sp->left && sp->zero)
		pad(o, fill, '0');
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, fill, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { .buf = buf, .size = size };

	for (; *fmt; fmt++) {
		struct spec sp = { 0 };
		unsigned int lng = 0;
		bool alt = false;
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}

		for (;;) {
			fmt++;
			if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '#')
				alt = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp.width = sp.width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			if (lng >= 2)
				s = va_arg(ap, long long);
			else if (lng)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, int);
			put_num(&o, s < 0 ? -(uint64_t)s : (uint64_t)s, 10,
				s < 0, false, "", &sp);
			break;
		case 'u':
		case 'x':
		case 'X':
			if (lng >= 2)
				u = va_arg(ap, unsigned long long);
			else if (lng)
				u = va_arg(ap, unsigned long);
			else
				u = va_arg(ap, unsigned int);
			put_num(&o, u, *fmt == 'u' ? 10 : 16, false,
				*fmt == 'X', alt && *fmt != 'u' ? "0x" : "",
				&sp);
			break;
		case 'p':
			put_num(&o, (unsigned long)va_arg(ap, void *), 16,
				false, false, "0x", &sp);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			put_str(&o, str ? str : "(null)", &sp);
			break;
		}
		case 'c':
			put(&o, va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;	/* stray '%' at the end */
			break;
		default:
			/* Show what was not understood rather than drop it. */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}

	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return ret;
}

int vprintf(const char *fmt, va_list ap)
{
	char buf[PRINTF_MAX];
	int len = vsnprintf(buf, sizeof(buf), fmt, ap);

	/* Keep a truncated line a line, so that the next one starts afresh. */
	if (len >= (int)sizeof(buf) && fmt[strlen(fmt) - 1] == '\n')
		buf[sizeof(buf) - 2] = '\n';
	serial_write(buf, strnlen(buf, sizeof(buf)));
	return len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vprintf(fmt, ap);
	va_end(ap);
	return ret;
}
