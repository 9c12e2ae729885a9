#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The rig's driver: what ./run.sh runs.

It reads the matrix, builds (or finds) each host's kernel, boots the hosts
under QEMU with tools/boot-host.sh, each with an initramfs whose /init runs
the host's planned cases, and hands the run directory to tools/logcheck.py.

Boots are scheduled by time.  times.json in the results directory keeps
how long each case took on each host in earlier runs (from each run's
summary.json, a new time averaged with the stored one); a case with no time
of its own on a host takes the mean of its times on the other hosts, and a
case never timed anywhere a fiftieth of its timeout (all of it when the
matrix expects it to time out).  A boot costs BOOT_OVERHEAD_S on top of its
cases.  A host's cases may be split over several boots, so that the -j
slots are used: never more boots for a host than -j, never a boot of a
split host with less than MIN_BOOT_WORK_S of cases, and only when the split
shortens the estimated run by more than MIN_GAIN_S (--host native and
--iso boots are never split).  Cases go to a host's boots longest first, each to the boot with the
least work so far, and keep the matrix order within a boot; the boots run
longest first, each on the first slot to free up.

The run directory (the contract with logcheck.py):

    hosts              the run's hosts, one per line, in order
    HOST.plan          all of HOST's planned cases, in matrix order
    HOST.build.log     the kernel build's output
    HOST.boots         only for a host split over several boots: the boot
                       names HOST+1, HOST+2, ..., one a line; each boot B has
                       B.plan (its cases), B.serial.log, B.kernel.log,
                       B.boot and B.initramfs (and B.iso with --iso)
    HOST.serial.log, HOST.kernel.log, HOST.boot, HOST.initramfs (HOST.iso)
                       the same for a host that runs in one boot

HOST.boot (or B.boot) holds rc=N of QEMU, or error=MESSAGE when the boot
could not be made.

With RIG_GDB_PORT set (to anything) in the environment, each boot's QEMU
gets a gdbstub on a free localhost port of its own, and a boot that wedges
is looked at with tools/wedge-dump.sh before it is killed: B.wedge.txt
(or HOST.wedge.txt) holds what each CPU and task was doing.
"""

import dataclasses
import heapq
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)
import logcheck  # noqa: E402
import matrix  # noqa: E402
import rigabi  # noqa: E402

# A boot's cost beyond its cases: packing the initramfs, starting QEMU, the
# host kernel up to init, the power-off (measured under QEMU TCG).
BOOT_OVERHEAD_S = 1.8
# A host is split only into boots of at least this much work each...
MIN_BOOT_WORK_S = 3.0
# ...and only when that shortens the estimated run by more than this.
MIN_GAIN_S = 1.0
# A case never timed: this fraction of its timeout.
UNKNOWN_FRACTION = 0.02
# How much a new time counts against the stored one.
HISTORY_WEIGHT = 0.5
HISTORY_FILE = "times.json"
# A case whose VMM is still running this long past its timeout and init's
# grace (when init has killed it, or should have) is in a host that no
# longer answers: a VMM stuck in the kernel, where no signal reaches it.
WEDGE_SLACK_S = 10
WATCH_PERIOD_S = 0.5
# tools/wedge-dump.sh on a wedged host: samples, and how long it may take.
WEDGE_DUMP_ARGS = ["--samples", "5", "--interval", "0.5"]
WEDGE_DUMP_TIMEOUT_S = 120

# Room each boot needs for its initramfs and logs.
BOOT_SPACE_KIB = 8192

# What a case of a replayed serial log that the matrix does not know is.
UNKNOWN_IMAGE = "unknown"

USAGE = """usage: ./run.sh [options]
  --host NAMES       hosts to run (comma separated; default: the default matrix)
  --case PATTERN     cases by name glob or group (comma separated)
  --kernel BZIMAGE   run the cases on your own kernel, as host 'custom'
  --kernel-tree DIR  build your kernel tree with the rig's fragment merged in
                     (out of tree, your .config untouched), run it as 'custom'
  --host native      run the VMM on this machine's own /dev/kvm (SKIP where
                     the running kernel lacks KVM_CAP_XEN_HVM)
  --matrix FILE      matrix file (default: matrix.cfg)
  --accel A          tcg, kvm or auto (kvm only where nested SVM/VMX is real)
  -j N               run up to N boots at once (default: the number of CPUs);
                     a host's cases may be split over several boots
  --results DIR      where run directories go (default: results/)
  --no-build         do not rebuild the guest, VMM and init
  --iso              boot each host from a grub2 ISO (firmware, grub, kernel)
                     instead of QEMU's -kernel
  --efi              with --iso: EFI firmware (OVMF) instead of BIOS
  --serial-log FILE  check a serial log captured elsewhere (a real machine
                     booted from images/HOST.iso); --host names the host
  --list             print what would run, run nothing
  --print-kernel H   build host H's kernel if needed and print its path"""

USERSPACE = ("tools/init/build/init", "tools/vmm/vmm",
             "guest/build/hvm32.elf", "guest/build/hvm64.elf")


class Die(Exception):
    """The run ends with one line naming the problem."""

    def __init__(self, msg, code=2):
        super().__init__(msg)
        self.code = code


class WriteFailed(Exception):
    pass


# ---------------------------------------------------------------- options

@dataclasses.dataclass
class Options:
    matrix: str
    results: str
    jobs: str
    ovmf: str
    hosts: str = ""
    case: str = ""
    kernel: str = ""
    kernel_tree: str = ""
    accel: str = "auto"
    build: bool = True
    action: str = "run"          # run, list, print-kernel
    print_host: str = ""
    iso: bool = False
    efi: bool = False
    serial_log: str = ""
    margin: int = 60             # seconds a boot gets beyond its cases
    wedge_slack: int = WEDGE_SLACK_S  # past a case's timeout and grace: wedged


