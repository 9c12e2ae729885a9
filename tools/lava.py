#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""LAVA job definitions for the rig's host ISOs, and LAVA's results read back.

A lab of real machines runs LAVA; a host ISO (tools/images.sh) is what such
a machine boots.  `lava.py jobs` writes two job definitions per host:

    HOST.yaml        deploy the ISO to a machine of the lab (deploy to
                     flasher: the device's own commands put {ISO} on it,
                     e.g. through a BMC's virtual media or a USB stick),
                     power it on (boot method minimal) and watch its first
                     serial port
    HOST-qemu.yaml   the same ISO on LAVA's qemu device type: TCG with
                     -cpu max (nested SVM for the host's KVM), the rig
                     channel on the first serial port, the host kernel's
                     console on the second

Both end in a `monitors` test action with one monitor per planned case: it
starts at init's `@@rig case-begin CASE` line, ends at `@@rig case-end
CASE`, and its pattern matches every KTAP result line in between, so LAVA
records one result per check, in test suite CASE (check names repeat
across cases; the suite tells them apart).  The case's own status (CRASH,
TIMEOUT, a known deviation) stays the rig's verdict: LAVA's log of the rig
channel is a serial log that `run.sh --serial-log` reads.

The other commands serve the check of a run through lava-run (see
tools/lava-run.sh): `device` writes a qemu device dictionary for a job,
`serial` and `results` read lava-run's log, `compare` holds LAVA's
results against the rig's summary.json, `replay` applies the monitors to a
serial log the way LAVA does, without LAVA.

Runs with Debian's python3 (PyYAML; `validate` needs lava-common).
"""

import argparse
import hashlib
import json
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matrix  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# One KTAP result line, as LAVA's monitor reads it from the serial stream:
#
#   ok 3 name | not ok 3 name | ... # SKIP reason | ... # ERROR reason
#
# LAVA takes two named groups from a match: result (mapped through the
# fixupdict to pass/fail/skip) and test_case_id.  A skip is told by the
# directive after the name, a pass or fail by the words before it, so the
# pattern opens with a lookahead: through the line's first '#' to SKIP if
# there is one (result = SKIP), else nothing (result = ok / not ok).  The
# match then consumes the line up to the end of the name and ends in a
# lookahead for the line's end: a line still arriving never matches, so a
# name is never cut short and a directive never missed.  Like the rig's log
# checker, the name is what stands between the number (and an optional
# "- ") and the first '#'; a result line without a name is not matched.
RESULT_PATTERN = (
    r"[\r\n][ \t]*"
    r"(?=(?:(?:not )?ok [0-9]+ [^#\r\n]*#[ \t]*(?=SKIP|Skip|skip)|)"
    r"(?P<result>not ok|ok|SKIP|Skip|skip))"
    r"(?:not )?ok [0-9]+ (?:- )?(?P<test_case_id>[^#\r\n]*[^\s#])"
    r"(?=[^\r\n]*[\r\n])"
)
FIXUP = {"ok": "pass", "not ok": "fail", "SKIP": "skip", "Skip": "skip", "skip": "skip"}

# Seconds.  BOOT: from power-on to init's first case (firmware, grub's 5 s
# menu, the kernel; a lab machine's firmware takes longest).  PER_CASE:
# init and the VMM around each case's own timeout.
BOOT = {"iso": 600, "qemu": 180}
DEPLOY = {"iso": 900, "qemu": 300}
PER_CASE = 15
MARGIN = 300

# The qemu device type's job context, as lava-server's qemu.jinja2 reads it
# (no_kvm: no -enable-kvm -cpu host; extra_options: appended as they are).
QEMU_CONTEXT = {
    "arch": "amd64",
    "no_kvm": True,
    "memory": 512,
}
# As tools/boot-host.sh boots a host: no default devices, no reboot (a
# panicking host ends the job at once: panic=-1 on the ISO's command line).
QEMU_OPTIONS = ["-accel tcg", "-cpu max", "-smp 1", "-nodefaults", "-no-reboot"]

# The lab's device type for the ISO job: an x86-64 machine whose device
# type offers the flasher deploy method and the minimal boot method (LAVA's
# stock x86 type boots through iPXE and offers neither; the README ("Scale-out through LAVA") has a
# device-type template).
DEFAULT_DEVICE_TYPE = "gpc-rig-x86"


def norm_case(name):
    """A test case name as LAVA stores it (lava_dispatcher's monitor)."""
    return re.sub(r"\W+", "_", name.strip().lower())


def norm_suite(name):
    return name.replace(" ", "-").lower()


def literal(name):
    """A case name inside a pattern: names are [A-Za-z0-9._-]."""
    return "".join(c if c.isalnum() or c in "_-" else "\\" + c for c in name)


def monitor(case):
    n = literal(case)
    return {
        "name": case,
        "start": r"@@rig case-begin %s(?=\s)" % n,
        "end": r"@@rig case-end %s(?=\s)" % n,
        "pattern": RESULT_PATTERN,
        "fixupdict": dict(FIXUP),
    }


def minutes(seconds):
    return {"minutes": max(1, math.ceil(seconds / 60))}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def job(host, entries, kind, iso_url, sha=None, device_type=DEFAULT_DEVICE_TYPE,
        console=None):
    """One host's job definition: kind 'iso' (a lab machine) or 'qemu'."""
    cases = [e.name for e in entries]
    longest = max([e.timeout for e in entries] or [30])
    # The monitor waits this long for each case to begin (the first one
    # after the whole boot), and between two lines inside a case.
    wait = BOOT[kind] + longest + PER_CASE
    test = BOOT[kind] + sum(e.timeout + PER_CASE for e in entries)
    total = DEPLOY[kind] + wait + test + MARGIN

    image = {"url": iso_url}
    if sha:
        image["sha256sum"] = sha
    d = {
        "job_name": "gpc-rig %s: %d cases (%s)" % (
            host, len(cases), "qemu, TCG" if kind == "qemu" else "host ISO"),
        "device_type": "qemu" if kind == "qemu" else device_type,
        "visibility": "public",
        "priority": "medium",
        "timeouts": {
            "job": minutes(total),
            "connections": {"lava-test-monitor": minutes(wait)},
        },
        "metadata": {
            "gpc-rig.host": host,
            "gpc-rig.cases": len(cases),
            "gpc-rig.iso": os.path.basename(iso_url),
        },
    }
    if kind == "qemu":
        second = "file:" + console if console else "null"
        d["context"] = dict(QEMU_CONTEXT, extra_options=QEMU_OPTIONS + [
            # The rig channel first (the connection LAVA reads), then
            # the host kernel's console.
            "-serial stdio", "-serial " + second])
        image["image_arg"] = "-cdrom {iso} -boot d"
        deploy = {"to": "tmpfs", "timeout": minutes(DEPLOY[kind]), "images": {"iso": image}}
        boot = {"method": "qemu", "media": "tmpfs", "timeout": minutes(wait)}
    else:
        deploy = {"to": "flasher", "timeout": minutes(DEPLOY[kind]), "images": {"iso": image}}
        boot = {"method": "minimal", "timeout": minutes(wait)}
    d["actions"] = [
        {"deploy": deploy},
        {"boot": boot},
        {"test": {"timeout": minutes(test), "monitors": [monitor(c) for c in cases]}},
    ]
    return d


def dump(data, header):
    import yaml

    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=1 << 16)
    return "".join("# %s\n" % ln if ln else "#\n" for ln in header) + text


def load(path):
    import yaml

    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def write_jobs(args):
    mtx = matrix.Matrix(args.matrix)
    hosts = [h.name for h in mtx.select_hosts(args.host)]
    os.makedirs(args.out, exist_ok=True)
    images = os.path.abspath(args.images)
    base = args.url.rstrip("/") if args.url else "file://" + images
    for host in hosts:
        entries = matrix.plan_entries(mtx, host, "")
        iso = os.path.join(images, host + ".iso")
        sha = sha256(iso) if os.path.exists(iso) else None
        url = "%s/%s.iso" % (base, host)
        for kind, name in (("iso", host + ".yaml"), ("qemu", host + "-qemu.yaml")):
            d = job(host, entries, kind, url, sha, args.device_type, args.console)
            head = ["gpc-rig: %s, %s" % (host, d["job_name"].split(": ", 1)[1]),
                    "written by tools/lava.py from the matrix; submit with",
                    "  lavacli jobs submit %s" % name]
            if kind == "iso":
                head += ["device type %s: deploy method flasher (its commands put {ISO}"
                         % d["device_type"],
                         "on the machine), boot method minimal, the machine's first",
                         "serial port (115200 8n1) as the connection: see the README, Scale-out through LAVA"]
            path = os.path.join(args.out, name)
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                f.write(dump(d, head))
            os.replace(path + ".tmp", path)
            print("%s: %d monitors" % (os.path.relpath(path), len(entries)))
    return 0


def validate_file(path, strict=True):
    """None when the job passes lava-common's schema, else the reason."""
    from lava_common.schemas import validate
    from voluptuous import Invalid

    try:
        data = load(path)
        validate(data, strict=strict)
    except Invalid as e:
        return "%s (at %s)" % (e.msg, "/".join(str(p) for p in e.path))
    except Exception as e:  # noqa: BLE001 - a YAML error is a failure too
        return str(e)
    return None


def cmd_validate(args):
    bad = 0
    for path in args.jobs:
        why = validate_file(path)
        if why:
            bad += 1
            print("%s: invalid: %s" % (path, why))
        else:
            print("%s: valid" % path)
    return 1 if bad else 0


def qemu_device(jobdef):
    """A qemu device dictionary as lava-server's qemu.jinja2 renders it for
    the job's context, for lava-run on a machine without lava-server.  No
    network device: the rig needs none."""
    ctx = jobdef.get("context", {})
    options = []
    if not ctx.get("no_kvm"):
        options += ["-cpu host", "-enable-kvm"]
    options += ["-nographic", "-m %s" % ctx.get("memory", 512),
                "-monitor %s" % ctx.get("monitor", "none")]
    params = {"command": "qemu-system-x86_64", "options": options}
    if ctx.get("extra_options"):
        params["extra"] = list(ctx["extra_options"])
    return {
        "device_type": "qemu",
        "available_architectures": ["amd64", "x86_64"],
        "constants": {
            "posix": {"lava_test_sh_cmd": "/bin/sh", "lava_test_results_dir": "/lava-%s",
                      "lava_test_shell_file": "~/.bashrc"},
            "shutdown-message": "The system is going down for reboot NOW",
            "kernel-start-message": "Linux version [0-9]",
            "default-shell-prompt": "lava-test: # ",
            "spawn_maxread": "4092",
            "failure_retry": 1,
            "boot_retry": 1,
        },
        "parameters": {"pass": None},
        "actions": {
            "deploy": {"connections": {"serial": None},
                       "methods": {"image": {"parameters": {"guest": {
                           "size": 512, "interface": "ide", "driveid": "lavatest"}}}}},
            "boot": {"connections": {"serial": None},
                     "methods": {"qemu": {"parameters": params}}},
        },
        "timeouts": {"actions": {}, "connections": {}},
    }


def cmd_device(args):
    d = qemu_device(load(args.job))
    text = dump(d, ["qemu device dictionary for %s, as the qemu device type renders"
                    % os.path.basename(args.job), "it for the job's context"])
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


def log_records(path):
    """lava-run's log: one YAML flow mapping a line (dt, lvl, msg)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("- "):
                line = line[2:]
            if not line.startswith("{"):
                continue
            try:
                rec = yaml.load(line, Loader=loader)
            except yaml.YAMLError:
                continue
            if isinstance(rec, dict) and "lvl" in rec:
                yield rec


def lava_results(path):
    """The results LAVA recorded: dicts with definition, case, result."""
    return [r["msg"] for r in log_records(path)
            if r["lvl"] == "results" and isinstance(r.get("msg"), dict)]


def lava_serial(path):
    """The DUT's output as LAVA logged it ('target' lines): LAVA drops \\r
    and blank lines and escapes double quotes."""
    out = []
    for r in log_records(path):
        if r["lvl"] == "target" and isinstance(r.get("msg"), str):
            out.append(r["msg"].replace('\\"', '"'))
    return "\n".join(out) + ("\n" if out else "")


def replay(monitors, text):
    """The results LAVA's monitors record from a serial stream, with Python's
    re: each monitor waits for its start, then takes the earliest of its end
    and its pattern (the end first on a tie), until the end.  A start never
    seen ends the test action (LAVA's job error); an end never seen ends
    the monitor (LAVA's timeout)."""
    results = []
    pos = 0
    for m in monitors:
        start = re.compile(m["start"], re.DOTALL).search(text, pos)
        if not start:
            break
        pos = start.end()
        end_re = re.compile(m["end"], re.DOTALL)
        pat_re = re.compile(m["pattern"], re.DOTALL)
        fix = m.get("fixupdict") or {}
        while True:
            e = end_re.search(text, pos)
            p = pat_re.search(text, pos)
            if p and (not e or p.start() < e.start()):
                g = p.groupdict()
                res = fix.get(g.get("result"), g.get("result"))
                if res in ("pass", "fail", "skip", "unknown") and g.get("test_case_id"):
                    results.append({"definition": norm_suite(m["name"]),
                                    "case": norm_case(g["test_case_id"]),
                                    "result": res})
                pos = p.end() if p.end() > pos else pos + 1
                continue
            if e:
                pos = e.end()
            else:
                pos = len(text)
            break
    return results


def rig_results(summary, host=None):
    """The rig's checks from logcheck's summary.json, as LAVA would name
    them: suite = case, case = check, result pass/fail/skip."""
    with open(summary, encoding="utf-8") as f:
        data = json.load(f)["results"]
    out = []
    for r in data:
        if host and r["host"] != host:
            continue
        for c in r["checks"]:
            if c["directive"].upper().startswith("SKIP"):
                res = "skip"
            else:
                res = "pass" if c["ok"] else "fail"
            out.append({"definition": norm_suite(r["case"]), "case": norm_case(c["name"]),
                        "result": res})
    return out


def keyed(results, suites):
    """Per suite, the (case, result) list in order, for the suites given."""
    out = {s: [] for s in suites}
    for r in results:
        if r["definition"] in out:
            out[r["definition"]].append((r["case"], r["result"]))
    return out


def compare(lava, rig, suites):
    """Lines saying where LAVA's results and the rig's differ, per suite."""
    a, b = keyed(lava, suites), keyed(rig, suites)
    diffs = []
    for s in suites:
        if a[s] != b[s]:
            only_lava = [x for x in a[s] if x not in b[s]]
            only_rig = [x for x in b[s] if x not in a[s]]
            diffs.append("%s: LAVA %d results, rig %d checks; only LAVA: %s; only rig: %s" % (
                s, len(a[s]), len(b[s]),
                ", ".join("%s=%s" % x for x in only_lava) or "-",
                ", ".join("%s=%s" % x for x in only_rig) or "-"))
    return diffs


def plan_cases(path):
    return [e.name for e in matrix.read_plan(path)]


def cmd_compare(args):
    suites = [norm_suite(c) for c in plan_cases(args.plan)]
    lava = lava_results(args.log)
    rig = rig_results(args.summary, args.host)
    diffs = compare(lava, rig, suites)
    a, b = keyed(lava, suites), keyed(rig, suites)
    nl = sum(len(v) for v in a.values())
    nr = sum(len(v) for v in b.values())
    for d in diffs:
        print("differs: " + d)
    job = [r for r in lava if r.get("definition") == "lava" and r.get("case") == "job"]
    print("LAVA recorded %d results in %d suites; the rig's log checker %d checks in %d cases"
          % (nl, sum(1 for v in a.values() if v), nr, sum(1 for v in b.values() if v)))
    if job:
        why = job[-1].get("error_msg")
        print("LAVA job: %s%s" % (job[-1].get("result"), " (%s)" % why if why else ""))
    print("%d passed, %d failed" % (len(suites) - len(diffs), len(diffs)))
    return 1 if diffs or not nr else 0


def cmd_serial(args):
    sys.stdout.write(lava_serial(args.log))
    return 0


def cmd_results(args):
    for r in lava_results(args.log):
        print("%s %s %s" % (r.get("definition"), r.get("case"), r.get("result")))
    return 0


def cmd_replay(args):
    with open(args.serial, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for r in replay([monitor(c) for c in plan_cases(args.plan)], text):
        print("%s %s %s" % (r["definition"], r["case"], r["result"]))
    return 0


def main(argv):
    ap = argparse.ArgumentParser(prog="lava.py", description=__doc__.split("\n")[0])
    ap.add_argument("--matrix", default=os.path.join(TOP, "matrix.cfg"))
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("jobs", help="write HOST.yaml and HOST-qemu.yaml per host")
    p.add_argument("--out", default=os.path.join(TOP, "images", "lava"))
    p.add_argument("--host", default="", help="hosts (default: the default matrix)")
    p.add_argument("--images", default=os.path.join(TOP, "images"),
                   help="where the host ISOs are (their sha256 goes into the jobs)")
    p.add_argument("--url", default="",
                   help="where the lab fetches HOST.iso from (default: file:// of --images)")
    p.add_argument("--device-type", default=DEFAULT_DEVICE_TYPE,
                   help="the lab's device type for HOST.yaml")
    p.add_argument("--console", default="",
                   help="qemu jobs: a file for the host kernel's console (default: dropped)")
    p.set_defaults(fn=write_jobs)
    p = sub.add_parser("validate", help="check jobs against lava-common's schema")
    p.add_argument("jobs", nargs="+")
    p.set_defaults(fn=cmd_validate)
    p = sub.add_parser("device", help="a qemu device dictionary for a job")
    p.add_argument("job")
    p.add_argument("--out", default="")
    p.set_defaults(fn=cmd_device)
    p = sub.add_parser("serial", help="the serial output in lava-run's log")
    p.add_argument("log")
    p.set_defaults(fn=cmd_serial)
    p = sub.add_parser("results", help="the results in lava-run's log")
    p.add_argument("log")
    p.set_defaults(fn=cmd_results)
    p = sub.add_parser("replay", help="what the monitors record from a serial log")
    p.add_argument("plan")
    p.add_argument("serial")
    p.set_defaults(fn=cmd_replay)
    p = sub.add_parser("compare", help="LAVA's results against logcheck's summary.json")
    p.add_argument("log")
    p.add_argument("summary")
    p.add_argument("--plan", required=True, help="the host's plan: its cases, in order")
    p.add_argument("--host", default="")
    p.set_defaults(fn=cmd_compare)
    args = ap.parse_args(argv)
    try:
        return args.fn(args)
    except matrix.MatrixError as e:
        print("lava: %s" % e, file=sys.stderr)
        return 2
    except OSError as e:
        print("lava: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
