#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# broken-proof.sh [--list] [BREAK...]
#
# Proof that a case catches a wrong conversion in the 6.12 host series.
# Patches 0001-0005 of host-patches/6.12 change no behaviour, so no case
# tells them from the stock code.  For each break below, this builds the
# real series plus one more patch made by a sed on the patched source (a
# deliberately wrong conversion), runs the cases that must catch it on that
# kernel and on the real series built with the same configuration, and
# checks that the broken kernel ends them with the status the break names
# and that the real series PASSes them.  Prints KTAP; non-zero on any miss.
#
# A break is either behavioural (the guest sees a wrong value: the cases
# FAIL, naming the checks that must fail) or about the context a gpc lock
# is taken in (nothing the guest can see: the cases run on the debug
# configuration, tools/kconfig/debug.config, and end SPLAT, with a report
# that must match a pattern, e.g. the function lockdep or
# DEBUG_ATOMIC_SLEEP names).
#
# The kernels are built by tools/build-kernel.sh in one tree of their own
# per configuration (broken-proof, broken-proof-debug) and cached like the
# matrix's: a second run only boots.  A new tree starts as a copy of the
# matrix's tree of the real series with that configuration (patched-6.12,
# patched-6.12-debug) when that one is built (build-kernel.sh --seed), so
# that only the file a break changes is compiled; the matrix's trees are
# only read.
# Results go to results/broken-proof-DATE/.  Too slow for make test (a
# kernel build per break on a first run); make broken-proof runs it.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
srcdir=${GPC_RIG_SRCDIR:-/usr/src}
tarball=$srcdir/linux-source-6.12.tar.xz
series=$top/host-patches/6.12/series

