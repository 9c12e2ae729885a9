#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The driver's unit tests (pytest, Debian's python3-pytest): scheduling,
# boot timeouts, the case-time history, the native VMM's command line, the
# progress display, the run directory's layout.  Extra arguments go to
# pytest (-k NAME, -x, ...).

set -u

here=$(cd "$(dirname "$0")" && pwd)
command -v pytest-3 > /dev/null ||
	{ echo "driver-test: pytest-3 is missing (apt-get install python3-pytest)"; exit 1; }
exec pytest-3 -q -p no:cacheprovider --rootdir "$here" "$here" "$@"
