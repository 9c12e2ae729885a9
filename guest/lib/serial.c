// SPDX-License-Identifier: GPL-2.0
/*
 * Output on the COM1 16550.  The rig's VMM emulates only THR and LSR and
 * always reports the transmitter ready, so the UART is neither programmed
 * nor polled: every buffer goes out with a single "rep outsb", which costs
 * one VM exit instead of one per byte (exits are very expensive when the
 * host itself runs nested).
 */
#include <rig/abi.h>
#include "processor.h"
#include "serial.h"

void serial_write(const char *buf, size_t len)
{
	if (len)
		outsb(RIG_COM1, buf, len);
}
