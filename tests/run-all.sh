#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-all.sh TARGET...: run each test suite (a make target), keep going when
# one fails, and end with one line that adds up what the suites reported:
# a suite that prints "N passed, M failed" counts that, one that only
# exits counts as one check.  Exit 0 only when every suite passed.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0
bad=()
for target in "$@"; do
	echo "=== make $target"
	log=$(mktemp)
	make -s -C "$top" "$target" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	counts=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$counts" ]; then
		# pytest's closing line: "N failed, M passed in Ts" or "M passed in Ts".
		counts=$(sed -nE 's/^=* *(([0-9]+) failed, )?([0-9]+) passed.* in [0-9.]+s.*/\3 passed, \2 failed/p' "$log" |
			sed 's/,  failed$/, 0 failed/' | tail -n 1)
	fi
	rm -f "$log"
	if [ -n "$counts" ]; then
		p=${counts%% passed*}
		f=${counts#*passed, }
		f=${f%% failed*}
	elif [ "$rc" = 0 ]; then
		p=1 f=0
	else
		p=0 f=1
	fi
	# A suite that exits non-zero failed, whatever it counted.
	[ "$rc" = 0 ] || [ "$f" -gt 0 ] || f=1
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$rc" = 0 ] && [ "$f" = 0 ] || bad+=("$target")
done
[ ${#bad[@]} -eq 0 ] || echo "failed suites: ${bad[*]}"
echo "test: $passed passed, $failed failed"
[ ${#bad[@]} -eq 0 ]
