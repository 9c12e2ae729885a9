# SPDX-License-Identifier: GPL-2.0
"""The rig's Python tools, imported from tools/."""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tools"))
