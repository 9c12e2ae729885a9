#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a host kernel for the rig from Debian's linux-source-X tarball.
#
#   tools/build-kernel.sh --name NAME --source VER [--series FILE] \
#                         [--fragment FILE]... [--seed NAME] [--print-key]
#
# Prints the path of the cached bzImage on success.  Kernels are cached outside
# the clone under $GPC_RIG_CACHE (default ~/.cache/gpc-rig), keyed by the source
# tarball, the patches of the series and the Kconfig fragments, so a kernel that
# was built once is never built again.  Each NAME keeps its own source tree and
# output directory: when only the series changes, the patches that differ are
# reverted and re-applied and make rebuilds just what they touched.  A new
# NAME starts as a copy of a sibling's tree (--seed NAME's, if it is built
# from the same source), so its first build is incremental too.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${GPC_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpc-rig}
srcdir=${GPC_RIG_SRCDIR:-/usr/src}
jobs=${JOBS:-$(nproc)}
# Bump when this script changes how a kernel is made.
recipe=4

name=
source=
series=
fragments=()
seed=
print_key=0

die() { echo "build-kernel: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
	--name) name=$2; shift 2 ;;
	--source) source=$2; shift 2 ;;
	--series) series=$2; shift 2 ;;
	--fragment) fragments+=("$2"); shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--print-key) print_key=1; shift ;;
	*) die "unknown argument '$1'" ;;
	esac
