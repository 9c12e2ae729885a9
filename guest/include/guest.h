/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdbool.h>

#ifdef __x86_64__
#define GUEST_MODE	"hvm64"
#else
#define GUEST_MODE	"hvm32"
#endif

static inline bool guest_is_64bit(void)
{
#ifdef __x86_64__
	return true;
#else
	return false;
#endif
}

/* What the command line told the guest, handed to every case. */
struct guest_config {
	const char *cmdline;		/* the whole multiboot command line */
	unsigned int xen_major;		/* xenver=MAJ.MIN, the VMM's setting */
	unsigned int xen_minor;
	unsigned long mbi_gpa;		/* the multiboot_info we were given */
};

#endif /* GUEST_GUEST_H */
