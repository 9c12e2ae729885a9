/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the rig's VMM and its test guest, beyond what the
 * multiboot-1 specification and the Xen ABI already fix.  Both sides include
 * this file; change it only together with both.
 */
#ifndef RIG_ABI_H
#define RIG_ABI_H

/* Guest-physical layout set up by the VMM before the first instruction. */
#define RIG_MBI_GPA		0x8000	/* struct multiboot_info */
#define RIG_CMDLINE_GPA		0x8800	/* NUL-terminated, see RIG_CMDLINE_MAX */
#define RIG_CMDLINE_MAX		2048
#define RIG_DEFAULT_RAM_MB	64

/* The Xen interface the VMM offers: CPUID base and hypercall-page MSR. */
#define RIG_XEN_CPUID_BASE	0x40000000u
#define RIG_XEN_MSR		0x40000000u
#define RIG_XEN_DEFAULT_MAJOR	4
#define RIG_XEN_DEFAULT_MINOR	17

/* COM1: the guest's output.  The VMM emulates THR and LSR (always ready). */
#define RIG_COM1		0x3f8

/*
 * Rig control port, for what no Xen interface can tell or do.  The guest
 * writes a command to RIG_PORT_CMD with a 32-bit OUT after putting its
 * argument in RIG_PORT_DATA (32-bit OUT), then reads the answer from
 * RIG_PORT_DATA (32-bit IN).
 */
#define RIG_PORT_CMD		0x5a0
#define RIG_PORT_DATA		0x5a4

enum rig_cmd {
	/* Stop now: argument is a Xen SHUTDOWN_* reason.  For a guest that
	 * must stop before its hypercall page exists (early crash). */
	RIG_CMD_EXIT = 1,
	/* Answer: the longmode flag KVM reported in the last KVM_EXIT_XEN. */
	RIG_CMD_LAST_LONGMODE = 2,
	/* Answer: how many KVM_EXIT_XEN hypercalls the VMM has handled. */
	RIG_CMD_HCALL_COUNT = 3,
	/*
	 * Make the VMM's --late region (memory that is not there at boot)
	 * appear as a new memslot.  Answer: 0, or -1 when there is no such
	 * region or it is already plugged.  Areas registered on it before
	 * are what the "not there yet" cases look at.
	 */
	RIG_CMD_MEM_PLUG = 4,
	/* Answer: the GPA where the --late region starts (0: none). */
	RIG_CMD_MEM_LATE_BASE = 5,
	/*
	 * Take the plugged --late region away again (its memslot deleted),
	 * as a VMM does when it moves or unmaps guest memory.  Answer: 0, or
	 * -1 when it is not plugged.  A later RIG_CMD_MEM_PLUG brings fresh
	 * zeroed memory back.  What KVM keeps in gfn-to-pfn caches there is
	 * what the unplug cases look at.
	 */
	RIG_CMD_MEM_UNPLUG = 6,
	/*
	 * Move the host page behind guest frame DATA: copy it to a new host
	 * page mapped in its place, so that KVM's MMU notifier invalidates
	 * every gfn-to-pfn cache on the frame.  The old page stays readable
	 * to the VMM (RIG_CMD_MEM_OLD_CHANGED).  Answer: 0, or -1 (frame out
	 * of RAM, no room to keep another old page, the host refused).
	 */
	RIG_CMD_MEM_MOVE = 7,
	/*
	 * Answer: 1 when the old page of frame DATA (its last move) differs
	 * from what it held when it was moved, 0 when not, -1 when the frame
	 * was never moved.  KVM writing there means a stale cache.
	 */
	RIG_CMD_MEM_OLD_CHANGED = 8,
	/*
	 * Throw away the contents of guest frame DATA (MADV_DONTNEED, or a
	 * fresh anonymous mapping over it where the host has no madvise()):
	 * it reads as zeroes afterwards.  Answer: 0, or -1.
	 */
	RIG_CMD_MEM_DISCARD = 9,
	/*
	 * Turn dirty logging on (DATA 1) or off (DATA 0) for the main memslot
	 * (KVM_MEM_LOG_DIRTY_PAGES); turning it on reads and drops the log
	 * once.  Answer: 0, or -1.  A VMM run with --dirty-ring logs through
	 * KVM's dirty ring instead of the bitmap: turning it on answers the
	 * ring's entries per vCPU (a power of two, 256 or more), and on a
	 * host without KVM_CAP_DIRTY_LOG_RING both answer RIG_DIRTY_NO_RING.
	 */
	RIG_CMD_DIRTY_LOG = 10,
	/*
	 * Answer: 1 when guest frame DATA was marked dirty since the last
	 * time this was asked about it (or dirty logging was turned on), 0
	 * when not, -1 without dirty logging or for a frame outside the main
	 * memslot.  The VMM folds every KVM_GET_DIRTY_LOG into its own bitmap
	 * and clears a frame's bit when it answers for it.
	 */
	RIG_CMD_DIRTY_TEST = 11,
	/*
	 * Move the whole memslot of the plugged --late region to a new host
	 * address: its contents copied to a fresh mapping, the memslot
	 * deleted and created again over the same GPA range at the new
	 * userspace address (a new memslot generation: every gfn-to-pfn
	 * cache there must resolve its GPA again).  The previous mapping
	 * stays readable to the VMM (RIG_CMD_SLOT_OLD_CHANGED).  DATA is
	 * ignored.  Answer: 0, or -1 (no plugged --late region, the host
	 * refused).
	 */
	RIG_CMD_SLOT_MOVE = 12,
	/*
	 * Answer: 1 when guest frame DATA of the previous mapping (the last
	 * RIG_CMD_SLOT_MOVE's) differs from what it held at the move, 0 when
	 * not, -1 when the slot was never moved or the frame is outside it.
	 */
	RIG_CMD_SLOT_OLD_CHANGED = 13,
	/* One past the last command, not a command itself: keep it last. */
	RIG_CMD_NR
};

