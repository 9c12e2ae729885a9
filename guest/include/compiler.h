/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GUEST_COMPILER_H
#define GUEST_COMPILER_H

#define __noreturn	__attribute__((noreturn))
#define __aligned(x)	__attribute__((aligned(x)))
#define __packed	__attribute__((packed))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __used		__attribute__((used))
#define __section(s)	__attribute__((section(s)))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define barrier()	asm volatile("" ::: "memory")

#endif /* GUEST_COMPILER_H */
