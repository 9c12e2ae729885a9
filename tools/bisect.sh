#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bisect.sh --host HOST --case PATTERN [--fixed] [--matrix FILE]
#
# Find the patch of HOST's series that broke a case (or, with --fixed, the
# one that made it pass).  The host's kernel source is imported into a git
# repository in the rig's cache (once), the series is applied with `git am`
# in a work tree of its own, and `git bisect run` drives
# tools/bisect-step.sh over it: each step is an incremental build, a boot
# and the case.  Prints the first bad (or fixing) patch, where the log of
# that run is, and the command that reproduces it.
#
# Exit status: 0 found, 1 nothing to bisect (the case does not change over
# the series) or the bisection was inconclusive, 2 bad usage or a series
# that does not apply.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${GPC_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpc-rig}
srcdir=${GPC_RIG_SRCDIR:-/usr/src}
matrix=$top/matrix.cfg
host=
case_pat=
fixed=0

die() { echo "bisect: $*" >&2; exit 2; }
say() { echo "bisect: $*" >&2; }

while [ $# -gt 0 ]; do
	case $1 in
	--host) host=${2:-}; shift 2 ;;
	--case) case_pat=${2:-}; shift 2 ;;
	--fixed) fixed=1; shift ;;
	--matrix) matrix=${2:-}; shift 2 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
if [ -z "$host" ] || [ -z "$case_pat" ]; then
	die "usage: $0 --host HOST --case PATTERN [--fixed]"
fi
matrix=$(cd "$(dirname "$matrix")" && pwd)/$(basename "$matrix")
mdir=$(dirname "$matrix")
mx() { python3 "$top/tools/matrix.py" --matrix "$matrix" "$@"; }
mx list --host "$host" --case "$case_pat" > /dev/null || exit 2
host_source=
host_series=
eval "$(mx host "$host")"
[ -n "$host_source" ] || die "host '$host' is not built from source"
[ "$host_series" != none ] || die "host '$host' has no series to bisect"
series=$mdir/$host_series
[ -f "$series" ] || series=$top/$host_series
[ -f "$series" ] || die "no series file $host_series"
sdir=$(dirname "$series")
tarball=$srcdir/linux-source-$host_source.tar.xz
[ -f "$tarball" ] || die "no kernel source $tarball"

# The git import of the pristine source, shared by every bisection of it.
repo=$cache/git/linux-$host_source
source_id="$host_source $(stat -c '%s %Y' "$tarball")"
mkdir -p "$cache/git"
exec 9>"$repo.lock"
flock 9
if [ "$(cat "$repo/.git/rig-source" 2>/dev/null)" != "$source_id" ]; then
	say "importing linux-source-$host_source into $repo (once)"
	rm -rf "$repo"
	mkdir -p "$repo"
	tar -C "$repo" --strip-components=1 -xf "$tarball"
	git -C "$repo" init -q
	# -f: Debian's tarball ships a .gitignore that ignores its top level.
	git -C "$repo" -c core.autocrlf=false add -f -A .
	git -C "$repo" -c user.name=gpc-rig -c user.email=gpc-rig@localhost \
		commit -q -m "linux-source-$host_source as shipped by Debian"
	git -C "$repo" tag -f rig-base > /dev/null
	echo "$source_id" > "$repo/.git/rig-source"
fi

# One work tree per host, so its out-of-tree build stays incremental.
wt=$cache/git/wt-$host
if [ ! -d "$wt" ]; then
	git -C "$repo" worktree prune
	git -C "$repo" worktree add -q --detach "$wt" rig-base
fi
git -C "$wt" bisect reset -q > /dev/null 2>&1 || true
git -C "$wt" am --abort > /dev/null 2>&1 || true
git -C "$wt" checkout -q -f --detach rig-base
git -C "$wt" clean -q -fdx

patches=()
while read -r p _; do
	case $p in ''|'#'*) continue ;; esac
	[ -f "$sdir/$p" ] || die "$host_series: no patch $p"
	patches+=("$sdir/$p")
done < "$series"
[ ${#patches[@]} -gt 0 ] || die "the series of '$host' is empty"
for p in "${patches[@]}"; do
	if ! git -C "$wt" -c user.name=gpc-rig -c user.email=gpc-rig@localhost \
		am -q --keep-cr "$p" > /dev/null 2>&1; then
		git -C "$wt" am --abort > /dev/null 2>&1 || true
		die "$(basename "$p") does not apply with git am onto linux-source-$host_source"
	fi
done
mapfile -t commits < <(git -C "$wt" rev-list --reverse rig-base..HEAD)
tip=${commits[-1]}

step=("$top/tools/bisect-step.sh" --matrix "$matrix" --case "$case_pat")
[ $fixed = 1 ] && step+=(--fixed)
# Check both ends first: a bisection between two goods finds nothing.
cd "$wt"
end_rc() { local rc=0; git checkout -q "$1" && "${step[@]}" || rc=$?; echo $rc; }
base_rc=$(end_rc rig-base)
tip_rc=$(end_rc "$tip")
if [ "$base_rc" != 0 ] || [ "$tip_rc" != 1 ]; then
	if [ $fixed = 1 ]; then
		say "the case must fail without the series and pass with it (got $base_rc/$tip_rc)"
	else
		say "the case must pass without the series and fail with it (got $base_rc/$tip_rc)"
	fi
	exit 1
fi

if [ $fixed = 1 ]; then
	git bisect start --term-old=broken --term-new=fixed "$tip" rig-base
else
	git bisect start "$tip" rig-base
fi
log=$cache/bisect/$host.log
mkdir -p "$(dirname "$log")"
git bisect run "${step[@]}" > "$log" 2>&1 || true
first=$(sed -n 's/^\([0-9a-f]\{40\}\) is the first \(bad\|fixed\) commit$/\1/p' "$log" | head -n 1)
git bisect reset -q > /dev/null 2>&1 || true
if [ -z "$first" ]; then
	say "inconclusive; git bisect said:"
	tail -n 5 "$log" >&2
	exit 1
fi

for i in "${!commits[@]}"; do
	[ "${commits[$i]}" = "$first" ] || continue
	patch=${patches[$i]}
done
what=$([ $fixed = 1 ] && echo "fixing" || echo "first bad")
echo "$what patch: $(basename "$patch")"
echo "  subject: $(git -C "$repo" log -1 --format=%s "$first")"
echo "  file:    ${patch#"$top"/}"
run=$cache/bisect/$first
echo "  log:     $run/results/latest/ (serial log, summary.json)"
python3 - "$run/results/latest/summary.json" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    if r["status"] != "PASS":
        print("  %s: %s %s" % (r["case"], r["status"], r["reason"]))
EOF
echo "  reproduce: ./run.sh --kernel $run/bzImage --case '$case_pat'"
echo "  bisect log: $log"
