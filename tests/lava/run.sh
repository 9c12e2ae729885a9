#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/lava.py's tests: the jobs against Debian's lava-common schema and
# lava-dispatcher, the monitors against the recorded serial logs.  They run
# with Debian's python3, which has the LAVA packages.  The last line is
# "N passed, M failed".

set -u

here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/test_lava.py"
