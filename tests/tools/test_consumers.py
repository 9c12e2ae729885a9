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
