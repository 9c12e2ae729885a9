#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The rig's log checker: from serial logs to statuses.

A run directory holds, for every host that was booted:

    hosts                  the hosts of the run, in order
    HOST.plan              the host's planned cases (matrix.PlanEntry lines)
    HOST.serial.log        the rig channel: init's framing, VMM and guest output
    HOST.kernel.log        the host kernel's console
    HOST.boot              rc=N of QEMU (124: killed at the boot timeout),
                           or error=MESSAGE when the host could not be booted

A host whose cases the driver split over several boots also has HOST.boots,
one boot name a line (HOST+1, HOST+2, ...); each boot B then has B.plan,
B.serial.log, B.kernel.log and B.boot, and HOST.plan orders the results.

`logcheck.py report RUN_DIR` turns these into one status per host and case,
prints the table, writes summary.json, results.ktap and junit.xml, and exits
0 only when every status is the one the matrix expects.
"""

import json
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matrix  # noqa: E402
import rigabi  # noqa: E402

# The VMM's exit codes, from include/rig/abi.h.
EXIT = {name: rigabi.vmm_exit(name) for name in rigabi.vmm_exit_names().values()}

RESULT_RE = re.compile(r"^(not ok|ok) (\d+)(?: (?:- )?([^#]*?))?\s*(?:#\s*(.*))?$")
TOTALS_RE = re.compile(r"^# Totals: pass:(\d+) fail:(\d+) xfail:(\d+) xpass:(\d+) "
                       r"skip:(\d+) error:(\d+)$")
PANIC_RE = re.compile(r"Kernel panic - not syncing.*")


class Result:
    def __init__(self, host, case, status, reason="", checks=None):
        self.host = host
        self.case = case
        self.status = status
        self.reason = reason
        self.checks = checks or []
        self.expect = "PASS"
        self.log = []
        self.time = None         # seconds the case ran, from init's ms=
        self.stale = []          # known deviations that passed (XPASS)
        self.release = ""        # the host kernel's release, where it ran
        self.abi = {}            # check -> the reference's assertions it checks
        self.started = True      # False: its boot never reached the case

    @property
    def as_expected(self):
        # A skip is never a failure: it carries its reason and is counted
        # on its own.
        if self.status == "XFAIL":
            return self.expect == "PASS"
        return self.status == self.expect or self.status == "SKIP"

    def to_json(self):
        return {"host": self.host, "case": self.case, "status": self.status,
                "reason": self.reason, "expect": self.expect,
                "as_expected": self.as_expected, "time": self.time,
                "checks": [{"ok": ok, "name": name, "directive": d,
                            "xen_abi": self.abi.get(name, [])}
                           for ok, name, d in self.checks]}


class Section:
    def __init__(self, name):
        self.name = name
        self.lines = []
        self.end = None          # dict from the case-end line
        self.splats = []


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().replace("\r", "")
    except OSError:
        return None


def split_serial(text):
    """Cut the rig channel into per-case sections at init's framing lines."""
    sections = {}
    boot_splats = []
    began = ended = False
    errors = []
    cur = None
    for line in text.splitlines():
        if not line.startswith("@@rig "):
            if cur:
                cur.lines.append(line)
            continue
        words = line.split(" ", 3)
        kind = words[1] if len(words) > 1 else ""
        if kind == "host-begin":
            # release=..., xen_hvm=...: what the host said about itself.
            began = dict(kv.split("=", 1) for kv in line.split()[2:] if "=" in kv) or {"": ""}
        elif kind == "host-end":
            ended = True
        elif kind == "case-begin" and len(words) > 2:
            cur = Section(words[2])
            sections[cur.name] = cur
        elif kind == "case-end" and len(words) > 2:
            sec = sections.get(words[2])
            if sec:
                sec.end = dict(kv.split("=", 1) for kv in line.split()[3:] if "=" in kv)
            cur = None
        elif kind == "splat" and len(words) > 3:
            if words[2] in sections:
                sections[words[2]].splats.append(words[3])
            else:
                boot_splats.append(words[3])
        elif kind == "error":
            errors.append(line[len("@@rig error "):])
    return began, ended, sections, boot_splats, errors


ABI_RE = re.compile(r"^# xen-abi: (\d+)$")


