#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The runner against a fake QEMU: a host that passes, a QEMU that exits at
# once, a kernel that panics before init and a host that never answers must
# each get their status while the other hosts still run; a host whose cases
# take long is split over boots at -j2, with one progress line per boot on a
# terminal; malformed matrix files and bad selections must fail with one
# line naming the problem.  Prints KTAP.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
failed=0

check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@" > "$work/check.out" 2>&1; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		sed 's/^/# /' "$work/check.out"
		failed=$((failed + 1))
	fi
}

statuses() {
	python3 "$top/tools/logcheck.py" statuses "$1/latest"
}

export QEMU=$here/fake-qemu GPC_RIG_BOOT_MARGIN=3
runner() {
	"$top/run.sh" --no-build --matrix "$here/matrix.cfg" --accel tcg "$@"
}

want="fake-pass one PASS
fake-pass two PASS
fake-die one ERROR
fake-die two ERROR
fake-panic one ERROR
fake-panic two ERROR
fake-hang one TIMEOUT
fake-hang two TIMEOUT"

all_hosts() {
	local rc=0
	runner --results "$work/r1" --host fake-pass,fake-die,fake-panic,fake-hang \
		> "$work/r1.out" 2>&1 || rc=$?
	[ $rc = 1 ] || { echo "exit $rc, wanted 1"; cat "$work/r1.out"; return 1; }
	[ "$(statuses "$work/r1")" = "$want" ] || { statuses "$work/r1"; return 1; }
}
check "every_host_gets_its_status" all_hosts

reasons() {
	grep -q 'fake-die one: ERROR, expected PASS: QEMU exit 1: qemu-system-x86_64: -accel kvm: failed' "$work/r1.out" &&
	grep -q 'fake-panic one: ERROR, expected PASS: host kernel panicked before init' "$work/r1.out" &&
	grep -q 'fake-hang one: TIMEOUT, expected PASS: host did not reach init' "$work/r1.out" &&
	grep -q 'reproduce: ./run.sh --host fake-die --case one' "$work/r1.out" &&
	grep -qx '2 passed, 6 failed, 0 skipped' "$work/r1.out"
}
check "reasons_and_reproduce_lines" reasons

outputs() {
	local d=$work/r1/latest
	for f in hosts summary.json results.ktap junit.xml fake-pass.serial.log \
		fake-pass.kernel.log fake-pass.plan; do
		[ -f "$d/$f" ] || { echo "missing $f"; return 1; }
	done
	python3 -c 'import sys, xml.etree.ElementTree as E
t = E.parse(sys.argv[1]).getroot()
assert len(t.findall("testsuite")) == 4
assert len(t.findall(".//failure")) == 2 and len(t.findall(".//error")) == 4' "$d/junit.xml" &&
	head -2 "$d/results.ktap" | grep -qx '1..8' &&
	grep -qx 'not ok 7 fake-hang:one # TIMEOUT host did not reach init before the boot timeout' "$d/results.ktap"
}
check "ktap_junit_and_json_written" outputs

parallel() {
	runner --results "$work/r2" -j 3 --host fake-pass,fake-die,fake-panic \
		> /dev/null 2>&1
	[ "$(statuses "$work/r2")" = "$(head -n 6 <<< "$want")" ]
}
check "parallel_run_keeps_order_and_statuses" parallel

selection() {
	runner --results "$work/r3" --host fake-pass --case second > /dev/null 2>&1 &&
	[ "$(statuses "$work/r3")" = "fake-pass two PASS" ]
}
check "select_by_group" selection

# Earlier runs say fake-many's cases take 5 s each: at -j2 they are split
# over two boots, with the same statuses as one boot at -j1, reported in
# plan order.
seed_times() {
	mkdir -p "$1"
	echo '{"version": 1, "times": {"fake-many": {"m1": 5, "m2": 5, "m3": 5, "m4": 5, "m5": 5, "m6": 5}}}' \
		> "$1/times.json"
}
want_many="fake-many m1 PASS
fake-many m2 PASS
fake-many m3 PASS
fake-many m4 PASS
fake-many m5 PASS
fake-many m6 PASS"
begun() { grep -c '^@@rig case-begin' "$1"; }