done
[ -n "$name" ] || die "--name is required"
[ -n "$source" ] || die "--source is required"
case $name in *[!A-Za-z0-9._-]*) die "bad host name '$name'" ;; esac
case $seed in *[!A-Za-z0-9._-]*) die "bad seed name '$seed'" ;; esac
[ ${#fragments[@]} -gt 0 ] || fragments=("$here/kconfig/rig.config")

tarball=$srcdir/linux-source-$source.tar.xz
[ -f "$tarball" ] || die "no kernel source $tarball (apt-get install linux-source-$source)"
for f in "${fragments[@]}"; do
	[ -f "$f" ] || die "no Kconfig fragment $f"
done

# The patches of the series, in order.  Blank lines and comments are skipped,
# as quilt does.
patches=()
if [ -n "$series" ] && [ "$series" != none ]; then
	[ -f "$series" ] || die "no series file $series"
	sdir=$(dirname "$series")
	while read -r p _; do
		case $p in ''|'#'*) continue ;; esac
		[ -f "$sdir/$p" ] || die "$series: no patch $p"
		patches+=("$sdir/$p")
	done < "$series"
fi

# The key covers everything the kernel is made of.
source_id="$source $(stat -c '%s %Y' "$tarball")"
key=$( {
	echo "recipe $recipe"
	echo "source $source_id"
	for p in "${patches[@]}"; do sha256sum < "$p"; done
	echo fragments
	for f in "${fragments[@]}"; do sha256sum < "$f"; done
} | sha256sum | cut -c1-16)

if [ $print_key = 1 ]; then
	echo "$source-$key"
	exit 0
fi

kdir=$cache/kernels/$source-$key
if [ -f "$kdir/bzImage" ]; then
	echo "$kdir/bzImage"
	exit 0
fi

tree=$cache/trees/$name
mkdir -p "$tree" "$cache/kernels"
exec 9>"$tree.lock"
flock 9
# Another builder may have finished it while we waited.
if [ -f "$kdir/bzImage" ]; then
	echo "$kdir/bzImage"
	exit 0
fi

log=$tree/build.log
: > "$log"
say() { echo "build-kernel: $name: $*" >&2; }

extract() {
	say "extracting $tarball"
	rm -rf "$tree/src" "$tree/applied"
	mkdir -p "$tree/src" "$tree/applied"
	tar -C "$tree/src" --strip-components=1 -xf "$tarball"
	echo "$source_id" > "$tree/src/.rig-source"
}

# copy_tree SIB: start the tree as a copy of SIB's, under a shared lock on
# it (none when another builder holds SIB: 1 is returned).  kbuild's own
# dependency files are relative (see below), but objtool's (tools/build)
# hold the tree's absolute path: left alone, they rebuild objtool, and
# every object depends on objtool.
copy_tree() {
	local sib=$1
	(
		flock -n -s 8 || exit 1
		rm -rf "$tree.tmp"
		mkdir -p "$tree.tmp"
		cp -a --reflink=auto "$sib/src" "$sib/applied" "$tree.tmp/"
		# shellcheck disable=SC2016 # perl's own variables
		{ grep -rlIF "$sib/src/" "$tree.tmp/src/rig-out/tools" 2>/dev/null || true; } |
			OLD=$sib/src/ NEW=$tree/src/ xargs -r \
			perl -pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/g'
	) 8>"$sib.lock" || { rm -rf "$tree.tmp"; return 1; }
	rm -rf "$tree/src" "$tree/applied"
	mv "$tree.tmp/src" "$tree.tmp/applied" "$tree/"
	rmdir "$tree.tmp"
}

# A new tree starts as a copy of a sibling built from the same source:
# --seed's, else the first with the same configuration, else any, so its
# first build is incremental too: make rebuilds what the patches and the
# configuration change, no more.
cfgkey=$(cat "${fragments[@]}" | sha256sum | cut -c1-16)
if [ ! -f "$tree/src/.rig-source" ]; then
	best=
	for sib in ${seed:+"$cache/trees/$seed/"} "$cache"/trees/*/; do
		sib=${sib%/}
		[ "$sib" != "$tree" ] || continue
		[ "$(cat "$sib/src/.rig-source" 2>/dev/null)" = "$source_id" ] || continue
		[ -f "$sib/src/rig-out/.rig-config" ] || continue
		# Skip a sibling another builder is using right now.
		flock -n "$sib.lock" true 2>/dev/null || continue
		if [ "$(cat "$sib/src/rig-out/.rig-config")" = "$cfgkey" ]; then
			best=$sib
			break
		fi
		[ -n "$best" ] || best=$sib
	done
	if [ -n "$best" ]; then
		say "starting from a copy of $(basename "$best")"
		copy_tree "$best" || say "$(basename "$best") is busy: not copied"
	fi
fi
if [ ! -f "$tree/src/.rig-source" ] ||
   [ "$(cat "$tree/src/.rig-source")" != "$source_id" ]; then
	extract
fi

# Bring the tree from the series it has to the one wanted: keep the common
# prefix, revert the rest in reverse order, apply the new tail.
mapfile -t applied < <(find "$tree/applied" -mindepth 1 -maxdepth 1 -printf "%f\n" | LC_ALL=C sort)
common=0
while [ $common -lt ${#applied[@]} ] && [ $common -lt ${#patches[@]} ] &&
      cmp -s "$tree/applied/${applied[$common]}" "${patches[$common]}"; do
	common=$((common + 1))
done

revert_ok=1
for ((i = ${#applied[@]} - 1; i >= common; i--)); do
	a=$tree/applied/${applied[$i]}
	if patch -d "$tree/src" -p1 -R -s --batch < "$a" >> "$log" 2>&1; then
		rm -f "$a"
	else
		revert_ok=0
		break
	fi
done
if [ $revert_ok = 0 ]; then
	say "could not revert the old series, starting from a clean tree"
	extract
	common=0
fi

for ((i = common; i < ${#patches[@]}; i++)); do
	p=${patches[$i]}
	if ! patch -d "$tree/src" -p1 -s --batch --dry-run < "$p" >> "$log" 2>&1; then
		die "patch $(basename "$p") does not apply to linux-source-$source (see $log)"
	fi
	patch -d "$tree/src" -p1 -s --batch < "$p" >> "$log" 2>&1
	cp "$p" "$tree/applied/$(printf '%04d' "$i")-$(basename "$p")"
done

# Configuration: tinyconfig plus the fragments, then verify nothing was dropped.
#
# The output directory is inside the source tree, so kbuild uses relative
# paths (srctree is "..") in its dependency files: a tree copied from a
# sibling then tracks its own headers, not the sibling's.
out=$tree/src/rig-out
rm -rf "$tree/out"
kmake() {
	make -C "$tree/src" O="$out" ARCH=x86_64 \
		KBUILD_BUILD_USER=gpc-rig KBUILD_BUILD_HOST=gpc-rig "$@"
}
if [ ! -f "$out/.rig-config" ] || [ "$(cat "$out/.rig-config")" != "$cfgkey" ]; then
	say "configuring (tinyconfig + ${#fragments[@]} fragment(s))"
	mkdir -p "$out"
	rm -f "$out/.rig-config"
	kmake tinyconfig >> "$log" 2>&1 || die "make tinyconfig failed (see $log)"
	(cd "$tree/src" && scripts/kconfig/merge_config.sh -m -O "$out" \
		"$out/.config" "${fragments[@]}") >> "$log" 2>&1 ||
		die "merge_config.sh failed (see $log)"
	kmake olddefconfig >> "$log" 2>&1 || die "make olddefconfig failed (see $log)"
	"$here/kconfig-verify.sh" "$out/.config" "${fragments[@]}" ||
		die "the configuration lost options the rig needs"
	echo "$cfgkey" > "$out/.rig-config"
fi

say "building bzImage (make -j$jobs, log in $log)"
start=$(date +%s)
if ! kmake -j"$jobs" bzImage >> "$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -5 >&2 || true
	die "kernel build failed (see $log)"
fi
say "built in $(( $(date +%s) - start )) s"

tmp=$cache/kernels/.tmp-$name-$key.$$
rm -rf "$tmp"
mkdir -p "$tmp"
cp "$out/arch/x86/boot/bzImage" "$tmp/bzImage"
cp "$out/.config" "$tmp/config"
kmake -s kernelrelease > "$tmp/release" 2>/dev/null || true
printf '%s\n' "${patches[@]##*/}" > "$tmp/series"
rm -rf "$kdir"
mv "$tmp" "$kdir"
echo "$kdir/bzImage"
