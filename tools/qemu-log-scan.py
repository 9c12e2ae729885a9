#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read QEMU's `-d int` log of a host boot (boot-host.sh's RIG_QEMU_LOG=int)
for the emulator faults the rig has met under TCG.

QEMU logs every exception and interrupt it delivers, the nested guest's
included, each with the CPU state it interrupted.  Two things in it are
faults of the emulated CPU, not of the host kernel or the guest:

- redelivery: an interrupt delivered to the guest at its own handler's
  entry with IF=0.  After VMRUN injects an interrupt, QEMU leaves the vector
  pending and a kick of the vCPU delivers it again.  The guest drops such a
  copy (guest/trap.c); this counts what QEMU did.
- host-context triple fault: the #DF that ends in a shutdown was met by the
  host kernel (its RIP, its page tables, its IDT), yet QEMU still had the
  vCPU in guest mode and reported it to KVM as the guest's triple fault:
  the VMM then sees "triple fault" for a guest that did nothing wrong.

--explain also reads the boot's wedge dump (B.wedge.txt): a host CPU halted
with IF=1 and an interrupt pending in its local APIC is one whose wake-up
the emulated CPU lost.

Usage:
  qemu-log-scan.py LOG...               what each log holds, one block per log
  qemu-log-scan.py --explain RUN HOST CASE
      exit 0, with one line, if the boot of RUN that ran CASE on HOST has a
      host-context triple fault in its log or a lost wake-up in its wedge
      dump; exit 1 otherwise.
