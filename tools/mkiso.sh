#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkiso.sh host [--timeout S] OUT TITLE BZIMAGE INITRAMFS [GROUP...]
# mkiso.sh guest [--timeout S] OUT MENU GUEST...
#
# grub2 rescue ISOs (BIOS, and EFI where grub-efi-amd64-bin is installed)
# with grub on the first serial port at 115200 8n1.
#
# A host ISO boots the host kernel with the rig's initramfs: one menu entry
# runs every case in it, one entry per GROUP only that group's plan
# (/rig/plan.GROUP).  The serial framing is the one the runner reads under
# QEMU, so `run.sh --serial-log` parses a log captured from a real machine.
#
# A guest ISO boots the test guest through grub's multiboot loader, for a
# Xen HVM domain or another VMM with Xen emulation.  MENU has one entry per
# line: title, image and command line, tab-separated; the images are the
# GUEST files, loaded as multiboot modules too, for the self-kexec cases.

set -euo pipefail

die() { echo "mkiso: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: $0 host|guest [--timeout S] OUT ..."
kind=$1
shift
timeout=5
if [ "${1:-}" = --timeout ]; then
	timeout=$2
	shift 2
fi
command -v grub-mkrescue >/dev/null || die "grub-mkrescue is not installed (grub-common)"
[ -d /usr/lib/grub/i386-pc ] || die "grub-pc-bin is not installed"
command -v xorriso >/dev/null || die "xorriso is not installed"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cfg=$stage/boot/grub/grub.cfg

cat > "$cfg" <<GRUB
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial console
terminal_output serial console
set timeout=$timeout
set default=0
GRUB

case $kind in
host)
	[ $# -ge 4 ] || die "usage: $0 host [--timeout S] OUT TITLE BZIMAGE INITRAMFS [GROUP...]"
	out=$1 title=$2 kernel=$3 initrd=$4
	shift 4
	[ -f "$kernel" ] || die "no kernel $kernel"
	[ -f "$initrd" ] || die "no initramfs $initrd"
	cp "$kernel" "$stage/boot/bzImage"
	cp "$initrd" "$stage/boot/initramfs"
	# The rig channel is ttyS0 (init opens it); the kernel's console goes
	# to the screen and to ttyS1 where a second port exists.
	args="console=tty0 console=ttyS1,115200 panic=-1"
	for entry in all "$@"; do
		plan=/rig/plan
		[ "$entry" = all ] || plan=/rig/plan.$entry
		cat >> "$cfg" <<GRUB
menuentry "gpc-rig $title: ${entry/all/all cases}" {
	linux /boot/bzImage $args rig_plan=$plan
	initrd /boot/initramfs
}
GRUB
	done
	;;
guest)
	[ $# -ge 3 ] || die "usage: $0 guest [--timeout S] OUT MENU GUEST..."
	out=$1 menu=$2
	shift 2
	[ -f "$menu" ] || die "no menu file $menu"
	mods=
	for g in "$@"; do
		[ -f "$g" ] || die "no guest image $g"
		cp "$g" "$stage/boot/"
		mods="$mods	module /boot/$(basename "$g") $(basename "$g")
"
	done
	while IFS=$'\t' read -r title image cmdline; do
		[ -n "$title" ] || continue
		[ -f "$stage/boot/$image" ] || die "menu entry '$title': no image $image"
		printf 'menuentry "%s" {\n\tmultiboot /boot/%s %s\n%s}\n' \
			"$title" "$image" "$cmdline" "$mods" >> "$cfg"
	done < "$menu"
	;;
*)
	die "unknown ISO kind '$kind' (host or guest)"
	;;
esac

mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out.tmp" "$stage" > "$stage.log" 2>&1 ||
	{ cat "$stage.log" >&2; rm -f "$stage.log"; die "grub-mkrescue failed"; }
rm -f "$stage.log"
mv "$out.tmp" "$out"
