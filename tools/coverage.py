#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Which of the references' numbered assertions a run checked.

Assertions 1-40 are the runstate/hypercall-page/word-size reference's,
41-80 the event-channel, timer, poll and vcpu_time_info reference's.

The guest prints "# xen-abi: N" just before the result line of a check that
implements assertion N.  This reads a run directory (default
results/latest) and prints, per assertion, the checks behind it and what
each host made of them: ok, XFAIL (a known deviation) or FAIL.
"""

import json
import os
import sys

TOTAL = 80
EVENTS_FIRST = 41


def scan(rundir):
    """assertion -> {(case, check)}, and (host, case, check) -> outcome."""
    with open(os.path.join(rundir, "summary.json"), encoding="utf-8") as f:
        results = json.load(f)["results"]
    outcome = {}
    for r in results:
        for c in r["checks"]:
            d = c["directive"].upper()
            state = "SKIP" if d.startswith("SKIP") else \
                "XFAIL" if d.startswith("XFAIL") else "ok" if c["ok"] else "FAIL"
            outcome[(r["host"], r["case"], c["name"])] = state
    hosts = list(dict.fromkeys(r["host"] for r in results))
    # The log checker tagged each check with its assertions.
    checks = {}
    for r in results:
        for c in r["checks"]:
            for n in c.get("xen_abi", []):
                checks.setdefault(n, set()).add((r["case"], c["name"]))
    return hosts, checks, outcome


def main(argv):
    rundir = argv[0] if argv else os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "results", "latest")
    try:
        hosts, checks, outcome = scan(rundir)
    except OSError as e:
        print("coverage: %s" % e, file=sys.stderr)
        return 2
    print("%-4s %-7s %s" % ("#", "checks", "  ".join("%-14s" % h for h in hosts)))
    missing = []
    for n in range(1, TOTAL + 1):
        cs = checks.get(n, set())
        if not cs:
            missing.append(n)
            continue
        cells = []
        for h in hosts:
            seen = [outcome.get((h, c, k)) for c, k in cs]
            seen = [s for s in seen if s]
            if not seen:
                cells.append("-")
                continue
            summary = []
            for state in ("FAIL", "XFAIL", "SKIP", "ok"):
                k = seen.count(state)
                if k:
                    summary.append("%d %s" % (k, state))
            cells.append(", ".join(summary))
        print("%-4d %-7d %s" % (n, len(cs), "  ".join("%-14s" % c for c in cells)))
    print("%d of %d assertions checked; not checked: %s" %
          (TOTAL - len(missing), TOTAL, " ".join(map(str, missing)) or "none"))
    events = [n for n in range(EVENTS_FIRST, TOTAL + 1) if n not in missing]
    print("event channels, timers, poll, vcpu_time_info (#%d-#%d): %d checked" %
          (EVENTS_FIRST, TOTAL, len(events)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
