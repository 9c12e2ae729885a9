#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# broken-proof.sh [--list] [BREAK...]
#
# Proof that a case catches a wrong conversion in the 6.12 host series.
# Patches 0003 and 0004 of host-patches/6.12 change no behaviour, so no
# case tells them from the stock code.  For each break below, this builds
# the real series plus one more patch made by a sed on the patched source
# (a deliberately wrong conversion), runs the cases that must catch it on
# that kernel and on the real series, and checks that the broken kernel
# FAILs them, naming the checks the break must fail, and that the real
# series PASSes.  Prints KTAP; non-zero on any miss.
#
# The kernels are built by tools/build-kernel.sh in one tree of their own
# (broken-proof) and cached like the matrix's: a second run only boots.
# Results go to results/broken-proof-DATE/.  Too slow for make test (a
# kernel build per break on a first run); make broken-proof runs it.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
srcdir=${GPC_RIG_SRCDIR:-/usr/src}
tarball=$srcdir/linux-source-6.12.tar.xz
series=$top/host-patches/6.12/series

# Each break: name (the patch it breaks first)|file|sed script on the
# patched file|cases that must FAIL (the others PASS)|checks that must fail
# in each of them|checks that must pass all the same (for 0003: the same
# events raised with a fresh cache, which take the fast path: the failure
# is the slow path's).
breaks=(
	"0003-compat-always|arch/x86/kvm/xen.c|/^void kvm_xen_inject_pending_events(/,/^}/s/if (IS_ENABLED(CONFIG_64BIT) && v->kvm->arch.xen.long_mode) {/if (0) {  \/* broken-proof: the compat layout always *\//|evtchn-slowpath-hvm64|send_after_memslot_change_selector_and_upcall_pending timer_after_memslot_change_selector_and_upcall_pending|send_fresh_cache_selector_and_upcall_pending timer_fresh_cache_selector_and_upcall_pending"
	"0003-no-upcall-pending|arch/x86/kvm/xen.c|/^void kvm_xen_inject_pending_events(/,/^}/{s/^\(\t*\)WRITE_ONCE(vi->evtchn_upcall_pending, 1);/\1\/* broken-proof: no upcall_pending *\//;s/= xchg(&vi->evtchn_upcall_pending, 1);/= 0;  \/* broken-proof: no upcall_pending *\//}|evtchn-slowpath-hvm32 evtchn-slowpath-hvm64|send_after_memslot_change_selector_and_upcall_pending timer_after_memslot_change_selector_and_upcall_pending|send_fresh_cache_selector_and_upcall_pending timer_fresh_cache_selector_and_upcall_pending"
	"0004-no-offset|arch/x86/kvm/x86.c|/^static void kvm_setup_guest_pvclock(/,/^}/s/guest_hv_clock = khva + offset;/guest_hv_clock = khva;  \/* broken-proof: no offset *\//|evtchn-slowpath-hvm32 evtchn-slowpath-hvm64|vcpu_info_time_matches_time_area vcpu_info_time_matches_after_memslot_change|"
)
cases='evtchn-slowpath*'

die() { echo "broken-proof: $*" >&2; exit 1; }
field() { cut -d'|' -f"$2" <<< "$1"; }

if [ "${1:-}" = --list ]; then
	for b in "${breaks[@]}"; do
		printf '%s: %s must fail %s%s\n' "$(field "$b" 1)" "$(field "$b" 4)" \
			"$(field "$b" 5)" "$(field "$b" 6 | sed 's/./, and pass &/')"
	done
	exit 0