def abi_tags(lines):
    """check name -> the numbered assertions ('# xen-abi: N' lines right
    before its result line) that it implements."""
    tags, pending = {}, []
    for line in lines:
        s = line.strip()
        m = ABI_RE.match(s)
        if m:
            pending.append(int(m.group(1)))
            continue
        m = RESULT_RE.match(s)
        if m and pending:
            name = (m.group(3) or "").strip() or "check_%s" % m.group(2)
            tags.setdefault(name, []).extend(n for n in pending if n not in tags.get(name, []))
            pending = []
    return tags


def parse_ktap(lines):
    """Results, totals and diagnostics of a guest's KTAP output."""
    version = False
    checks = []
    totals = None
    diags = []
    for line in lines:
        s = line.strip()
        if s == "KTAP version 1":
            version = True
            continue
        m = TOTALS_RE.match(s)
        if m:
            totals = [int(x) for x in m.groups()]
            continue
        if s.startswith("#"):
            diags.append(s[1:].strip())
            continue
        m = RESULT_RE.match(s)
        if m and version:
            ok = m.group(1) == "ok"
            name = (m.group(3) or "").strip() or "check_%s" % m.group(2)
            directive = (m.group(4) or "").strip()
            checks.append((ok, name, directive))
    return version, checks, totals, diags


def first(diags, prefix):
    for d in diags:
        if d.startswith(prefix):
            return d[len(prefix):].strip()
    return None


def vmm_error(lines):
    """The VMM's one-line error ("vmm: ..."), if it printed one."""
    for line in reversed(lines):
        if line.startswith("vmm: "):
            return line[len("vmm: "):]
    return None


def is_skip(directive):
    return directive.upper().startswith("SKIP")


def is_error(directive):
    """A check the guest could not make: the rig's precondition failed."""
    return directive.upper().startswith("ERROR")


def not_counted(directive):
    return is_skip(directive) or is_error(directive)


def judge_exit0(checks, totals):
    if totals is None:
        return "ERROR", "guest output incomplete: no '# Totals:' line"
    if not checks:
        return "ERROR", "guest reported no results"
    npass = sum(1 for ok, _, d in checks if ok and not not_counted(d))
    nskip = sum(1 for _, _, d in checks if is_skip(d))
    errors = [(name, d[5:].strip()) for _, name, d in checks if is_error(d)]
    nfail = len(checks) - npass - nskip - len(errors)
    if (npass, nfail, nskip, len(errors)) != (totals[0], totals[1], totals[4], totals[5]):
        return "ERROR", ("totals pass:%d fail:%d skip:%d error:%d do not match %d results seen"
                         % (totals[0], totals[1], totals[4], totals[5], len(checks)))
    if errors:
        # The rig could not set the case up: whatever else failed is not
        # KVM's to answer for.
        return "ERROR", "rig: %s: %s" % errors[0]
    failed = [name for ok, name, d in checks if not ok and not is_skip(d)]
    if failed:
        more = " (+%d more)" % (len(failed) - 3) if len(failed) > 3 else ""
        return "FAIL", "failed: " + ", ".join(failed[:3]) + more
    if nskip == len(checks):
        return "SKIP", checks[0][2][4:].strip() or "all checks skipped"
    return "PASS", ""


def judge_case(sec, panic, boot_rc):
    version, checks, totals, diags = parse_ktap(sec.lines)
    end = sec.end
    if end is None:
        if panic:
            return "SPLAT", "host kernel panic during the case: " + panic, checks
        if boot_rc == 124:
            return "TIMEOUT", "host stopped responding during the case", checks
        if boot_rc not in (None, 0):
            # QEMU itself went away mid-case (killed, crashed): say so
            # rather than blame the log.
            why = "QEMU exit %d" % boot_rc
            if boot_rc > 128:
                why += " (killed by signal %d)" % (boot_rc - 128)
            return "ERROR", why + " during the case", checks
        return "ERROR", "log truncated inside the case", checks

    vmm = vmm_error(sec.lines)
    if "signal" in end:
        if end["signal"] == "9":
            return "TIMEOUT", "VMM stuck past its timeout, killed by init", checks
        return "ERROR", "VMM killed by signal %s" % end["signal"], checks
    code = int(end["exit"]) if end.get("exit", "").isdigit() else None
    if code == EXIT["poweroff"]:
        status, reason = judge_exit0(checks, totals)
        if status == "ERROR" and not version:
            reason = "no KTAP output"
        return status, reason, checks
    if code == EXIT["other"]:
        return "FAIL", first(diags, "vmm:") or "guest shut down with an unexpected reason", checks
    if code == EXIT["crash"]:
        return "CRASH", first(diags, "crash:") or "guest reported a crash", checks
    if code == EXIT["triple"]:
        why = [d[4:].strip() for d in diags if d.startswith("vmm:")]
        return "CRASH", (why[-1] if why else "triple fault or KVM internal error"), checks
    if code == EXIT["timeout"]:
        after = first(diags, "vmm: timeout")
        return "TIMEOUT", ("timeout " + after) if after else "case timed out", checks
    if code == EXIT["skip"]:
        return "SKIP", vmm or "host lacks a capability", checks
    if code == EXIT["output_cap"]:
        # The guest flooded its console: the VMM stopped it at the cap, so
        # whatever it would have reported after that is lost.
        cap = [d[4:].strip() for d in diags if d.startswith("vmm: serial output capped")]
        return "FAIL", cap[0] if cap else "guest output capped", checks
    return "ERROR", vmm or "VMM exit %s" % end.get("exit", "?"), checks


