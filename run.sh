#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: boot the rig's host kernels under QEMU, run the matrix's cases in
# each, and check the serial logs.  ./run.sh --help lists the options;
# tools/driver.py does the work.

set -euo pipefail

top=$(cd "$(dirname "$0")" && pwd)
exec python3 "$top/tools/driver.py" "$@"
