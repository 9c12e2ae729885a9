/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GUEST_SHUTDOWN_H
#define GUEST_SHUTDOWN_H

#include "compiler.h"

/*
 * Stop the guest with a Xen SHUTDOWN_* reason: through SCHEDOP_shutdown if
 * the hypercall page is usable, else through the rig control port, and if
 * neither stops us (no VMM behind the port) by halting for good.
 */
void __noreturn guest_shutdown(unsigned int reason);

#endif /* GUEST_SHUTDOWN_H */
