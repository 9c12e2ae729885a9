# SPDX-License-Identifier: GPL-2.0
"""The run's reports as their real consumers read them.

results.ktap through the kernel's own KTAP parser (tools/testing/kunit's
kunit.py parse, from a host kernel tree in the cache or Debian's source
tarball), junit.xml through a JUnit reader (Debian's python3-junitparser),
both against summary.json, for every recorded run under tests/logcheck/.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest

import logcheck
import matrix
from conftest import TOP

RUNS = sorted(d for d in glob.glob(os.path.join(TOP, "tests", "logcheck", "*"))
              if os.path.exists(os.path.join(d, "expected")))
CACHE = os.environ.get("GPC_RIG_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gpc-rig")


@pytest.fixture(scope="session")
def kunit(tmp_path_factory):
    """kunit.py from a cached host kernel tree, else from the source tarball."""
    for path in sorted(glob.glob(os.path.join(CACHE, "trees", "*", "src", "tools",
                                              "testing", "kunit", "kunit.py"))):
        return path
    tarballs = sorted(glob.glob("/usr/src/linux-source-6.12.tar.xz"))
    if not tarballs:
        pytest.fail("no kernel tree in the cache and no linux-source-6.12 tarball")
    out = tmp_path_factory.mktemp("kunit")
    with tarfile.open(tarballs[0]) as tf:
        members = [m for m in tf.getmembers() if "/tools/testing/kunit/" in m.name]
        tf.extractall(out, members=members)
    return glob.glob(str(out / "*" / "tools" / "testing" / "kunit" / "kunit.py"))[0]


def checked_run(src, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(src, run)
    mtx = matrix.Matrix(os.path.join(TOP, "tests", "logcheck", "matrix.cfg"))
    with open(os.devnull, "w") as null:
        old, sys.stdout = sys.stdout, null
        try:
            rc = logcheck.report(str(run), mtx)
        finally:
            sys.stdout = old
    with open(run / "summary.json") as f:
        return run, rc, json.load(f)["results"]


def kunit_parse(kunit, path):
    p = subprocess.run([sys.executable, kunit, "parse", str(path)],
                       capture_output=True, text=True)
    text = re.sub(r"\x1b\[[0-9;]*m", "", p.stdout)
    m = re.search(r"Ran (\d+) tests?: (.*)", text)
    assert m, text
    got = dict((k, int(v)) for k, v in re.findall(r"(\w+): (\d+)", m.group(2)))
    assert set(got) <= {"passed", "failed", "skipped"}, text
    failed_cases = set(re.findall(r"\[FAILED\] (\S+:\S+)", text))
    counts = (int(m.group(1)),) + tuple(got.get(k, 0) for k in ("passed", "failed", "skipped"))
    return p.returncode, counts, failed_cases, text


@pytest.mark.parametrize("src", RUNS, ids=os.path.basename)
def test_kernel_ktap_parser_counts_only_unexpected(kunit, src, tmp_path):
    run, rc, results = checked_run(src, tmp_path)
    krc, (ran, passed, failed, skipped), failed_cases, text = kunit_parse(
        kunit, run / "results.ktap")
    unexpected = {"%s:%s" % (r["host"], r["case"]) for r in results
                  if not r["as_expected"]}
    # The cases kunit.py calls FAILED are exactly the unexpected ones, and
    # it fails the run exactly when the rig does.
    assert failed_cases == unexpected, text
    assert (krc != 0) == (rc != 0), text
    assert (failed == 0) == (not unexpected), text
    assert ran == passed + failed + skipped


def test_kernel_ktap_parser_on_an_as_expected_run(kunit, tmp_path):
    """Every result as expected: no failure at all, skips counted."""
    run, rc, results = checked_run(os.path.join(TOP, "tests", "logcheck", "statuses"),
                                   tmp_path)
    assert rc == 0 and all(r["as_expected"] for r in results)
    krc, (ran, passed, failed, skipped), failed_cases, text = kunit_parse(
        kunit, run / "results.ktap")
    assert (krc, failed, failed_cases) == (0, 0, set()), text
    assert skipped == 2 and ran == passed + skipped, text


@pytest.mark.parametrize("src", RUNS, ids=os.path.basename)
def test_junit_reader_agrees_with_summary(src, tmp_path):
    junitparser = pytest.importorskip("junitparser")
    run, _rc, results = checked_run(src, tmp_path)
    xml = junitparser.JUnitXml.fromfile(str(run / "junit.xml"))
    suites = {s.name: s for s in xml}
    assert list(suites) == list(dict.fromkeys(r["host"] for r in results))
    for host, suite in suites.items():
        rs = {r["case"]: r for r in results if r["host"] == host}
        cases = list(suite)
        assert [c.name for c in cases] == list(rs)
        assert suite.tests == len(rs)
        for c in cases:
            r = rs[c.name]
            kinds = {type(x).__name__ for x in c.result}
            if r["status"] == "SKIP":
                assert kinds == {"Skipped"} and c.result[0].message == r["reason"]
            elif not r["as_expected"]:
                assert kinds == {"Error" if r["status"] == "ERROR" else "Failure"}
                assert r["status"] in c.result[0].message
            else:
                assert not kinds
            assert float(c.time) == pytest.approx(r["time"] or 0, abs=0.001)
        assert suite.failures == sum(1 for r in rs.values() if not r["as_expected"]
                                     and r["status"] != "ERROR")
        assert suite.errors == sum(1 for r in rs.values() if not r["as_expected"]
                                   and r["status"] == "ERROR")
        assert suite.skipped == sum(1 for r in rs.values() if r["status"] == "SKIP")


RECORDED = os.path.join(TOP, "tests", "tools", "recorded", "stock-6.12")


def recorded_as(host, tmp_path):
    """The recorded stock-6.12 run, judged as HOST's by the rig's matrix."""
    run = tmp_path / host
    run.mkdir()
    for f in os.listdir(RECORDED):
        if f == "hosts":
            (run / f).write_text(host + "\n")
        else:
            shutil.copy(os.path.join(RECORDED, f), run / f.replace("stock-6.12", host))
    with open(os.devnull, "w") as null:
        old, sys.stdout = sys.stdout, null
        try:
            rc = logcheck.report(str(run), matrix.Matrix(os.path.join(TOP, "matrix.cfg")))
        finally:
            sys.stdout = old
    with open(run / "summary.json") as f:
        return run, rc, json.load(f)["results"]


def test_recorded_run_as_expected(kunit, tmp_path):
    """A real stock-6.12 run: known deviations, expected FAIL, CRASH,
    TIMEOUT and ERROR controls, and not one failure for kunit.py."""
    run, rc, results = recorded_as("stock-6.12", tmp_path)
    assert rc == 0 and len(results) == 40
    krc, (ran, passed, failed, skipped), failed_cases, text = kunit_parse(
        kunit, run / "results.ktap")
    assert (krc, failed, failed_cases) == (0, 0, set()), text
    assert ran == passed + skipped and ran > 400, text


def test_recorded_run_with_unexpected_results(kunit, tmp_path):
    """The same log judged as patched-6.12's: the deviations the series
    fixes are unexpected there, and kunit.py fails exactly those cases."""
    _, _, stock = recorded_as("stock-6.12", tmp_path)
    fixes = matrix.expectations_for(matrix.Matrix(os.path.join(TOP, "matrix.cfg")),
                                    "stock-6.12").fixes
    by_series = {"patched-6.12:" + r["case"] for r in stock for c in r["checks"]
                 if c["directive"].startswith("XFAIL")
                 and fixes[(r["case"], c["name"])].isdigit()}
    run, rc, results = recorded_as("patched-6.12", tmp_path)
    unexpected = {"patched-6.12:" + r["case"] for r in results if not r["as_expected"]}
    assert rc == 1 and unexpected == by_series and len(unexpected) >= 8, unexpected
    krc, (ran, passed, failed, skipped), failed_cases, text = kunit_parse(
        kunit, run / "results.ktap")
    assert krc != 0 and failed_cases == unexpected, text
    # One failed leaf per check that the patched host must pass.
    fixed = [(r["case"], c["name"]) for r in results if not r["as_expected"]
             for c in r["checks"] if not c["ok"] and not c["directive"].startswith("XFAIL")]
    assert failed == len(fixed), text
