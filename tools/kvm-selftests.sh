#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvm-selftests.sh [--host NAMES] [--out DIR] [--timeout SEC]
#
# Run the kernel's own Xen selftests, x86_64/xen_shinfo_test and
# x86_64/xen_vmcall_test, on the rig's host kernels (default: patched-6.12
# and stock-6.12): the series must not break what KVM's maintainers test.
#
# For each host the selftests are built, statically, from the host's cached
# source tree (~/.cache/gpc-rig/trees/HOST/src, made by build-kernel.sh):
# the part of it they need is copied to a scratch directory (the tree is
# only read) and brought to the host's series, their uapi headers made
# there (make headers), and the tests put into an initramfs with a small
# /init (tools/kselftest/init.c) and booted on the host's cached kernel
# (run.sh --print-kernel HOST) under QEMU, as the rig's boots are.
# A test passes when it exits 0, its verbose output shows each of its
# stages (xen_shinfo_test leaves some out, and still exits 0, when KVM
# lacks a capability) and the host kernel logged no splat; a kselftest
# skip (exit 4) is a failure here, since every host of the matrix has the
# capabilities these tests need.
#
# The logs go to DIR/HOST.serial.log and DIR/HOST.kernel.log (default
# results/selftests).  Exit status: 0 when every test passed on every host,
# 1 when one did not, 2 when something needed is missing or a build failed.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cache=${GPC_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpc-rig}
hosts=patched-6.12,stock-6.12
out=$top/results/selftests
timeout=900
tests=(x86_64/xen_shinfo_test x86_64/xen_vmcall_test)
# What a test's verbose output must show, '|' between lines: xen_shinfo_test
# leaves out its runstate and event-channel stages when KVM lacks a
# capability, and still exits 0.
declare -A reached=(
	[xen_shinfo_test]='Testing runstate blocked|Testing RUNSTATE_DATA|Testing guest EVTCHNOP_send direct to evtchn|Testing guest oneshot timer|Testing shinfo lock corruption (SCHEDOP_poll)|Compatibility runstate at'
)
splats='WARNING:|BUG:|kernel BUG at|Call Trace:|Kernel panic|Oops:|general protection fault|possible recursive locking|possible circular locking|sleeping function called from invalid context|suspicious RCU usage|KASAN|UBSAN:|soft lockup|hard LOCKUP'

die() { echo "kvm-selftests: $*" >&2; exit 2; }
say() { echo "kvm-selftests: $*" >&2; }

while [ $# -gt 0 ]; do
	case $1 in
	--host) hosts=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	-h|--help) sed -n '4,26s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (usage: $0 [--host NAMES] [--out DIR] [--timeout SEC])" ;;
	esac
done

for tool in make gcc cpio readelf flock git python3; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

gcc -static -O2 -Wall -Wextra -Werror -o "$work/init" "$here/kselftest/init.c" ||
	die "building tools/kselftest/init.c failed"

# What of a tree the two selftests and their uapi headers are made from,
# and the same as git apply patterns.
subset=(Makefile Kbuild Kconfig arch/Kconfig arch/x86 include scripts tools usr)
subset_include=(--include=Makefile --include=Kbuild --include=Kconfig
	--include=arch/Kconfig --include='arch/x86/*' --include='include/*'
	--include='scripts/*' --include='tools/*' --include='usr/*')

# series_patches HOST: HOST's patches, in order, one path a line.
series_patches() {
	local host_series p _

	eval "$(python3 "$here/matrix.py" host "$1")" || die "$1: not a host of the matrix"
	case $host_series in ''|none) return 0 ;; esac
	[ -f "$top/$host_series" ] || die "$1: no series file $host_series"
	while read -r p _; do
		case $p in ''|'#'*) continue ;; esac
		[ -f "$top/$(dirname "$host_series")/$p" ] || die "$1: $host_series: no patch $p"
		echo "$top/$(dirname "$host_series")/$p"
	done < "$top/$host_series"
}

