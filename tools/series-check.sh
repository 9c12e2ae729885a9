#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# series-check.sh [SERIES]: every prefix of a host-patches series must build,
# and every patch must pass checkpatch.pl --strict.  Prefixes are built in a
# tree of their own, one patch more each time, so each build is incremental;
# every prefix's kernel lands in the cache like any other.
#
# checkpatch runs with --ignore UNKNOWN_COMMIT_ID: Debian's source tarball
# has no git history to look the Fixes: ids up in.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series=${1:-$top/host-patches/6.12/series}
source=${SOURCE:-6.12}
cache=${GPC_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpc-rig}
[ -f "$series" ] || { echo "series-check: no series $series" >&2; exit 2; }
sdir=$(cd "$(dirname "$series")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t patches < <(grep -v '^[[:space:]]*\(#\|$\)' "$series" | awk '{ print $1 }')
[ ${#patches[@]} -gt 0 ] || { echo "series-check: $series is empty" >&2; exit 2; }

echo "KTAP version 1"
echo "1..$(( ${#patches[@]} * 2 ))"
n=0
failed=0
report() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

for i in "${!patches[@]}"; do
	p=${patches[$i]}
	mkdir -p "$work/s"
	cp "$sdir/$p" "$work/s/"
	printf '%s\n' "${patches[@]:0:$((i + 1))}" > "$work/s/series"
	rc=0
	"$top/tools/build-kernel.sh" --name series-check --source "$source" \
		--series "$work/s/series" > "$work/build.out" 2>&1 || rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$work/build.out" | tail -n 5
	report $rc "build_prefix_$((i + 1))_$(basename "$p" .patch)"

	# checkpatch from the tree the prefix was built in.
	cp_pl=$cache/trees/series-check/src/scripts/checkpatch.pl
	rc=0
	perl "$cp_pl" --strict --ignore UNKNOWN_COMMIT_ID --terse \
		--root "$cache/trees/series-check/src" "$sdir/$p" > "$work/cp.out" 2>&1 || rc=$?
	sed 's/^/# /' "$work/cp.out" | tail -n 5
	report $rc "checkpatch_$(basename "$p" .patch)"
done
echo "# series-check: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
