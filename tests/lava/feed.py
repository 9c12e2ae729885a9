#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""feed.py FILE: write FILE to stdout in pieces of 1 to 64 bytes, as a
serial console delivers a log: lines arrive cut anywhere."""

import os
import random
import sys

with open(sys.argv[1], "rb") as f:
    data = f.read()
rng = random.Random(len(data))
pos = 0
while pos < len(data):
    n = rng.randint(1, 64)
    os.write(1, data[pos:pos + n])
    pos += n
