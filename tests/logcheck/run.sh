#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The log checker against recorded and hand-made run directories.  Each
# directory under tests/logcheck/ holds a run (hosts, HOST.plan, HOST.*.log,
# HOST.boot) and 'expected': one "HOST CASE STATUS" line per result and an
# "exit N" line for the checker's exit status; 'expected-reasons', if there,
# one "HOST CASE REASON" line per result; 'expected-stable', if there, the
# "HOST CASE STATUS" lines of `statuses --stable` (what a soak compares).
# Prints KTAP.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
n=0
failed=0

echo "KTAP version 1"
for dir in "$here"/*/; do
	dir=${dir%/}
	[ -f "$dir/expected" ] || continue
	name=$(basename "$dir")
	n=$((n + 1))
	work=$(mktemp -d)
	cp -r "$dir/." "$work/"
	rc=0
	python3 "$top/tools/logcheck.py" --matrix "$here/matrix.cfg" report "$work" \
		> "$work/out" 2>&1 || rc=$?
	got=$( {
		python3 "$top/tools/logcheck.py" statuses "$work" 2>/dev/null
		echo "exit $rc"
	} )
	want=$(grep -v '^#' "$dir/expected")
	# Optional: the reasons too, "HOST CASE REASON" per result.
	if [ -f "$dir/expected-reasons" ]; then
		got="$got
$(python3 "$top/tools/logcheck.py" statuses --reason "$work" 2>/dev/null |
	sed 's/^\([^ ]* [^ ]*\) [^ ]* /\1 /')"
		want="$want
$(grep -v '^#' "$dir/expected-reasons")"
	fi
	if [ -f "$dir/expected-stable" ]; then
		got="$got
$(python3 "$top/tools/logcheck.py" statuses --stable "$work" 2>/dev/null)"
		want="$want
$(grep -v '^#' "$dir/expected-stable")"
	fi
	if [ "$got" = "$want" ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		diff <(echo "$want") <(echo "$got") | sed 's/^/# /'
		sed 's/^/# out: /' "$work/out"
		failed=$((failed + 1))
	fi
	rm -rf "$work"
done
echo "1..$n"
echo "# logcheck: $((n - failed)) passed, $failed failed"
[ $failed = 0 ] && [ $n -gt 0 ]
