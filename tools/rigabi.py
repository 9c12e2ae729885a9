#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The numbers of include/rig/abi.h, for the rig's Python tools.

abi.h is the one owner of the contract between the VMM, the guest, the host
init and the runner: the VMM's exit codes, the control-port commands, init's
grace seconds.  The tools read them from the header itself rather than keep
copies, so a number changed there changes everywhere.

Only what abi.h uses is understood: `#define NAME NUMBER` and enums whose
members are `NAME = NUMBER` or follow the one before.
"""

import os
import re

HEADER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "include", "rig", "abi.h")

_DEFINE_RE = re.compile(r"^\s*#\s*define\s+(RIG_\w+)\s+(0[xX][0-9a-fA-F]+|\d+)[uU]?\b", re.M)
_ENUM_RE = re.compile(r"\benum\s+(\w+)\s*\{(.*?)\}\s*;", re.S)
_MEMBER_RE = re.compile(r"^\s*(RIG_\w+)\s*(?:=\s*(0[xX][0-9a-fA-F]+|\d+))?\s*,?\s*$")


def _strip_comments(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def parse(text):
    """(defines, enums): NAME -> int, and enum name -> {NAME: int}."""
    text = _strip_comments(text)
    defines = {name: int(val, 0) for name, val in _DEFINE_RE.findall(text)}
    enums = {}
    for ename, body in _ENUM_RE.findall(text):
        members = {}
        nxt = 0
        for line in body.split(","):
            line = line.strip()
            if not line:
                continue
            m = _MEMBER_RE.match(line)
            if not m:
                raise ValueError("abi.h: enum %s: cannot read '%s'" % (ename, line))
            nxt = int(m.group(2), 0) if m.group(2) else nxt
            members[m.group(1)] = nxt
            nxt += 1
        enums[ename] = members
    return defines, enums


_cache = {}


def _load(path=HEADER):
    if path not in _cache:
        with open(path, encoding="utf-8") as f:
            _cache[path] = parse(f.read())
    return _cache[path]


def define(name, path=HEADER):
    return _load(path)[0][name]


def enum(name, path=HEADER):
    return dict(_load(path)[1][name])


def vmm_exit_names(path=HEADER):
    """VMM exit code -> its short name (RIG_EXIT_SKIP -> 'skip')."""
    return {v: k[len("RIG_EXIT_"):].lower() for k, v in enum("rig_vmm_exit", path).items()}


def vmm_exit(short, path=HEADER):
    """The VMM's exit code for a short name: vmm_exit('skip') == 7."""
    return enum("rig_vmm_exit", path)["RIG_EXIT_" + short.upper()]


def init_grace_s(path=HEADER):
    return define("RIG_INIT_GRACE_SEC", path)


if __name__ == "__main__":
    import sys
    # rigabi.py NAME: print one number, for shell scripts.
    defines, enums = _load()
    flat = dict(defines)
    for members in enums.values():
        flat.update(members)
    if len(sys.argv) != 2 or sys.argv[1] not in flat:
        print("usage: rigabi.py NAME (one of: %s)" % " ".join(sorted(flat)), file=sys.stderr)
        sys.exit(2)
    print(flat[sys.argv[1]])
