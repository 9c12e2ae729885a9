#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/kvm-selftests.sh without a kernel: what it needs and does not find
# is one line naming it and exit status 2, before anything is built or
# booted (a cache without the tree must not make run.sh build a kernel).

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
script=$top/tools/kvm-selftests.sh
passed=0
failed=0

# expect NAME PATTERN CMD...: CMD exits 2 with one line on stderr matching PATTERN.
expect() {
	local name=$1 pattern=$2 err rc
	shift 2
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] &&
	   grep -qE -- "$pattern" <<< "$err"; then
		passed=$((passed + 1))
	else
		echo "FAIL $name: exit $rc, stderr: $err"
		failed=$((failed + 1))
	fi
}

cache=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$cache" "$out"' EXIT

expect bad_option "unknown argument '--bogus'" "$script" --bogus
expect no_tree "patched-6.12: no kernel tree with tools/testing/selftests/kvm at $cache/trees/patched-6.12/src" \
	env GPC_RIG_CACHE="$cache" "$script" --out "$out"
mkdir -p "$cache/trees/stock-6.12/src/tools/testing/selftests/kvm/x86_64"
touch "$cache/trees/stock-6.12/src/tools/testing/selftests/kvm/Makefile" \
	"$cache/trees/stock-6.12/src/tools/testing/selftests/kvm/x86_64/xen_shinfo_test.c"
expect no_test_source "stock-6.12: the tree .* has no tools/testing/selftests/kvm/x86_64/xen_vmcall_test.c" \
	env GPC_RIG_CACHE="$cache" "$script" --host stock-6.12 --out "$out"
[ -z "$(ls -A "$cache/kernels" 2>/dev/null)" ] || {
	echo "FAIL no_kernel_built: $cache/kernels is not empty"
	failed=$((failed + 1))
}

echo "kvm-selftests: $passed passed, $failed failed"
[ "$failed" = 0 ]
