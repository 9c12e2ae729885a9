/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's text output: COM1 and CONSOLEIO_write both end up here.
 */
#ifndef VMM_SERIAL_H
#define VMM_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SERIAL_LINE_MAX		1024
#define SERIAL_DEFAULT_CAP	(4u << 20)

/* 16550 registers the VMM emulates, as offsets from the base port. */
#define UART_THR	0	/* write: transmit holding */
#define UART_IIR	2	/* read: interrupt identification */
#define UART_LSR	5	/* read: line status */
#define UART_SCR	7	/* scratch */
#define UART_NR_PORTS	8
#define UART_IIR_NO_INT	0x01
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40

struct serial {
	FILE *out;
	size_t cap;		/* guest bytes accepted before dropping */
	size_t total;		/* guest bytes accepted so far */
	bool capped;
	uint8_t scr;
	size_t len;
	char line[SERIAL_LINE_MAX];
};

void serial_init(struct serial *s, FILE *out, size_t cap);
void serial_write(struct serial *s, const void *buf, size_t len);
void serial_flush(struct serial *s);
void serial_pio(struct serial *s, uint16_t offset, bool out, void *data,
		unsigned int size, unsigned int count);

#endif /* VMM_SERIAL_H */
