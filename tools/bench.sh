#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Figures: cold host-kernel build, warm runs (the smoke matrix, one host
# and the default matrix, each at -j1 and -j2), host boot time and per-case
# time.  COLD=0 skips the cold build (it takes minutes); BENCH_HOST picks
# the one host (default patched-6.12).

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cold=${COLD:-1}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

if [ "$cold" = 1 ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	t0=$(now)
	GPC_RIG_CACHE=$tmp "$top/tools/build-kernel.sh" --name bench --source 6.12 >/dev/null
	echo "cold host kernel build (6.12, -j$(nproc)): $(secs "$t0" "$(now)") s"
fi

# Make sure the kernels are cached, then time warm runs.  Each -j1 run
# leaves its case times in the driver's history (results/times.json), which
# schedules the -j2 run after it.
make -s -C "$top" userspace
"$top/run.sh" --no-build --case smoke >/dev/null 2>&1 || true
took=
timed() {
	local what=$1 t0 rc=0
	shift
	t0=$(now)
	"$top/run.sh" --no-build "$@" >/dev/null 2>&1 || rc=$?
	took=$(secs "$t0" "$(now)")
	echo "$what: $took s (exit $rc)"
}
timed "warm smoke matrix, -j1" --case smoke -j 1
timed "warm smoke matrix, -j2" --case smoke -j 2
# One host: at -j2 the driver splits its cases over two boots.
host=${BENCH_HOST:-patched-6.12}
timed "warm $host, -j1" --host "$host" -j 1
one=$took
timed "warm $host, -j2" --host "$host" -j 2
echo "warm $host, -j2 / -j1: $(awk -v a="$one" -v b="$took" 'BEGIN { printf "%.2f", b / a }')"
timed "warm default matrix, -j1" -j 1
timed "warm default matrix, -j2" -j 2

# One bisect step as git bisect run makes it: a change to xen.c, the
# incremental build, a boot and one case.  Needs the work tree that
# `make bisect-test` (or `make bisect`) leaves in the cache.
cache=${GPC_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpc-rig}
wt=$cache/git/wt-bisect-selftest
if [ -d "$wt" ]; then
	git -C "$wt" checkout -q -f --detach rig-base
	touch "$wt/arch/x86/kvm/xen.c"
	t0=$(now)
	rc=0
	(cd "$wt" && "$top/tools/bisect-step.sh" --case runstate-sweep-hvm64) \
		> /dev/null 2>&1 || rc=$?
	echo "bisect step (xen.c changed, build, boot, case): $(secs "$t0" "$(now)") s (exit $rc)"
else
	echo "bisect step: no work tree yet (make bisect-test sets one up)"
fi

# Per boot of the last run (HOST, or HOST+N for a host split over boots).
latest=$top/results/latest
for log in "$latest"/*.serial.log; do
	[ -f "$log" ] || continue
	boot=$(basename "$log" .serial.log)
	awk -v host="$boot" '
		/^@@rig host-begin/ {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^uptime=/) { sub("uptime=", "", $i); up = $i }
			printf "%s: boot to first case %s s (host uptime)\n", host, up
		}
		/^@@rig case-end/ {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^ms=/) { sub("ms=", "", $i); printf "%s: %-28s %6d ms\n", host, $3, $i }
		}' "$log"
done

# Remaps per second each loop case survived ("# remaps: N in T ms", e.g.
# remap-loop), per host, from the same serial logs; when the last run had
# no loop case, run the remap-loop cases once for the figure.
remaps() {
	local log boot
	for log in "$latest"/*.serial.log; do
		[ -f "$log" ] || continue
		boot=$(basename "$log" .serial.log)
		awk -v host="${boot%+*}" '
			/^@@rig case-begin/ { c = $3 }
			/^# remaps: [0-9]+ in [0-9]+ ms/ && $5 > 0 {
				printf "%s: %-28s %6d remaps in %5d ms, %.0f/s\n",
					host, c, $3, $5, $3 * 1000 / $5
			}' "$log"
	done
}
out=$(remaps)
if [ -z "$out" ]; then
	"$top/run.sh" --no-build --case 'remap-loop*' >/dev/null 2>&1 || true
	out=$(remaps)
fi
echo "${out:-remap loop: no figures (the remap-loop cases did not run)}"
