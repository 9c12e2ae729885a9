# SPDX-License-Identifier: GPL-2.0
"""tools/coverage.py counts the assertions a run's checks were tagged with."""
import json

import coverage


def run_dir(tmp_path, results):
    (tmp_path / "summary.json").write_text(json.dumps({"results": results}))
    return str(tmp_path)


def check(name, ok=True, directive="", abi=()):
    return {"name": name, "ok": ok, "directive": directive, "xen_abi": list(abi)}


def test_counts_each_assertion_once_per_check_and_host(tmp_path, capsys):
    d = run_dir(tmp_path, [
        {"host": "a", "case": "c-hvm32", "checks": [
            check("x", abi=[41]), check("y", ok=False, abi=[41, 67])]},
        {"host": "b", "case": "c-hvm32", "checks": [
            check("x", abi=[41]), check("y", ok=False, directive="XFAIL k", abi=[41, 67])]},
    ])
    assert coverage.main([d]) == 0
    out = capsys.readouterr().out.splitlines()
    row41 = next(line for line in out if line.startswith("41 "))
    assert "1 FAIL, 1 ok" in row41 and "1 XFAIL, 1 ok" in row41
    assert out[-2].startswith("2 of %d assertions checked" % coverage.TOTAL)
    assert out[-1].endswith(": 2 checked")


def test_untagged_checks_count_nothing(tmp_path, capsys):
    d = run_dir(tmp_path, [{"host": "a", "case": "c", "checks": [check("x")]}])
    assert coverage.main([d]) == 0
    assert "0 of 80 assertions checked" in capsys.readouterr().out


def test_missing_run_is_an_error(tmp_path, capsys):
    assert coverage.main([str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.startswith("coverage: ")
