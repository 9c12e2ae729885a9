/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H

#include <stddef.h>

void serial_write(const char *buf, size_t len);

#endif /* GUEST_SERIAL_H */