"""

import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rigabi  # noqa: E402

# " 21597: v=0e e=0010 i=0 cpl=0 IP=0010:ffffffff936fdb9c pc=... SP=0018:..."
_DELIVERY = re.compile(r"^\s*\d+: v=([0-9a-f]+) e=([0-9a-f]+) i=(\d) cpl=(\d) "
                       r"IP=([0-9a-f]+):([0-9a-f]+) .*?(?:CR2=([0-9a-f]+))?$")
_FLAGS = re.compile(r"^[ER]IP=[0-9a-f]+ [ER]FL=([0-9a-f]+)")
_CHECK = re.compile(r"^check_exception old: 0x([0-9a-f]+) new 0x([0-9a-f]+)")
_CR2 = re.compile(r"^CR0=[0-9a-f]+ CR2=([0-9a-f]+) ")

KERNEL_HALF = 0xffff800000000000
EFLAGS_IF = 1 << 9
MNEMONIC = {0: "#DE", 6: "#UD", 8: "#DF", 10: "#TS", 11: "#NP", 12: "#SS",
            13: "#GP", 14: "#PF"}


class Delivery:
    def __init__(self, m):
        self.vector = int(m.group(1), 16)
        self.error = int(m.group(2), 16)
        self.soft = m.group(3) == "1"
        self.cpl = int(m.group(4))
        self.rip = int(m.group(6), 16)
        self.cr2 = int(m.group(7), 16) if m.group(7) else None
        self.rflags = None
        self.cr2_reg = None     # CR2 as the dump shows it

    @property
    def host(self):
        """The host kernel, not the nested guest (which runs low)."""
        return self.cpl == 0 and self.rip >= KERNEL_HALF

    @property
    def guest_kernel(self):
        return self.cpl == 0 and self.rip < KERNEL_HALF

    def describe(self):
        name = MNEMONIC.get(self.vector, "vector %#x" % self.vector)
        s = "%s at %s rip %#x" % (name, "host" if self.host else "guest", self.rip)
        if self.vector in (10, 11, 12, 13, 14):
            s += " error %#x" % self.error
        if self.vector == 14 and self.cr2 is not None:
            s += " cr2 %#x" % self.cr2
        return s


def _story(chain):
    """What each delivery of the chain ran into, from the first one."""
    first = chain[0][0]
    words = [first.describe()]
    for i, (d, new) in enumerate(chain):
        raised = MNEMONIC.get(new, "vector %#x" % new)
        nxt = chain[i + 1][0] if i + 1 < len(chain) else None
        if new == 14 and nxt is not None and nxt.cr2_reg is not None:
            raised += " (cr2 %#x)" % nxt.cr2_reg
        words.append("delivering %s raised %s" % (MNEMONIC.get(d.vector, "it"), raised))
    return "; ".join(words)


def scan(lines, irq_first):
    """{"deliveries", "redelivered": {vector: n}, "triple": [description]}."""
    out = {"deliveries": 0, "redelivered": {}, "triple": []}
    cur = None
    chain = []          # the deliveries since the last one that raised nothing
    for line in lines:
        m = _DELIVERY.match(line)
        if m:
            cur = Delivery(m)
            out["deliveries"] += 1
            continue
        m = _FLAGS.match(line)
        if m and cur and cur.rflags is None:
            cur.rflags = int(m.group(1), 16)
            if (cur.guest_kernel and not cur.soft and cur.vector >= irq_first
                    and cur.vector < 32 and not cur.rflags & EFLAGS_IF):
                out["redelivered"][cur.vector] = out["redelivered"].get(cur.vector, 0) + 1
            continue
        m = _CR2.match(line)
        if m and cur and cur.cr2_reg is None:
            cur.cr2_reg = int(m.group(1), 16)
            continue
        m = _CHECK.match(line)
        if not m:
            continue
        old, new = int(m.group(1), 16), int(m.group(2), 16)
        if old == 0xffffffff:
            chain = []
        elif cur:
            chain.append((cur, new))
        if old == 8 and chain:
            out["triple"].append(("host" if cur.host else "guest", _story(chain)))
            chain = []
    return out


def irq_vector_first():
    return rigabi.define("RIG_IRQ_VECTOR_FIRST")


def scan_file(path):
    with open(path, errors="replace") as f:
        return scan(f, irq_vector_first())


def report(path, res):
    print("%s: %d deliveries" % (path, res["deliveries"]))
    for vec, n in sorted(res["redelivered"].items()):
        print("  redelivery: vector %d delivered %d times to the guest at IF=0" % (vec, n))
    for where, what in res["triple"]:
        print("  triple fault in %s context: %s" % (where, what))


def boot_of(run, host, case):
    """The boot of RUN that ran CASE on HOST: its files' common prefix."""
    for plan in sorted(glob.glob(os.path.join(run, host + ".plan")) +
                       glob.glob(os.path.join(run, host + "+*.plan"))):
        with open(plan) as f:
            if any(line.split("\t")[0] == case for line in f):
                return plan[:-len(".plan")]
    return None


# What tools/wedge-dump.sh says of a halted CPU that did not take a pending
# interrupt (B.wedge.txt, written when the driver gave up on a wedged boot).
LOST_WAKEUP = "an interrupt it should have taken"


def explain(run, host, case):
    """Why the boot that ran CASE met an emulator fault, or None."""
    boot = boot_of(run, host, case)
    if not boot:
        return None
    log = boot + ".serial.log.qemu-log"
    if os.path.exists(log):
        host_faults = [what for where, what in scan_file(log)["triple"] if where == "host"]
        if host_faults:
            return "emulator: triple fault in the host kernel's context (%s), reported as the guest's" \
                % host_faults[0]
    wedge = boot + ".wedge.txt"
    if os.path.exists(wedge):
        with open(wedge, errors="replace") as f:
            lost = [ln.strip() for ln in f if LOST_WAKEUP in ln]
        if lost:
            return "emulator: the wedged host's %s" % lost[0][len("wedge-dump: "):]
    return None


def main(argv):
    if len(argv) == 4 and argv[0] == "--explain":
        why = explain(*argv[1:])
        if why:
            print(why)
            return 0
        return 1
    if not argv or argv[0].startswith("-"):
        print(__doc__.split("Usage:")[1].rstrip(), file=sys.stderr)
        return 2
    for path in argv:
        try:
            report(path, scan_file(path))
        except OSError as e:
            print("qemu-log-scan: %s" % e, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
