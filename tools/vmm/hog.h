/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMM_HOG_H
#define VMM_HOG_H

#include <sys/types.h>

/*
 * A child process that burns CPU with short naps, so that the host scheduler
 * keeps preempting the vCPU thread (vmm --cpu-hog).  hog_start() returns its pid,
 * or -1 with the error logged; hog_stop() kills and reaps it.
 */
pid_t hog_start(void);
void hog_stop(pid_t pid);

#endif /* VMM_HOG_H */