def default_jobs():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def parse_args(argv, env=None):
    """Options from run.sh's arguments; None for --help."""
    env = os.environ if env is None else env
    o = Options(matrix=os.path.join(TOP, "matrix.cfg"),
                results=env.get("GPC_RIG_RESULTS") or os.path.join(TOP, "results"),
                jobs=env.get("GPC_RIG_JOBS") or str(default_jobs()),
                ovmf=env.get("OVMF") or "/usr/share/OVMF/OVMF_CODE.fd")
    takes = {"--host": "hosts", "--case": "case", "--kernel": "kernel",
             "--kernel-tree": "kernel_tree", "--matrix": "matrix", "--accel": "accel",
             "-j": "jobs", "--results": "results", "--serial-log": "serial_log",
             "--print-kernel": "print_host"}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in takes:
            if i + 1 >= len(argv) or not argv[i + 1]:
                raise Die("%s needs an argument" % a)
            setattr(o, takes[a], argv[i + 1])
            if a == "--print-kernel":
                o.action = "print-kernel"
            i += 2
            continue
        if a.startswith("-j") and a != "-j":
            o.jobs = a[2:]
        elif a == "--no-build":
            o.build = False
        elif a == "--iso":
            o.iso = True
        elif a == "--efi":
            o.efi = True
        elif a == "--list":
            o.action = "list"
        elif a in ("-h", "--help"):
            return None
        else:
            raise Die("unknown argument '%s' (see --help)" % a)
        i += 1
    if not o.jobs.isdigit() or int(o.jobs) == 0:
        raise Die("-j takes a positive number, not '%s'" % o.jobs)
    if o.accel not in ("tcg", "kvm", "auto"):
        raise Die("--accel takes tcg, kvm or auto")
    if o.efi:
        if not o.iso:
            raise Die("--efi goes with --iso")
        if not os.path.isfile(o.ovmf):
            raise Die("no EFI firmware %s (apt-get install ovmf)" % o.ovmf)
    margin = env.get("GPC_RIG_BOOT_MARGIN") or "60"
    if not margin.isdigit():
        raise Die("GPC_RIG_BOOT_MARGIN takes seconds, not '%s'" % margin)
    o.margin = int(margin)
    slack = env.get("GPC_RIG_WEDGE_SLACK") or str(WEDGE_SLACK_S)
    if not slack.isdigit():
        raise Die("GPC_RIG_WEDGE_SLACK takes seconds, not '%s'" % slack)
    o.wedge_slack = int(slack)
    return o


# ---------------------------------------------------------------- times

def is_seconds(t):
    return isinstance(t, (int, float)) and not isinstance(t, bool) and t >= 0


class History:
    """Case times of earlier runs: host -> case -> seconds."""

    def __init__(self, times=None):
        self.times = times or {}

    @classmethod
    def load(cls, path):
        """A missing or unreadable file is no history, never an error."""
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            times = data["times"]
            clean = {}
            for host, cases in times.items():
                clean[str(host)] = {str(c): float(t) for c, t in cases.items() if is_seconds(t)}
            return cls(clean)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls()

    def save(self, path):
        tmp = "%s.%d.tmp" % (path, os.getpid())
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({"version": 1, "times": self.times}, f, indent=1, sort_keys=True)
                f.write("\n")
            os.replace(tmp, path)
        except OSError:
            # Only an estimate for the next run: a full disk must not
            # fail this one.
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def get(self, host, case):
        return self.times.get(host, {}).get(case)

    def elsewhere(self, host, case):
        """The mean of a case's times on the other hosts, or None."""
        ts = [cases[case] for h, cases in self.times.items() if h != host and case in cases]
        return sum(ts) / len(ts) if ts else None

    def record(self, host, case, seconds):
        old = self.get(host, case)
        new = seconds if old is None else old + HISTORY_WEIGHT * (seconds - old)
        self.times.setdefault(host, {})[case] = round(new, 3)

    def update(self, results):
        """Take the times of a run's results (summary.json's list)."""
        for r in results:
            t = r.get("time")
            if is_seconds(t):
                self.record(r["host"], r["case"], float(t))


def estimate(history, host, entry, expect="PASS"):
    """Seconds a planned case is expected to take on a host."""
    t = history.get(host, entry.name)
    if t is None:
        t = history.elsewhere(host, entry.name)
    if t is None:
        t = entry.timeout if expect == "TIMEOUT" else entry.timeout * UNKNOWN_FRACTION
    return t


# ---------------------------------------------------------------- scheduling

@dataclasses.dataclass
class Boot:
    host: str
    name: str                    # HOST, or HOST+N when the host is split
    entries: list                # PlanEntry, in matrix order
    cost: float = 0.0            # estimated seconds, the overhead included
    native: bool = False         # run on this machine, no boot
    cpus: int = 1                # the host's CPUs (boot-host.sh --smp)


@dataclasses.dataclass
class HostWork:
    name: str
    entries: list
    weights: list                # estimated seconds per entry
    splittable: bool = True
    overhead: float = BOOT_OVERHEAD_S
    native: bool = False
    cpus: list = None            # host_cpus per entry; None: all 1


