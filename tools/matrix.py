#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read the rig's matrix file: which hosts exist, which cases, and who runs what.

The file is INI-like, in the spirit of kvm-unit-tests' unittests.cfg:

    [host stock-6.12]
    source = 6.12
    series = none

    [case smoke]
    guests = hvm32 hvm64          # one case per word size: smoke-hvm32, smoke-hvm64
    cmdline = case=smoke
    xen = 4.17                    # one key for what the guest and the VMM share
    groups = smoke

Every error names the file and the line.  This module is the one owner of
the plan that the host init runs (PlanEntry); the driver, the log checker
and the image builder read and write it only through here.
"""

import dataclasses
import fnmatch
import glob
import os
import re
import shlex
import sys

STATUSES = ("PASS", "FAIL", "XFAIL", "XPASS", "SKIP", "CRASH", "TIMEOUT",
            "SPLAT", "ERROR")

HOST_KEYS = {
    "source": None,          # Debian linux-source-X version, e.g. 6.12
    "series": "none",        # quilt-style series file, or none
    "fragments": "tools/kconfig/rig.config",
    "kernel": "",            # a prebuilt bzImage instead of a source build
    "accel": "auto",         # tcg, kvm or auto
    "cmdline": "",           # extra host kernel command line
    "default": "yes",        # part of the default matrix
    "expectations": "",      # known deviations: files, or another host's
                             # (default: expect/NAME.txt, expect/NAME.*.txt)
}

CASE_KEYS = {
    "guest": None,           # guest image: hvm32 or hvm64; the case's name as is
    "guests": None,          # or several: one case NAME-IMAGE per image
    "cmdline": "",           # guest command line (multiboot)
    "vmm": "",               # extra VMM options
    "xen": "",               # the Xen version the VMM offers and the guest expects
    "split": "",             # a memslot boundary (GPA) the VMM makes and the guest uses
    "modules": "",           # images the VMM loads as multiboot modules, in order
    "timeout": "30",         # seconds, enforced by the VMM
    "groups": "",            # space-separated group names
    "expect": "PASS",        # the status this case must end with
    "hosts": "",             # restrict to these hosts (default: all)
    "host_cpus": "1",        # CPUs the host boots with; >1: boots of their own
}

HOST_CPUS_MAX = 4

GUESTS = ("hvm32", "hvm64")

# Facts the guest and the VMM must agree on, each given once in the matrix:
# key -> (guest command line word, VMM option).  Writing either half by hand
# is an error, so the two can never disagree.
FACTS = {
    "xen": ("xenver", "--xen-version"),
    "split": ("split", "--split"),
}

# Hosts the matrix does not define: 'custom' is a kernel image given with
# run.sh --kernel, 'native' the running kernel's own /dev/kvm.  Both run
# every case.
PSEUDO_HOSTS = ("custom", "native")


class MatrixError(Exception):
    pass


class Host:
    def __init__(self, name, where):
        self.name = name
        self.where = where       # (file, line) of the section header
        self.opts = dict(HOST_KEYS)

    def __getattr__(self, key):
        try:
            return self.__dict__["opts"][key]
        except KeyError:
            raise AttributeError(key)


class Case:
    def __init__(self, name, where):
        self.name = name
        self.where = where       # (file, line) of the section header
        self.base = name         # the section's name, before NAME-IMAGE
        self.opts = dict(CASE_KEYS)

    def __getattr__(self, key):
        try:
            return self.__dict__["opts"][key]
        except KeyError:
            raise AttributeError(key)

    @property
    def timeout_s(self):
        return int(self.opts["timeout"])

    def plan_entry(self):
        """What the host init runs for this case, the facts spelled out."""
        cmdline = self.opts["cmdline"].split()
        vmm = self.opts["vmm"].split()
        for key, (word, option) in FACTS.items():
            if self.opts[key]:
                cmdline.append("%s=%s" % (word, self.opts[key]))
                vmm += [option, self.opts[key]]
        return PlanEntry(self.name, self.timeout_s, self.opts["guest"],
                         " ".join(cmdline), tuple(vmm),
                         tuple(self.opts["modules"].split()))

    def runs_on(self, host):
        allowed = self.opts["hosts"].split()
        return not allowed or host in allowed or host in PSEUDO_HOSTS


class Matrix:
    def __init__(self, path):
        self.path = path
        self.top = os.path.dirname(os.path.abspath(path))
        self.hosts = {}
        self.sections = {}       # [case NAME] sections as written
        self.cases = {}          # the cases they expand to, in order
        self.bases = {}          # section name -> its cases' names
        self._parse(path)
        self._validate()

    def _err(self, where, msg):
        """where: a line of the file being read, or a (file, line)."""
        path, lineno = where if isinstance(where, tuple) else (self._cur_path, where)
        raise MatrixError("%s:%d: %s" % (path, lineno, msg))

    def _parse(self, path):
        self._cur_path = path
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise MatrixError("%s: %s" % (path, e.strerror))

        cur = None
        for n, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("include "):
                # Further matrix files, relative to this one: cases of a
                # group can live in a file of their own.
                pattern = os.path.join(os.path.dirname(path), line[8:].strip())
                found = sorted(glob.glob(pattern))
                if not found and not glob.has_magic(pattern):
                    self._err(n, "include matches no file: %s" % line[8:].strip())
                for inc in found:
                    self._parse(inc)
                self._cur_path = path
                cur = None
                continue
            if line.startswith("["):
                if not line.endswith("]"):
                    self._err(n, "section header without ']'")
                words = line[1:-1].split()
                if len(words) != 2 or words[0] not in ("host", "case"):
                    self._err(n, "expected [host NAME] or [case NAME]")
                kind, name = words
                if not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
                    self._err(n, "bad %s name '%s'" % (kind, name))
                table = self.hosts if kind == "host" else self.sections
                if name in table:
                    self._err(n, "%s '%s' defined twice" % (kind, name))
                cur = (Host if kind == "host" else Case)(name, (path, n))
                table[name] = cur
                continue
            if "=" not in line:
                self._err(n, "expected 'key = value'")
            if cur is None:
                self._err(n, "key outside a [host] or [case] section")
            key, val = (s.strip() for s in line.split("=", 1))
            if key not in cur.opts:
                self._err(n, "unknown key '%s' in %s '%s'" %
                          (key, type(cur).__name__.lower(), cur.name))
            cur.opts[key] = val
            self._check(cur, key, val, n)

    def _validate(self):
        for h in self.hosts.values():
            if not h.opts["source"] and not h.opts["kernel"]:
                self._err(h.where, "host '%s' needs 'source' or 'kernel'" % h.name)
        for sec in self.sections.values():
            if (sec.opts["guest"] is None) == (sec.opts["guests"] is None):
                self._err(sec.where, "case '%s' needs 'guest' or 'guests', not both"
                          % sec.name)
            for hn in sec.opts["hosts"].split():
                if hn not in self.hosts:
                    self._err(sec.where, "case '%s' names unknown host '%s'" % (sec.name, hn))
            for key, (word, option) in FACTS.items():
                if any(w.startswith(word + "=") for w in sec.opts["cmdline"].split()) \
                        or option in sec.opts["vmm"].split():
                    self._err(sec.where, "case '%s': give '%s = VALUE' instead of %s= "
                              "or %s by hand" % (sec.name, key, word, option))
            if sec.opts["guest"] is not None:
                self._add_case(sec, sec.name)
                continue
            images = sec.opts["guests"].split()
            if not images or len(set(images)) != len(images):
                self._err(sec.where, "case '%s': guests needs distinct images" % sec.name)
            for img in images:
                c = Case("%s-%s" % (sec.name, img), sec.where)
                c.base = sec.name
                c.opts = dict(sec.opts, guest=img)
                self._add_case(c, c.name)

    def _add_case(self, c, name):
        if name in self.cases:
            self._err(c.where, "case '%s' defined twice" % name)
        self.cases[name] = c
        self.bases.setdefault(c.base, []).append(name)

    def _check(self, cur, key, val, n):
        if key == "timeout" and not (val.isdigit() and 0 < int(val) <= 3600):
            self._err(n, "timeout must be 1..3600 seconds, not '%s'" % val)
        if key == "host_cpus" and not (val.isdigit() and 0 < int(val) <= HOST_CPUS_MAX):
            self._err(n, "host_cpus must be 1..%d, not '%s'" % (HOST_CPUS_MAX, val))
        if key == "expect" and val not in STATUSES:
            self._err(n, "expect must be one of %s" % " ".join(STATUSES))
        if key in ("guest", "guests", "modules"):
            for img in val.split():
                if img not in GUESTS:
                    self._err(n, "%s: images are %s, not '%s'" % (key, " ".join(GUESTS), img))
        if key == "accel" and val not in ("tcg", "kvm", "auto"):
            self._err(n, "accel must be tcg, kvm or auto")
        if key == "default" and val not in ("yes", "no"):
            self._err(n, "default must be yes or no")
        if "\t" in val:
            self._err(n, "tab in value")

    def select_hosts(self, names):
        """Hosts by name (comma or space separated); the default ones if none."""
        if not names:
            return [h for h in self.hosts.values() if h.opts["default"] == "yes"]
        out = []
        for name in names.replace(",", " ").split():
            if name in PSEUDO_HOSTS:
                out.append(Host(name, 0))
                continue
            if name not in self.hosts:
                raise MatrixError("unknown host '%s' (known: %s)" %
                                  (name, " ".join(self.hosts)))
            out.append(self.hosts[name])
        return out

    def select_cases(self, host, pattern):
        """Cases for a host whose name or group matches a glob pattern."""
        pats = pattern.replace(",", " ").split() if pattern else ["*"]
        out = []
        for c in self.cases.values():
            if not c.runs_on(host):
                continue
            groups = c.opts["groups"].split()
            if any(fnmatch.fnmatchcase(c.name, p) or p in groups for p in pats):
                out.append(c)
        return out

    def check_pattern(self, pattern):
        """An explicit selection that matches no case at all is an error."""
        if not pattern:
            return
        for p in pattern.replace(",", " ").split():
            if not any(fnmatch.fnmatchcase(c.name, p) or p in c.opts["groups"].split()
                       for c in self.cases.values()):
                raise MatrixError("no case matches '%s'" % p)


class Expectations:
    """A host's known deviations: expect/HOST.txt and expect/HOST.*.txt.

    One line per deviation, '#' comments:

        CASE CHECK XFAIL fix=F reason  a check of CASE that fails on this host
        CASE CHECK FLAKY fix=F reason  one that fails now and then (a race in
                                       the host, not in the rig): XFAIL when
                                       it fails, never XPASS when it passes
        CASE * STATUS reason           the status CASE ends with on this host

    F says what fixes the deviation, in the manner of kvm-unit-tests'
    errata: NNNN, a patch of the rig's series (host-patches/); a 12-digit
    upstream commit; vX.Y, the first upstream release the rig has seen
    without it; none, where KVM does not follow Xen by design or nothing
    fixes it yet.  A kernel of the user's own (host custom) is told, for
    each failing check that is a known deviation, which one and its fix.

    CASE is a case's name, or the name of a section with 'guests =': then
    the line holds for every word size the section runs in.  Every line
    needs a reason: it names the Xen behaviour and what the host does
    instead, so that the table can say why.
    """

    def __init__(self, paths, mtx=None):
        self.checks = {}         # (case, check) -> reason
        self.flaky = set()       # (case, check) that may also pass
        self.cases = {}          # case -> (status, reason)
        self.fixes = {}          # (case, check) -> F of fix=F
        self.mtx = mtx
        for path in paths:
            self._load(path)

    def _names(self, name, where):
        """The cases an entry names: itself, or a section's expansions."""
        if not self.mtx or name in self.mtx.cases:
            return [name]
        if name in self.mtx.bases:
            return self.mtx.bases[name]
        raise MatrixError("%s: no case or section named '%s'" % (where, name))

    def _load(self, path):
        with open(path, encoding="utf-8") as f:
            for n, raw in enumerate(f, 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                words = line.split(None, 3)
                if len(words) < 4:
                    raise MatrixError("%s:%d: expected 'CASE CHECK STATUS reason'" % (path, n))
                name, check, status, reason = words
                if status not in STATUSES + ("FLAKY",):
                    raise MatrixError("%s:%d: unknown status '%s'" % (path, n, status))
                fix = None
                if check != "*":
                    if status not in ("XFAIL", "FLAKY"):
                        raise MatrixError("%s:%d: a check can only be XFAIL or FLAKY" % (path, n))
                    fix, _, reason = reason.partition(" ")
                    if not FIX_RE.match(fix) or not reason:
                        raise MatrixError("%s:%d: expected 'fix=NNNN|COMMIT|vX.Y|none reason'"
                                          % (path, n))
                    fix = fix[len("fix="):]
                for case in self._names(name, "%s:%d" % (path, n)):
                    if check == "*":
                        self.cases[case] = (status, reason)
                        continue
                    self.checks[(case, check)] = reason
                    self.fixes[(case, check)] = fix
                    if status == "FLAKY":
                        self.flaky.add((case, check))


FIX_RE = re.compile(r"^fix=(\d{4}|[0-9a-f]{12}|v\d+\.\d+|none)$")


def describe_fix(fix):
    """What a fix=F of an expectation means, in words."""
    if fix == "none":
        return "not fixed"
    if re.match(r"^\d{4}$", fix):
        return "fixed by %s" % fix
    if fix.startswith("v"):
        return "fixed upstream by %s" % fix
    return "fixed upstream by commit %s" % fix


def reference_host(mtx, release):
    """The matrix's stock host for a kernel release (6.12.57 -> stock 6.12):
    its known deviations are the ones a kernel of that version has."""
    m = re.match(r"^(\d+\.\d+)", release or "")
    if not mtx or not m:
        return None
    for h in mtx.hosts.values():
        if h.opts["source"] == m.group(1) and h.opts["series"] == "none" \
                and h.opts["fragments"] == HOST_KEYS["fragments"] and not h.opts["kernel"]:
            return h.name
    return None


def expectations_for(mtx, host):
    """expect/HOST.txt and expect/HOST.*.txt, or the host's own list."""
    if not mtx:
        return Expectations([])
    h = mtx.hosts.get(host)
    if h and h.opts["expectations"] in mtx.hosts:
        # A variant of another host (a debug build) shares its deviations.
        host = h.opts["expectations"]
    elif h and h.opts["expectations"]:
        paths = [os.path.join(mtx.top, p) for p in h.opts["expectations"].split()]
        for p in paths:
            if not os.path.exists(p):
                raise MatrixError("host '%s': no expectations file %s" % (host, p))
        return Expectations(paths, mtx)
    base = os.path.join(mtx.top, "expect", host)
    return Expectations(sorted(glob.glob(base + ".txt") + glob.glob(base + ".*.txt")), mtx)


@dataclasses.dataclass(frozen=True)
class PlanEntry:
    """One case as the host init runs it (tools/init/init.c reads the line).

    Images are named as the guest build names them (hvm32, hvm64): init
    finds them in the initramfs, the native runner in guest/build/.
    """
    name: str
    timeout: int             # seconds, enforced by the VMM
    guest: str               # the image the VMM boots
    cmdline: str             # the guest's command line
    vmm: tuple = ()          # extra VMM argument words
    modules: tuple = ()      # images loaded as multiboot modules, in order

    FIELDS = 6

    def line(self):
        for f in (self.name, self.guest, self.cmdline) + self.vmm + self.modules:
            if "\t" in f or "\n" in f:
                raise MatrixError("case '%s': tab or newline in the plan" % self.name)
        return "\t".join([self.name, str(self.timeout), self.guest, self.cmdline,
                          " ".join(self.vmm), " ".join(self.modules)])

    @classmethod
    def parse(cls, line):
        f = line.rstrip("\n").split("\t")
        if len(f) != cls.FIELDS or not f[0] or not f[1].isdigit() or not f[2]:
            raise MatrixError("malformed plan line: %r" % line)
        return cls(f[0], int(f[1]), f[2], f[3], tuple(f[4].split()), tuple(f[5].split()))


def plan_entries(mtx, host, pattern=""):
    """The plan for a host: the selected cases, in matrix order."""
    mtx.check_pattern(pattern)
    return [c.plan_entry() for c in mtx.select_cases(host, pattern)]


def write_plan(path, entries):
    with open(path, "w", encoding="utf-8") as f:
        for e in entries:
            f.write(e.line() + "\n")


def read_plan(path):
    """A plan file's entries; a missing file is an empty plan."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    return [PlanEntry.parse(ln) for ln in lines if ln and not ln.startswith("#")]


def main(argv):
    import argparse

    ap = argparse.ArgumentParser(prog="matrix.py")
    ap.add_argument("--matrix", default=os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "matrix.cfg"))
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("hosts", help="selected hosts, one per line")
    p.add_argument("--host", default="")
    p = sub.add_parser("host", help="one host's settings as shell assignments")
    p.add_argument("name")
    p = sub.add_parser("plan", help="the init plan for a host")
    p.add_argument("host")
    p.add_argument("--case", default="")
    p = sub.add_parser("groups", help="the case groups of a host")
    p.add_argument("host")
    p = sub.add_parser("menu", help="a guest ISO menu: title, image, command line")
    p = sub.add_parser("list", help="what would run")
    p.add_argument("--host", default="")
    p.add_argument("--case", default="")
    args = ap.parse_args(argv)

    try:
        m = Matrix(args.matrix)
        if args.cmd == "hosts":
            for h in m.select_hosts(args.host):
                print(h.name)
        elif args.cmd == "host":
            h = m.select_hosts(args.name)[0]
            for k in sorted(h.opts):
                print("host_%s=%s" % (k, shlex.quote(h.opts[k])))
        elif args.cmd == "plan":
            for e in plan_entries(m, args.host, args.case):
                print(e.line())
        elif args.cmd == "groups":
            groups = []
            for c in m.select_cases(args.host, ""):
                for g in c.opts["groups"].split():
                    if g not in groups:
                        groups.append(g)
            print("\n".join(groups))
        elif args.cmd == "menu":
            for c in m.cases.values():
                if not c.opts["expect"] in ("PASS", "FAIL"):
                    continue
                print("\t".join([c.name, c.opts["guest"] + ".elf", c.plan_entry().cmdline]))
        elif args.cmd == "list":
            m.check_pattern(args.case)
            for h in m.select_hosts(args.host):
                for c in m.select_cases(h.name, args.case):
                    print("%-16s %-28s %-6s expect=%-7s timeout=%ss groups=%s" %
                          (h.name, c.name, c.opts["guest"], c.opts["expect"],
                           c.opts["timeout"], c.opts["groups"] or "-"))
    except MatrixError as e:
        print("matrix: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