# Each break, one string of |-separated fields:
#  1 name (the patch it breaks first)
#  2 configuration: rig (tools/kconfig/rig.config) or debug (rig.config and
#    debug.config)
#  3 the file, 4 the sed script on the patched file
#  5 the cases that must end with status 6 (the kernel runs both word
#    sizes of the matrix sections that every break of its configuration
#    names: the other cases must PASS)
#  6 FAIL or SPLAT
#  7 for FAIL, the checks that must fail in each of those cases; for
#    SPLAT, an extended regular expression that the case's first host
#    kernel report must match: its lines from the first one to the end of
#    its call trace, each stripped, joined with " ; " (so "; f+" is a
#    frame of the trace, "; ? f+" one the unwinder is not sure of; no |
#    in the expression)
#  8 checks that must pass all the same (for 0003: the same events raised
#    with a fresh cache, which take the fast path: the failure is the slow
#    path's)
#
# 0001-refresh-irqs-off drops the lock before the refresh in kvm_gpc_lock()
# with read_unlock() instead of read_unlock_irqrestore(), so the refresh,
# which takes a mutex and may fault the page in, runs with IRQs off (the
# mismatch of lock and unlock flavours that patch 0001 is there to put in
# one place).  The guest sees nothing; DEBUG_ATOMIC_SLEEP reports the
# mutex, from the slow path of evtchn-slowpath, the one case that makes a
# kvm_gpc_lock() user find its cache stale.
#
# 0005-sched-out-sleeps gives the preempt notifier's runstate update the
# sleepable path: kvm_gpc_lock() from kvm_sched_out(), inside __schedule()
# with IRQs off, where the cache must only be tried (the 2022 review of
# the kvm_gpc_lock() idea: "only the special preempt-notifier cases would
# have to use check/refresh by hand").  No value the guest reads changes
# while the cache is valid, so only DEBUG_ATOMIC_SLEEP sees it, through
# kvm_gpc_lock()'s might_sleep(); runstate-preempt's CPU hog makes the host
# preempt the vCPU task all the time.
breaks=(
	"0003-compat-always|rig|arch/x86/kvm/xen.c|/^void kvm_xen_inject_pending_events(/,/^}/s/if (IS_ENABLED(CONFIG_64BIT) && v->kvm->arch.xen.long_mode) {/if (0) {  \/* broken-proof: the compat layout always *\//|evtchn-slowpath-hvm64|FAIL|send_after_memslot_change_selector_and_upcall_pending timer_after_memslot_change_selector_and_upcall_pending|send_fresh_cache_selector_and_upcall_pending timer_fresh_cache_selector_and_upcall_pending"
	"0003-no-upcall-pending|rig|arch/x86/kvm/xen.c|/^void kvm_xen_inject_pending_events(/,/^}/{s/^\(\t*\)WRITE_ONCE(vi->evtchn_upcall_pending, 1);/\1\/* broken-proof: no upcall_pending *\//;s/= xchg(&vi->evtchn_upcall_pending, 1);/= 0;  \/* broken-proof: no upcall_pending *\//}|evtchn-slowpath-hvm32 evtchn-slowpath-hvm64|FAIL|send_after_memslot_change_selector_and_upcall_pending timer_after_memslot_change_selector_and_upcall_pending|send_fresh_cache_selector_and_upcall_pending timer_fresh_cache_selector_and_upcall_pending"
	"0004-no-offset|rig|arch/x86/kvm/x86.c|/^static void kvm_setup_guest_pvclock(/,/^}/s/guest_hv_clock = khva + offset;/guest_hv_clock = khva;  \/* broken-proof: no offset *\//|evtchn-slowpath-hvm32 evtchn-slowpath-hvm64|FAIL|vcpu_info_time_matches_time_area vcpu_info_time_matches_after_memslot_change|"
	"0001-refresh-irqs-off|debug|virt/kvm/pfncache.c|/^void \*kvm_gpc_lock(/,/^}/{/while/,/ret = /s/read_unlock_irqrestore(&gpc->lock, \*flags);/read_unlock(\&gpc->lock);  \/* broken-proof: IRQs stay off for the refresh *\//}|evtchn-slowpath-hvm32 evtchn-slowpath-hvm64|SPLAT|BUG: sleeping function called from invalid context at kernel/locking/mutex\.c:.*irqs_disabled\(\): 1.*; kvm_gpc_refresh\+.*; kvm_gpc_lock\+.*; kvm_xen_inject_pending_events\+|"
	"0005-sched-out-sleeps|debug|arch/x86/kvm/xen.c|/^static void kvm_xen_update_runstate_guest(/,/^}/s/^\tif (atomic) {$/\tif (0) {  \/* broken-proof: kvm_gpc_lock() from kvm_sched_out() too *\//|runstate-preempt-hvm32 runstate-preempt-hvm64|SPLAT|BUG: sleeping function called from invalid context at [^ ]*virt/kvm/pfncache\.c:.*; kvm_gpc_lock\+.*; kvm_xen_update_runstate_guest\+.*; kvm_arch_vcpu_put\+.*; kvm_sched_out\+|"
)

# Per configuration: its fragments, the real series' host (the name its
# results go by, and the matrix tree a new tree of this configuration may
# start from), the tree the breaks are built in.
config_fragments() {
	case $1 in
	rig) printf '%s\n' "$top/tools/kconfig/rig.config" ;;
	debug) printf '%s\n' "$top/tools/kconfig/rig.config" "$top/tools/kconfig/debug.config" ;;
	*) die "unknown configuration '$1'" ;;
	esac
}
config_host() { case $1 in rig) echo patched-6.12 ;; *) echo "patched-6.12-$1" ;; esac; }
config_tree() { case $1 in rig) echo broken-proof ;; *) echo "broken-proof-$1" ;; esac; }

die() { echo "broken-proof: $*" >&2; exit 1; }
say() { echo "broken-proof: $*" >&2; }
field() { cut -d'|' -f"$2" <<< "$1"; }