/* RIG_CMD_DIRTY_LOG's answer when the host has no dirty ring for --dirty-ring. */
#define RIG_DIRTY_NO_RING	0xfffffffeu

/*
 * Multiboot modules (vmm --module FILE, in order) are loaded page-aligned
 * from RIG_MODULE_GPA up and listed in multiboot_info as the specification
 * says: the self-kexec cases find the guest images to boot there.  The
 * module's string is the file's base name.
 */
#define RIG_MODULE_GPA		0x1000000	/* 16 MiB */

/*
 * VMM exit status, read by the host init and the runner.  Values follow the
 * case's outcome, not the VMM's internals.
 */
enum rig_vmm_exit {
	RIG_EXIT_POWEROFF = 0,	/* SCHEDOP_shutdown(SHUTDOWN_poweroff) */
	RIG_EXIT_OTHER = 1,	/* another SHUTDOWN_* reason (reboot, ...) */
	RIG_EXIT_USAGE = 2,	/* bad option, unreadable or malformed image */
	RIG_EXIT_CRASH = 3,	/* SHUTDOWN_crash: the guest caught a fault */
	RIG_EXIT_TRIPLE = 4,	/* triple fault, KVM internal error, bad entry */
	RIG_EXIT_TIMEOUT = 5,	/* wall-clock timeout */
	RIG_EXIT_HOST = 6,	/* KVM or the host failed (ioctl error) */
	RIG_EXIT_SKIP = 7,	/* the host lacks a capability the case needs */
	RIG_EXIT_OUTPUT_CAP = 8, /* the guest's output reached the VMM's cap */
};

/*
 * Seconds the host init gives the VMM past the case's own timeout before it
 * kills it (a VMM stuck in the kernel); the runner's boot timeout counts
 * them for every case.
 */
#define RIG_INIT_GRACE_SEC	10

/*
 * kvm.tsc_tolerance_ppm as init sets it before the first VM: 1%, the most
 * the host's refined TSC calibration moves from its first one (init.c).
 */
#define RIG_TSC_TOLERANCE_PPM	10000

/*
 * The guest's IDT covers the 32 exception vectors only; it takes external
 * interrupts on vectors from this one up (the wake-up IPI, the event channel
 * upcall and callback vectors, the APIC timer), none an exception it raises.
 * tools/qemu-log-scan.py reads a delivery of one with IF=0 as QEMU's.
 */
#define RIG_IRQ_VECTOR_FIRST	26

#endif /* RIG_ABI_H */
