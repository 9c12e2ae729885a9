#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT PLAN INIT VMM GUEST...
#
# Pack the host's initramfs: the rig's /init, the VMM, the guest images under
# /guests/ and the plan of cases init runs.  PLAN is a file (it becomes
# /rig/plan) or a directory whose files all go to /rig/ (an ISO carries one
# plan per case group).  The archive is an uncompressed
# newc cpio: decompressing under emulation costs more than the few MiB it
# would save, and the kernel then needs no decompressor.

set -euo pipefail

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ $# -ge 4 ] || die "usage: $0 OUT PLAN INIT VMM GUEST..."
out=$1 plan=$2 init=$3 vmm=$4
shift 4

for f in "$plan" "$init" "$vmm" "$@"; do
	[ -e "$f" ] || die "missing $f"
done
command -v cpio >/dev/null || die "cpio is not installed"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/guests" "$stage/rig" "$stage/dev" \
	"$stage/proc" "$stage/sys"
install -m 755 "$init" "$stage/init"
install -m 755 "$vmm" "$stage/bin/vmm"
if [ -d "$plan" ]; then
	cp "$plan"/* "$stage/rig/"
	chmod 644 "$stage"/rig/*
else
	install -m 644 "$plan" "$stage/rig/plan"
fi
for g in "$@"; do
	install -m 644 "$g" "$stage/guests/$(basename "$g")"
done

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0) > "$out.tmp"
mv "$out.tmp" "$out"
