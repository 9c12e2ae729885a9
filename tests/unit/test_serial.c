// SPDX-License-Identifier: GPL-2.0
/*
 * Guest output: whole lines only, string I/O as KVM delivers it, the UART
 * registers a polling driver reads, and the output cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "serial.h"

struct fixture {
	struct serial s;
	FILE *out;
	char *text;
	size_t len;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->out = open_memstream(&f->text, &f->len);
	if (!f->out)
		return -1;
	serial_init(&f->s, f->out, SERIAL_DEFAULT_CAP);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fclose(f->out);
	free(f->text);
	free(f);
	return 0;
}

/* What has reached the stream so far, without flushing the line buffer. */
static const char *written(struct fixture *f)
{
	fflush(f->out);
	return f->text ? f->text : "";
}

static void thr(struct fixture *f, const char *str)
{
	for (; *str; str++) {
		uint8_t c = *str;

		serial_pio(&f->s, UART_THR, true, &c, 1, 1);
	}
}

static void test_whole_lines(void **state)
{
	struct fixture *f = *state;

	thr(f, "ok 1 - fir");
	assert_string_equal(written(f), "");
	thr(f, "st\nok 2");
	assert_string_equal(written(f), "ok 1 - first\n");
	serial_flush(&f->s);
	assert_string_equal(written(f), "ok 1 - first\nok 2\n");
	/* nothing pending: a second flush adds nothing */
	serial_flush(&f->s);
	assert_string_equal(written(f), "ok 1 - first\nok 2\n");
}

static void test_crlf(void **state)
{
	struct fixture *f = *state;

	thr(f, "a\r\nb\r\n\n");
	assert_string_equal(written(f), "a\nb\n\n");
}

/* rep outsb: count bytes in one exit. */
static void test_string_io(void **state)
{
	struct fixture *f = *state;
	char buf[] = "hello\nworld\n";

	serial_pio(&f->s, UART_THR, true, buf, 1, sizeof(buf) - 1);
	assert_string_equal(written(f), "hello\nworld\n");
}

/* rep outsw/outsl: the low byte of each element reaches THR. */
static void test_string_io_wide(void **state)
{
	struct fixture *f = *state;
	uint16_t w[] = { 'h' | 0xaa00, 'i' | 0xbb00, '\n' };
	uint32_t l[] = { 'x' | 0xccdd0000, '\n' };

	serial_pio(&f->s, UART_THR, true, w, 2, 3);
	serial_pio(&f->s, UART_THR, true, l, 4, 2);
	assert_string_equal(written(f), "hi\nx\n");
}

static void test_other_registers_silent(void **state)
{
	struct fixture *f = *state;
	uint8_t c = 'z';
	unsigned int reg;

	for (reg = 1; reg < UART_NR_PORTS; reg++)
		serial_pio(&f->s, reg, true, &c, 1, 1);
	serial_flush(&f->s);
	assert_string_equal(written(f), "");
}

static void test_reads(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[4];

	memset(buf, 0x55, sizeof(buf));
	serial_pio(&f->s, UART_LSR, false, buf, 1, 4);
	assert_memory_equal(buf, ((uint8_t[]){ 0x60, 0x60, 0x60, 0x60 }), 4);

	serial_pio(&f->s, UART_IIR, false, buf, 1, 1);
	assert_int_equal(buf[0], UART_IIR_NO_INT);

	buf[0] = 0x5a;
	serial_pio(&f->s, UART_SCR, true, buf, 1, 1);
	buf[0] = 0;
	serial_pio(&f->s, UART_SCR, false, buf, 1, 1);
	assert_int_equal(buf[0], 0x5a);

	/* a wide read gets the register in its low byte, zeros above */
	memset(buf, 0x55, sizeof(buf));
	serial_pio(&f->s, UART_LSR, false, buf, 4, 1);
	assert_memory_equal(buf, ((uint8_t[]){ 0x60, 0, 0, 0 }), 4);
}

/* A line longer than the buffer is broken, not held back or overflowed. */
static void test_long_line(void **state)
{
	struct fixture *f = *state;
	size_t n = 3 * SERIAL_LINE_MAX;
	char *buf = malloc(n);
	const char *out;
	size_t i, lines = 0;

	assert_non_null(buf);
	memset(buf, 'L', n);
	serial_write(&f->s, buf, n);
	serial_flush(&f->s);
	out = written(f);
	for (i = 0; out[i]; i++)
		if (out[i] == '\n')
			lines++;
	assert_int_equal(strlen(out), n + lines);
	assert_true(lines >= 3);
	assert_true(strchr(out, '\n') - out <= SERIAL_LINE_MAX);
	free(buf);
}

static void test_cap(void **state)
{
	struct fixture *f = *state;

	serial_init(&f->s, f->out, 11);
	thr(f, "12345\n");
	thr(f, "6789");
	/* the 11th byte fills the cap exactly: not yet over */
	thr(f, "0");
	assert_false(f->s.capped);
	thr(f, "X");
	assert_true(f->s.capped);
	thr(f, "more\n");
	serial_write(&f->s, "even more\n", 10);
	serial_flush(&f->s);
	assert_string_equal(written(f),
			    "12345\n67890\n# vmm: serial output capped at 11 bytes, guest stopped\n");
}

static void test_cap_mid_write(void **state)
{
	struct fixture *f = *state;

	serial_init(&f->s, f->out, 4);
	serial_write(&f->s, "abcdef\n", 7);
	serial_write(&f->s, "gh\n", 3);
	assert_string_equal(written(f),
			    "abcd\n# vmm: serial output capped at 4 bytes, guest stopped\n");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_whole_lines),
		T(test_crlf),
		T(test_string_io),
		T(test_string_io_wide),
		T(test_other_registers_silent),
		T(test_reads),
		T(test_long_line),
		T(test_cap),
		T(test_cap_mid_write),
	};

	return cmocka_run_group_tests_name("serial", tests, NULL, NULL);
}
