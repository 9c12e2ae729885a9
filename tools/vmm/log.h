/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two channels: errors that stop the VMM go to stderr as one "vmm: " line;
 * everything the VMM reports about the guest goes to stdout as a KTAP
 * diagnostic ("# vmm: "), interleaved with the guest's own whole lines.
 */
#ifndef VMM_LOG_H
#define VMM_LOG_H

#include <stdbool.h>

/* Set by --quiet: drops the per-event chatter (hypercalls, stray ports). */
extern bool log_quiet;

void vmm_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vmm_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vmm_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* VMM_LOG_H */
