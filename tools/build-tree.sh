#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-tree.sh [--fragment FILE]... DIR
#
# Build a user's own kernel tree for the rig and print the bzImage path.
# The tree's configuration (DIR/.config, or tinyconfig when there is none)
# gets the rig's fragments merged in, in an output directory under the rig's
# cache: the user's .config and objects are never touched.  A tree that was
# configured in place cannot take O= builds; a git tree like that is
# mirrored (tracked files as they are in the work tree) into the cache.
#
# Exit status: 0 built, 1 the kernel did not build or lost options the rig
# needs, 2 bad usage.  tools/bisect.sh relies on the difference.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${GPC_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpc-rig}
jobs=${JOBS:-$(nproc)}
fragments=()

usage() { echo "build-tree: $*" >&2; exit 2; }
fail() { echo "build-tree: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
	--fragment) fragments+=("$2"); shift 2 ;;
	-*) usage "unknown option '$1'" ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage "usage: $0 [--fragment FILE]... DIR"
[ ${#fragments[@]} -gt 0 ] || fragments=("$here/kconfig/rig.config")
dir=$(cd "$1" 2>/dev/null && pwd) || usage "no directory $1"
if [ ! -f "$dir/Makefile" ] || [ ! -f "$dir/scripts/kconfig/merge_config.sh" ]; then
	usage "$dir is not a kernel source tree"
fi

work=$cache/tree-$(echo "$dir" | sha256sum | cut -c1-12)
mkdir -p "$work"
exec 9>"$work/lock"
flock 9
log=$work/build.log
: > "$log"

src=$dir
if [ -f "$dir/.config" ] || [ -d "$dir/include/config" ]; then
	git -C "$dir" rev-parse --git-dir >/dev/null 2>&1 ||
		usage "$dir was built in place and is not a git tree: run 'make mrproper' there first"
	# Tracked files keep their mtimes, so make rebuilds only what changed.
	src=$work/mirror
	mkdir -p "$src"
	git -C "$dir" ls-files -z |
		tar -C "$dir" --null -T - -cf - 2>>"$log" | tar -C "$src" -xf -
fi

out=$work/out
mkdir -p "$out"
kmake() {
	make -C "$src" O="$out" ARCH=x86_64 \
		KBUILD_BUILD_USER=gpc-rig KBUILD_BUILD_HOST=gpc-rig "$@" >> "$log" 2>&1
}
if [ -f "$dir/.config" ]; then
	cp "$dir/.config" "$out/.config"
	kmake olddefconfig || fail "make olddefconfig failed (see $log)"
else
	kmake tinyconfig || fail "make tinyconfig failed (see $log)"
fi
(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" \
	"${fragments[@]}") >> "$log" 2>&1 || fail "merge_config.sh failed (see $log)"
kmake olddefconfig || fail "make olddefconfig failed (see $log)"
"$here/kconfig-verify.sh" "$out/.config" "${fragments[@]}" ||
	fail "the configuration lost options the rig needs"
kmake -j"$jobs" bzImage || fail "kernel build failed (see $log)"
echo "$out/arch/x86/boot/bzImage"