if [ "${1:-}" = --list ]; then
	for b in "${breaks[@]}"; do
		cfg=$(field "$b" 2)
		[ "$cfg" = rig ] && cfg= || cfg=" ($cfg)"
		if [ "$(field "$b" 6)" = SPLAT ]; then
			printf '%s%s: %s must SPLAT matching /%s/%s\n' "$(field "$b" 1)" "$cfg" \
				"$(field "$b" 5)" "$(field "$b" 7)" "$(field "$b" 8 | sed 's/./, and pass &/')"
		else
			printf '%s%s: %s must fail %s%s\n' "$(field "$b" 1)" "$cfg" "$(field "$b" 5)" \
				"$(field "$b" 7)" "$(field "$b" 8 | sed 's/./, and pass &/')"
		fi
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
	file=$(field "$b" 3)
	dir=$work/series-$name
	mkdir -p "$dir" "$work/b/${file%/*}"
	sed "$(field "$b" 4)" "$work/tree/$file" > "$work/b/$file"
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

# build SERIES NAME: the kernel of SERIES in the current configuration's
# tree, with the time it took.  On a first run the tree starts as a copy of
# the matrix's tree of the real series with that configuration ($real), if
# that one is built, so make compiles only what the break's patch changes;
# from the tarball, the debug configuration is a build of most of a KASAN
# and lockdep kernel.
build() {
	local start kernel
	start=$(date +%s)
	kernel=$("$top/tools/build-kernel.sh" --name "$tree" --source 6.12 \
		 --seed "$real" --series "$1" "${frags[@]}") || return 1
	say "$2: $kernel ($(( $(date +%s) - start )) s)"
	echo "$kernel"
}

echo "KTAP version 1"
echo "1..$(( ${#selected[@]} + $(for b in "${selected[@]}"; do field "$b" 2; done | sort -u | wc -l) ))"

# The kernels, one configuration after the other, each in its own tree: the
# real series first (normally in the cache already), then each break, which
# recompiles what its patch touches.  Every host of the generated matrix
# is a prebuilt kernel, so run.sh builds nothing in the matrix's trees.
results=$top/results/broken-proof-$(date +%Y%m%d-%H%M%S)
mkdir -p "$results"
configs=()
for b in "${selected[@]}"; do
	cfg=$(field "$b" 2)
	printf '%s\n' "${configs[@]}" | grep -qx "$cfg" || configs+=("$cfg")