# sources HOST DIR: DIR/src, the subset of HOST's cached tree with HOST's
# series applied.  The cache is shared: another clone's series may be on
# the tree now (build-kernel.sh brings the tree to each build's series,
# and the kernel it built for ours stays cached), so the copy is brought
# back to ours with the patches' parts in the subset.
sources() {
	local host=$1 dir=$2 tree=$cache/trees/$1 applied=() patches=() common=0 i list

	# In a subshell, where die cannot end the script: the list first.
	list=$(series_patches "$host") || exit 2
	[ -z "$list" ] || mapfile -t patches <<< "$list"
	mkdir -p "$dir/src" "$dir/applied"
	# build-kernel.sh holds this lock while it patches or builds the tree.
	# shellcheck disable=SC2016 # expanded by the inner shell
	flock "$tree.lock" sh -c 'tree=$1 dir=$2; shift 2
		cd "$tree/src" && cp -a --parents "$@" "$dir/src/" &&
		{ [ ! -d "$tree/applied" ] || cp -a "$tree/applied/." "$dir/applied/"; }' \
		sh "$tree" "$dir" "${subset[@]}" ||
		die "$host: copying $tree/src failed"
	mapfile -t applied < <(find "$dir/applied" -mindepth 1 -maxdepth 1 -printf "%f\n" | LC_ALL=C sort)
	while [ $common -lt ${#applied[@]} ] && [ $common -lt ${#patches[@]} ] &&
	      cmp -s "$dir/applied/${applied[$common]}" "${patches[$common]}"; do
		common=$((common + 1))
	done
	if [ $common != ${#applied[@]} ] || [ $common != ${#patches[@]} ]; then
		say "$host: the cached tree has ${#applied[@]} patches applied, the series ${#patches[@]}: the copy gets the series"
	fi
	for ((i = ${#applied[@]} - 1; i >= common; i--)); do
		(cd "$dir/src" && git apply -R "${subset_include[@]}" "$dir/applied/${applied[$i]}") \
			>> "$dir/build.log" 2>&1 ||
			die "$host: reverting ${applied[$i]} in the copy failed (see $dir/build.log)"
	done
	for ((i = common; i < ${#patches[@]}; i++)); do
		(cd "$dir/src" && git apply "${subset_include[@]}" "${patches[$i]}") \
			>> "$dir/build.log" 2>&1 ||
			die "$host: applying $(basename "${patches[$i]}") to the copy failed"
	done
}

# build HOST DIR: the selftests of DIR/src into DIR/kvm.
build() {
	local host=$1 dir=$2 kvm=$2/src/tools/testing/selftests/kvm log=$2/build.log
	local targets=() t

	for t in "${tests[@]}"; do
		targets+=("$dir/kvm/$t")
	done
	mkdir -p "$dir/obj" "$dir/kvm"
	# TMPOUT keeps the Makefile's compiler probes out of the source.
	if ! { make -C "$dir/src" O="$dir/obj" ARCH=x86_64 headers &&
	       make -C "$kvm" OUTPUT="$dir/kvm" TMPOUT="$dir/tmpout" \
			LINUX_HDR_PATH="$dir/obj/usr/include/" EXTRA_CFLAGS=-static \
			-j"$(nproc)" "${targets[@]}"; } >> "$log" 2>&1; then
		cp "$log" "$out/$host.build.log"
		die "$host: building the selftests failed (see $out/$host.build.log)"
	fi
	for t in "${targets[@]}"; do
		[ -x "$t" ] || die "$host: the build made no $t"
		if readelf -l "$t" | grep -q INTERP; then
			die "$host: $(basename "$t") is not statically linked"
		fi
	done
}

# initramfs DIR: /init, /selftests/* and the mount points.
initramfs() {
	local dir=$1 stage=$1/stage t

	mkdir -p "$stage/selftests" "$stage/dev" "$stage/proc" "$stage/sys"
	install -m 755 "$work/init" "$stage/init"
	for t in "${tests[@]}"; do
		install -m 755 "$dir/kvm/$t" "$stage/selftests/$(basename "$t")"
	done
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) > "$dir/initramfs"
}

# check HOST: one line per test, and 0 when all of them passed.
check() {
	local host=$1 serial=$out/$1.serial.log klog=$out/$1.kernel.log
	local t name end bad=0 splat section missing line lines

	if ! grep -q '^@@selftest host-end' "$serial"; then
		echo "$host: FAIL the boot did not finish (see $serial, $klog)"
		bad=1
	fi
	splat=$(grep -aE "$splats" "$klog" | head -n 1 || true)
	if [ -n "$splat" ]; then
		echo "$host: FAIL host kernel splat: $splat"
		bad=1
	fi
	for t in "${tests[@]}"; do
		name=$(basename "$t")
		end=$(grep -a "^@@selftest end $name " "$serial" | tr -d '\r' || true)
		if [ -z "$end" ]; then
			echo "$host: $name FAIL did not finish"
			bad=1
			continue
		fi
		section=$(sed -n "/^@@selftest begin $name\r*\$/,/^@@selftest end $name /p" "$serial" | tr -d '\r')
		missing=
		IFS='|' read -ra lines <<< "${reached[$name]:-}"
		for line in "${lines[@]}"; do
			grep -qF -- "$line" <<< "$section" || { missing=$line; break; }
		done
		if [[ $end == *" exit=0 "* ]] && [ -z "$missing" ]; then
			echo "$host: $name PASS (${end##* ms=} ms)"
		else
			if [ -n "$missing" ]; then
				echo "$host: $name FAIL ${end#"@@selftest end $name "}, never printed '$missing'"
			else
				echo "$host: $name FAIL ${end#"@@selftest end $name "}"
			fi
			tail -n 20 <<< "$section" | sed 's/^/    /'
			bad=1
		fi
	done
	return $bad
}

failed=0
IFS=, read -ra host_list <<< "$hosts"
for host in "${host_list[@]}"; do
	dir=$work/$host
	mkdir -p "$dir"
	# The tree first: --print-kernel would build a kernel that is missing.
	tree=$cache/trees/$host/src
	[ -f "$tree/tools/testing/selftests/kvm/Makefile" ] ||
		die "$host: no kernel tree with tools/testing/selftests/kvm at $tree (./run.sh --print-kernel $host makes it)"
	for t in "${tests[@]}"; do
		[ -f "$tree/tools/testing/selftests/kvm/$t.c" ] ||
			die "$host: the tree $tree has no tools/testing/selftests/kvm/$t.c"
	done
	kernel=$("$top/run.sh" --print-kernel "$host") ||
		die "$host: no kernel (./run.sh --print-kernel $host failed)"
	[ -f "$kernel" ] || die "$host: no kernel image $kernel"
	say "$host: building ${tests[*]}"
	sources "$host" "$dir"
	build "$host" "$dir"
	initramfs "$dir"
	say "$host: booting $kernel"
	rc=0
	"$here/boot-host.sh" --timeout "$timeout" "$kernel" "$dir/initramfs" \
		"$out/$host.serial.log" "$out/$host.kernel.log" || rc=$?
	if [ $rc != 0 ]; then
		echo "$host: FAIL QEMU exit $rc (see $out/$host.serial.log.qemu, $out/$host.kernel.log)"
		failed=1
		continue
	fi
	check "$host" || failed=1
done
exit $failed