KLOG_TIME_RE = re.compile(r"^\[\s*\d+\.\d+\]\s?")


def splat_trace(klog, first, lines=8):
    """The splat whose first line init reported, and the first lines of its
    call trace, from the host kernel's console."""
    out = [KLOG_TIME_RE.sub("", ln) for ln in klog.splitlines()]
    try:
        start = out.index(first)
    except ValueError:
        return []
    try:
        trace = out.index("Call Trace:", start)
    except ValueError:
        return [first]
    return [first] + [ln.strip() for ln in out[trace:trace + 1 + lines]
                      if ln.strip() != "<TASK>"]


def judge_host(host, plan_cases, rundir):
    """One Result per planned case of a host, over all of its boots."""
    boots = (read(os.path.join(rundir, host + ".boots")) or "").split()
    if not boots:
        return judge_boot(host, host, plan_cases, rundir)
    got = {}
    for b in boots:
        cases = [e.name for e in matrix.read_plan(os.path.join(rundir, b + ".plan"))]
        for r in judge_boot(host, b, cases, rundir):
            # A case that never started in a boot that a wedged case ended
            # ran in the boot after it.
            if r.case not in got or not got[r.case].started:
                got[r.case] = r
    return [got.get(c) or Result(host, c, "ERROR", "case in no boot of the host")
            for c in plan_cases]


def judge_boot(host, boot_name, plan_cases, rundir):
    """One Result per planned case of one boot of a host."""
    boot = read(os.path.join(rundir, boot_name + ".boot")) or ""
    if boot.startswith("error="):
        why = boot[len("error="):].strip()
        return [Result(host, c, "ERROR", why) for c in plan_cases]
    m = re.search(r"rc=(\d+)", boot)
    boot_rc = int(m.group(1)) if m else None
    m = re.search(r"wedged=(\S+)", boot)
    wedged = m.group(1) if m else None
    serial = read(os.path.join(rundir, boot_name + ".serial.log"))
    klog = read(os.path.join(rundir, boot_name + ".kernel.log")) or ""
    pm = PANIC_RE.search(klog)
    panic = pm.group(0).strip() if pm else None
    if serial is None:
        return [Result(host, c, "ERROR", "no serial log") for c in plan_cases]

    began, _ended, sections, boot_splats, errors = split_serial(serial)
    release = began.get("release", "") if began else ""
    results = []
    for c in plan_cases:
        sec = sections.get(c)
        if sec is None:
            if not began:
                if panic:
                    status, why = "ERROR", "host kernel panicked before init: " + panic
                elif boot_rc == 124:
                    status, why = "TIMEOUT", "host did not reach init before the boot timeout"
                elif boot_rc not in (None, 0):
                    qemu = (read(os.path.join(rundir, boot_name + ".serial.log.qemu")) or "").strip()
                    last = qemu.splitlines()[-1] if qemu else "no message"
                    status, why = "ERROR", "QEMU exit %d: %s" % (boot_rc, last)
                else:
                    status, why = "ERROR", "host never reached init"
            elif panic:
                status, why = "ERROR", "host died before the case ran: " + panic
            elif boot_rc == 124:
                status, why = "TIMEOUT", "host hung before the case ran"
            elif boot_rc not in (None, 0) and not errors:
                status, why = "ERROR", "QEMU exit %d before the case ran" % boot_rc
            else:
                status, why = "ERROR", (errors[0] if errors else "case never started")
            r = Result(host, c, status, why)
            r.started = False
            results.append(r)
            continue
        status, why, checks = judge_case(sec, panic, boot_rc)
        if c == wedged and sec.end is None:
            last = [ln.strip() for ln in klog.splitlines() if ln.strip()][-3:]
            status = "TIMEOUT"
            why = ("the VMM never returned, even past its timeout and init's grace: "
                   "the driver ended the boot; host kernel: " + (" | ".join(last) or "silent"))
            sec.lines = sec.lines + ["# host kernel: " + ln for ln in last]
        if sec.splats and status != "ERROR":
            status, why = "SPLAT", "host kernel: " + sec.splats[0]
            sec.lines = sec.lines + ["# host kernel: " + ln for ln in splat_trace(klog, sec.splats[0])]
        r = Result(host, c, status, why, checks)
        r.log = sec.lines
        r.abi = abi_tags(sec.lines)
        r.release = release
        if sec.end and sec.end.get("ms", "").isdigit():
            r.time = int(sec.end["ms"]) / 1000
        results.append(r)
    if boot_splats:
        # A splat while booting is the host's, not a case's: blame the first.
        for r in results[:1]:
            if r.status != "ERROR":
                r.status, r.reason = "SPLAT", "host kernel at boot: " + boot_splats[0]
    return results


