# SPDX-License-Identifier: GPL-2.0
"""tools/matrix.py: sections, word sizes, facts, includes, expectations, plans."""
import os
import re
import sys

import pytest

import matrix
from conftest import TOP


def write(tmp_path, name, text):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return str(p)


HOST = "[host h]\nkernel = /nonexistent\n\n"


def test_guests_expand_to_one_case_per_word_size(tmp_path):
    m = matrix.Matrix(write(tmp_path, "m.cfg", HOST +
                            "[case rs]\nguests = hvm32 hvm64\ncmdline = case=rs\n"
                            "groups = g\n\n[case k]\nguest = hvm64\n"))
    assert list(m.cases) == ["rs-hvm32", "rs-hvm64", "k"]
    assert [m.cases[c].opts["guest"] for c in m.cases] == ["hvm32", "hvm64", "hvm64"]
    assert m.bases["rs"] == ["rs-hvm32", "rs-hvm64"]
    assert [c.name for c in m.select_cases("h", "g")] == ["rs-hvm32", "rs-hvm64"]


def test_guest_and_guests_exclusive(tmp_path):
    for body in ("", "guest = hvm32\nguests = hvm64\n"):
        with pytest.raises(matrix.MatrixError, match=r"m.cfg:4: .*'guest' or 'guests'"):
            matrix.Matrix(write(tmp_path, "m.cfg", HOST + "[case c]\n" + body))


def test_expansion_clash_is_an_error(tmp_path):
    with pytest.raises(matrix.MatrixError, match="'a-hvm32' defined twice"):
        matrix.Matrix(write(tmp_path, "m.cfg", HOST + "[case a-hvm32]\nguest = hvm32\n\n"
                            "[case a]\nguests = hvm32\n"))


def test_facts_reach_guest_and_vmm_once(tmp_path):
    m = matrix.Matrix(write(tmp_path, "m.cfg", HOST +
                            "[case s]\nguests = hvm64\ncmdline = case=s\nvmm = --cpu-hog\n"
                            "xen = 4.18\nsplit = 0x2000000\nmodules = hvm32 hvm64\n"))
    e = m.cases["s-hvm64"].plan_entry()
    assert e.cmdline == "case=s xenver=4.18 split=0x2000000"
    assert e.vmm == ("--cpu-hog", "--xen-version", "4.18", "--split", "0x2000000")
    assert e.modules == ("hvm32", "hvm64")
    assert e.guest == "hvm64"


@pytest.mark.parametrize("body", ["cmdline = case=s xenver=4.17\n",
                                  "vmm = --xen-version 4.17\n",
                                  "vmm = --split 0x1000\n"])
def test_a_fact_by_hand_is_an_error(tmp_path, body):
    with pytest.raises(matrix.MatrixError, match="instead of"):
        matrix.Matrix(write(tmp_path, "m.cfg", HOST + "[case s]\nguest = hvm64\n" + body))


def test_modules_are_images(tmp_path):
    with pytest.raises(matrix.MatrixError, match=r"m.cfg:6: modules: images are"):
        matrix.Matrix(write(tmp_path, "m.cfg", HOST + "[case s]\nguest = hvm64\n"
                            "modules = /guests/hvm32.elf\n"))


def test_error_in_included_file_names_that_file(tmp_path):
    """A section's error found after parsing names its own file and line."""
    write(tmp_path, "d/x.cfg", "# comment\n\n[case late]\ncmdline = case=x\n")
    top = write(tmp_path, "m.cfg", HOST + "include d/*.cfg\n")
    with pytest.raises(matrix.MatrixError) as e:
        matrix.Matrix(top)
    assert str(e.value).startswith(os.path.join(str(tmp_path), "d", "x.cfg") + ":3: ")


def test_error_in_included_file_while_parsing(tmp_path):
    write(tmp_path, "d/x.cfg", "[case a]\nguest = hvm64\nbogus = 1\n")
    top = write(tmp_path, "m.cfg", HOST + "include d/*.cfg\n")
    with pytest.raises(matrix.MatrixError, match=r"d/x.cfg:3: unknown key 'bogus'"):
        matrix.Matrix(top)


def test_unknown_host_of_included_case_names_its_file(tmp_path):
    write(tmp_path, "d/x.cfg", "\n\n[case a]\nguest = hvm64\nhosts = nope\n")
    top = write(tmp_path, "m.cfg", HOST + "include d/*.cfg\n")
    with pytest.raises(matrix.MatrixError, match=r"d/x.cfg:3: case 'a' names unknown host"):
        matrix.Matrix(top)


def test_expectation_for_all_word_sizes(tmp_path):
    m = matrix.Matrix(write(tmp_path, "m.cfg", HOST +
                            "[case rs]\nguests = hvm32 hvm64\n\n[case one]\nguest = hvm32\n"))
    exp = write(tmp_path, "e.txt", "rs chk XFAIL fix=0001 why\nrs-hvm32 other FLAKY fix=none race\n"
                "one * FAIL known\n")
    e = matrix.Expectations([exp], m)
    assert e.checks == {("rs-hvm32", "chk"): "why", ("rs-hvm64", "chk"): "why",
                        ("rs-hvm32", "other"): "race"}
    assert e.flaky == {("rs-hvm32", "other")}
    assert e.cases == {"one": ("FAIL", "known")}