split_boots() {
	local d b
	seed_times "$work/r4"
	runner --results "$work/r4" -j 2 --host fake-many --case "m*" > "$work/r4.out" 2>&1 ||
		{ cat "$work/r4.out"; return 1; }
	d=$work/r4/latest
	[ "$(cat "$d/fake-many.boots")" = "$(printf 'fake-many+1\nfake-many+2')" ] ||
		{ echo "boots:"; cat "$d/fake-many.boots"; return 1; }
	[ ! -e "$d/fake-many.serial.log" ] || { echo "fake-many.serial.log of a split host"; return 1; }
	for b in fake-many+1 fake-many+2; do
		for f in plan serial.log kernel.log boot initramfs; do
			[ -f "$d/$b.$f" ] || { echo "missing $b.$f"; return 1; }
		done
		grep -qx 'rc=0' "$d/$b.boot" || { echo "$b.boot:"; cat "$d/$b.boot"; return 1; }
		[ "$(begun "$d/$b.serial.log")" = 3 ] || { echo "$b ran $(begun "$d/$b.serial.log") cases"; return 1; }
	done
	[ "$(statuses "$work/r4")" = "$want_many" ] || { statuses "$work/r4"; return 1; }
	# The table too: one row per case, in plan order.
	[ "$(sed -n '/^case /,/passed,/p' "$work/r4.out" | awk 'NR > 1 && !/passed,/ { print $1 }' |
		paste -sd' ')" = "m1 m2 m3 m4 m5 m6" ] || { cat "$work/r4.out"; return 1; }
	grep -q '^\[fake-many\] 6 cases in 2 boots' "$work/r4.out" || { cat "$work/r4.out"; return 1; }
	# Off a terminal: plain lines, no progress display.
	! grep -q $'\033' "$work/r4.out" || { echo "escape sequences off a terminal"; return 1; }
}
check "split_over_boots_at_j2" split_boots

one_boot() {
	local d=$work/r5/latest
	seed_times "$work/r5"
	runner --results "$work/r5" -j 1 --host fake-many --case "m*" > "$work/r5.out" 2>&1 ||
		{ cat "$work/r5.out"; return 1; }
	if [ -e "$d/fake-many.boots" ] || [ "$(begun "$d/fake-many.serial.log")" != 6 ]; then
		ls "$d"
		return 1
	fi
	[ "$(statuses "$work/r5")" = "$(statuses "$work/r4")" ]
}
check "one_boot_at_j1_same_statuses" one_boot

# The run's own times (0.4 s a case) went into the history.
history_learns() {
	python3 - "$work/r4/times.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["times"]["fake-many"]
assert sorted(t) == ["m%d" % i for i in range(1, 7)], t
assert all(0.4 <= v < 5 for v in t.values()), t
PY
}
check "history_of_case_times_learns" history_learns

# On a terminal (a pty here), one progress line per running boot at -j2,
# both at once.
progress_lines() {
	seed_times "$work/r6"
	python3 -c 'import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))' \
		"$top/run.sh" --no-build --matrix "$here/matrix.cfg" --accel tcg \
		--results "$work/r6" -j 2 --host fake-many --case "m*" < /dev/null > "$work/r6.out" 2>&1 ||
		{ cat -v "$work/r6.out"; return 1; }
	python3 - "$work/r6.out" <<'PY' || { cat -v "$work/r6.out"; return 1; }
import re, sys
out = open(sys.argv[1], encoding="utf-8", errors="replace").read()
line = r"\[fake-many\+(\d)\] case [1-3]/3 m\d"
both = [m for m in re.finditer(line + r"\r?\n" + line, out) if m.group(1) != m.group(2)]
assert both, "no display with both boots' progress lines"
PY
}
check "progress_line_per_boot_at_j2" progress_lines

