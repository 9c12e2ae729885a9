#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# boot-host.sh [--accel tcg|kvm] [--timeout SEC] [--smp N] [--append ARGS] \
#              BZIMAGE INITRAMFS SERIAL_LOG KERNEL_LOG
# boot-host.sh [--accel tcg|kvm] [--timeout SEC] --iso ISO SERIAL_LOG KERNEL_LOG
#
# With --iso the firmware boots the ISO and grub starts the kernel (the
# path a real machine takes); the ISO's menu decides the command line.
# --bios FILE replaces SeaBIOS, e.g. with OVMF for an EFI boot.
# --smp N boots the host with N CPUs (default 1).
#
# Boot one host kernel under QEMU and wait for it to power off.  The first
# serial port carries the rig channel (init's framing, the VMM and the guest),
# the second one the host kernel's console.  Exit status: 0 when the host
# powered off by itself, 124 when it had to be killed after --timeout seconds,
# anything else when QEMU itself failed (its message is the last line of
# SERIAL_LOG.qemu).
#
# RIG_GDB_PORT=PORT opens QEMU's gdbstub on localhost:PORT (-gdb), so that a
# wedged host can be looked at (tools/wedge-dump.sh); unset, no stub.
# RIG_QEMU_LOG=ITEMS passes -d ITEMS to QEMU, logging to SERIAL_LOG.qemu-log
# (e.g. int: every exception and interrupt QEMU delivers, nested guests'
# included, which is what tells an emulated triple fault apart).

set -euo pipefail

accel=tcg
timeout=300
append=
iso=
bios=
smp=1

die() { echo "boot-host: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--accel) accel=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--iso) iso=$2; shift 2 ;;
	--bios) bios=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--) shift; break ;;
	-*) die "unknown option '$1'" ;;
	*) break ;;
	esac
done
if [ -n "$iso" ]; then
	[ $# -eq 2 ] || die "usage: $0 [--accel A] [--timeout S] --iso ISO SERIAL_LOG KERNEL_LOG"
	[ -f "$iso" ] || die "no ISO $iso"
	serial=$1 klog=$2
	boot=(-cdrom "$iso" -boot d)
	# --bios: other firmware, e.g. OVMF for an EFI boot of the same ISO.
	if [ -n "$bios" ]; then
		[ -f "$bios" ] || die "no firmware $bios"
		boot+=(-bios "$bios")
	fi
else
	[ $# -eq 4 ] || die "usage: $0 [--accel A] [--timeout S] [--append ARGS] BZIMAGE INITRAMFS SERIAL_LOG KERNEL_LOG"
	kernel=$1 initrd=$2 serial=$3 klog=$4
	[ -f "$kernel" ] || die "no kernel image $kernel"
	[ -f "$initrd" ] || die "no initramfs $initrd"
	# panic=-1 with -no-reboot: a host kernel that panics ends the boot at
	# once instead of sitting out the timeout.
	boot=(-kernel "$kernel" -initrd "$initrd"
	      -append "console=ttyS1 earlyprintk=serial,ttyS1 panic=-1 $append")
fi
case $smp in
[1-9] | [1-9][0-9]) ;;
*) die "--smp takes a number of CPUs, not '$smp'" ;;
esac
qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu is not installed"

gdb=()
if [ -n "${RIG_GDB_PORT:-}" ]; then
	case $RIG_GDB_PORT in *[!0-9]*) die "bad RIG_GDB_PORT '$RIG_GDB_PORT'" ;; esac
	gdb=(-gdb "tcp:127.0.0.1:$RIG_GDB_PORT")
fi

qlog=()
if [ -n "${RIG_QEMU_LOG:-}" ]; then
	case $RIG_QEMU_LOG in *[!a-z_,]*) die "bad RIG_QEMU_LOG '$RIG_QEMU_LOG'" ;; esac
	qlog=(-d "$RIG_QEMU_LOG" -D "$serial.qemu-log")
fi

case $accel in
tcg) cpu=max ;;
kvm) cpu=host ;;
*) die "unknown accelerator '$accel'" ;;
esac

: > "$serial"
: > "$klog"
rc=0
# --foreground: timeout and QEMU stay in this script's process group, so
# that whoever ends the boot early by killing the group (the driver, when a
# case wedges the host) ends QEMU too; without it timeout makes a group of
# its own and QEMU runs on until the boot's own timeout.
timeout --foreground --kill-after=10 "$timeout" "$qemu" \
	-accel "$accel" -cpu "$cpu" -m 512 -smp "$smp" \
	-nodefaults -display none -no-reboot -monitor none \
	-serial "file:$serial" -serial "file:$klog" \
	"${gdb[@]}" "${qlog[@]}" "${boot[@]}" > "$serial.qemu" 2>&1 || rc=$?
exit $rc
