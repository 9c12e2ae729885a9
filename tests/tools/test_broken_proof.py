# SPDX-License-Identifier: GPL-2.0
"""tools/broken-proof.sh's table of breaks, as --list prints it."""
import os
import re
import subprocess

from conftest import TOP

SCRIPT = os.path.join(TOP, "tools", "broken-proof.sh")
LINE = re.compile(r"^(?P<name>\d{4}-[a-z0-9-]+)(?: \((?P<cfg>[a-z]+)\))?: "
                  r"(?P<cases>(?:[a-z0-9-]+-hvm(?:32|64) ?)+) must "
                  r"(?:fail (?P<checks>[a-z0-9_ ]+?)|SPLAT matching /(?P<pattern>[^|]+)/)"
                  r"(?:, and pass (?P<passing>[a-z0-9_ ]+))?$")


def listing():
    p = subprocess.run([SCRIPT, "--list"], stdout=subprocess.PIPE, text=True, check=True)
    return [LINE.match(ln) for ln in p.stdout.splitlines()]


def test_every_break_names_its_cases_and_what_they_must_show():
    breaks = listing()
    assert breaks and all(breaks)
    names = [m["name"] for m in breaks]
    assert len(set(names)) == len(names)
    assert {"0003-compat-always", "0003-no-upcall-pending", "0004-no-offset"} <= set(names)


def test_behavioural_breaks_run_on_the_rig_config_and_name_checks():
    for m in listing():
        if m["checks"]:
            assert m["cfg"] is None and m["pattern"] is None


def test_a_context_break_runs_on_the_debug_config_and_names_a_function():
    splats = [m for m in listing() if m["pattern"]]
    assert splats
    for m in splats:
        assert m["cfg"] == "debug"
        re.compile(m["pattern"])
        # The pattern names a function in the report's call trace, not
        # only its first line.
        assert re.search(r"[a-z_]+\\\+", m["pattern"])


def test_an_unknown_break_is_refused():
    p = subprocess.run([SCRIPT, "no-such-break"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    assert p.returncode != 0 and "no such break" in p.stderr
