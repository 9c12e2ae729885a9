#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# quick-boot.sh GUEST.elf [GUEST_CMDLINE [VMM_ARGS...]]
#
# Run one guest image once on the stock-6.12 host and print the rig channel:
# the quickest way to try a guest or VMM change by hand.  HOST=patched-6.12
# picks another host of the matrix; TIMEOUT (default 30) bounds the case.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
[ $# -ge 1 ] || { echo "usage: $0 GUEST.elf [CMDLINE [VMM_ARGS...]]" >&2; exit 2; }
guest=$1
cmdline=${2:-case=smoke}
shift $(( $# >= 2 ? 2 : 1 ))
host=${HOST:-stock-6.12}
timeout=${TIMEOUT:-30}

make -s -C "$top" vmm init >&2
kernel=$("$top/run.sh" --print-kernel "$host")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# init boots images by name, as /guests/NAME.elf.
image=$(basename "$guest" .elf)
cp "$guest" "$work/$image.elf"
python3 "$here/driver.py" quick-plan "$work/plan" "$timeout" "$image" "$cmdline" "$@"
"$here/mkinitramfs.sh" "$work/initramfs" "$work/plan" \
	"$top/tools/init/build/init" "$top/tools/vmm/vmm" "$work/$image.elf"
rc=0
"$here/boot-host.sh" --timeout $((timeout + 60)) "$kernel" "$work/initramfs" \
	"$work/serial.log" "$work/kernel.log" || rc=$?
cat "$work/serial.log"
[ $rc = 0 ] || { echo "quick-boot: QEMU exit $rc; host kernel log:" >&2; tail -20 "$work/kernel.log" >&2; }
exit $rc
