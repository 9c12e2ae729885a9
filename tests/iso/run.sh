#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A host booted from its grub2 ISO (firmware, grub, kernel: the path a real
# machine takes) must give the same results as QEMU's direct -kernel boot,
# and its serial log, read back with --serial-log, too.  Prints KTAP.

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
host=${HOST:-stock-6.12}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

statuses() {
	python3 "$top/tools/logcheck.py" statuses "$1/latest"
}

echo "KTAP version 1"
echo "1..4"
"$top/run.sh" --no-build --results "$work/direct" --host "$host" --case smoke > /dev/null 2>&1
"$top/run.sh" --no-build --results "$work/iso" --host "$host" --case smoke --iso > /dev/null 2>&1
direct=$(statuses "$work/direct")
iso=$(statuses "$work/iso")
if [ -n "$direct" ] && [ "$direct" = "$iso" ]; then
	echo "ok 1 iso_boot_matches_direct_boot"
else
	echo "not ok 1 iso_boot_matches_direct_boot"
	diff <(echo "$direct") <(echo "$iso") | sed 's/^/# /'
	failed=$((failed + 1))
fi
if [ -f "$work/iso/latest/$host.iso" ] && grep -q 'PASS' <<< "$iso"; then
	echo "ok 2 iso_run_passes_cases"
else
	echo "not ok 2 iso_run_passes_cases"
	failed=$((failed + 1))
fi
"$top/run.sh" --results "$work/replay" --host "$host" --case smoke \
	--serial-log "$work/iso/latest/$host.serial.log" > /dev/null 2>&1
if [ "$(statuses "$work/replay")" = "$iso" ]; then
	echo "ok 3 serial_log_replay_matches"
else
	echo "not ok 3 serial_log_replay_matches"
	failed=$((failed + 1))
fi
"$top/run.sh" --no-build --results "$work/efi" --host "$host" --case smoke --iso --efi \
	> "$work/efi.out" 2>&1
if [ "$(statuses "$work/efi")" = "$iso" ]; then
	echo "ok 4 efi_boot_matches"
else
	echo "not ok 4 efi_boot_matches"
	tail -n 5 "$work/efi.out" | sed 's/^/# /'
	failed=$((failed + 1))
fi
echo "# iso: $((4 - failed)) passed, $failed failed"
[ $failed = 0 ]