# A case whose VMM never returns (a host that no longer answers): that case
# is TIMEOUT with the host kernel's last lines, the boot is ended and the
# host booted again for the cases after it, well before the host's own
# timeout (2 cases x (1 s + grace) + margin) would have ended it all.
wedged_host() {
	local t0 rc=0 d
	t0=$(date +%s)
	GPC_RIG_WEDGE_SLACK=2 GPC_RIG_BOOT_MARGIN=60 runner --results "$work/r7" -j 1 \
		--host fake-wedge,fake-pass --case one,two > "$work/r7.out" 2>&1 || rc=$?
	d=$work/r7/latest
	[ $rc = 1 ] || { echo "exit $rc, wanted 1"; cat "$work/r7.out"; return 1; }
	[ "$(statuses "$work/r7")" = "fake-wedge one TIMEOUT
fake-wedge two PASS
fake-pass one PASS
fake-pass two PASS" ] || { statuses "$work/r7"; cat "$work/r7.out"; return 1; }
	[ "$(cat "$d/fake-wedge.boots")" = "$(printf 'fake-wedge\nfake-wedge+r1')" ] ||
		{ echo "boots:"; cat "$d/fake-wedge.boots"; return 1; }
	grep -q 'wedged=one' "$d/fake-wedge.boot" || { cat "$d/fake-wedge.boot"; return 1; }
	grep -q "fake-wedge one: TIMEOUT, expected PASS: the VMM never returned.*host kernel: .*the VMM of one is stuck in the kernel" \
		"$work/r7.out" || { cat "$work/r7.out"; return 1; }
	# The wedged case's timeout and grace, the slack, a boot: not the 82 s
	# of the host's whole-boot timeout.
	[ $(( $(date +%s) - t0 )) -lt 40 ] || { echo "took $(( $(date +%s) - t0 )) s"; return 1; }
}
check "wedged_case_costs_one_case" wedged_host

# Each of these must fail with exit 2 and one line that names the problem.
fails_with() {
	local pattern=$1 rc=0
	shift
	"$@" > "$work/out" 2>&1 || rc=$?
	if [ $rc != 2 ] || [ "$(wc -l < "$work/out")" != 1 ] ||
	   ! grep -q -- "$pattern" "$work/out"; then
		echo "exit $rc:"
		cat "$work/out"
		return 1
	fi
}
bad_matrix() {
	printf '%b' "$1" > "$work/bad.cfg"
	fails_with "$2" "$top/run.sh" --no-build --matrix "$work/bad.cfg" --list
}
check "unknown_host" fails_with "unknown host 'nope'" runner --host nope
check "no_matching_case" fails_with "no case matches 'nope'" runner --case nope
check "matrix_unknown_key" bad_matrix '[host a]\nsource = 6.12\ncolour = red\n' "bad.cfg:3: unknown key 'colour'"
check "matrix_no_section" bad_matrix 'source = 6.12\n' "bad.cfg:1: key outside"
check "matrix_bad_header" bad_matrix '[host a\n' "bad.cfg:1: section header without"
check "matrix_bad_timeout" bad_matrix '[case c]\nguest = hvm64\ntimeout = soon\n' "bad.cfg:3: timeout must be"
check "matrix_bad_guest" bad_matrix '[case c]\nguest = hvm16\n' "bad.cfg:2: guest: images are"
check "matrix_bad_expect" bad_matrix '[case c]\nguest = hvm64\nexpect = MAYBE\n' "bad.cfg:3: expect must be"
check "matrix_duplicate" bad_matrix '[case c]\nguest = hvm64\n[case c]\n' "bad.cfg:3: case 'c' defined twice"
check "matrix_unknown_host_in_case" bad_matrix '[case c]\nguest = hvm64\nhosts = h\n' "bad.cfg:1: case 'c' names unknown host 'h'"
check "matrix_host_without_kernel" bad_matrix '[host a]\naccel = tcg\n' "bad.cfg:1: host 'a' needs 'source' or 'kernel'"
check "missing_matrix" fails_with "no-such.cfg: No such file" "$top/run.sh" --no-build --matrix "$work/no-such.cfg" --list
check "bad_jobs" fails_with "-j takes a positive number" runner -j x
check "bad_option" fails_with "unknown argument '--frobnicate'" runner --frobnicate
check "missing_kernel_image" fails_with "no kernel image" runner --kernel "$work/none"

echo "1..$n"
echo "# runner: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
