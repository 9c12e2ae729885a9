# SPDX-License-Identifier: GPL-2.0
"""tools/rigabi.py reads include/rig/abi.h as the C compiler does."""
import os
import re
import subprocess

import pytest

import rigabi
from conftest import TOP


def test_parse_defines_and_enums():
    d, e = rigabi.parse("""
        /* RIG_COMMENTED 9 */
        #define RIG_A  0x10u
        #define RIG_B  3	/* three */
        enum rig_x { RIG_X_ONE = 1, /* c */ RIG_X_TWO, RIG_X_TEN = 10, };
    """)
    assert d == {"RIG_A": 16, "RIG_B": 3}
    assert e == {"rig_x": {"RIG_X_ONE": 1, "RIG_X_TWO": 2, "RIG_X_TEN": 10}}


def test_unreadable_enum_member_is_an_error():
    with pytest.raises(ValueError, match="cannot read"):
        rigabi.parse("enum rig_x { RIG_X = FOO + 1 };")


def test_header_matches_the_compiler(tmp_path):
    """Every number the tools read is the one C code sees."""
    defines, enums = rigabi.parse(open(rigabi.HEADER).read())
    names = sorted(set(defines) | {n for m in enums.values() for n in m})
    src = tmp_path / "dump.c"
    src.write_text('#include <stdio.h>\n#include "rig/abi.h"\nint main(void)\n{\n' +
                   "".join('\tprintf("%%s %%llu\\n", "%s", (unsigned long long)(%s));\n' % (n, n)
                           for n in names) + "\treturn 0;\n}\n")
    exe = tmp_path / "dump"
    subprocess.run(["cc", "-I", os.path.join(TOP, "include"), "-o", str(exe), str(src)],
                   check=True)
    seen = dict(line.split() for line in subprocess.run(
        [str(exe)], check=True, capture_output=True, text=True).stdout.splitlines())
    flat = dict(defines)
    for m in enums.values():
        flat.update(m)
    assert {n: int(v) for n, v in seen.items()} == flat


def test_the_tools_keep_no_copies():
    """No exit code or grace number written out again in the tools."""
    text = open(os.path.join(TOP, "tools", "logcheck.py")).read()
    assert not re.search(r'code == "\d"', text)
    assert rigabi.vmm_exit("skip") == 7 and rigabi.vmm_exit_names()[8] == "output_cap"
    init = open(os.path.join(TOP, "tools", "init", "init.c")).read()
    assert "RIG_INIT_GRACE_SEC" in init and "GRACE_SEC\t" not in init