def lpt_partition(weights, k):
    """Indices into @weights in k bins, greedily longest first, each to the
    bin with the least so far; each bin in index order, the bins in the
    order of their first index.  Returns (bins, loads)."""
    bins = [[] for _ in range(k)]
    loads = [0.0] * k
    for i in sorted(range(len(weights)), key=lambda i: (-weights[i], i)):
        b = min(range(k), key=lambda b: (loads[b], b))
        bins[b].append(i)
        loads[b] += weights[i]
    pairs = sorted(((sorted(b), load) for b, load in zip(bins, loads) if b),
                   key=lambda p: p[0][0])
    return [p[0] for p in pairs], [p[1] for p in pairs]


def slot_loads(costs, jobs):
    """What each of @jobs slots runs when the costs go longest first to
    the slot that frees up first: the pool's own order.  Longest first."""
    loads = [0.0] * jobs
    for c in sorted(costs, reverse=True):
        heapq.heapreplace(loads, loads[0] + c)
    return sorted(loads, reverse=True)


def boot_costs(hosts, splits, cache=None):
    cache = {} if cache is None else cache
    costs = []
    for h in hosts:
        key = (h.name, splits[h.name])
        if key not in cache:
            cache[key] = lpt_partition(h.weights, splits[h.name])[1]
        costs += [h.overhead + w for w in cache[key]] or [h.overhead]
    return costs


def choose_splits(hosts, jobs, min_work=MIN_BOOT_WORK_S, min_gain=MIN_GAIN_S):
    """How many boots each host gets: host name -> count.

    Greedy: split further the host whose split most lowers the slots'
    loads (compared longest first), as long as that lowers them; then keep
    the fewest boots that come within @min_gain of the best estimate.
    """
    cache = {}
    splits = {h.name: 1 for h in hosts}
    profile = slot_loads(boot_costs(hosts, splits, cache), jobs)
    states = [(dict(splits), profile)]
    while True:
        best = None
        for h in hosts:
            k = splits[h.name] + 1
            if not h.splittable or k > jobs or k > len(h.entries):
                continue
            if (h.name, k) not in cache:
                cache[(h.name, k)] = lpt_partition(h.weights, k)[1]
            if min(cache[(h.name, k)]) < min_work:
                continue
            trial = dict(splits, **{h.name: k})
            p = slot_loads(boot_costs(hosts, trial, cache), jobs)
            if best is None or p < best[1]:
                best = (trial, p)
        if best is None or not best[1] < profile:
            break
        splits, profile = best
        states.append((dict(splits), profile))
    fastest = min(p[0] for _, p in states)
    for s, p in states:
        if p[0] <= fastest + min_gain:
            return s
    return states[0][0]


def own_boots(hosts):
    """Cases that need a host with more CPUs go to boots of their own, one
    per host and CPU count, never split; every other case boots as before.
    Returns (the hosts' work for one CPU, the other boots unnamed)."""
    plain, own = [], []
    for h in hosts:
        cpus = h.cpus or [1] * len(h.entries)
        if h.native or all(c == 1 for c in cpus):
            plain.append(h)
            continue
        keep = [i for i, c in enumerate(cpus) if c == 1]
        if keep:
            plain.append(dataclasses.replace(
                h, entries=[h.entries[i] for i in keep],
                weights=[h.weights[i] for i in keep], cpus=None))
        for n in sorted(set(cpus) - {1}):
            idx = [i for i, c in enumerate(cpus) if c == n]
            own.append(Boot(h.name, "", [h.entries[i] for i in idx],
                            h.overhead + sum(h.weights[i] for i in idx), cpus=n))
    return plain, own


def schedule(hosts, jobs, **kw):
    """The boots of a run, longest first: the order the pool takes them in."""
    hosts, own = own_boots(hosts)
    splits = choose_splits(hosts, jobs, **kw)
    boots = []
    for h in hosts:
        k = splits[h.name]
        bins, loads = lpt_partition(h.weights, k)
        if k == 1 or len(bins) < 2:
            boots.append(Boot(h.name, h.name, list(h.entries),
                              h.overhead + sum(h.weights), native=h.native))
            continue
        for n, (b, load) in enumerate(zip(bins, loads), 1):
            boots.append(Boot(h.name, "%s+%d" % (h.name, n),
                              [h.entries[i] for i in b], h.overhead + load))
    # After the host's other boots: HOST when alone, else HOST+N.
    for b in own:
        mine = [x for x in boots if x.host == b.host]
        if len(mine) == 1 and mine[0].name == b.host:
            mine[0].name = b.host + "+1"
        b.name = "%s+%d" % (b.host, len(mine) + 1) if mine else b.host
        boots.append(b)
    order = {}
    for name in [h.name for h in hosts] + [b.host for b in own]:
        order.setdefault(name, len(order))
    return sorted(boots, key=lambda b: (-b.cost, order[b.host], b.name))


def boots_by_host(boots):
    """host -> its boots, HOST+1 first."""
    out = {}
    for b in sorted(boots, key=lambda b: int(b.name[len(b.host) + 1:] or 0)):
        out.setdefault(b.host, []).append(b)
    return out


class SerialWatch:
    """Follows a boot's rig channel as it grows: which case is running
    and since when, as seen from here."""

    def __init__(self, path):
        self.path = path
        self.pos = 0
        self.partial = ""
        self.case = None         # the case begun and not ended
        self.since = None        # monotonic time its case-begin was seen

    def poll(self, now):
        try:
            with open(self.path, encoding="utf-8", errors="replace") as f:
                f.seek(self.pos)
                data = f.read()
                self.pos = f.tell()
        except OSError:
            return
        lines = (self.partial + data).split("\n")
        self.partial = lines.pop()
        for line in lines:
            words = line.strip().split()
            if len(words) >= 3 and words[:2] == ["@@rig", "case-begin"]:
                self.case, self.since = words[2], now
            elif len(words) >= 3 and words[:2] == ["@@rig", "case-end"]:
                self.case = self.since = None