def load_plan(path):
    return [e.name for e in matrix.read_plan(path)]


def apply_expectations(r, exp):
    """Turn known deviations into XFAIL, and stale ones into XPASS."""
    if r.case in exp.cases:
        r.expect = exp.cases[r.case][0]
    known = {check: why for (case, check), why in exp.checks.items() if case == r.case}
    if not known or r.status not in ("PASS", "FAIL"):
        return
    seen = {name: (ok, d) for ok, name, d in r.checks}
    xfail = [n for n, (ok, d) in seen.items() if n in known and not ok and not is_skip(d)]
    xpass = [n for n, (ok, d) in seen.items() if n in known and ok and not is_skip(d)
             and (r.case, n) not in exp.flaky]
    other = [n for n, (ok, d) in seen.items() if n not in known and not ok and not is_skip(d)]
    r.checks = [(ok, name, ("XFAIL " + known[name]) if name in xfail else d)
                for ok, name, d in r.checks]
    if other:
        # Still FAIL, for the other checks.
        more = " (+%d more)" % (len(other) - 3) if len(other) > 3 else ""
        r.reason = "failed: " + ", ".join(other[:3]) + more
        return
    if xpass:
        r.stale = xpass
        r.status = "XPASS"
        r.reason = "known deviation no longer seen: " + ", ".join(xpass)
    elif xfail:
        r.status = "XFAIL"
        r.reason = "; ".join("%s: %s" % (n, known[n]) for n in xfail)
        if all((r.case, n) in exp.flaky for n in xfail):
            # Only checks known to fail now and then: say so, so that a
            # soak can tell this PASS/XFAIL flip from an unknown flake.
            r.reason = "flaky: " + r.reason


def name_known(r, ref, exp):
    """On a kernel with no expectations of its own (custom, native), say
    which failing checks are known deviations of a kernel of its version
    and what fixes each; the status stays what it is, so a bisect or a
    developer's own fix still sees the failure."""
    known, unknown = [], []
    checks = []
    for ok, name, d in r.checks:
        if not ok and not not_counted(d):
            fix = exp.fixes.get((r.case, name))
            if fix:
                d = "known: %s: %s" % (matrix.describe_fix(fix), exp.checks[(r.case, name)])
                known.append("%s (%s)" % (name, matrix.describe_fix(fix)))
            else:
                unknown.append(name)
        checks.append((ok, name, d))
    r.checks = checks
    if r.status == "FAIL" and known:
        more = " (+%d more)" % (len(unknown) - 3) if len(unknown) > 3 else ""
        r.reason = ("failed: %s%s; " % (", ".join(unknown[:3]), more) if unknown
                    else "only known deviations failed; ")
        r.reason += "known on %s: %s" % (ref, ", ".join(known))


def collect(rundir, mtx):
    hosts = (read(os.path.join(rundir, "hosts")) or "").split()
    results = []
    for h in hosts:
        exp = matrix.expectations_for(mtx, h)
        rs = judge_host(h, load_plan(os.path.join(rundir, h + ".plan")), rundir)
        ref = ref_exp = None
        if h in matrix.PSEUDO_HOSTS:
            ref = matrix.reference_host(mtx, next((r.release for r in rs if r.release), ""))
            ref_exp = matrix.expectations_for(mtx, ref) if ref else None
        for r in rs:
            case = mtx.cases.get(r.case) if mtx else None
            if case:
                r.expect = case.opts["expect"]
            apply_expectations(r, exp)
            if ref:
                name_known(r, ref, ref_exp)
            results.append(r)
    return hosts, results


