#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# soak.sh N [run.sh options]: run the matrix N times and count the results
# that differ from the first run.  A rig whose checks flake under emulation
# wastes a kernel developer's day: the count must be 0.

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

make -s -C "$top" userspace || exit 2
differ=0
flaky=0
for i in $(seq 1 "$n"); do
	"$top/run.sh" --no-build --results "$work/r$i" "$@" > "$work/r$i.out" 2>&1
	statuses "$work/r$i" --stable > "$work/s$i"
	statuses "$work/r$i" > "$work/raw$i"
	if [ "$i" = 1 ]; then
		total=$(wc -l < "$work/s1")
		echo "soak: run 1: $total results"
		continue
	fi
	d=$(diff "$work/s1" "$work/s$i" | grep -c '^>')
	f=$(( $(diff "$work/raw1" "$work/raw$i" | grep -c '^>') - d ))
	differ=$((differ + d))
	flaky=$((flaky + f))
	echo "soak: run $i: $d results differ from run 1 ($f known-flaky flips)"
	diff "$work/s1" "$work/s$i" | grep '^[<>]' | sed 's/^/soak:   /'
	diff "$work/raw1" "$work/raw$i" | grep '^[<>]' | grep -v -x -F -f <(diff "$work/s1" "$work/s$i" | grep '^[<>]') |
		sed 's/^/soak:   known flaky: /'
done
echo "soak: $n runs, $differ results differed from the first run," \
	"$flaky more were known-flaky flips (FLAKY in expect/)"
[ "$differ" = 0 ]
