#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: boot the rig's host kernels under QEMU, run the matrix's cases in
# each, and check the serial logs.  ./run.sh --help lists the options.

set -euo pipefail

top=$(cd "$(dirname "$0")" && pwd)
matrix_file=$top/matrix.cfg
results=${GPC_RIG_RESULTS:-$top/results}
host_sel=
case_pat=
kernel_img=
kernel_tree=
accel=auto
jobs=${GPC_RIG_JOBS:-$(nproc)}
build=1
action=run
print_host=
iso=0
efi=0
ovmf=${OVMF:-/usr/share/OVMF/OVMF_CODE.fd}
serial_log=

usage() {
	cat <<EOF
usage: $0 [options]
  --host NAMES       hosts to run (comma separated; default: the default matrix)
  --case PATTERN     cases by name glob or group (comma separated)
  --kernel BZIMAGE   run the cases on your own kernel, as host 'custom'
  --kernel-tree DIR  build your kernel tree with the rig's fragment merged in
                     (out of tree, your .config untouched), run it as 'custom'
  --host native      run the VMM on this machine's own /dev/kvm (SKIP where
                     the running kernel lacks KVM_CAP_XEN_HVM)
  --matrix FILE      matrix file (default: matrix.cfg)
  --accel A          tcg, kvm or auto (kvm only where nested SVM/VMX is real)
  -j N               boot up to N hosts at once (default: the number of CPUs)
  --results DIR      where run directories go (default: results/)
  --no-build         do not rebuild the guest, VMM and init
  --iso              boot each host from a grub2 ISO (firmware, grub, kernel)
                     instead of QEMU's -kernel
  --efi              with --iso: EFI firmware (OVMF) instead of BIOS
  --serial-log FILE  check a serial log captured elsewhere (a real machine
                     booted from images/HOST.iso); --host names the host
  --list             print what would run, run nothing
  --print-kernel H   build host H's kernel if needed and print its path
EOF
}

die() { echo "run.sh: $*" >&2; exit 2; }
need_arg() {
	if [ $# -lt 2 ] || [ -z "$2" ]; then
		die "$1 needs an argument"
	fi
}

while [ $# -gt 0 ]; do
	case $1 in
	--host) need_arg "$@"; host_sel=$2; shift 2 ;;
	--case) need_arg "$@"; case_pat=$2; shift 2 ;;
	--kernel) need_arg "$@"; kernel_img=$2; shift 2 ;;
	--kernel-tree) need_arg "$@"; kernel_tree=$2; shift 2 ;;
	--matrix) need_arg "$@"; matrix_file=$2; shift 2 ;;
	--accel) need_arg "$@"; accel=$2; shift 2 ;;
	-j) need_arg "$@"; jobs=$2; shift 2 ;;
	-j*) jobs=${1#-j}; shift ;;
	--results) need_arg "$@"; results=$2; shift 2 ;;
	--no-build) build=0; shift ;;
	--iso) iso=1; shift ;;
	--efi) efi=1; shift ;;
	--serial-log) need_arg "$@"; serial_log=$2; shift 2 ;;
	--list) action=list; shift ;;
	--print-kernel) need_arg "$@"; action=print-kernel; print_host=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
case $jobs in ''|*[!0-9]*|0) die "-j takes a positive number, not '$jobs'" ;; esac
case $accel in tcg|kvm|auto) ;; *) die "--accel takes tcg, kvm or auto" ;; esac
if [ $efi = 1 ]; then
	[ $iso = 1 ] || die "--efi goes with --iso"
	[ -f "$ovmf" ] || die "no EFI firmware $ovmf (apt-get install ovmf)"
fi

mx() { python3 "$top/tools/matrix.py" --matrix "$matrix_file" "$@"; }