def wedged_case(watch, entries, grace, now, slack=WEDGE_SLACK_S):
    """The case a boot is stuck in, or None: running past its timeout,
    init's grace and some slack."""
    if watch.case is None:
        return None
    timeout = next((e.timeout for e in entries if e.name == watch.case), None)
    if timeout is not None and now - watch.since > timeout + grace + slack:
        return watch.case
    return None


def free_port():
    """A localhost TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def boot_timeout(entries, grace, margin):
    """A boot gets every case's timeout and init's grace, and a margin for
    the kernel to come up."""
    return sum(e.timeout + grace for e in entries) + margin


# ---------------------------------------------------------------- the run directory

def new_rundir(results):
    stamp = time.strftime("%Y%m%d-%H%M%S")
    rundir = os.path.join(results, stamp)
    n = 1
    while True:
        try:
            os.makedirs(results, exist_ok=True)
            os.mkdir(rundir)
            break
        except FileExistsError:
            rundir = os.path.join(results, "%s-%d" % (stamp, n))
            n += 1
        except OSError:
            raise Die("cannot create %s" % rundir)
    latest = os.path.join(results, "latest")
    tmp = "%s.%d.tmp" % (latest, os.getpid())
    try:
        os.symlink(os.path.basename(rundir), tmp)
        os.replace(tmp, latest)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    return rundir


def write_text(path, text):
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise WriteFailed(str(e))


def write_plan(path, entries):
    try:
        matrix.write_plan(path, entries)
    except OSError as e:
        raise WriteFailed(str(e))


def write_layout(rundir, host, entries, boots):
    """HOST.plan, and for a split host HOST.boots and each boot's plan."""
    write_plan(os.path.join(rundir, host + ".plan"), entries)
    if len(boots) > 1:
        write_text(os.path.join(rundir, host + ".boots"),
                   "".join(b.name + "\n" for b in boots))
        for b in boots:
            write_plan(os.path.join(rundir, b.name + ".plan"), b.entries)


def serial_log_plan(text, mtx):
    """The plan of a serial log captured without --host: its cases."""
    names = []
    for line in text.splitlines():
        w = line.split()
        if len(w) >= 3 and w[0] == "@@rig" and w[1] == "case-begin" and w[2] not in names:
            names.append(w[2])
    default_timeout = int(matrix.CASE_KEYS["timeout"])
    return [mtx.cases[n].plan_entry() if mtx and n in mtx.cases
            else matrix.PlanEntry(n, default_timeout, UNKNOWN_IMAGE, "")
            for n in names]


# ---------------------------------------------------------------- native

def native_argv(entry, vmm, guests):
    """The VMM's command line for a case on this machine: the images from
    the guest build, modules in the plan's order."""
    argv = [vmm, "--timeout", str(entry.timeout), "--cmdline", entry.cmdline]
    argv += list(entry.vmm)
    for m in entry.modules:
        argv += ["--module", os.path.join(guests, m + ".elf")]
    argv.append(os.path.join(guests, entry.guest + ".elf"))
    return argv


def case_end(name, rc, ms):
    """init's case-end line for a VMM run under timeout(1)."""
    if rc in (124, 137) or rc < 0:
        return "@@rig case-end %s signal=9 ms=%d" % (name, ms)
    return "@@rig case-end %s exit=%d ms=%d" % (name, rc, ms)


def run_native(entries, serial, vmm, guests, grace):
    """The running kernel's /dev/kvm: the same framing init prints."""
    with open(serial, "w", encoding="utf-8") as out:
        out.write("@@rig host-begin release=%s native\n" % os.uname().release)
        for e in entries:
            out.write("@@rig case-begin %s\n" % e.name)
            out.flush()
            t0 = time.monotonic()
            try:
                rc = subprocess.call(["timeout", "--kill-after=5", str(e.timeout + grace)]
                                     + native_argv(e, vmm, guests),
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=out)
            except OSError as err:
                out.write("vmm: cannot execute %s: %s\n" % (vmm, err.strerror))
                rc = 126
            ms = int((time.monotonic() - t0) * 1000)
            out.write(case_end(e.name, rc, ms) + "\n")
        out.write("@@rig host-end\n")


# ---------------------------------------------------------------- display

def serial_progress(text):
    """(cases begun, the last one's name) of a rig channel so far."""
    k, last = 0, ""
    for line in text.splitlines():
        if line.startswith("@@rig case-begin "):
            k += 1
            w = line.split()
            last = w[2] if len(w) > 2 else ""
    return k, last


def read_tail(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def term_width(stream):
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):
        return 80


class Display:
    """Log lines, and on a terminal one progress line per running boot
    (case k of n) under them."""

    def __init__(self, stream, tty=None, width=None):
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.width = width
        self.lock = threading.Lock()
        self.active = {}         # boot name -> (serial log, number of cases)
        self.drawn = 0

    def _erase(self):
        if self.drawn:
            self.stream.write("\r" + ("\033[%dA" % (self.drawn - 1) if self.drawn > 1 else "")
                              + "\033[J")
            self.drawn = 0

    def _draw(self):
        if not self.tty or not self.active:
            return
        width = self.width or term_width(self.stream)
        lines = []
        for name, (serial, n) in self.active.items():
            k, last = serial_progress(read_tail(serial))
            lines.append(("[%s] case %d/%d %s" % (name, k, n, last))[:max(width - 1, 1)])
        self.stream.write("\n".join(lines))
        self.drawn = len(lines)

    def _redraw(self, text=""):
        with self.lock:
            self._erase()
            self.stream.write(text)
            self._draw()
            self.stream.flush()

    def log(self, name, msg):
        self._redraw("[%s] %s\n" % (name, msg))

    def start(self, name, serial, n):
        with self.lock:
            self.active[name] = (serial, n)
        self._redraw()

    def stop(self, name):
        with self.lock:
            self.active.pop(name, None)
        self._redraw()

    def refresh(self):
        if self.tty:
            self._redraw()

    def close(self):
        with self.lock:
            self._erase()
            self.active.clear()
            self.stream.flush()


