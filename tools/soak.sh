#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# soak.sh N [run.sh options]: run the matrix N times and count the results
# that differ from the first run.  A rig whose checks flake under emulation
# wastes a kernel developer's day: the count must be 0.
#
# With RIG_QEMU_LOG=int (make soak sets it) every boot keeps QEMU's log of
# the exceptions and interrupts it delivered.  A differing result whose boot
# log shows the emulated CPU faulting in the host kernel's own context
# (tools/qemu-log-scan.py --explain), or whose wedge dump shows a halted host
# CPU that did not take a pending interrupt, is counted as an emulator fault,
# listed with that evidence, and does not fail the soak.  The logs of a run with no
# difference are deleted as it ends: they are large.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-10}
shift || true
case $n in ''|*[!0-9]*|0) echo "soak: N must be a positive number" >&2; exit 2 ;; esac
# Every run's logs stay, so a result that changed can be looked at.
work=$top/results/soak-$(date +%Y%m%d-%H%M%S)
mkdir -p "$work"
echo "soak: runs in $work"

# --stable: an XFAIL of FLAKY checks only (a known host bug that strikes
# now and then) is the same result as a PASS.  Such flips are counted and
# listed on their own; only the other differences fail the soak.
statuses() {
	python3 "$top/tools/logcheck.py" statuses ${2:+"$2"} "$1/latest" 2>/dev/null
}

# emulator I HOST CASE STATUS: 0 when CASE on HOST crashed or timed out, in
# run I or in run 1, in a boot whose QEMU log or wedge dump shows an
# emulator fault; prints the evidence.
emulator() {
	local run=$1
	case $4 in
	CRASH | TIMEOUT) ;;
	*) run=1; grep -qxE "$2 $3 (CRASH|TIMEOUT)" "$work/s1" || return 1 ;;
	esac
	python3 "$top/tools/qemu-log-scan.py" --explain "$work/r$run/latest" "$2" "$3"
}

make -s -C "$top" userspace || exit 2
differ=0
flaky=0
emu=0
for i in $(seq 1 "$n"); do
	"$top/run.sh" --no-build --results "$work/r$i" "$@" > "$work/r$i.out" 2>&1
	statuses "$work/r$i" --stable > "$work/s$i"
	statuses "$work/r$i" > "$work/raw$i"
	if [ "$i" = 1 ]; then
		total=$(wc -l < "$work/s1")
		echo "soak: run 1: $total results"
		continue
	fi
	# the lines that differ, "<" run 1's and ">" run i's
	changed=$(diff "$work/s1" "$work/s$i" | grep '^[<>]')
	d=$(grep -c '^>' <<< "$changed")
	f=$(( $(diff "$work/raw1" "$work/raw$i" | grep -c '^>') - d ))
	e=0
	while read -r _ host case status; do
		if why=$(emulator "$i" "$host" "$case" "$status"); then
			e=$((e + 1))
			echo "soak:   emulator fault: $host $case $status: $why"
		fi
	done < <(grep '^>' <<< "$changed")
	d=$((d - e))
	differ=$((differ + d))
	flaky=$((flaky + f))
	emu=$((emu + e))
	echo "soak: run $i: $d results differ from run 1 ($f known-flaky flips, $e emulator faults)"
	[ -z "$changed" ] || while IFS= read -r line; do echo "soak:   $line"; done <<< "$changed"
	diff "$work/raw1" "$work/raw$i" | grep '^[<>]' | grep -v -x -F -f <(printf '%s\n' "$changed") |
		sed 's/^/soak:   known flaky: /'
	if [ "$((d + e))" = 0 ]; then
		rm -f "$work/r$i"/latest/*.qemu-log
	fi
done
[ "$((differ + emu))" = 0 ] && rm -f "$work"/r1/latest/*.qemu-log
echo "soak: $n runs, $differ results differed from the first run," \
	"$flaky more were known-flaky flips (FLAKY in expect/)," \
	"$emu emulator faults (QEMU's log shows them)"
[ "$differ" = 0 ]
