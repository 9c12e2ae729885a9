#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""tools/lava.py: the jobs it writes and what LAVA makes of the rig's logs.

- every job `lava.py jobs` writes for the default matrix passes Debian's
  lava-common schema (strict), and lava-dispatcher's own validation with a
  qemu (or a lab x86) device dictionary; broken jobs do not pass
- the monitors' pattern, applied with Python's re to each recorded serial
  log (tests/logcheck/*, tests/tools/recorded/*), gives one result per
  check, equal to the checks tools/logcheck.py reports, with LF and with a
  serial line's CRLF; so does lava-dispatcher's own monitor action reading
  the log through pexpect, fed whole or in small pieces
- a line is matched only once it is complete, and every kind of KTAP
  result line is read as the log checker reads it
- a real lava-run log (tests/lava/fixtures): the results LAVA recorded equal
  the monitors replayed on the serial output in it, and the rig's checks

Prints one "ok N name" / "not ok N name" line per test, and at the end
"N passed, M failed".
"""

import contextlib
import copy
import glob
import io
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tools"))

import lava  # noqa: E402
import logcheck  # noqa: E402
import matrix  # noqa: E402

MATRIX = os.path.join(TOP, "matrix.cfg")
TESTS = []


def test(name):
    def add(fn):
        TESTS.append((name, fn))
        return fn
    return add


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


# ---------------------------------------------------------------- the jobs

WORK = tempfile.mkdtemp(prefix="lava-test-")
JOBS = os.path.join(WORK, "jobs")


def generated():
    return sorted(glob.glob(os.path.join(JOBS, "*.yaml")))


@test("jobs_written_for_every_default_host")
def _():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = lava.main(["--matrix", MATRIX, "jobs", "--out", JOBS,
                        "--images", os.path.join(WORK, "no-images")])
    check(rc == 0, "lava.py jobs exited %d" % rc)
    mtx = matrix.Matrix(MATRIX)
    hosts = [h.name for h in mtx.select_hosts("")]
    want = sorted(os.path.join(JOBS, h + s) for h in hosts for s in (".yaml", "-qemu.yaml"))
    check(generated() == want, "jobs: %s, expected %s" % (generated(), want))
    for path in want:
        d = lava.load(path)
        host = d["metadata"]["gpc-rig.host"]
        cases = [e.name for e in matrix.plan_entries(mtx, host)]
        mons = d["actions"][-1]["test"]["monitors"]
        check([m["name"] for m in mons] == cases,
              "%s: monitors are not the plan's cases in order" % path)
        check(d["actions"][0]["deploy"]["images"]["iso"]["url"].endswith("/%s.iso" % host),
              "%s: the ISO is not %s.iso" % (path, host))


def register_schema_tests():
    mtx = matrix.Matrix(MATRIX)
    for h in mtx.select_hosts(""):
        for suffix in (".yaml", "-qemu.yaml"):
            name = h.name + suffix

            def fn(name=name):
                path = os.path.join(JOBS, name)
                check(os.path.exists(path), "not written: %s" % path)
                why = lava.validate_file(path, strict=True)
                check(why is None, "lava-common rejects %s: %s" % (name, why))

            TESTS.append(("schema_valid:" + name, fn))


register_schema_tests()


def sample_job(kind="qemu"):
    mtx = matrix.Matrix(MATRIX)
    entries = matrix.plan_entries(mtx, "stock-6.12", "smoke")
    return lava.job("stock-6.12", entries, kind, "file:///srv/gpc-rig/stock-6.12.iso")


def schema_error(data):
    from lava_common.schemas import validate
    from voluptuous import Invalid

    try:
        validate(data, strict=True)
    except Invalid as e:
        return e.msg
    return None


def broken(change):
    d = sample_job()
    change(d)
    return d


BROKEN = {
    "monitor_without_end": lambda d: d["actions"][2]["test"]["monitors"][0].pop("end"),
    "monitor_name_with_a_space": lambda d: d["actions"][2]["test"]["monitors"][0].update(
        name="smoke hvm32"),
    "fixupdict_to_an_unknown_result": lambda d: d["actions"][2]["test"]["monitors"][0][
        "fixupdict"].update(ok="passed"),
    "action_timeout_past_the_job_timeout": lambda d: d["actions"][2]["test"].update(
        timeout={"days": 2}),
    "unknown_context_variable": lambda d: d["context"].update(accel="tcg"),
}


def register_broken_tests():
    for name, change in BROKEN.items():
        def fn(change=change):
            check(schema_error(sample_job()) is None, "the unbroken job does not pass")
            why = schema_error(broken(change))
            check(why is not None, "lava-common accepts the broken job")

        TESTS.append(("schema_rejects:" + name, fn))


register_broken_tests()


def dispatcher_validate(jobdef, device, iso):
    """lava-dispatcher's own validation: the pipeline lava-run would run."""
    import yaml
    import lava_dispatcher.job
    from lava_common.log import YAMLLogger
    from lava_dispatcher.device import NewDevice
    from lava_dispatcher.parser import JobParser

    # The pipeline makes its download directories while it validates: in
    # the test's own directory, not the worker's.
    lava_dispatcher.job.DISPATCHER_DOWNLOAD_DIR = os.path.join(WORK, "dispatcher")

    logging.setLoggerClass(YAMLLogger)
    logger = logging.getLogger("dispatcher")
    logger.handlers[:] = [logging.NullHandler()]
    logger.propagate = False
    jobdef = copy.deepcopy(jobdef)
    jobdef["actions"][0]["deploy"]["images"]["iso"]["url"] = "file://" + iso
    jobdef["actions"][0]["deploy"]["images"]["iso"].pop("sha256sum", None)
    job = JobParser().parse(yaml.safe_dump(jobdef), NewDevice(device), "4242",
                            logger=logger, dispatcher_config=None)
    job.validate()


def lab_device():
    """A rendered x86 lab device dictionary with what HOST.yaml needs:
    flasher deploy ({ISO}), minimal boot, a serial connection, power."""
    d = lava.qemu_device({})
    d["device_type"] = lava.DEFAULT_DEVICE_TYPE
    d["commands"] = {"connect": "cat /dev/null", "hard_reset": "true",
                     "power_on": "true", "power_off": "true"}
    d["actions"] = {
        "deploy": {"connections": {"serial": None},
                   "methods": {"flasher": {"commands": ["cp {ISO} /dev/null"]}}},
        "boot": {"connections": {"serial": None}, "methods": {"minimal": None}},
    }
    return d


@test("dispatcher_accepts_qemu_job")
def _():
    iso = os.path.join(WORK, "stock-6.12.iso")
    with open(iso, "w") as f:
        f.write("not an ISO\n")
    d = lava.load(os.path.join(JOBS, "stock-6.12-qemu.yaml"))
    dispatcher_validate(d, lava.qemu_device(d), iso)


@test("dispatcher_accepts_iso_job_on_a_lab_device")
def _():
    iso = os.path.join(WORK, "stock-6.12.iso")
    with open(iso, "w") as f:
        f.write("not an ISO\n")
    d = lava.load(os.path.join(JOBS, "stock-6.12.yaml"))
    dispatcher_validate(d, lab_device(), iso)


@test("qemu_device_boots_like_boot_host")
def _():
    d = sample_job()
    dev = lava.qemu_device(d)
    words = " ".join(dev["actions"]["boot"]["methods"]["qemu"]["parameters"]["options"] +
                     dev["actions"]["boot"]["methods"]["qemu"]["parameters"]["extra"]).split()
    for opt in ("-accel tcg", "-cpu max", "-m 512", "-nodefaults", "-no-reboot"):
        check(opt in " ".join(words), "no %s in %s" % (opt, words))
    check("-enable-kvm" not in words, "KVM asked for: %s" % words)
    serials = [words[i + 1] for i, w in enumerate(words) if w == "-serial"]
    check(serials == ["stdio", "null"], "serial ports %s: the rig channel must be "
          "the first (LAVA's connection), the kernel console the second" % serials)
    c = lava.job("h", [], "qemu", "file:///x/h.iso", console="/tmp/k.log")
    check("-serial file:/tmp/k.log" in c["context"]["extra_options"], "no console file")


# ------------------------------------------------------ the pattern, by line

LINES = [
    "ok 1 xen_cpuid_signature",
    "not ok 2 deliberate_failure",
    "ok 3 later_feature # SKIP not on this host",
    "not ok 4 late_region # ERROR the VMM has no --late region (the case needs vmm --late)",
    "not ok 5 skipped_failure # SKIP a not ok that is skipped",
    "ok 6 - dashed_name",
    "    ok 7 indented",
    "ok 8 tight#SKIP no space",
    "not ok 9 todo_one # TODO later",
    "ok 10 spaced name here # SKIP why",
    "ok 11 hash_in_reason # ERROR see #5 SKIP",
    "ok 12 lower # skip lower case",
    "not ok 13 name_with-dash.dot",
]


def lines_log(lines, eol="\n"):
    body = ["@@rig host-begin release=6.12 xen_hvm=0x1ff", "@@rig case-begin c",
            "KTAP version 1"] + lines + ["@@rig case-end c exit=0 ms=1", "@@rig host-end cases=1"]
    return eol.join(body) + eol


@test("pattern_reads_each_line_as_logcheck")
def _():
    _, checks, _, _ = logcheck.parse_ktap(["KTAP version 1"] + LINES)
    check(len(checks) == len(LINES), "logcheck read %d of %d lines" % (len(checks), len(LINES)))
    want = [{"definition": "c", "case": lava.norm_case(n),
             "result": "skip" if d.upper().startswith("SKIP") else ("pass" if ok else "fail")}
            for ok, n, d in checks]
    for eol in ("\n", "\r\n", "\r\r\n"):
        got = lava.replay([lava.monitor("c")], lines_log(LINES, eol))
        check(got == want, "eol %r:\n  got  %s\n  want %s" % (eol, got, want))


@test("pattern_waits_for_the_line_end")
def _():
    import re
    pat = re.compile(lava.RESULT_PATTERN, re.DOTALL)
    line = "\nok 3 later_feature # SKIP not on this host\n"
    for cut in range(1, len(line) - 1):
        check(not pat.search(line[:cut]), "matched the partial line %r" % line[:cut])
    m = pat.search(line)
    check(m and m.group("result") == "SKIP" and m.group("test_case_id") == "later_feature",
          "complete line: %s" % (m and m.groupdict()))


@test("case_names_do_not_overlap")
def _():
    # A case named like the start of another one: each monitor reads its own.
    text = ("@@rig case-begin smoke\nKTAP version 1\nok 1 a\n@@rig case-end smoke exit=0\n"
            "@@rig case-begin smoke-hvm64\nKTAP version 1\nnot ok 1 a\n"
            "@@rig case-end smoke-hvm64 exit=0\n")
    got = lava.replay([lava.monitor("smoke-hvm64")], text)
    check(got == [{"definition": "smoke-hvm64", "case": "a", "result": "fail"}], got)
    got = lava.replay([lava.monitor("smoke"), lava.monitor("smoke-hvm64")], text)
    check([r["result"] for r in got] == ["pass", "fail"], got)


# ------------------------------------------- recorded logs against logcheck

def fixture_dirs():
    """The recorded run directories: the log checker's, the tools' tests'."""
    dirs = []
    for where in (("logcheck", "*"), ("tools", "recorded", "*")):
        found = glob.glob(os.path.join(TOP, "tests", *where, "hosts"))
        dirs += sorted(os.path.dirname(p) for p in found)
    return dirs


def fixture_name(d):
    return os.path.relpath(d, os.path.join(TOP, "tests"))


def checked_copy(d):
    """A copy of the run directory, checked by logcheck: (dir, hosts)."""
    work = tempfile.mkdtemp(dir=WORK)
    shutil.copytree(d, work, dirs_exist_ok=True)
    mtx = os.path.join(os.path.dirname(d), "matrix.cfg")
    if not os.path.exists(mtx):
        mtx = MATRIX
    subprocess.run([sys.executable, os.path.join(TOP, "tools", "logcheck.py"),
                    "--matrix", mtx, "report", work],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    check(os.path.exists(os.path.join(work, "summary.json")), "logcheck wrote no summary")
    return work, (logcheck.read(os.path.join(work, "hosts")) or "").split()


def boots(work, host):
    """(plan, serial text) of each boot of a host."""
    names = (logcheck.read(os.path.join(work, host + ".boots")) or "").split() or [host]
    return [(os.path.join(work, b + ".plan"), logcheck.read(os.path.join(work, b + ".serial.log")))
            for b in names]


def compare_host(work, host, run):
    """run(plan, text) -> LAVA's results; they must be the rig's checks."""
    suites = [lava.norm_suite(c) for c in lava.plan_cases(os.path.join(work, host + ".plan"))]
    got = []
    for plan, text in boots(work, host):
        if text is not None:
            got += run(plan, text)
    want = lava.rig_results(os.path.join(work, "summary.json"), host)
    diffs = lava.compare(got, want, suites)
    check(not diffs, "%s: %s" % (host, "; ".join(diffs)))
    n = sum(1 for r in got if r["definition"] in suites)
    check(n == len(want), "%s: %d results for %d checks" % (host, n, len(want)))
    return n


def replay_re(eol):
    def run(plan, text):
        text = text.replace("\r", "").replace("\n", eol)
        return lava.replay([lava.monitor(c) for c in lava.plan_cases(plan)], text)
    return run


class CaptureLog:
    """A logger for lava-dispatcher's action: keeps the results it logs."""

    def __init__(self):
        self.recorded = []

    def results(self, data):
        self.recorded.append(data)

    def __getattr__(self, name):
        return lambda *a, **k: None


def lava_monitor(chunked):
    """lava-dispatcher's own monitor action, reading the log through a pty
    as it reads a QEMU or a serial console: the log written whole, or in
    pieces of 1 to 64 bytes."""
    def run(plan, text):
        from lava_common.timeout import Timeout
        from lava_dispatcher.actions.test.monitor import TestMonitorAction
        from lava_dispatcher.shell import ShellCommand, ShellSession

        path = os.path.join(WORK, "serial.%d" % os.getpid())
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        if chunked:
            writer = os.path.join(HERE, "feed.py")
            cmd = "%s %s %s" % (sys.executable, writer, path)
        else:
            cmd = "cat %s" % path
        log = CaptureLog()

        class Job:
            device = {}
            context = {}

        shell = ShellCommand(cmd, Timeout("execute-qemu", duration=20), logger=log)
        action = TestMonitorAction()
        action.logger = log
        action.level = "3.1"
        action.parameters = {"monitors": [lava.monitor(c) for c in lava.plan_cases(plan)]}
        action.connection_timeout = Timeout("lava-test-monitor", duration=20)
        try:
            action.run(ShellSession(Job(), shell), None)
        except Exception as e:  # noqa: BLE001 - LAVA ends the action at EOF
            if type(e).__name__ not in ("ConnectionClosedError", "InfrastructureError",
                                        "JobError"):
                raise
        finally:
            shell.close(force=True)
        return [{"definition": r["definition"], "case": r["case"], "result": r["result"]}
                for r in log.recorded]
    return run


def register_fixture_tests():
    for d in fixture_dirs():
        name = fixture_name(d)
        runs = [("replay", replay_re("\n")), ("replay_crlf", replay_re("\r\n")),
                ("lava_monitor", lava_monitor(False))]
        if "recorded" in name:
            runs.append(("lava_monitor_chunked", lava_monitor(True)))
        for kind, run in runs:
            def fn(d=d, run=run):
                work, hosts = checked_copy(d)
                for h in hosts:
                    compare_host(work, h, run)

            TESTS.append(("%s:%s" % (kind, name), fn))


register_fixture_tests()


# ------------------------------------------------------ a real lava-run log

@test("lava_run_log:results_are_the_rigs")
def _():
    log = os.path.join(HERE, "fixtures", "stock-6.12.lava.log")
    recorded = lava.lava_results(log)
    serial = lava.lava_serial(log)
    check("@@rig host-begin" in serial, "no rig channel in LAVA's log")
    # The cases the log holds (the run was cut after the seventh).
    cases = [ln.split()[2] for ln in serial.splitlines() if ln.startswith("@@rig case-begin ")]
    check(len(cases) >= 5, "cases in the log: %s" % cases)
    suites = [lava.norm_suite(c) for c in cases]
    replayed = lava.replay([lava.monitor(c) for c in cases], serial)
    diffs = lava.compare(recorded, replayed, suites)
    check(not diffs, "LAVA's results against the replay: %s" % "; ".join(diffs))
    # logcheck on the serial output LAVA logged.
    run = tempfile.mkdtemp(dir=WORK)
    with open(os.path.join(run, "hosts"), "w") as f:
        f.write("stock-6.12\n")
    with open(os.path.join(run, "stock-6.12.plan"), "w") as f:
        for c in cases:
            f.write("%s\t30\thvm64\t\t\t\n" % c)
    with open(os.path.join(run, "stock-6.12.serial.log"), "w") as f:
        f.write(serial)
    with open(os.path.join(run, "stock-6.12.boot"), "w") as f:
        f.write("rc=0\n")
    subprocess.run([sys.executable, os.path.join(TOP, "tools", "logcheck.py"),
                    "--matrix", MATRIX, "report", run],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    rig = lava.rig_results(os.path.join(run, "summary.json"))
    diffs = lava.compare(recorded, rig, suites)
    check(not diffs, "LAVA's results against logcheck: %s" % "; ".join(diffs))
    n = sum(1 for r in recorded if r["definition"] in suites)
    check(n == len(rig) and n > 0, "%d results, %d checks" % (n, len(rig)))
    # The same log as `lavacli jobs logs --raw` prints it: a YAML list.
    raw = os.path.join(run, "raw.log")
    with open(log, encoding="utf-8") as f, open(raw, "w", encoding="utf-8") as out:
        out.writelines("- " + line for line in f)
    check(lava.lava_results(raw) == recorded, "lavacli's raw log: other results")
    check(lava.lava_serial(raw) == serial, "lavacli's raw log: other serial output")


def main():
    passed = failed = 0
    print("KTAP version 1")
    print("1..%d" % len(TESTS))
    try:
        for i, (name, fn) in enumerate(TESTS, 1):
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - each test reports its own failure
                failed += 1
                print("not ok %d %s" % (i, name))
                msg = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
                for line in msg.rstrip().splitlines():
                    print("# " + line)
            else:
                passed += 1
                print("ok %d %s" % (i, name))
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