def ticker(display, stop, period=0.5):
    while not stop.wait(period):
        display.refresh()


def run_pool(tasks, jobs, fn):
    """fn(task) for every task, up to @jobs at once, in the tasks' order.
    The first exception a task raises is raised here, after the others."""
    todo = list(tasks)
    lock = threading.Lock()
    errors = []

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                t = todo.pop(0)
            try:
                fn(t)
            except BaseException as e:       # noqa: B902 -- re-raised below
                with lock:
                    errors.append(e)

    threads = [threading.Thread(target=worker, daemon=True)
               for _ in range(min(jobs, len(todo)))]
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():
            t.join(0.2)
    if errors:
        raise errors[0]


# ---------------------------------------------------------------- the driver

def sha256_file(path):
    import hashlib
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def series_sha256(series):
    """One hash over a series file and every patch it names, in order."""
    import hashlib
    if not series or series == "none":
        return None
    h = hashlib.sha256()
    try:
        with open(series, encoding="utf-8") as f:
            names = [ln.split()[0] for ln in f if ln.strip() and not ln.startswith("#")]
    except OSError:
        return None
    for p in [series] + [os.path.join(os.path.dirname(series), n) for n in names]:
        h.update((sha256_file(p) or "missing %s" % os.path.basename(p)).encode())
    return h.hexdigest()


