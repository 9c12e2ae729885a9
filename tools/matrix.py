#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read the rig's matrix file: which hosts exist, which cases, and who runs what.

The file is INI-like, in the spirit of kvm-unit-tests' unittests.cfg:

    [host stock-6.12]
    source = 6.12
    series = none

    [case smoke-hvm64]
    guest = hvm64
    cmdline = case=smoke xenver=4.17
    groups = smoke

Every error names the file and the line.  Used as a library by logcheck.py
and from run.sh through the small command line at the bottom.
"""

import fnmatch
import glob
import os
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
    "guest": None,           # guest image: hvm32 or hvm64
    "cmdline": "",           # guest command line (multiboot)
    "vmm": "",               # extra VMM options
    "timeout": "30",         # seconds, enforced by the VMM
    "groups": "",            # space-separated group names
    "expect": "PASS",        # the status this case must end with
    "hosts": "",             # restrict to these hosts (default: all)
}

GUESTS = ("hvm32", "hvm64")

# Hosts the matrix does not define: 'custom' is a kernel image given with
# run.sh --kernel, 'native' the running kernel's own /dev/kvm.  Both run
# every case.
PSEUDO_HOSTS = ("custom", "native")


class MatrixError(Exception):
    pass


class Host:
    def __init__(self, name, where):
        self.name = name
        self.where = where
        self.opts = dict(HOST_KEYS)

    def __getattr__(self, key):
        try:
            return self.__dict__["opts"][key]
        except KeyError:
            raise AttributeError(key)


class Case:
    def __init__(self, name, where):
        self.name = name
        self.where = where
        self.opts = dict(CASE_KEYS)

    def __getattr__(self, key):
        try:
            return self.__dict__["opts"][key]
        except KeyError:
            raise AttributeError(key)

    @property
    def timeout_s(self):
        return int(self.opts["timeout"])

    def runs_on(self, host):
        allowed = self.opts["hosts"].split()
        return not allowed or host in allowed or host in PSEUDO_HOSTS


class Matrix:
    def __init__(self, path):
        self.path = path
        self.top = os.path.dirname(os.path.abspath(path))
        self.hosts = {}
        self.cases = {}
        self._parse(path)
        self._validate()

    def _err(self, lineno, msg, path=None):
        raise MatrixError("%s:%d: %s" % (path or self._cur_path, lineno, msg))

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
                table = self.hosts if kind == "host" else self.cases
                if name in table:
                    self._err(n, "%s '%s' defined twice" % (kind, name))
                cur = (Host if kind == "host" else Case)(name, n)
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
        self._cur_path = self.path
        for h in self.hosts.values():
            if not h.opts["source"] and not h.opts["kernel"]:
                self._err(h.where, "host '%s' needs 'source' or 'kernel'" % h.name)
        for c in self.cases.values():
            if not c.opts["guest"]:
                self._err(c.where, "case '%s' needs 'guest'" % c.name)
            for hn in c.opts["hosts"].split():
                if hn not in self.hosts:
                    self._err(c.where, "case '%s' names unknown host '%s'" % (c.name, hn))

    def _check(self, cur, key, val, n):
        if key == "timeout" and not (val.isdigit() and 0 < int(val) <= 3600):
            self._err(n, "timeout must be 1..3600 seconds, not '%s'" % val)
        if key == "expect" and val not in STATUSES:
            self._err(n, "expect must be one of %s" % " ".join(STATUSES))
        if key == "guest" and val not in GUESTS:
            self._err(n, "guest must be one of %s" % " ".join(GUESTS))
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

        CASE CHECK XFAIL reason      a check of CASE that fails on this host
        CASE CHECK FLAKY reason      one that fails now and then (a race in
                                     the host, not in the rig): XFAIL when
                                     it fails, never XPASS when it passes
        CASE * STATUS reason         the status CASE ends with on this host

    Every line needs a reason: it names the Xen behaviour and what the
    host does instead, so that the table can say why.
    """

    def __init__(self, paths):
        self.checks = {}         # (case, check) -> reason
        self.flaky = set()       # (case, check) that may also pass
        self.cases = {}          # case -> (status, reason)
        for path in paths:
            self._load(path)

    def _load(self, path):
        with open(path, encoding="utf-8") as f:
            for n, raw in enumerate(f, 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                words = line.split(None, 3)
                if len(words) < 4:
                    raise MatrixError("%s:%d: expected 'CASE CHECK STATUS reason'" % (path, n))
                case, check, status, reason = words
                if status not in STATUSES + ("FLAKY",):
                    raise MatrixError("%s:%d: unknown status '%s'" % (path, n, status))
                if check == "*":
                    self.cases[case] = (status, reason)
                elif status not in ("XFAIL", "FLAKY"):
                    raise MatrixError("%s:%d: a check can only be XFAIL or FLAKY" % (path, n))
                else:
                    self.checks[(case, check)] = reason
                    if status == "FLAKY":
                        self.flaky.add((case, check))


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
        return Expectations(paths)
    base = os.path.join(mtx.top, "expect", host)
    return Expectations(sorted(glob.glob(base + ".txt") + glob.glob(base + ".*.txt")))


def plan_line(case):
    """One line of /rig/plan for the host init (see tools/init/init.c)."""
    return "\t".join([case.name, case.opts["timeout"],
                      "/guests/%s.elf" % case.opts["guest"],
                      case.opts["cmdline"], case.opts["vmm"]])


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
                print("host_%s=%s" % (k, shell_quote(h.opts[k])))
        elif args.cmd == "plan":
            m.check_pattern(args.case)
            for c in m.select_cases(args.host, args.case):
                print(plan_line(c))
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
                print("\t".join([c.name, c.opts["guest"] + ".elf", c.opts["cmdline"]]))
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


def shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
