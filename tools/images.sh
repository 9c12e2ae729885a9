#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# images.sh [HOST...]: build images/HOST.iso for each host (default: the
# default matrix) and images/guest.iso.  A host ISO runs all of that host's
# cases, or one case group per menu entry, and powers off.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/images
mx() { python3 "$top/tools/matrix.py" "$@"; }

if [ $# -gt 0 ]; then
	hosts=("$@")
else
	mapfile -t hosts < <(mx hosts)
fi
guests=("$top/guest/build/hvm32.elf" "$top/guest/build/hvm64.elf")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

for host in "${hosts[@]}"; do
	kernel=$("$top/run.sh" --print-kernel "$host")
	plans=$work/$host
	mkdir -p "$plans"
	mx plan "$host" > "$plans/plan"
	mapfile -t groups < <(mx groups "$host")
	for g in "${groups[@]}"; do
		mx plan "$host" --case "$g" > "$plans/plan.$g"
	done
	"$top/tools/mkinitramfs.sh" "$work/$host.initramfs" "$plans" \
		"$top/tools/init/build/init" "$top/tools/vmm/vmm" "${guests[@]}"
	"$top/tools/mkiso.sh" host "$out/$host.iso" "$host" "$kernel" \
		"$work/$host.initramfs" "${groups[@]}"
	echo "images/$host.iso: $(wc -l < "$plans/plan") cases, groups: ${groups[*]}"
done

mx menu > "$work/menu"
"$top/tools/mkiso.sh" guest "$out/guest.iso" "$work/menu" "${guests[@]}"
echo "images/guest.iso: $(wc -l < "$work/menu") menu entries"