def table(hosts, results):
    cases = []
    for r in results:
        if r.case not in cases:
            cases.append(r.case)
    cell = {(r.host, r.case): r for r in results}
    w0 = max([len("case")] + [len(c) for c in cases])
    ws = [max(len(h), 9) for h in hosts]
    out = ["%-*s  %s" % (w0, "case", "  ".join("%-*s" % (w, h) for w, h in zip(ws, hosts)))]
    for c in cases:
        row = []
        for w, h in zip(ws, hosts):
            r = cell.get((h, c))
            if not r:
                txt = "-"
            else:
                txt = r.status + ("" if r.as_expected else "!")
            row.append("%-*s" % (w, txt))
        out.append(("%-*s  %s" % (w0, c, "  ".join(row))).rstrip())
    return "\n".join(out)


def ktap_case_line(i, r):
    """A case's result line, in kselftest's terms: whatever the matrix
    expects is `ok` (with XFAIL when it is not a pass), so that a consumer
    that knows only ok and not ok counts exactly the unexpected results."""
    name = "%s:%s" % (r.host, r.case)
    if r.status == "SKIP":
        return "ok %d %s # SKIP %s" % (i, name, r.reason)
    if r.as_expected and r.status == "PASS":
        return "ok %d %s" % (i, name)
    if r.as_expected and r.status == "XFAIL":
        return "ok %d %s # XFAIL %s" % (i, name, r.reason)
    if r.as_expected:
        return "ok %d %s # XFAIL expected %s: %s" % (i, name, r.status, r.reason)
    if r.status in ("TIMEOUT", "ERROR", "XPASS"):
        return "not ok %d %s # %s %s" % (i, name, r.status, r.reason)
    return "not ok %d %s # %s: %s (expected %s)" % (i, name, r.status, r.reason, r.expect)


def ktap_checks(r):
    """A case's checks as (ok, rest of the line) for its subtest: a result
    that is not what the matrix expects has at least one `not ok` among
    them, one that is has none."""
    out = []
    for ok, cname, d in r.checks:
        if not ok and d.startswith("XFAIL "):
            out.append((True, "%s # %s" % (cname, d)))
        elif not ok and not is_skip(d) and r.as_expected:
            out.append((True, "%s # XFAIL expected %s" % (cname, r.status)))
        elif ok and r.status == "XPASS" and cname in r.stale:
            out.append((False, "%s # XPASS known deviation no longer seen" % cname))
        else:
            out.append((ok, cname + (" # " + d if d else "")))
    if not r.as_expected and r.status != "SKIP" and all(ok for ok, _ in out):
        # Every check passed, yet the case did not (a crash, a splat, a
        # timeout after the last check): the case's own line says why.
        out.append((False, "case_%s # %s" % (r.status.lower(), r.reason)))
    return out


def ktap_safe(line):
    """kunit.py stops reading at a kernel's "Kernel panic - not syncing:
    VFS:" line (its own kernel's end), so a reason that quotes a host's
    panic must not spell it that way."""
    return line.replace("Kernel panic - not syncing:", "kernel panic, not syncing:")


def ktap(results):
    out = ["KTAP version 1", "1..%d" % len(results)]
    for i, r in enumerate(results, 1):
        checks = ktap_checks(r)
        if checks:
            out.append("    KTAP version 1")
            out.append("    # Subtest: %s:%s" % (r.host, r.case))
            out.append("    1..%d" % len(checks))
            for j, (ok, rest) in enumerate(checks, 1):
                out.append(("    %s %d %s" % ("ok" if ok else "not ok", j, rest)).rstrip())
        out.append(ktap_case_line(i, r).rstrip())
    return "\n".join(ktap_safe(ln) for ln in out) + "\n"


