#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bisect-step.sh --case PATTERN [--fixed]
#
# One step of `git bisect run`, from inside a kernel git tree:
#
#   git bisect start BAD GOOD
#   git bisect run /path/to/gpc-rig/tools/bisect-step.sh --case runstate-sweep-hvm64
#
# Builds the checked-out commit with the rig's Kconfig fragment merged in
# (out of tree, the tree's own .config untouched), boots it and runs the
# cases.  Exit status, as git bisect run wants it:
#   0    good: every selected case passed
#   1    bad: a case ended FAIL, CRASH, SPLAT, TIMEOUT or XPASS
#   125  skip: the commit does not build, or the rig failed (ERROR) for a
#        reason that says nothing about the case
#   255  abort: bad usage, not a git tree
# With --fixed the meaning of pass and fail swaps, for finding the commit
# that fixed a case (git bisect start --term-old=broken --term-new=fixed).

set -uo pipefail

rig=$(cd "$(dirname "$0")/.." && pwd)
cache=${GPC_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpc-rig}
case_pat=
fixed=0
matrix=$rig/matrix.cfg

abort() { echo "bisect-step: $*" >&2; exit 255; }

while [ $# -gt 0 ]; do
	case $1 in
	--case) case_pat=${2:-}; shift 2 ;;
	--fixed) fixed=1; shift ;;
	--matrix) matrix=${2:-}; shift 2 ;;
	*) abort "unknown argument '$1'" ;;
	esac
done
[ -n "$case_pat" ] || abort "--case is required"
tree=$(git rev-parse --show-toplevel 2>/dev/null) || abort "not inside a git tree"
sha=$(git -C "$tree" rev-parse HEAD) || abort "no HEAD"
subject=$(git -C "$tree" log -1 --format=%s HEAD)
say() { echo "bisect-step: ${sha:0:12} $subject: $*" >&2; }

kernel=$("$rig/tools/build-tree.sh" "$tree")
case $? in
0) ;;
1) say "skip (does not build)"; exit 125 ;;
*) abort "build-tree.sh failed to start" ;;
esac

# Keep this commit's kernel and results: the helper's report points at them.
keep=$cache/bisect/$sha
rm -rf "$keep"
mkdir -p "$keep"
cp "$kernel" "$keep/bzImage"
"$rig/run.sh" --matrix "$matrix" --kernel "$keep/bzImage" --case "$case_pat" \
	--results "$keep/results" > "$keep/run.log" 2>&1
verdict=$(python3 - "$keep/results/latest/summary.json" <<'EOF'
import json, sys
try:
    results = json.load(open(sys.argv[1]))["results"]
except (OSError, ValueError, KeyError):
    print("skip no results")
    sys.exit()
statuses = sorted({r["status"] for r in results})
if any(s in ("FAIL", "CRASH", "SPLAT", "TIMEOUT", "XPASS") for s in statuses):
    print("bad", " ".join(statuses))
elif results and all(s in ("PASS", "XFAIL") for s in statuses):
    print("good", " ".join(statuses))
else:
    print("skip", " ".join(statuses))
EOF
)
read -r what statuses <<< "$verdict"
if [ $fixed = 1 ]; then
	case $what in good) what=fixed ;; bad) what=broken ;; esac
fi
say "$what ($statuses)"
case $what in
good|broken) exit 0 ;;
bad|fixed) exit 1 ;;
*) exit 125 ;;
esac
