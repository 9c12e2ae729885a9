#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The runner under faults.  Each must end with the right status, the other
# hosts still running, and never with a hang or a Python traceback:
#
#   qemu_killed        a real boot whose QEMU is killed part-way through a
#                      case: ERROR naming QEMU; the other host unaffected
#   disk_full_*        a results directory on a tiny file system, full from
#                      the start or filling up during the run: non-zero exit
#                      and one line that says so (needs root to mount tmpfs)
#   silent_host        a host that never prints anything (fake QEMU):
#                      TIMEOUT, while a second host passes
#   flood              a guest that floods its console (real boot): the VMM
#                      stops it at the cap, FAIL with the VMM's reason
#
# Real boots use FAULT_HOST (default stock-6.12) and FAULT_OTHER (default
# stock-6.1); they are skipped, with the reason, when those hosts' kernels
# cannot be had.  run.sh NAME... runs only those.  Prints KTAP.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
mnt=
cleanup() {
	[ -n "$mnt" ] && umount "$mnt" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
host=${FAULT_HOST:-stock-6.12}
other=${FAULT_OTHER:-stock-6.1}
n=0
failed=0

check() {
	local name=$1
	shift
	n=$((n + 1))
	local rc=0
	"$@" > "$work/check.out" 2>&1 || rc=$?
	if [ $rc = 0 ]; then
		echo "ok $n $name"
	elif [ $rc = 77 ]; then
		echo "ok $n $name # SKIP $(tail -n 1 "$work/check.out")"
	else
		echo "not ok $n $name"
		sed 's/^/# /' "$work/check.out"
		failed=$((failed + 1))
	fi
}

# "HOST CASE STATUS REASON" per result of a results directory's latest run.
results() {
	python3 "$top/tools/logcheck.py" statuses --reason "$1/latest"
}

fake_runner() {
	"$top/run.sh" --no-build --matrix "$top/tests/runner/matrix.cfg" \
		--accel tcg "$@"
}

# Real boots need the host kernels; building them is not this test's job.
have_kernels() {
	local h
	for h in "$@"; do
		"$top/run.sh" --print-kernel "$h" > /dev/null 2>&1 ||
			{ echo "no kernel for host $h (make kernels)"; return 1; }
	done
}

# The processes under PID, depth first.
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1"); do
		echo "$c"
		descendants "$c"
	done
}

qemu_killed() {
	local pid rc=0 q deadline serial
	have_kernels "$host" "$other" || return 77
	"$top/run.sh" --no-build -j 2 --host "$host,$other" \
		--case control-hang-hvm32 --results "$work/rq" > "$work/rq.out" 2>&1 &
	pid=$!
	# Part-way: once the host is inside the case.
	deadline=$((SECONDS + 300))
	serial=
	while [ $SECONDS -lt $deadline ]; do
		[ -z "$serial" ] && [ -L "$work/rq/latest" ] &&
			serial=$(cd "$work/rq/latest" && pwd -P)/$host.serial.log
		[ -n "$serial" ] && grep -q '^@@rig case-begin' "$serial" 2>/dev/null && break
		sleep 0.2
	done
	q=
	for c in $(descendants "$pid"); do
		if ps -o args= -p "$c" | grep -q -- "-serial file:$serial"; then
			[ "$(ps -o comm= -p "$c")" = timeout ] || q=$c
		fi
	done
	[ -n "$q" ] || { echo "no QEMU found for $host"; kill "$pid"; wait "$pid"; return 1; }
	kill -KILL "$q"
	wait "$pid" || rc=$?
	[ $rc = 1 ] || { echo "runner exit $rc, wanted 1"; cat "$work/rq.out"; return 1; }
	results "$work/rq" | tee "$work/rq.res"
	grep -qx "$host control-hang-hvm32 ERROR QEMU exit 137 (killed by signal 9) during the case" "$work/rq.res" &&
	grep -q "^$other control-hang-hvm32 TIMEOUT " "$work/rq.res"
}

# A tmpfs of SIZE at $mnt, or exit 77 with the reason.
small_fs() {
	[ "$(id -u)" = 0 ] || { echo "not root: cannot mount a small file system"; return 77; }
	mnt=$work/mnt
	mkdir -p "$mnt"
	mount -t tmpfs -o size="$1" rig-faults "$mnt" 2>/dev/null ||
		{ echo "cannot mount tmpfs"; mnt=; return 77; }
}

# Non-zero, no traceback, and its last line matching PATTERN.
one_clear_line() {
	local rc=$1 out=$2 pattern=$3
	[ "$rc" != 0 ] || { echo "exit 0"; return 1; }
	if grep -q Traceback "$out" || grep -q 'write error' "$out" ||
	   ! tail -n 1 "$out" | grep -q -- "$pattern"; then
		echo "exit $rc:"
		cat "$out"
		return 1
	fi
}

disk_full_from_start() {
	local rc=0
	small_fs 64k || return
	QEMU=$top/tests/runner/fake-qemu GPC_RIG_BOOT_MARGIN=3 \
		fake_runner --results "$mnt" --host fake-pass > "$work/df.out" 2>&1 || rc=$?
	umount "$mnt"; mnt=
	one_clear_line $rc "$work/df.out" "KiB free for results in"
}

disk_full_during_run() {
	local rc=0
	small_fs 24m || return
	QEMU=$here/fill-qemu GPC_RIG_BOOT_MARGIN=3 \
		fake_runner --results "$mnt" --host fake-pass > "$work/dr.out" 2>&1 || rc=$?
	umount "$mnt"; mnt=
	one_clear_line $rc "$work/dr.out" "cannot write .*\(full\|No space left\)"
}

silent_host() {
	local rc=0
	QEMU=$top/tests/runner/fake-qemu GPC_RIG_BOOT_MARGIN=3 \
		fake_runner --results "$work/rs" -j 2 --host fake-hang,fake-pass \
		--case one > "$work/rs.out" 2>&1 || rc=$?
	[ $rc = 1 ] || { echo "runner exit $rc, wanted 1"; cat "$work/rs.out"; return 1; }
	results "$work/rs" | tee "$work/rs.res"
	grep -qx "fake-hang one TIMEOUT host did not reach init before the boot timeout" "$work/rs.res" &&
	grep -qx "fake-pass one PASS " "$work/rs.res"
}

flood() {
	local rc=0
	have_kernels "$host" || return 77
	"$top/run.sh" --no-build --host "$host" --case flood-hvm64 \
		--results "$work/rf" > "$work/rf.out" 2>&1 || rc=$?
	[ $rc = 0 ] || { echo "runner exit $rc"; cat "$work/rf.out"; return 1; }
	results "$work/rf" | tee "$work/rf.res"
	# The cap is the matrix's (matrix.d/hostile.cfg), as the plan gave it to the VMM.
	local cap
	cap=$(grep -oh -- '--output-cap[[:space:]]*[0-9]*' "$work"/rf/latest/*.plan | grep -o '[0-9]*$' | head -n 1)
	[ -n "$cap" ] || { echo "no --output-cap in the plan"; return 1; }
	grep -qx "$host flood-hvm64 FAIL serial output capped at $cap bytes, guest stopped" "$work/rf.res"
}

# run.sh [NAME...]: only those faults.
all=(qemu_killed disk_full_from_start disk_full_during_run silent_host flood)
[ $# -gt 0 ] && all=("$@")
echo "KTAP version 1"
for t in "${all[@]}"; do
	check "$t" "$t"
done
echo "1..$n"
echo "# faults: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