def test_expectation_naming_nothing_is_an_error(tmp_path):
    m = matrix.Matrix(write(tmp_path, "m.cfg", HOST + "[case rs]\nguests = hvm32\n"))
    exp = write(tmp_path, "e.txt", "\nrs-hvm64 chk XFAIL fix=none why\n")
    with pytest.raises(matrix.MatrixError, match=r"e.txt:2: no case or section named 'rs-hvm64'"):
        matrix.Expectations([exp], m)


def test_plan_round_trip(tmp_path):
    e = matrix.PlanEntry("k", 30, "hvm32", "case=kexec chain=hvm64 xenver=4.17",
                         ("--xen-version", "4.17"), ("hvm32", "hvm64"))
    assert matrix.PlanEntry.parse(e.line()) == e
    path = str(tmp_path / "plan")
    matrix.write_plan(path, [e, e])
    assert matrix.read_plan(path) == [e, e]


@pytest.mark.parametrize("line", ["a\t30\thvm64\tcase=x\t", "a\tx\thvm64\t\t\t",
                                  "\t30\thvm64\t\t\t", "a\t30\t\t\t\t"])
def test_malformed_plan_line(line):
    with pytest.raises(matrix.MatrixError, match="malformed plan line"):
        matrix.PlanEntry.parse(line)


def test_plan_refuses_a_tab():
    with pytest.raises(matrix.MatrixError, match="tab or newline"):
        matrix.PlanEntry("a", 1, "hvm64", "x\ty").line()


def test_rig_matrix_reads_and_every_case_has_a_word_size():
    m = matrix.Matrix(os.path.join(TOP, "matrix.cfg"))
    for c in m.cases.values():
        assert c.opts["guest"] in matrix.GUESTS
        # The section's word sizes are in the name, as before sections
        # could list several.
        if c.base != c.name:
            assert c.name == "%s-%s" % (c.base, c.opts["guest"])


@pytest.mark.parametrize("fix", ["", "fix=12 ", "fix=abc ", "fix=0001"])
def test_expectation_needs_its_fix(tmp_path, fix):
    m = matrix.Matrix(write(tmp_path, "m.cfg", HOST + "[case rs]\nguests = hvm32\n"))
    exp = write(tmp_path, "e.txt", "rs-hvm32 chk XFAIL %s\n" % fix if fix.endswith("1")
                else "rs-hvm32 chk XFAIL %swhy\n" % fix)
    with pytest.raises(matrix.MatrixError, match=r"e.txt:1: expected 'fix="):
        matrix.Expectations([exp], m)


def test_every_known_deviation_names_its_fix():
    """A deviation that the series fixes is gone on the patched host, and
    one that it does not fix is still there."""
    m = matrix.Matrix(os.path.join(TOP, "matrix.cfg"))
    stock = matrix.expectations_for(m, "stock-6.12")
    patched = matrix.expectations_for(m, "patched-6.12")
    series = open(os.path.join(TOP, "host-patches", "6.12", "series")).read()
    for key, fix in stock.fixes.items():
        if fix.isdigit():
            assert key not in patched.checks, key
            assert re.search(r"^%s-" % fix, series, re.M), (key, fix)
        else:
            assert key in patched.checks, key


def test_reference_host_by_release():
    m = matrix.Matrix(os.path.join(TOP, "matrix.cfg"))
    assert matrix.reference_host(m, "6.12.57-dirty") == "stock-6.12"
    assert matrix.reference_host(m, "6.1.158") == "stock-6.1"
    assert matrix.reference_host(m, "6.13.0") is None
    assert matrix.reference_host(m, "") is None


def test_host_settings_survive_the_shell(tmp_path):
    """`matrix.py host` prints assignments that bash reads back exactly."""
    import subprocess
    odd = "console=ttyS1 it's \"$HOME\" `x` \\\\ ;"
    path = write(tmp_path, "m.cfg", "[host h]\nkernel = /k\ncmdline = %s\n" % odd)
    out = subprocess.run([sys.executable, os.path.join(TOP, "tools", "matrix.py"),
                          "--matrix", path, "host", "h"],
                         check=True, capture_output=True, text=True).stdout
    got = subprocess.run(["bash", "-c", out + 'printf %s "$host_cmdline"'],
                         check=True, capture_output=True, text=True).stdout
    assert got == odd


@pytest.mark.parametrize("val", ["0", "5", "two", "-1", ""])
def test_host_cpus_is_checked(tmp_path, val):
    with pytest.raises(matrix.MatrixError, match=r"m.cfg:6: host_cpus must be 1..4"):
        matrix.Matrix(write(tmp_path, "m.cfg", HOST + "[case s]\nguest = hvm64\n"
                            "host_cpus = %s\n" % val))


def test_host_cpus_default_and_given(tmp_path):
    m = matrix.Matrix(write(tmp_path, "m.cfg", HOST + "[case a]\nguest = hvm64\n\n"
                            "[case b]\nguests = hvm32 hvm64\nhost_cpus = 2\n"))
    assert [m.cases[c].opts["host_cpus"] for c in m.cases] == ["1", "2", "2"]