# A path from the matrix file: relative to that file, or to the rig.
mpath() {
	case $1 in
	/*) echo "$1" ;;
	*) if [ -e "$(dirname "$matrix_file")/$1" ]; then
		echo "$(dirname "$matrix_file")/$1"
	   else
		echo "$top/$1"
	   fi ;;
	esac
}

# The kernel image of a host: prebuilt, or built (and cached) from source.
kernel_for() {
	local host=$1 host_kernel host_source host_series host_fragments f
	local -a frags=()
	eval "$(mx host "$host")" || return 2
	if [ -n "$host_kernel" ]; then
		host_kernel=$(mpath "$host_kernel")
		[ -f "$host_kernel" ] || { echo "run.sh: $host: no kernel image $host_kernel" >&2; return 1; }
		echo "$host_kernel"
		return
	fi
	for f in $host_fragments; do frags+=(--fragment "$(mpath "$f")"); done
	[ "$host_series" = none ] || host_series=$(mpath "$host_series")
	"$top/tools/build-kernel.sh" --name "$host" --source "$host_source" \
		--series "$host_series" "${frags[@]}"
}

# Nested KVM only where the outer machine really has SVM or VMX; under TCG
# QEMU emulates SVM with nested paging, which is all kvm_amd needs.
pick_accel() {
	if [ "$accel" != auto ]; then
		echo "$accel"
	elif [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qEw 'svm|vmx' /proc/cpuinfo; then
		echo kvm
	else
		echo tcg
	fi
}

if [ $action = list ]; then
	if [ -n "$kernel_img" ]; then
		mx list --host "" --case "$case_pat" | awk '{ $1 = "custom"; print }' | sort -u -k2,2
	else
		mx list --host "$host_sel" --case "$case_pat"
	fi
	exit
fi
if [ $action = print-kernel ]; then
	mx hosts --host "$print_host" >/dev/null || exit 2
	kernel_for "$print_host"
	exit
fi

new_rundir() {
	local stamp n=1
	stamp=$(date +%Y%m%d-%H%M%S)
	rundir=$results/$stamp
	while [ -e "$rundir" ]; do rundir=$results/$stamp-$((n++)); done
	mkdir -p "$rundir" 2>/dev/null || die "cannot create $rundir"
	ln -sfn "$(basename "$rundir")" "$results/latest"
}

# A log from a real machine: the same checks, no boot.
if [ -n "$serial_log" ]; then
	[ -f "$serial_log" ] || die "no serial log $serial_log"
	host=${host_sel:-serial}
	case $host in *[!A-Za-z0-9._-]*) die "--serial-log takes one --host" ;; esac
	new_rundir
	echo "$host" > "$rundir/hosts"
	tr -d '\r' < "$serial_log" > "$rundir/$host.serial.log"
	: > "$rundir/$host.kernel.log"
	echo "rc=0" > "$rundir/$host.boot"
	if [ -n "$host_sel" ]; then
		# The host's plan: a case missing from the log shows as such.
		mx hosts --host "$host" > /dev/null || exit 2
		mx plan "$host" --case "$case_pat" > "$rundir/$host.plan" || exit 2
	else
		sed -n 's/^@@rig case-begin \([^ ]*\).*/\1/p' "$rundir/$host.serial.log" \
			> "$rundir/$host.plan"
	fi
	echo "results in $rundir"
	exec python3 "$top/tools/logcheck.py" --matrix "$matrix_file" report "$rundir"
fi

if [ -n "$kernel_tree" ]; then
	[ -z "$kernel_img" ] || die "--kernel and --kernel-tree do not go together"
	echo "[custom] building $kernel_tree" >&2
	kernel_img=$("$top/tools/build-tree.sh" "$kernel_tree") || exit $?
fi
if [ -n "$kernel_img" ]; then
	[ -f "$kernel_img" ] || die "no kernel image $kernel_img"
	kernel_img=$(cd "$(dirname "$kernel_img")" && pwd)/$(basename "$kernel_img")
	[ -z "$host_sel" ] || die "--kernel and --host do not go together"
	hosts=(custom)
else
	sel=$(mx hosts --host "$host_sel") || exit 2
	[ -n "$sel" ] || die "no host selected"
	mapfile -t hosts <<< "$sel"
fi
mx list --host "" --case "$case_pat" >/dev/null || exit 2

if [ $build = 1 ]; then
	make -s -C "$top" userspace || die "building the guest, VMM or init failed"
fi
for f in tools/init/build/init tools/vmm/vmm guest/build/hvm32.elf guest/build/hvm64.elf; do
	[ -f "$top/$f" ] || die "$f is missing: run 'make userspace'"
done

new_rundir
printf '%s\n' "${hosts[@]}" 2>/dev/null > "$rundir/hosts" ||
	die "cannot write to $rundir: file system full or read-only"
# Each host needs room for its initramfs and logs: refuse up front rather
# than lose results half-way.
free_kb=$(df -Pk "$rundir" | awk 'NR == 2 { print $4 }')
if [ "${free_kb:-0}" -lt $((${#hosts[@]} * 8192)) ]; then
	die "only ${free_kb:-0} KiB free for results in $results; ${#hosts[@]} host(s) need about $((${#hosts[@]} * 8)) MiB"
fi
boot_accel=$(pick_accel)

log() { echo "[$1] ${*:2}" >&2; }

# A host's outcome for the log checker.  A results directory that filled up
# under the run ends it with one line rather than a shell error per write.
boot_status() {
	printf '%s\n' "$2" 2>/dev/null > "$rundir/$1.boot" ||
		die "cannot write to $rundir: file system full or read-only"
}

# On a terminal, a one-line display of the case a booting host is in.
progress() {
	local host=$1 serial=$2 n=$3 k name
	[ -t 2 ] && [ "$jobs" = 1 ] || return 0
	while sleep 0.5; do
		k=$(grep -c '^@@rig case-begin' "$serial" 2>/dev/null) || k=0
		name=$(grep '^@@rig case-begin' "$serial" 2>/dev/null | tail -n 1 | cut -d' ' -f3)
		printf '\r\033[K[%s] case %d/%d %s' "$host" "$k" "$n" "$name" >&2
	done
}

# The running kernel's /dev/kvm: the same framing init prints, from here.
run_native() {
	local plan=$1 serial=$2 name timeout guest cmdline vmmargs modules rc m
	local -a mods
	{
		echo "@@rig host-begin release=$(uname -r) native"
		while IFS=$'\t' read -r name timeout guest cmdline vmmargs modules; do
			echo "@@rig case-begin $name"
			rc=0
			mods=()
			for m in $modules; do mods+=(--module "$top/guest/build/$m.elf"); done
			# shellcheck disable=SC2086 # extra VMM options are words
			timeout --kill-after=5 $((timeout + 10)) "$top/tools/vmm/vmm" \
				--timeout "$timeout" --cmdline "$cmdline" $vmmargs "${mods[@]}" \
				"$top/guest/build/$guest.elf" 2>&1 < /dev/null || rc=$?
			case $rc in
			124|137) echo "@@rig case-end $name signal=9" ;;
			*) echo "@@rig case-end $name exit=$rc" ;;
			esac
		done < "$plan"
		echo "@@rig host-end"
	} > "$serial"
}

run_host() {
	local host=$1 plan=$rundir/$1.plan kernel timeout start rc=0 ncases ppid
	local -a boot
	local mxhost=$host
	mx plan "$mxhost" --case "$case_pat" > "$plan" || { boot_status "$host" "error=bad matrix"; return; }
	ncases=$(wc -l < "$plan")
	if [ "$ncases" = 0 ]; then
		log "$host" "no case selected for this host"
		boot_status "$host" ""
		return
	fi
	if [ "$host" = native ]; then
		log "$host" "running $ncases cases on this machine's /dev/kvm"
		run_native "$plan" "$rundir/$host.serial.log"
		: > "$rundir/$host.kernel.log"
		boot_status "$host" "rc=0"
		return
	fi
	if [ "$host" = custom ]; then
		kernel=$kernel_img
	else
		log "$host" "building kernel (cached when unchanged)"
		if ! kernel=$(kernel_for "$host" 2> "$rundir/$host.build.log"); then
			boot_status "$host" "error=$(tail -n 1 "$rundir/$host.build.log")"
			log "$host" "kernel build failed"
			return
		fi
	fi
	"$top/tools/mkinitramfs.sh" "$rundir/$host.initramfs" "$plan" \
		"$top/tools/init/build/init" "$top/tools/vmm/vmm" \
		"$top/guest/build/hvm32.elf" "$top/guest/build/hvm64.elf" ||
		{ boot_status "$host" "error=could not pack the initramfs"; return; }
	# The whole boot gets every case's timeout plus the init grace and a
	# margin (default a minute) for the kernel to come up.
	timeout=$(awk -F'\t' -v m="${GPC_RIG_BOOT_MARGIN:-60}" \
		'{ t += $2 + 10 } END { print t + m }' "$plan")
	log "$host" "booting ($ncases cases, accel $boot_accel, timeout ${timeout}s)"
	start=$(date +%s)
	eval "$(mx host "$mxhost" 2>/dev/null | grep '^host_cmdline=')" || host_cmdline=
	if [ $iso = 1 ]; then
		"$top/tools/mkiso.sh" host --timeout 0 "$rundir/$host.iso" "$host" \
			"$kernel" "$rundir/$host.initramfs" ||
			{ boot_status "$host" "error=could not build the ISO"; return; }
		boot=(--iso "$rundir/$host.iso")
		[ $efi = 0 ] || boot+=(--bios "$ovmf")
	else
		boot=(--append "${host_cmdline:-}" "$kernel" "$rundir/$host.initramfs")
	fi
	progress "$host" "$rundir/$host.serial.log" "$ncases" &
	ppid=$!
	"$top/tools/boot-host.sh" --accel "$boot_accel" --timeout "$timeout" \
		"${boot[@]}" "$rundir/$host.serial.log" "$rundir/$host.kernel.log" || rc=$?
	kill "$ppid" 2>/dev/null || true
	wait "$ppid" 2>/dev/null || true
	[ -t 2 ] && [ "$jobs" = 1 ] && printf '\r\033[K' >&2
	boot_status "$host" "rc=$rc"
	log "$host" "done in $(( $(date +%s) - start ))s (QEMU exit $rc)"
}

running=0
for host in "${hosts[@]}"; do
	if [ "$jobs" -le 1 ]; then
		run_host "$host"
		continue
	fi
	run_host "$host" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
done
wait

echo "results in $rundir"
python3 "$top/tools/logcheck.py" --matrix "$matrix_file" report "$rundir"
