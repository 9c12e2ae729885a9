/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Each vCPU's TSS, there for the #DF handler only: in hvm64 it holds the
 * handler's own stack (IST1), in hvm32 it is where the CPU saves the
 * faulting task when the #DF's task gate switches to the handler's task.
 */
#ifndef GUEST_TSS_H
#define GUEST_TSS_H

#define TSS_DF_IST	1	/* hvm64: the #DF gate's IST slot */

/* Once, from trap_init(): hvm32's #DF task (nothing to do in hvm64). */
void tss_init(void);
/* Load vCPU @cpu's TSS, on that vCPU. */
void trap_cpu_init(unsigned int cpu);

#endif /* GUEST_TSS_H */
