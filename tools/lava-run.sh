#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lava-run.sh [--host HOST] [--keep]: run one host's qemu job (HOST-qemu.yaml
# as `make lava` writes it, the ISO fetched from images/, the host kernel's
# console kept in a file) end to end through Debian's lava-dispatcher, then check
# that the results LAVA recorded are the rig's: LAVA's log of the rig
# channel goes through tools/logcheck.py, and each case's checks must be
# LAVA's results of that case's test suite, name for name.
#
# lava-run runs as root, with a qemu device dictionary that tools/lava.py
# renders from the job's context (what lava-server's qemu device type would
# render).  Prints the counts and "N passed, M failed", one per case; exits
# non-zero with a one-line reason when the run cannot be made.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
host=stock-6.12
keep=
deb_python=/usr/bin/python3

die() { echo "lava-e2e: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
	--host) host=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	*) die "usage: $0 [--host HOST] [--keep]" ;;
	esac
done

lava_run=$(command -v lava-run || true)
[ -n "$lava_run" ] || die "lava-run is not installed (Debian's lava-dispatcher)"
[ "$(id -u)" = 0 ] || die "lava-run must run as root"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not installed"
lava() { "$deb_python" "$top/tools/lava.py" "$@"; }

work=$(mktemp -d)
ok=
cleanup() {
	if [ -n "$ok" ] && [ -z "$keep" ]; then
		rm -rf "$work"
	else
		echo "lava-e2e: kept $work" >&2
	fi
}
trap cleanup EXIT
run=$work/run
mkdir -p "$run"

# The host's ISO, as `make images` builds it, and its job.
"$top/tools/images.sh" "$host" > "$work/images.log" 2>&1 ||
	{ tail -n 5 "$work/images.log" >&2; die "cannot build images/$host.iso"; }
lava jobs --host "$host" --out "$work" --console "$run/$host.kernel.log" > /dev/null
job=$work/$host-qemu.yaml
lava validate "$job" > /dev/null || die "$(lava validate "$job")"
lava device "$job" --out "$work/device.yaml"

echo "lava-e2e: $host: lava-run $(basename "$job")"
rc=0
timeout --kill-after=30 3600 "$lava_run" --job-id "gpc-rig-$host" \
	--output-dir "$work/lava" --device "$work/device.yaml" "$job" \
	> "$work/lava.log" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
	why=$(sed -n 's/^error_msg: //p' "$work/lava/result.yaml" 2>/dev/null || true)
	die "lava-run failed (exit $rc): ${why:-see $work/lava.log}"
fi

# The rig's view of the same serial log: a run directory for logcheck.
echo "$host" > "$run/hosts"
python3 "$top/tools/matrix.py" plan "$host" > "$run/$host.plan"
lava serial "$work/lava.log" > "$run/$host.serial.log"
echo "rc=0" > "$run/$host.boot"
touch "$run/$host.kernel.log"
# Its exit status says whether the statuses are the matrix's; here only the
# checks it read matter.
python3 "$top/tools/logcheck.py" report "$run" > "$work/logcheck.out" 2>&1 || true
[ -f "$run/summary.json" ] || { cat "$work/logcheck.out" >&2; die "logcheck wrote no summary"; }

if lava compare "$work/lava.log" "$run/summary.json" --plan "$run/$host.plan" --host "$host"; then
	ok=1
else
	exit 1
fi