done
judge=()
for cfg in "${configs[@]}"; do
	tree=$(config_tree "$cfg")
	real=$(config_host "$cfg")
	frags=()
	while read -r f; do frags+=(--fragment "$f"); done < <(config_fragments "$cfg")
	matrix=$work/matrix-$cfg.cfg
	kernel=$(build "$series" "$real") || die "$real: the kernel did not build"
	printf '[host %s]\nkernel = %s\n' "$real" "$kernel" > "$matrix"
	hosts=$real
	judge+=("$real|||||$cfg")
	sections=()
	for b in "${selected[@]}"; do
		[ "$(field "$b" 2)" = "$cfg" ] || continue
		name=$(field "$b" 1)
		mkseries "$b" || die "$name: stale break"
		kernel=$(build "$work/series-$name/series" "broken-$name") ||
			die "$name: the kernel did not build"
		printf '\n[host broken-%s]\nkernel = %s\n' "$name" "$kernel" >> "$matrix"
		hosts=$hosts,broken-$name
		judge+=("broken-$name|$(field "$b" 5)|$(field "$b" 6)|$(field "$b" 7)|$(field "$b" 8)|$cfg")
		for c in $(field "$b" 5); do
			c=${c%-hvm32}
			c=${c%-hvm64}
			printf '%s\n' "${sections[@]}" | grep -qx "$c" || sections+=("$c")
		done
	done
	# The matrix files that define the cases, and the cases: both word
	# sizes of each section, whatever the break must fail.
	globs=
	for c in "${sections[@]}"; do
		cfgfile=$(grep -l "^\[case $c\]" "$top"/matrix.d/*.cfg | head -1)
		[ -n "$cfgfile" ] || die "no matrix section [case $c] in matrix.d"
		grep -qx "include $cfgfile" "$matrix" || printf '\ninclude %s\n' "$cfgfile" >> "$matrix"
		globs="${globs:+$globs,}$c-hvm*"
	done
	cp "$matrix" "$results/"

	# No expectations are found next to the generated matrix: every check
	# counts as it is, which is what the proof wants.
	"$top/run.sh" --matrix "$matrix" --host "$hosts" --case "$globs" \
		--results "$results/$cfg" > "$results/run-$cfg.out" 2>&1 || true
done
for b in "${selected[@]}"; do
	cp "$work/series-$(field "$b" 1)/9999-broken-proof.patch" \
	   "$results/$(field "$b" 1).patch"
done

# Judge: host|cases that must end with the status|status|checks that must
# fail or the splat's pattern|checks that must pass|configuration; the
# rest PASS.
n=0
failed=0
for j in "${judge[@]}"; do
	n=$((n + 1))
	host=$(field "$j" 1)
	cfg=$(field "$j" 6)
	summary=$(find "$results/$cfg" -name summary.json 2>/dev/null | head -1)
	if [ -z "$summary" ]; then
		echo "# no summary.json in $results/$cfg (see $results/run-$cfg.out)"
		echo "not ok $n $host"
		failed=$((failed + 1))
		continue
	fi
	if python3 - "$summary" "$j" <<'EOF'
import glob, json, os, re, sys

summary, spec = sys.argv[1], sys.argv[2]
host, must, status, what, passing, _cfg = spec.split("|")
must, passing = must.split(), passing.split()
checks = what.split() if status == "FAIL" else []
rundir = os.path.dirname(summary)
stamp = re.compile(r"^\[\s*\d+\.\d+\]\s?")


def report_of(first):
    """The host kernel's report that starts with FIRST, to the end of its
    call trace, each line stripped, joined with " ; " ('' if it is in no
    kernel log)."""
    logs = [os.path.join(rundir, host + ".kernel.log")]
    logs += sorted(glob.glob(os.path.join(rundir, glob.escape(host) + "+*.kernel.log")))
    for log in logs:
        try:
            lines = [stamp.sub("", ln).rstrip() for ln in open(log, errors="replace")]
        except OSError:
            continue
        for i, ln in enumerate(lines):
            if ln != first:
                continue
            block, trace = [], False
            for ln in lines[i:i + 120]:
                block.append(ln)
                trace = trace or ln.strip() == "Call Trace:"
                if trace and ln.strip() == "</TASK>":
                    break
            return " ; ".join(ln.strip() for ln in block)
    return ""


results = [r for r in json.load(open(summary))["results"] if r["host"] == host]
ok = bool(results)
for r in sorted(results, key=lambda r: r["case"]):
    bad = [c["name"] for c in r["checks"] if not c["ok"]]
    want = status if r["case"] in must else "PASS"
    missing = [c for c in checks if r["case"] in must and c not in bad]
    missing += [c + " (must pass)" for c in passing if c in bad]
    note = ""
    if want == "SPLAT" and r["status"] == "SPLAT":
        first = r["reason"].split("host kernel: ", 1)[-1]
        text = report_of(first)
        note = "; splat: " + first
        if not re.search(what, text):
            missing.append("a report matching /%s/" % what)
    good = r["status"] == want and not missing
    ok = ok and good
    print("# %s %s: %s (want %s)%s%s%s" % (
        host, r["case"], r["status"], want,
        "; failed: " + " ".join(bad) if bad else "", note,
        "; wrong: " + " ".join(missing) if missing else ""))
    if r["status"] == "SPLAT" and want != "SPLAT":
        print("#   " + r["reason"])
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
