#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tsc-proof.sh: host patch 0020 against a vCPU TSC multiplier of 0.
#
# KVM gives a new vCPU the TSC rate it snapshotted at initialisation; a
# host whose refined calibration has moved by more than tsc_tolerance_ppm
# and that has no TSC scaling leaves the vCPU with a multiplier of 0, and
# the guest's clock then runs ahead of the one KVM's Xen timers use.  The
# rig's init normally hides this by widening the tolerance.  This boots
# stock-6.12 and patched-6.12 with the early calibration forced 0.5% below
# the rate a first boot refined to and the tolerance left at KVM's 250 ppm
# (rig_tsc_tolerance_ppm), runs the timer and evtchn cases, and checks:
# both hosts log "user requested TSC rate below hardware speed" (the
# condition happened), stock fails a timer check in some VM, patched fails
# none.  Prints KTAP; non-zero on any miss.  Uses the cached kernels.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
checks='singleshot_1ms_past_fires_at_once timer_armed_before_map_fires'
cases='timer-hvm32,timer-hvm64,evtchn-hvm32,evtchn-hvm64'
msg='user requested TSC rate below hardware speed'

die() { echo "tsc-proof: $*" >&2; exit 2; }

matrix() {	# $1: extra host command line
	cat <<EOM
[host tsc-stock-6.12]
source = 6.12
series = none
cmdline = $1

[host tsc-patched-6.12]
source = 6.12
series = $top/host-patches/6.12/series
cmdline = $1

include $top/matrix.d/timer.cfg
include $top/matrix.d/evtchn.cfg
EOM
}

run() {	# $1: results dir, $2: hosts, $3: cases
	"$top/run.sh" --matrix "$work/matrix.cfg" --results "$1" --host "$2" \
		--case "$3" -j 1 > "$1.out" 2>&1 || true
	[ -f "$1/latest/summary.json" ] || { tail -n 5 "$1.out" >&2; die "no results in $1"; }
}

# The refined rate of a boot with nothing forced.
matrix "" > "$work/matrix.cfg"
run "$work/probe" tsc-stock-6.12 timer-hvm64
khz=$(sed -n 's/.*Refined TSC clocksource calibration: \([0-9]*\)\.\([0-9]*\) MHz.*/\1\2/p' \
	"$work"/probe/latest/*.kernel.log | head -n 1)
[ -n "$khz" ] || die "the first boot logged no refined TSC calibration"
skew=$((khz - khz / 200))

matrix "tsc_early_khz=$skew rig_tsc_tolerance_ppm=250" > "$work/matrix.cfg"
run "$work/skew" tsc-stock-6.12,tsc-patched-6.12 "$cases"

echo "KTAP version 1"
echo "1..4"
echo "# refined TSC rate ${khz} kHz, early calibration forced to ${skew} kHz"
failed=0
n=0
for host in tsc-stock-6.12 tsc-patched-6.12; do
	n=$((n + 1))
	if grep -qF "$msg" "$work"/skew/latest/"$host"*.kernel.log; then
		echo "ok $n ${host}_vcpus_created_without_scaling"
	else
		echo "not ok $n ${host}_vcpus_created_without_scaling"
		failed=$((failed + 1))
	fi
done
# shellcheck disable=SC2086  # $checks is a word list
bad=$(python3 - "$work/skew/latest/summary.json" $checks <<'EOF'
import json
import sys

results = json.load(open(sys.argv[1]))["results"]
for r in results:
    for c in r["checks"]:
        if c["name"] in sys.argv[2:] and not c["ok"]:
            print(r["host"], r["case"], c["name"])
EOF
)
printf '%s\n' "$bad" | sed '/^$/d; s/^/# failed: /'
if grep -q '^tsc-stock-6.12 ' <<< "$bad"; then
	echo "ok 3 stock_timer_late_in_some_vm"
else
	echo "not ok 3 stock_timer_late_in_some_vm"
	failed=$((failed + 1))
fi
if grep -q '^tsc-patched-6.12 ' <<< "$bad"; then
	echo "not ok 4 patched_timers_on_time"
	failed=$((failed + 1))
else
	echo "ok 4 patched_timers_on_time"
fi
echo "# tsc-proof: $((4 - failed)) passed, $failed failed"
[ "$failed" = 0 ]