def command_line_of(cmd):
    """The first line a command prints, or None where it cannot run."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = (p.stdout or p.stderr).strip().splitlines()
    return out[0] if p.returncode == 0 and out else None


def provenance(top, kernels, series, accel):
    """What a run was made of, so that results from other machines and labs
    can be compared: per host the kernel (release, .config and series
    hashes), and QEMU's version and the rig's commit."""
    hosts = {}
    for host, (image, _err) in sorted(kernels.items()):
        if not image:
            continue
        kdir = os.path.dirname(image)
        release = None
        try:
            with open(os.path.join(kdir, "release"), encoding="utf-8") as f:
                release = f.read().strip() or None
        except OSError:
            pass
        config = os.path.join(kdir, "config")
        if not os.path.exists(config):
            config = os.path.join(kdir, ".config")
        hosts[host] = {"kernel_sha256": sha256_file(image), "release": release,
                       "config_sha256": sha256_file(config),
                       "series_sha256": series_sha256(series.get(host))}
    commit = command_line_of(["git", "-C", top, "rev-parse", "HEAD"])
    dirty = command_line_of(["git", "-C", top, "status", "--porcelain", "--untracked-files=no"])
    qemu = os.environ.get("QEMU", "qemu-system-x86_64")
    return {"hosts": hosts, "qemu": command_line_of([qemu, "--version"]),
            "accel": accel, "rig_commit": commit and (commit + ("-dirty" if dirty else ""))}


def pick_accel(accel):
    """Nested KVM only where the outer machine really has SVM or VMX; under
    TCG QEMU emulates SVM with nested paging, which is all kvm_amd needs."""
    if accel != "auto":
        return accel
    if os.access("/dev/kvm", os.R_OK | os.W_OK):
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as f:
                flags = f.read().split()
        except OSError:
            flags = []
        if "svm" in flags or "vmx" in flags:
            return "kvm"
    return "tcg"


def last_line(path):
    lines = [ln for ln in read_tail(path).splitlines() if ln.strip()]
    return lines[-1] if lines else ""


class Driver:
    def __init__(self, opts, out=None, err=None, tools=TOOLS):
        self.o = opts
        self.tools = tools       # the helper scripts
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.mtx = None
        self.kernel = ""         # --kernel, as an absolute path
        self.kernels = {}        # host -> (kernel image or None, error)
        self.write_failed = False
        self.display = None
        self.rundir = None
        self.boots_lock = threading.Lock()
        self.reboots = {}        # host -> boots added after a wedge

    # -- matrix

    def load(self):
        if self.mtx is None:
            self.mtx = matrix.Matrix(self.o.matrix)
        return self.mtx

    def mpath(self, p):
        """A path from the matrix file: relative to that file, or to the rig."""
        if os.path.isabs(p):
            return p
        near = os.path.join(os.path.dirname(self.o.matrix), p)
        return near if os.path.exists(near) else os.path.join(TOP, p)

    def kernel_for(self, host, stderr):
        """A host's kernel image: prebuilt, or built (and cached) from source.
        Returns (path, None) or (None, the last line of the reason)."""
        opts = self.load().hosts[host].opts
        if opts["kernel"]:
            k = self.mpath(opts["kernel"])
            if not os.path.isfile(k):
                msg = "run.sh: %s: no kernel image %s" % (host, k)
                print(msg, file=stderr, flush=True)
                return None, msg
            return k, None
        cmd = [os.path.join(self.tools, "build-kernel.sh"), "--name", host,
               "--source", opts["source"], "--series",
               opts["series"] if opts["series"] == "none" else self.mpath(opts["series"])]
        for f in opts["fragments"].split():
            cmd += ["--fragment", self.mpath(f)]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True)
        path = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
        if p.returncode != 0 or not path:
            return None, "build-kernel.sh exit %d" % p.returncode
        return path, None

    # -- actions

    def run(self):
        o = self.o
        if o.action == "list":
            return self.list()
        if o.action == "print-kernel":
            return self.print_kernel()
        if o.serial_log:
            return self.replay()
        if o.kernel_tree:
            if o.kernel:
                raise Die("--kernel and --kernel-tree do not go together")
            print("[custom] building %s" % o.kernel_tree, file=self.err, flush=True)
            p = subprocess.run([os.path.join(self.tools, "build-tree.sh"), o.kernel_tree],
                               stdout=subprocess.PIPE, text=True)
            if p.returncode != 0:
                return p.returncode
            o.kernel = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
        if o.kernel:
            if not os.path.isfile(o.kernel):
                raise Die("no kernel image %s" % o.kernel)
            self.kernel = os.path.abspath(o.kernel)
            if o.hosts and o.hosts != "custom":
                raise Die("--kernel and --host do not go together")
            hosts = ["custom"]
        else:
            hosts = [h.name for h in self.load().select_hosts(o.hosts)]
            if not hosts:
                raise Die("no host selected")
            if "custom" in hosts:
                raise Die("host 'custom' is the kernel of --kernel or --kernel-tree")
        self.load().check_pattern(o.case)

        if o.build:
            if subprocess.call(["make", "-s", "-C", TOP, "userspace"]) != 0:
                raise Die("building the guest, VMM or init failed")
        for f in USERSPACE:
            if not os.path.isfile(os.path.join(TOP, f)):
                raise Die("%s is missing: run 'make userspace'" % f)
        return self.boot_all(hosts)

    def list(self):
        o = self.o
        host = "custom" if o.kernel or o.kernel_tree else o.hosts
        args = ["--matrix", o.matrix, "list", "--host", host, "--case", o.case]
        self.out.flush()
        return matrix.main(args)

    def print_kernel(self):
        mtx = self.load()
        host = mtx.select_hosts(self.o.print_host)[0].name
        if host not in mtx.hosts:
            raise Die("%s has no kernel to build" % host)
        path, err = self.kernel_for(host, self.err)
        if path is None:
            return 1
        print(path, file=self.out)
        return 0

    def replay(self):
        """A log from a real machine: the same checks, no boot."""
        o = self.o
        if not os.path.isfile(o.serial_log):
            raise Die("no serial log %s" % o.serial_log)
        host = o.hosts or "serial"
        if not host or any(not (c.isalnum() or c in "._-") for c in host):
            raise Die("--serial-log takes one --host")
        with open(o.serial_log, encoding="utf-8", errors="replace") as f:
            text = f.read().replace("\r", "")
        mtx = self.load()
        if o.hosts:
            # The host's plan: a case missing from the log shows as such.
            mtx.select_hosts(host)
            entries = matrix.plan_entries(mtx, host, o.case)
        else:
            entries = serial_log_plan(text, mtx)
        self.rundir = rundir = new_rundir(o.results)
        try:
            write_text(os.path.join(rundir, "hosts"), host + "\n")
            write_text(os.path.join(rundir, host + ".serial.log"), text)
            write_text(os.path.join(rundir, host + ".kernel.log"), "")
            write_text(os.path.join(rundir, host + ".boot"), "rc=0\n")
            write_plan(os.path.join(rundir, host + ".plan"), entries)
        except WriteFailed:
            raise Die("cannot write to %s: file system full or read-only" % rundir)
        print("results in %s" % rundir, file=self.out, flush=True)
        return self.report(rundir)

    def repro_cmd(self):
        if self.o.kernel_tree:
            return "./run.sh --kernel-tree %s" % shlex.quote(self.o.kernel_tree)
        if self.kernel:
            return "./run.sh --kernel %s" % shlex.quote(self.kernel)
        return "./run.sh"

    def report(self, rundir):
        self.out.flush()
        try:
            return logcheck.report(rundir, matrix.Matrix(self.o.matrix), self.repro_cmd())
        except OSError as e:
            self.out.flush()
            print("logcheck: cannot write the results to %s: %s"
                  % (rundir, e.strerror or e), file=self.err)
            return 2
        except matrix.MatrixError as e:
            self.out.flush()
            print("logcheck: %s" % e, file=self.err)
            return 2

    # -- the boots

    def host_work(self, hosts, history):
        """Each host's plan and estimates; a plan the matrix cannot make
        is None."""
        mtx = self.load()
        work = []
        for h in hosts:
            try:
                entries = matrix.plan_entries(mtx, h, self.o.case)
            except matrix.MatrixError:
                work.append((h, None))
                continue
            weights = [estimate(history, h, e, mtx.cases[e.name].opts["expect"]
                                if e.name in mtx.cases else "PASS") for e in entries]
            native = h == "native"
            cpus = [int(mtx.cases[e.name].opts["host_cpus"]) if e.name in mtx.cases
                    else 1 for e in entries]
            # An ISO boots as a real machine would: all of a host's cases.
            work.append((h, HostWork(h, entries, weights, native=native,
                                     splittable=not native and not self.o.iso,
                                     overhead=0.0 if native else BOOT_OVERHEAD_S,
                                     cpus=cpus)))
        return work

    def boot_all(self, hosts):
        o = self.o
        jobs = int(o.jobs)
        history_path = os.path.join(o.results, HISTORY_FILE)
        history = History.load(history_path)
        work = self.host_work(hosts, history)
        runnable = [w for _, w in work if w is not None and w.entries]
        boots = schedule(runnable, jobs)
        by_host = boots_by_host(boots)

        self.rundir = rundir = new_rundir(o.results)
        full = "cannot write to %s: file system full or read-only" % rundir
        try:
            write_text(os.path.join(rundir, "hosts"), "".join(h + "\n" for h in hosts))
        except WriteFailed:
            raise Die(full)
        # Each boot needs room for its initramfs and logs: refuse up front
        # rather than lose results half-way.
        nboots = max(len(boots), 1)
        try:
            st = os.statvfs(rundir)
            free_kib = st.f_bavail * st.f_frsize // 1024
        except OSError:
            free_kib = 0
        if free_kib < nboots * BOOT_SPACE_KIB:
            raise Die("only %d KiB free for results in %s; %d boot(s) need about %d MiB"
                      % (free_kib, o.results, nboots, nboots * BOOT_SPACE_KIB // 1024))
        self.accel = pick_accel(o.accel)
        self.grace = rigabi.init_grace_s()
        self.display = Display(self.err)
        stop = threading.Event()
        tick = threading.Thread(target=ticker, args=(self.display, stop), daemon=True)
        try:
            for h, w in work:
                if w is None:
                    self.status(h, "error=bad matrix")
                elif not w.entries:
                    write_plan(os.path.join(rundir, h + ".plan"), [])
                    self.display.log(h, "no case selected for this host")
                    self.status(h, "")
                else:
                    write_layout(rundir, h, w.entries, by_host[h])
                    if len(by_host[h]) > 1:
                        self.display.log(h, "%d cases in %d boots (%s)" % (
                            len(w.entries), len(by_host[h]),
                            ", ".join("%d" % len(b.entries) for b in by_host[h])))
            tick.start()
            need = [h for h in hosts if h in by_host and h not in matrix.PSEUDO_HOSTS]
            run_pool(need, jobs, self.prepare_kernel)
            self.kernels["custom"] = (self.kernel, None)
            run_pool(boots, jobs, self.run_boot)
        except WriteFailed:
            self.write_failed = True
        finally:
            stop.set()
            self.display.close()
        if self.write_failed:
            raise Die(full)

        mtx = self.load()
        series = {h: self.mpath(mtx.hosts[h].opts["series"]) for h in hosts
                  if h in mtx.hosts and mtx.hosts[h].opts["series"] != "none"}
        try:
            write_text(os.path.join(rundir, "provenance.json"), json.dumps(
                provenance(TOP, self.kernels, series, self.accel), indent=1) + "\n")
        except WriteFailed:
            raise Die(full)
        print("results in %s" % rundir, file=self.out, flush=True)
        rc = self.report(rundir)
        self.learn(history, history_path, rundir)
        return rc

    def learn(self, history, path, rundir):
        """Keep this run's case times for the next run's schedule."""
        try:
            with open(os.path.join(rundir, "summary.json"), encoding="utf-8") as f:
                results = json.load(f)["results"]
        except (OSError, ValueError, KeyError):
            return
        history.update(results)
        history.save(path)

    def status(self, name, text):
        """A boot's outcome for the log checker."""
        write_text(os.path.join(self.rundir, name + ".boot"), text + "\n")

    def prepare_kernel(self, host):
        if not self.load().hosts[host].opts["kernel"]:
            self.display.log(host, "building kernel (cached when unchanged)")
        log = os.path.join(self.rundir, host + ".build.log")
        try:
            with open(log, "w", encoding="utf-8") as f:
                path, err = self.kernel_for(host, f)
        except OSError as e:
            raise WriteFailed(str(e))
        if path is None:
            self.display.log(host, "kernel build failed")
            err = last_line(log) or err
        self.kernels[host] = (path, err)

    def wedge_dump(self, boot, port, kernel):
        """What the wedged host is doing, from its gdbstub, next to its logs."""
        out = os.path.join(self.rundir, boot.name + ".wedge.txt")
        self.display.log(boot.name, "wedged: dumping the host's CPUs and tasks to %s" % out)
        try:
            with open(out, "w", encoding="utf-8") as f:
                subprocess.run([os.path.join(self.tools, "wedge-dump.sh")] + WEDGE_DUMP_ARGS
                               + [str(port), kernel], stdin=subprocess.DEVNULL, stdout=f,
                               stderr=subprocess.STDOUT, timeout=WEDGE_DUMP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.display.log(boot.name, "wedge dump: no answer in %ds" % WEDGE_DUMP_TIMEOUT_S)
        except OSError as e:
            self.display.log(boot.name, "wedge dump: %s" % e)

    def watched_boot(self, args, boot, serial, kernel=None):
        """boot-host.sh, ended early when a case wedges the host: returns
        QEMU's exit status and the wedged case (or None)."""
        env, port = None, None
        if os.environ.get("RIG_GDB_PORT") and kernel:
            port = free_port()
            env = dict(os.environ, RIG_GDB_PORT=str(port))
            self.display.log(boot.name, "gdbstub on 127.0.0.1:%d" % port)
        p = subprocess.Popen([os.path.join(self.tools, "boot-host.sh")] + args,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, start_new_session=True,
                             env=env)
        watch, wedged = SerialWatch(serial), None
        while p.poll() is None:
            time.sleep(WATCH_PERIOD_S)
            now = time.monotonic()
            watch.poll(now)
            wedged = wedged_case(watch, boot.entries, self.grace, now, self.o.wedge_slack)
            if wedged:
                if port:
                    self.wedge_dump(boot, port, kernel)
                # QEMU and boot-host.sh's timeout wrapper: the whole group.
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                break
        rc = p.wait()
        for line in p.stderr.read().splitlines():
            self.display.log(boot.name, line)
        return rc, wedged

    def reboot_rest(self, boot, wedged):
        """Boot the host again for the cases after the one that wedged it;
        the host's boot list grows by one."""
        names = [e.name for e in boot.entries]
        rest = boot.entries[names.index(wedged) + 1:]
        if not rest:
            return
        with self.boots_lock:
            self.reboots[boot.host] = k = self.reboots.get(boot.host, 0) + 1
            name = "%s+r%d" % (boot.host, k)
            listing = os.path.join(self.rundir, boot.host + ".boots")
            try:
                with open(listing, encoding="utf-8") as f:
                    have = f.read().split()
            except OSError:
                have = [boot.host]
            write_text(listing, "".join(b + "\n" for b in have + [name]))
        write_plan(os.path.join(self.rundir, name + ".plan"), rest)
        self.display.log(boot.name, "%s wedged the host; booting again as %s for the "
                         "%d cases after it" % (wedged, name, len(rest)))
        self.run_boot(Boot(boot.host, name, rest, cpus=boot.cpus))

    def tool(self, name, args, boot):
        """A helper script; its complaints go to the log as the boot's."""
        p = subprocess.run([os.path.join(self.tools, name)] + args, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in p.stderr.splitlines():
            self.display.log(boot.name, line)
        return p.returncode

    def run_boot(self, boot):
        o = self.o
        d = self.rundir
        name = boot.name
        serial = os.path.join(d, name + ".serial.log")
        klog = os.path.join(d, name + ".kernel.log")
        n = len(boot.entries)
        if boot.native:
            self.display.log(name, "running %d cases on this machine's /dev/kvm" % n)
            self.display.start(name, serial, n)
            try:
                run_native(boot.entries, serial, os.path.join(TOP, "tools/vmm/vmm"),
                           os.path.join(TOP, "guest/build"), self.grace)
                write_text(klog, "")
            except OSError as e:
                raise WriteFailed(str(e))
            finally:
                self.display.stop(name)
            self.status(name, "rc=0")
            return
        kernel, err = self.kernels.get(boot.host, (None, "no kernel"))
        if kernel is None:
            self.status(name, "error=" + (err or "kernel build failed"))
            return
        plan = os.path.join(d, name + ".plan")
        initramfs = os.path.join(d, name + ".initramfs")
        if self.tool("mkinitramfs.sh", [initramfs, plan] +
                     [os.path.join(TOP, f) for f in USERSPACE], boot) != 0:
            self.status(name, "error=could not pack the initramfs")
            return
        timeout = boot_timeout(boot.entries, self.grace, o.margin)
        self.display.log(name, "booting (%d cases, accel %s, timeout %ds)"
                         % (n, self.accel, timeout))
        if o.iso:
            iso = os.path.join(d, name + ".iso")
            if self.tool("mkiso.sh", ["host", "--timeout", "0", iso, boot.host, kernel,
                                      initramfs], boot) != 0:
                self.status(name, "error=could not build the ISO")
                return
            how = ["--iso", iso] + (["--bios", o.ovmf] if o.efi else [])
        else:
            cmdline = ""
            if boot.host in self.load().hosts:
                cmdline = self.load().hosts[boot.host].opts["cmdline"]
            how = ["--append", cmdline, kernel, initramfs]
        t0 = time.monotonic()
        self.display.start(name, serial, n)
        try:
            smp = ["--smp", str(boot.cpus)] if boot.cpus > 1 else []
            rc, wedged = self.watched_boot(["--accel", self.accel, "--timeout", str(timeout)]
                                           + smp + how + [serial, klog], boot, serial, kernel)
        finally:
            self.display.stop(name)
        if rc < 0:
            rc = 128 - rc
        if wedged:
            # The log checker charges the wedge to that case alone.
            self.status(name, "rc=%d wedged=%s" % (rc, wedged))
            self.display.log(name, "ended after %ds: %s did not return" %
                             (time.monotonic() - t0, wedged))
            self.reboot_rest(boot, wedged)
            return
        self.status(name, "rc=%d" % rc)
        self.display.log(name, "done in %ds (QEMU exit %d)" % (time.monotonic() - t0, rc))


# ---------------------------------------------------------------- quick-boot

QUICK_USAGE = "usage: driver.py quick-plan OUT TIMEOUT IMAGE CMDLINE [VMM_ARG...]"


def quick_plan(argv):
    """One case's plan for tools/quick-boot.sh."""
    if len(argv) < 4 or not argv[1].isdigit() or int(argv[1]) == 0:
        print(QUICK_USAGE, file=sys.stderr)
        return 2
    out, timeout, image, cmdline = argv[:4]
    try:
        matrix.write_plan(out, [matrix.PlanEntry("quick", int(timeout), image, cmdline,
                                                 tuple(argv[4:]))])
    except (OSError, matrix.MatrixError) as e:
        print("driver: %s" % e, file=sys.stderr)
        return 2
    return 0


def main(argv):
    if argv[:1] == ["quick-plan"]:
        return quick_plan(argv[1:])
    sys.stdout.reconfigure(line_buffering=True)
    try:
        opts = parse_args(argv)
        if opts is None:
            print(USAGE)
            return 0
        return Driver(opts).run()
    except Die as e:
        sys.stdout.flush()
        print("run.sh: %s" % e, file=sys.stderr)
        return e.code
    except matrix.MatrixError as e:
        sys.stdout.flush()
        print("matrix: %s" % e, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