def junit(results):
    """JUnit XML as CI systems read it: one testsuite per host, a failure
    only for a result the matrix does not expect, the case's output."""
    root = ET.Element("testsuites")
    hosts = list(dict.fromkeys(r.host for r in results))
    for h in hosts:
        rs = [r for r in results if r.host == h]
        suite = ET.SubElement(root, "testsuite", name=h, tests=str(len(rs)),
                              failures=str(sum(1 for r in rs if not r.as_expected
                                               and r.status != "ERROR")),
                              errors=str(sum(1 for r in rs if not r.as_expected
                                             and r.status == "ERROR")),
                              skipped=str(sum(1 for r in rs if r.status == "SKIP")),
                              time="%.3f" % sum(r.time or 0 for r in rs))
        release = next((r.release for r in rs if r.release), "")
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="kernel", value=release)
        for r in rs:
            tc = ET.SubElement(suite, "testcase", classname=h, name=r.case,
                               time="%.3f" % (r.time or 0))
            msg = "%s (expected %s): %s" % (r.status, r.expect, r.reason)
            if r.status == "SKIP":
                ET.SubElement(tc, "skipped", message=r.reason)
            elif not r.as_expected:
                tag = "error" if r.status == "ERROR" else "failure"
                ET.SubElement(tc, tag, message=msg, type=r.status).text = r.reason
            elif r.status != "PASS":
                # An expected failure passes, and says what it was.
                props = ET.SubElement(tc, "properties")
                ET.SubElement(props, "property", name="expected-status", value=r.status)
                ET.SubElement(props, "property", name="expected-reason", value=r.reason)
            if r.log:
                ET.SubElement(tc, "system-out").text = "\n".join(r.log) + "\n"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def report(rundir, mtx, repro_cmd="./run.sh"):
    hosts, results = collect(rundir, mtx)
    summary = {"results": [r.to_json() for r in results]}
    prov = read(os.path.join(rundir, "provenance.json"))
    if prov:
        # What the driver recorded of the run: kernels, configs, the series,
        # QEMU and the rig, so runs from other machines and labs compare.
        summary["provenance"] = json.loads(prov)
    with open(os.path.join(rundir, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    with open(os.path.join(rundir, "results.ktap"), "w", encoding="utf-8") as f:
        f.write(ktap(results))
    with open(os.path.join(rundir, "junit.xml"), "w", encoding="utf-8") as f:
        f.write(junit(results))

    print(table(hosts, results))
    bad = [r for r in results if not r.as_expected]
    skipped = sum(1 for r in results if r.status == "SKIP")
    for r in bad:
        print("%s %s: %s, expected %s: %s" % (r.host, r.case, r.status, r.expect, r.reason))
        print("  reproduce: %s --host %s --case %s" % (repro_cmd, r.host, r.case))
    # Counted as results that are what the matrix expects, in the plain form
    # CI systems read.
    print("%d passed, %d failed, %d skipped" %
          (len(results) - len(bad) - skipped, len(bad), skipped))
    return 1 if bad or not results else 0


def print_statuses(rundir, with_reason, stable=False):
    """For scripts that compare runs: one line per result, in run order.

    With @stable, an XFAIL that only FLAKY checks caused reads as PASS: the
    two are the same known result, as far as a soak is concerned.
    """
    try:
        with open(os.path.join(rundir, "summary.json"), encoding="utf-8") as f:
            results = json.load(f)["results"]
    except (OSError, ValueError, KeyError) as e:
        print("logcheck: %s: no summary (%s)" % (rundir, e), file=sys.stderr)
        return 2
    for r in results:
        status = r["status"]
        if stable and status == "XFAIL" and r["reason"].startswith("flaky: "):
            status = "PASS"
        words = [r["host"], r["case"], status]
        if with_reason:
            words.append(r["reason"])
        print(" ".join(words))
    return 0


def main(argv):
    import argparse

    ap = argparse.ArgumentParser(prog="logcheck.py")
    ap.add_argument("--matrix", default=os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "matrix.cfg"))
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("report", help="statuses of a run directory")
    p.add_argument("rundir")
    p = sub.add_parser("statuses", help="'HOST CASE STATUS' lines of a checked run")
    p.add_argument("rundir")
    p.add_argument("--reason", action="store_true", help="add each reason")
    p.add_argument("--stable", action="store_true",
                   help="an XFAIL of FLAKY checks only reads as PASS")
    args = ap.parse_args(argv)
    if args.cmd == "statuses":
        return print_statuses(args.rundir, args.reason, args.stable)
    if not os.path.isdir(args.rundir):
        print("logcheck: no run directory %s" % args.rundir, file=sys.stderr)
        return 2
    try:
        return report(args.rundir, matrix.Matrix(args.matrix))
    except OSError as e:
        # A full disk or a read-only results directory: one line, and no
        # results printed that were never recorded.
        print("logcheck: cannot write the results to %s: %s"
              % (args.rundir, e.strerror or e), file=sys.stderr)
        return 2
    except matrix.MatrixError as e:
        print("logcheck: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
