// SPDX-License-Identifier: GPL-2.0
/*
 * Guest output, written out one whole line at a time.
 *
 * The VMM's own diagnostics share stdout with the guest (KTAP wants a single
 * stream), so a guest line must never be emitted in pieces: a hypercall log
 * line would otherwise land in the middle of it.  Lines longer than the
 * buffer are broken rather than held forever, and the total is capped so a
 * guest stuck in a print loop cannot fill the runner's disk: the run loop
 * stops the guest once the cap is reached (RIG_EXIT_OUTPUT_CAP), since
 * nothing it does afterwards could be seen.
 */
#include <string.h>

#include "serial.h"

void serial_init(struct serial *s, FILE *out, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->out = out;
	s->cap = cap;
}

static void emit_line(struct serial *s)
{
	s->line[s->len] = '\n';
	fwrite(s->line, 1, s->len + 1, s->out);
	fflush(s->out);
	s->len = 0;
}

void serial_write(struct serial *s, const void *buf, size_t len)
{
	const char *p = buf;
	size_t i;

	if (s->capped)
		return;
	if (len > s->cap - s->total) {
		len = s->cap - s->total;
		s->capped = true;
	}
	s->total += len;

	for (i = 0; i < len; i++) {
		/* CRs from "\r\n" line ends would only clutter the log. */
		if (p[i] == '\r')
			continue;
		if (p[i] == '\n') {
			emit_line(s);
			continue;
		}
		s->line[s->len++] = p[i];
		/* Keep one byte for the '\n' emit_line() appends. */
		if (s->len == SERIAL_LINE_MAX - 1)
			emit_line(s);
	}

	if (s->capped) {
		serial_flush(s);
		fprintf(s->out, "# vmm: serial output capped at %zu bytes, guest stopped\n",
			s->cap);
		fflush(s->out);
	}
}

/* Emit a partial last line, e.g. when the guest stops mid-line. */
void serial_flush(struct serial *s)
{
	if (s->len)
		emit_line(s);
}

/*
 * One KVM_EXIT_IO on COM1, possibly a string instruction: @data holds @count
 * elements of @size bytes.  Only THR writes carry data; the line is always
 * ready so the guest never waits on LSR.
 */
void serial_pio(struct serial *s, uint16_t offset, bool out, void *data,
		unsigned int size, unsigned int count)
{
	uint8_t *p = data;
	unsigned int i;

	if (out) {
		for (i = 0; i < count; i++, p += size) {
			/* The low byte is what reaches the register. */
			if (offset == UART_THR)
				serial_write(s, p, 1);
			else if (offset == UART_SCR)
				s->scr = *p;
		}
		return;
	}

	for (i = 0; i < count; i++, p += size) {
		memset(p, 0, size);
		switch (offset) {
		case UART_LSR:
			*p = UART_LSR_THRE | UART_LSR_TEMT;
			break;
		case UART_IIR:
			*p = UART_IIR_NO_INT;
			break;
		case UART_SCR:
			*p = s->scr;
			break;
		}
	}
}
