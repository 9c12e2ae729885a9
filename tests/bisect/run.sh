#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bisect helper against histories made here from Debian's 6.12 source:
# one change breaks the runstate update for areas that cross a page (the
# tail on the second page is never written), one does not build, the rest
# are harmless.  Series mode must name exactly the breaking patch; git-tree
# mode (git bisect run with tools/bisect-step.sh) exactly the breaking
# commit, with the unbuildable one skipped.  Prints KTAP.

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${GPC_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpc-rig}
tarball=${GPC_RIG_SRCDIR:-/usr/src}/linux-source-6.12.tar.xz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
file=arch/x86/kvm/xen.c
git_id=(-c user.name=gpc-rig -c user.email=gpc-rig@localhost)

# The three edits, as sed scripts on xen.c.
harmless1='1i /* bisect self-test: a harmless change */'
harmless2='1i /* bisect self-test: another harmless change */'
unbuildable='1i #error bisect self-test: this commit does not build'
breaking='s|^\(\t\tmemcpy(gpc2->khva, ((void \*)rs_state) + user_len1, user_len2);\)$|\t\t/* bisect self-test: the second page is never written */|'

# A format-patch style mail changing xen.c by a sed script, on top of $1.
mkpatch() {
	local base=$1 script=$2 subject=$3 out=$4
	mkdir -p "$work/p/a/${file%/*}" "$work/p/b/${file%/*}"
	cp "$base" "$work/p/a/$file"
	sed "$script" "$base" > "$work/p/b/$file"
	cmp -s "$work/p/a/$file" "$work/p/b/$file" && { echo "# sed changed nothing: $subject"; return 1; }
	{
		echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
		echo "From: gpc-rig <gpc-rig@localhost>"
		echo "Date: Thu, 1 Jan 2026 00:00:00 +0000"
		echo "Subject: [PATCH] $subject"
		echo
		echo "Made by the bisect self-test."
		echo "---"
		(cd "$work/p" && diff -u "a/$file" "b/$file") || true
		echo "-- "
		echo "2.39.5"
	} > "$out"
	cp "$work/p/b/$file" "$work/current.c"
}

echo "KTAP version 1"
echo "1..3"

# Series mode.
tar -xOf "$tarball" "linux-source-6.12/$file" > "$work/orig.c"
mkdir -p "$work/series"
mkpatch "$work/orig.c" "$harmless1" "KVM: x86/xen: harmless one" "$work/series/0001-harmless-one.patch" &&
mkpatch "$work/current.c" "$breaking" "KVM: x86/xen: break page-crossing runstate" "$work/series/0002-break.patch" &&
mkpatch "$work/current.c" "$harmless2" "KVM: x86/xen: harmless two" "$work/series/0003-harmless-two.patch" ||
	exit 1
printf '0001-harmless-one.patch\n0002-break.patch\n0003-harmless-two.patch\n' > "$work/series/series"
cat > "$work/matrix.cfg" <<EOM
[host bisect-selftest]
source = 6.12
series = series/series
default = no

[case crossing]
guest = hvm64
cmdline = case=runstate-sweep
timeout = 120
EOM

out=$("$top/tools/bisect.sh" --matrix "$work/matrix.cfg" --host bisect-selftest --case crossing 2>"$work/series.err")
if grep -qx 'first bad patch: 0002-break.patch' <<< "$out"; then
	echo "ok 1 series_mode_finds_the_breaking_patch"
else
	echo "not ok 1 series_mode_finds_the_breaking_patch"
	printf '%s\n' "$out" | sed 's/^/# /'
	tail -n 20 "$work/series.err" | sed 's/^/# /'
	failed=$((failed + 1))
fi

# Git-tree mode, in the work tree the series mode left behind (its build
# directory is warm).
wt=$cache/git/wt-bisect-selftest
(
	set -e
	cd "$wt"
	git checkout -q -f --detach rig-base
	commit() { sed -i "$1" "$file"; git "${git_id[@]}" commit -q -am "$2"; }
	commit "$harmless1" "harmless one"
	commit "$unbuildable" "does not build"
	commit '/#error bisect self-test/d' "builds again"
	commit "$breaking" "break page-crossing runstate"
	commit "$harmless2" "harmless two"
) > "$work/tree.err" 2>&1
bad=$(git -C "$wt" rev-parse HEAD~1 2>/dev/null)
(
	cd "$wt" &&
	git bisect start HEAD rig-base &&
	git bisect run "$top/tools/bisect-step.sh" --matrix "$work/matrix.cfg" --case crossing
) > "$work/tree.log" 2>&1
git -C "$wt" bisect reset -q > /dev/null 2>&1
if [ -n "$bad" ] && grep -q "^$bad is the first bad commit" "$work/tree.log" &&
   grep -q 'does not build): skip\|skip (does not build)' "$work/tree.log"; then
	echo "ok 2 git_tree_mode_finds_the_breaking_commit_and_skips_the_unbuildable"
else
	echo "not ok 2 git_tree_mode_finds_the_breaking_commit_and_skips_the_unbuildable"
	tail -n 30 "$work/tree.err" "$work/tree.log" | sed 's/^/# /'
	failed=$((failed + 1))
fi
# run.sh --kernel-tree on the same tree: built out of tree, run as 'custom',
# and the tree itself left unconfigured.
"$top/run.sh" --no-build --results "$work/kt" --kernel-tree "$wt" --case smoke-hvm64 \
	> "$work/kt.out" 2>&1
if grep -qx '1 passed, 0 failed, 0 skipped' "$work/kt.out" && [ ! -e "$wt/.config" ]; then
	echo "ok 3 kernel_tree_builds_out_of_tree_and_runs"
else
	echo "not ok 3 kernel_tree_builds_out_of_tree_and_runs"
	tail -n 20 "$work/kt.out" | sed 's/^/# /'
	failed=$((failed + 1))
fi
echo "# bisect: $((3 - failed)) passed, $failed failed"
[ $failed = 0 ]