fi
want=("$@")
selected=()
for b in "${breaks[@]}"; do
	name=$(field "$b" 1)
	if [ ${#want[@]} = 0 ] || printf '%s\n' "${want[@]}" | grep -qx "$name"; then
		selected+=("$b")
	fi
done
[ ${#selected[@]} -gt 0 ] || die "no such break: ${want[*]} (see --list)"
[ -f "$tarball" ] || die "no kernel source $tarball"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The series' patches, and every file they touch as the series leaves it.
patches=()
sdir=$(dirname "$series")
while read -r p _; do
	case $p in ''|'#'*) continue ;; esac
	patches+=("$sdir/$p")
done < "$series"
mapfile -t files < <(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "${patches[@]}" | sort -u)
mkdir -p "$work/tree"
tar -C "$work/tree" --strip-components=1 -xf "$tarball" \
	"${files[@]/#/linux-source-6.12/}"
for p in "${patches[@]}"; do
	patch -d "$work/tree" -p1 -s --batch < "$p" ||
		die "$(basename "$p") does not apply to linux-source-6.12"
done

# The series plus a patch that applies BREAK's sed: the same bytes each run,
# so that build-kernel.sh finds the kernel in its cache.
mkseries() {
	local b=$1 name file dir
	name=$(field "$b" 1)
	file=$(field "$b" 2)
	dir=$work/series-$name
	mkdir -p "$dir" "$work/b/${file%/*}"
	sed "$(field "$b" 3)" "$work/tree/$file" > "$work/b/$file"
	if cmp -s "$work/tree/$file" "$work/b/$file"; then
		echo "# $name: the sed changed nothing in $file; the break is stale" >&2
		return 1
	fi
	cp "${patches[@]}" "$dir/"
	{
		echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
		echo "From: gpc-rig <gpc-rig@localhost>"
		echo "Date: Thu, 1 Jan 2026 00:00:00 +0000"
		echo "Subject: [PATCH] broken-proof: $name"
		echo
		echo "A deliberately wrong conversion, made by tools/broken-proof.sh."
		echo "---"
		diff -u --label "a/$file" --label "b/$file" "$work/tree/$file" "$work/b/$file" || true
		echo "-- "
		echo "2.39.5"
	} > "$dir/9999-broken-proof.patch"
	{
		for p in "${patches[@]}"; do basename "$p"; done
		echo 9999-broken-proof.patch
	} > "$dir/series"
}

echo "KTAP version 1"
echo "1..$(( ${#selected[@]} + 1 ))"

# The kernels, one after the other in one tree: each build recompiles what
# its patch touches.
{
	echo "[host patched-6.12]"
	echo "source = 6.12"
	echo "series = $series"
} > "$work/matrix.cfg"
hosts=patched-6.12
for b in "${selected[@]}"; do
	name=$(field "$b" 1)
	mkseries "$b" || die "$name: stale break"
	kernel=$("$top/tools/build-kernel.sh" --name broken-proof --source 6.12 \
		 --series "$work/series-$name/series") ||
		die "$name: the kernel did not build"
	printf '\n[host broken-%s]\nkernel = %s\n' "$name" "$kernel" >> "$work/matrix.cfg"
	hosts=$hosts,broken-$name
done
printf '\ninclude %s/matrix.d/slowpath.cfg\n' "$top" >> "$work/matrix.cfg"

# No expectations are found next to the generated matrix: every check
# counts as it is, which is what the proof wants.
results=$top/results/broken-proof-$(date +%Y%m%d-%H%M%S)
mkdir -p "$results"
"$top/run.sh" --matrix "$work/matrix.cfg" --host "$hosts" --case "$cases" \
	--results "$results" > "$results/run.out" 2>&1 || true
summary=$(find "$results" -name summary.json | head -1)
[ -n "$summary" ] || die "no summary.json in $results (see $results/run.out)"
cp "$work/matrix.cfg" "$results/"
for b in "${selected[@]}"; do
	cp "$work/series-$(field "$b" 1)/9999-broken-proof.patch" \
	   "$results/$(field "$b" 1).patch"
done

# Judge: host|cases that must FAIL|checks that must fail|checks that must
# pass; the rest PASS.
judge=("patched-6.12|||")
for b in "${selected[@]}"; do
	judge+=("broken-$(field "$b" 1)|$(field "$b" 4)|$(field "$b" 5)|$(field "$b" 6)")
done
n=0
failed=0
for j in "${judge[@]}"; do
	n=$((n + 1))
	host=$(field "$j" 1)
	if python3 - "$summary" "$j" <<'EOF'
import json, sys

summary, spec = sys.argv[1], sys.argv[2]
host, must_fail, checks, passing = spec.split("|")
must_fail, checks, passing = must_fail.split(), checks.split(), passing.split()
results = [r for r in json.load(open(summary))["results"] if r["host"] == host]
ok = bool(results)
for r in sorted(results, key=lambda r: r["case"]):
    bad = [c["name"] for c in r["checks"] if not c["ok"]]
    want = "FAIL" if r["case"] in must_fail else "PASS"
    missing = [c for c in checks if r["case"] in must_fail and c not in bad]
    missing += [c + " (must pass)" for c in passing if c in bad]
    good = r["status"] == want and not missing
    ok = ok and good
    print("# %s %s: %s (want %s)%s%s" % (
        host, r["case"], r["status"], want,
        "; failed: " + " ".join(bad) if bad else "",
        "; wrong: " + " ".join(missing) if missing else ""))
sys.exit(0 if ok else 1)
EOF
	then
		echo "ok $n $host"
	else
		echo "not ok $n $host"
		failed=$((failed + 1))
	fi
done
echo "# results in $results"
echo "# broken-proof: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
