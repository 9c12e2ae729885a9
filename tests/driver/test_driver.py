# SPDX-License-Identifier: GPL-2.0
"""tools/driver.py: options, times, scheduling, native runs, display, layout."""
import io
import json
import os
import stat
import threading
import time

import pytest

import driver
import logcheck
import matrix
import rigabi
from matrix import PlanEntry


def entry(name, timeout=30, guest="hvm64", cmdline="", vmm=(), modules=()):
    return PlanEntry(name, timeout, guest, cmdline, tuple(vmm), tuple(modules))


def host(name, times, splittable=True, native=False, cpus=None):
    """A host whose cases c0, c1, ... take the given seconds."""
    entries = [entry("c%d" % i) for i in range(len(times))]
    return driver.HostWork(name, entries, list(times), splittable=splittable,
                           overhead=0.0 if native else driver.BOOT_OVERHEAD_S, native=native,
                           cpus=cpus)


# ---------------------------------------------------------------- options

ENV = {}


def test_defaults():
    o = driver.parse_args([], ENV)
    assert o.matrix == os.path.join(driver.TOP, "matrix.cfg")
    assert o.results == os.path.join(driver.TOP, "results")
    assert int(o.jobs) >= 1
    assert (o.action, o.build, o.iso, o.efi, o.accel, o.margin) == \
        ("run", True, False, False, "auto", 60)


def test_environment():
    o = driver.parse_args([], {"GPC_RIG_RESULTS": "/r", "GPC_RIG_JOBS": "3",
                               "GPC_RIG_BOOT_MARGIN": "7", "OVMF": "/x.fd"})
    assert (o.results, o.jobs, o.margin, o.ovmf) == ("/r", "3", 7, "/x.fd")


def test_every_option(tmp_path):
    fw = tmp_path / "fw.fd"
    fw.write_text("")
    o = driver.parse_args(["--host", "a,b", "--case", "smoke", "--kernel", "k",
                           "--kernel-tree", "t", "--matrix", "m.cfg", "--accel", "tcg",
                           "-j", "4", "--results", "r", "--no-build", "--iso", "--efi",
                           "--serial-log", "s.log"], {"OVMF": str(fw)})
    assert (o.hosts, o.case, o.kernel, o.kernel_tree, o.matrix, o.accel, o.jobs,
            o.results, o.build, o.iso, o.efi, o.serial_log) == \
        ("a,b", "smoke", "k", "t", "m.cfg", "tcg", "4", "r", False, True, True, "s.log")
    assert driver.parse_args(["-j7"], ENV).jobs == "7"
    o = driver.parse_args(["--list"], ENV)
    assert o.action == "list"
    o = driver.parse_args(["--print-kernel", "stock-6.12"], ENV)
    assert (o.action, o.print_host) == ("print-kernel", "stock-6.12")


def test_help_wins_over_what_follows():
    assert driver.parse_args(["--no-build", "--help", "--frobnicate"], ENV) is None
    assert driver.parse_args(["-h"], ENV) is None
    with pytest.raises(driver.Die, match="unknown argument '--frobnicate'"):
        driver.parse_args(["--frobnicate", "--help"], ENV)


@pytest.mark.parametrize("argv, msg", [
    (["--host"], "--host needs an argument"),
    (["--case", ""], "--case needs an argument"),
    (["-j"], "-j needs an argument"),
    (["-j", "x"], "-j takes a positive number, not 'x'"),
    (["-j0"], "-j takes a positive number, not '0'"),
    (["-j", "00"], "-j takes a positive number"),
    (["--accel", "hvf"], "--accel takes tcg, kvm or auto"),
    (["--efi"], "--efi goes with --iso"),
    (["--iso", "--efi"], "no EFI firmware /nonexistent.fd"),
    (["frob"], "unknown argument 'frob' \\(see --help\\)"),
])
def test_bad_options(argv, msg):
    with pytest.raises(driver.Die, match=msg) as e:
        driver.parse_args(argv, {"OVMF": "/nonexistent.fd"})
    assert e.value.code == 2


def test_bad_margin():
    with pytest.raises(driver.Die, match="GPC_RIG_BOOT_MARGIN"):
        driver.parse_args([], {"GPC_RIG_BOOT_MARGIN": "soon"})


def test_main_help_and_errors(capsys):
    assert driver.main(["--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: ./run.sh [options]\n")
    assert driver.main(["--frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err == "run.sh: unknown argument '--frobnicate' (see --help)\n"


# ---------------------------------------------------------------- boot timeout

def test_boot_timeout_is_cases_plus_grace_plus_margin():
    g = rigabi.init_grace_s()
    es = [entry("a", 30), entry("b", 2)]
    assert driver.boot_timeout(es, g, 60) == 30 + g + 2 + g + 60
    assert driver.boot_timeout([], g, 5) == 5


# ---------------------------------------------------------------- times

def test_estimate_order_of_sources():
    h = driver.History({"h1": {"a": 1.5}, "h2": {"a": 0.5, "b": 4.0}, "h3": {"b": 2.0}})
    assert driver.estimate(h, "h1", entry("a")) == 1.5          # its own
    assert driver.estimate(h, "h1", entry("b")) == 3.0          # mean elsewhere
    assert driver.estimate(h, "h1", entry("c", 50)) == 50 * driver.UNKNOWN_FRACTION
    assert driver.estimate(h, "h1", entry("c", 2), "TIMEOUT") == 2


def test_history_missing_or_corrupt_is_empty(tmp_path):
    assert driver.History.load(str(tmp_path / "none.json")).times == {}
    for text in ("{", "[]", '{"times": 3}', '{"times": {"h": 3}}'):
        p = tmp_path / "t.json"
        p.write_text(text)
        assert driver.History.load(str(p)).times == {}
    p.write_text('{"times": {"h": {"a": 1, "b": "x", "c": -1, "d": null, "e": true}}}')
    assert driver.History.load(str(p)).times == {"h": {"a": 1.0}}


def test_history_round_trip_and_averaging(tmp_path):
    h = driver.History()
    h.update([{"host": "h", "case": "a", "time": 2.0},
              {"host": "h", "case": "b", "time": None},
              {"host": "h", "case": "c", "time": True},
              {"host": "h", "case": "d"},
              {"host": "g", "case": "a", "time": 0.25}])
    assert h.times == {"h": {"a": 2.0}, "g": {"a": 0.25}}
    h.update([{"host": "h", "case": "a", "time": 1.0}])
    assert h.get("h", "a") == 2.0 + driver.HISTORY_WEIGHT * (1.0 - 2.0)
    path = str(tmp_path / "times.json")
    h.save(path)
    assert driver.History.load(path).times == h.times
    assert json.loads(open(path).read())["version"] == 1
    assert os.listdir(tmp_path) == ["times.json"]


def test_history_save_never_fails(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        driver.History({"h": {"a": 1.0}}).save(str(ro / "times.json"))
        driver.History().save(str(tmp_path / "no" / "such" / "times.json"))
    finally:
        ro.chmod(stat.S_IRWXU)


# ---------------------------------------------------------------- scheduling

def test_lpt_partition():
    bins, loads = driver.lpt_partition([5, 4, 3, 3, 2, 1], 2)
    assert sorted(loads) == [9, 9]
    assert sorted(i for b in bins for i in b) == list(range(6))
    assert all(b == sorted(b) for b in bins)
    assert bins[0][0] == 0
    bins, loads = driver.lpt_partition([1, 1], 3)
    assert bins == [[0], [1]] and loads == [1, 1]


def test_slot_loads_is_the_pools_order():
    assert driver.slot_loads([10, 6, 5, 4], 2) == [14, 11]
    assert driver.slot_loads([3], 4) == [3, 0, 0, 0]


def names(boots):
    return sorted(b.name for b in boots)


def test_j1_never_splits():
    boots = driver.schedule([host("h", [5] * 6)], 1)
    assert names(boots) == ["h"]
    assert [e.name for e in boots[0].entries] == ["c%d" % i for i in range(6)]


def test_host_cpus_get_a_boot_of_their_own():
    boots = driver.schedule([host("h", [5] * 4, cpus=[1, 2, 1, 2])], 1)
    assert names(boots) == ["h+1", "h+2"]
    by = {b.name: b for b in boots}
    assert [e.name for e in by["h+1"].entries] == ["c0", "c2"] and by["h+1"].cpus == 1
    assert [e.name for e in by["h+2"].entries] == ["c1", "c3"] and by["h+2"].cpus == 2
    assert by["h+2"].cost == driver.BOOT_OVERHEAD_S + 10


def test_host_cpus_alone_keep_the_hosts_name():
    boots = driver.schedule([host("h", [5] * 2, cpus=[2, 2])], 4)
    assert names(boots) == ["h"] and boots[0].cpus == 2
    # the others split as before, the own boot after them
    boots = driver.schedule([host("h", [5] * 7, cpus=[1] * 6 + [2])], 2)
    assert names(boots) == ["h+1", "h+2", "h+3"]
    assert [b.cpus for b in sorted(boots, key=lambda b: b.name)] == [1, 1, 2]
    assert all(b.cpus == 1 for b in driver.schedule([host("g", [5] * 3)], 2))


def test_native_ignores_host_cpus():
    boots = driver.schedule([host("native", [5] * 2, splittable=False, native=True,
                                  cpus=[1, 2])], 2)
    assert names(boots) == ["native"] and boots[0].cpus == 1


def test_one_host_uses_both_slots():
    boots = driver.schedule([host("h", [5] * 6)], 2)
    assert names(boots) == ["h+1", "h+2"]
    assert [len(b.entries) for b in boots] == [3, 3]
    assert all(b.cost == driver.BOOT_OVERHEAD_S + 15 for b in boots)


def test_every_case_in_one_boot_in_matrix_order():
    times = [0.1, 3.2, 0.2, 4.7, 0.3, 2.0, 3.1, 0.2, 0.1, 0.4]
    boots = driver.schedule([host("h", times)], 3)
    seen = [e.name for b in boots for e in b.entries]
    assert sorted(seen) == sorted("c%d" % i for i in range(len(times)))
    for b in boots:
        idx = [int(e.name[1:]) for e in b.entries]
        assert idx == sorted(idx)


def test_never_more_boots_than_jobs_nor_than_helps():
    # 6 x 5 s at -j4: three boots of 10 s; a fourth would still take 10 s.
    boots = driver.schedule([host("h", [5] * 6)], 4)
    assert names(boots) == ["h+1", "h+2", "h+3"]
    boots = driver.schedule([host("h", [5] * 40)], 3)
    assert len(boots) == 3


def test_small_work_is_not_split():
    boots = driver.schedule([host("h", [0.5] * 10)], 2)        # 5 s in all
    assert names(boots) == ["h"]
    boots = driver.schedule([host("h", [2.0, 2.0, 2.0])], 2, min_work=3.0)
    assert names(boots) == ["h"]


def test_a_split_must_help():
    # Two hosts, two slots: each already has one.
    boots = driver.schedule([host("a", [5] * 6), host("b", [5] * 6)], 2)
    assert names(boots) == ["a", "b"]
    # Savings below the threshold are not worth a boot.
    boots = driver.schedule([host("h", [3.0, 1.5])], 2, min_work=1.0, min_gain=2.0)
    assert names(boots) == ["h"]


def test_three_hosts_two_slots_split_one():
    hosts = [host(n, [0.3] * 36 + [3.2, 3.2, 4.7, 2.0]) for n in ("a", "b", "c")]
    boots = driver.schedule(hosts, 2)
    assert len(boots) == 4
    split = {b.host for b in boots if "+" in b.name}
    assert split == {"a"}
    before = driver.slot_loads(driver.boot_costs(hosts, {"a": 1, "b": 1, "c": 1}), 2)[0]
    after = driver.slot_loads([b.cost for b in boots], 2)[0]
    assert after < before - driver.MIN_GAIN_S


def test_run_order_longest_first():
    hosts = [host("short", [1.0]), host("long", [5.0, 5.0]), host("mid", [3.0])]
    boots = driver.schedule(hosts, 1)
    assert [b.name for b in boots] == ["long", "mid", "short"]
    # Equal costs keep the hosts' order.
    boots = driver.schedule([host("x", [1.0]), host("y", [1.0])], 1)
    assert [b.name for b in boots] == ["x", "y"]


def test_many_boots_keep_their_numbers_in_order():
    boots = driver.schedule([host("h", [5] * 24), host("g", [1.0])], 12)
    by_host = driver.boots_by_host(boots)
    assert [b.name for b in by_host["h"]] == ["h+%d" % i for i in range(1, 13)]
    assert [b.name for b in by_host["g"]] == ["g"]


def test_native_is_never_split():
    boots = driver.schedule([host("native", [5] * 6, splittable=False, native=True)], 4)
    assert names(boots) == ["native"] and boots[0].native
    assert boots[0].cost == 30
    boots = driver.schedule([host("h", [5] * 6, splittable=False)], 4)
    assert names(boots) == ["h"] and not boots[0].native


def test_one_host_at_j2_within_target():
    # The default matrix's case times on one host (seconds, a real run).
    times = [0.12, 0.08, 0.04, 0.05, 0.04, 2.02, 0.28, 0.36, 4.73, 0.21, 0.14,
             0.15, 0.23, 0.26, 0.28, 0.06, 0.06, 0.06, 0.07, 0.13, 0.14, 3.15,
             3.16, 0.1, 0.1, 0.17, 0.16, 0.08, 0.08, 0.11, 0.1, 0.19, 0.17, 0.12,
             0.13, 0.09, 0.1, 0.09, 0.1]
    h = host("h", times)
    j1 = driver.slot_loads([b.cost for b in driver.schedule([h], 1)], 1)[0]
    j2 = driver.slot_loads([b.cost for b in driver.schedule([h], 2)], 2)[0]
    assert j2 <= 0.6 * j1


# ---------------------------------------------------------------- native

def test_native_argv_uses_the_guest_build():
    e = entry("k", 20, "hvm64", "case=kexec chain=hvm32", ("--late", "0x3000000:0x100000"),
              ("hvm32", "hvm64"))
    argv = driver.native_argv(e, "/rig/tools/vmm/vmm", "/rig/guest/build")
    assert argv == ["/rig/tools/vmm/vmm", "--timeout", "20", "--cmdline",
                    "case=kexec chain=hvm32", "--late", "0x3000000:0x100000",
                    "--module", "/rig/guest/build/hvm32.elf",
                    "--module", "/rig/guest/build/hvm64.elf",
                    "/rig/guest/build/hvm64.elf"]
    # The initramfs' paths are init's business, never the native VMM's.
    assert not any(a.startswith("/guests") for a in argv)


def test_case_end_lines():
    assert driver.case_end("a", 0, 12) == "@@rig case-end a exit=0 ms=12"
    assert driver.case_end("a", 7, 1) == "@@rig case-end a exit=7 ms=1"
    for rc in (124, 137, -9):
        assert driver.case_end("a", rc, 5) == "@@rig case-end a signal=9 ms=5"


def test_run_native_with_a_fake_vmm(tmp_path):
    vmm = tmp_path / "vmm"
    vmm.write_text("#!/bin/sh\necho \"vmm args: $*\"\n"
                   "case \"$*\" in *fail*) exit 3 ;; esac\nexit 0\n")
    vmm.chmod(0o755)
    serial = tmp_path / "serial.log"
    es = [entry("a", 5, "hvm32", "case=smoke", modules=("hvm64",)),
          entry("b", 5, "hvm64", "case=fail")]
    driver.run_native(es, str(serial), str(vmm), "/g", rigabi.init_grace_s())
    lines = serial.read_text().splitlines()
    assert lines[0].startswith("@@rig host-begin release=") and lines[0].endswith(" native")
    assert lines[1] == "@@rig case-begin a"
    assert lines[2] == ("vmm args: --timeout 5 --cmdline case=smoke "
                        "--module /g/hvm64.elf /g/hvm32.elf")
    assert lines[3].startswith("@@rig case-end a exit=0 ms=")
    assert lines[4] == "@@rig case-begin b"
    assert lines[6].startswith("@@rig case-end b exit=3 ms=")
    assert lines[7] == "@@rig host-end"
    # What the log checker makes of it, time included.
    _, _, sections, _, _ = logcheck.split_serial(serial.read_text())
    assert sections["a"].end["exit"] == "0" and sections["a"].end["ms"].isdigit()


# ---------------------------------------------------------------- display

def test_serial_progress():
    assert driver.serial_progress("") == (0, "")
    text = "@@rig host-begin x\n@@rig case-begin a\nok\n@@rig case-end a exit=0\n" \
           "@@rig case-begin b\n"
    assert driver.serial_progress(text) == (2, "b")


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_display_off_a_terminal_is_plain_lines(tmp_path):
    s = io.StringIO()
    d = driver.Display(s)
    d.start("h", str(tmp_path / "none"), 3)
    d.log("h", "booting")
    d.refresh()
    d.stop("h")
    d.close()
    assert s.getvalue() == "[h] booting\n"


def test_display_one_line_per_running_boot(tmp_path):
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("@@rig case-begin x\n")
    b.write_text("@@rig case-begin y\n@@rig case-end y\n@@rig case-begin z\n")
    s = Tty()
    d = driver.Display(s, width=80)
    d.start("h+1", str(a), 3)
    d.start("h+2", str(b), 4)
    assert s.getvalue().endswith("[h+1] case 1/3 x\n[h+2] case 2/4 z")
    s.truncate(0)
    s.seek(0)
    d.log("h+1", "something")
    # Up over the two lines, clear, the message, the two lines again.
    assert s.getvalue() == ("\r\033[1A\033[J[h+1] something\n"
                            "[h+1] case 1/3 x\n[h+2] case 2/4 z")
    d.stop("h+1")
    assert s.getvalue().endswith("\r\033[1A\033[J[h+2] case 2/4 z")
    d.close()
    assert s.getvalue().endswith("\r\033[J")


def test_display_lines_fit_the_terminal(tmp_path):
    s = Tty()
    d = driver.Display(s, width=20)
    d.start("a-rather-long-host-name", str(tmp_path / "none"), 40)
    assert s.getvalue() == "[a-rather-long-host"


def test_run_pool_runs_everything_at_most_j_at_once():
    running, peak, done = [0], [0], []
    lock = threading.Lock()

    def work(t):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
            done.append(t)
        if t == 3:
            raise RuntimeError("task 3")

    with pytest.raises(RuntimeError, match="task 3"):
        driver.run_pool(range(8), 2, work)
    assert sorted(done) == list(range(8)) and peak[0] == 2


# ---------------------------------------------------------------- run directory

MATRIX = """[host h]
kernel = /nonexistent

[case a]
guest = hvm64

[case b]
guest = hvm32
timeout = 2
expect = TIMEOUT

[case c]
guest = hvm64
"""


def fake_serial(names):
    out = ["@@rig host-begin release=fake uptime=0.5"]
    for n in names:
        out += ["@@rig case-begin " + n, "KTAP version 1", "ok 1 x",
                "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0",
                "@@rig case-end %s exit=0 ms=250" % n]
    return "\n".join(out + ["@@rig host-end", ""])


def test_layout_of_one_boot(tmp_path):
    es = [entry("a"), entry("c")]
    driver.write_layout(str(tmp_path), "h", es, [driver.Boot("h", "h", es)])
    assert sorted(os.listdir(tmp_path)) == ["h.plan"]
    assert matrix.read_plan(str(tmp_path / "h.plan")) == es


def test_layout_of_a_split_host_reads_back_in_plan_order(tmp_path):
    cfg = tmp_path / "m.cfg"
    cfg.write_text(MATRIX)
    mtx = matrix.Matrix(str(cfg))
    es = matrix.plan_entries(mtx, "h")
    boots = [driver.Boot("h", "h+1", [es[0], es[2]]), driver.Boot("h", "h+2", [es[1]])]
    d = tmp_path / "run"
    d.mkdir()
    driver.write_layout(str(d), "h", es, boots)
    assert (d / "h.boots").read_text() == "h+1\nh+2\n"
    assert matrix.read_plan(str(d / "h+1.plan")) == [es[0], es[2]]
    assert matrix.read_plan(str(d / "h.plan")) == es
    (d / "hosts").write_text("h\n")
    # Boot 2 first in its log, boot 1 reversed: the report keeps the plan's order.
    (d / "h+1.serial.log").write_text(fake_serial(["c", "a"]))
    (d / "h+2.serial.log").write_text(fake_serial(["b"]))
    for b in ("h+1", "h+2"):
        (d / (b + ".kernel.log")).write_text("")
        (d / (b + ".boot")).write_text("rc=0\n")
    _, results = logcheck.collect(str(d), mtx)
    assert [(r.case, r.status, r.time) for r in results] == \
        [("a", "PASS", 0.25), ("b", "PASS", 0.25), ("c", "PASS", 0.25)]


def test_estimates_from_the_matrix(tmp_path):
    cfg = tmp_path / "m.cfg"
    cfg.write_text(MATRIX)
    o = driver.parse_args(["--matrix", str(cfg)], ENV)
    work = dict(driver.Driver(o).host_work(["h"], driver.History()))
    assert work["h"].weights == [30 * driver.UNKNOWN_FRACTION, 2, 30 * driver.UNKNOWN_FRACTION]


def test_serial_log_plan(tmp_path):
    cfg = tmp_path / "m.cfg"
    cfg.write_text(MATRIX)
    mtx = matrix.Matrix(str(cfg))
    text = "@@rig case-begin b\n@@rig case-end b\n@@rig case-begin zz\n@@rig case-begin b\n"
    es = driver.serial_log_plan(text, mtx)
    assert es[0] == mtx.cases["b"].plan_entry()
    assert es[1].name == "zz" and len(es) == 2
    assert PlanEntry.parse(es[1].line()) == es[1]


def test_reproduce_line_names_the_kernel():
    o = driver.parse_args([], ENV)
    d = driver.Driver(o)
    assert d.repro_cmd() == "./run.sh"
    d.kernel = "/k/bz Image"
    assert d.repro_cmd() == "./run.sh --kernel '/k/bz Image'"


def test_quick_plan(tmp_path):
    out = str(tmp_path / "plan")
    assert driver.main(["quick-plan", out, "30", "hvm64", "case=smoke",
                        "--xen-version", "4.17"]) == 0
    assert matrix.read_plan(out) == [entry("quick", 30, "hvm64", "case=smoke",
                                           ("--xen-version", "4.17"))]
    assert driver.main(["quick-plan", out, "soon", "hvm64", ""]) == 2
    assert driver.main(["quick-plan", out]) == 2


# ---------------------------------------------------------------- boots, with fake helpers

FAKE_TOOLS = {
    # The "initramfs" and the "ISO" are copies of the plan.
    "mkinitramfs.sh": 'echo "mkinitramfs $*" >> "$FAKE_LOG"\n'
                      '[ -z "$FAKE_PACK_FAILS" ] || exit 1\ncp "$2" "$1"\n',
    "mkiso.sh": 'echo "mkiso $*" >> "$FAKE_LOG"\ncp "$7" "$4"\n',
    # Every planned case passes in 0.1 s.
    "boot-host.sh": 'echo "boot-host $*" >> "$FAKE_LOG"\n'
                    'args=("$@"); n=$#\n'
                    'serial=${args[n-2]} klog=${args[n-1]} image=${args[n-3]}\n'
                    'case " $* " in *" --iso "*) image=${args[5]} ;; esac\n'
                    ': > "$klog"\n'
                    '{ echo "@@rig host-begin release=fake uptime=0.5"\n'
                    '  while IFS="\t" read -r name _; do\n'
                    '    echo "@@rig case-begin $name"; echo "KTAP version 1"; echo "ok 1 x"\n'
                    '    echo "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0"\n'
                    '    echo "@@rig case-end $name exit=0 ms=100"\n'
                    '  done < "$image"; echo "@@rig host-end"; } > "$serial"\n',
}

BOOT_MATRIX = """[host h]
kernel = k.img
cmdline = rig.x=1

[host g]
kernel = missing.img

[case a]
guest = hvm64

[case b]
guest = hvm32

[case c]
guest = hvm64
"""


@pytest.fixture
def rig(tmp_path, monkeypatch):
    tools = tmp_path / "tools"
    tools.mkdir()
    for name, body in FAKE_TOOLS.items():
        (tools / name).write_text("#!/bin/bash\n" + body)
        (tools / name).chmod(0o755)
    (tmp_path / "m.cfg").write_text(BOOT_MATRIX)
    (tmp_path / "k.img").write_text("")
    (tmp_path / "fw.fd").write_text("")
    res = tmp_path / "results"
    res.mkdir()
    (res / "times.json").write_text(json.dumps({"times": {"h": {"a": 5, "b": 5, "c": 5}}}))
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log"))

    def run(*args, hosts=("h",)):
        o = driver.parse_args(["--matrix", str(tmp_path / "m.cfg"), "--results", str(res),
                               "--accel", "tcg", "--no-build"] + list(args),
                              {"OVMF": str(tmp_path / "fw.fd")})
        d = driver.Driver(o, tools=str(tools))
        rc = d.boot_all(list(hosts))
        log = (tmp_path / "log").read_text().splitlines() if (tmp_path / "log").exists() else []
        return rc, d.rundir, log
    return run


def test_split_boots_end_to_end(rig, tmp_path, capsys):
    rc, d, log = rig("-j", "2")
    assert rc == 0
    assert open(os.path.join(d, "hosts")).read() == "h\n"
    assert open(os.path.join(d, "h.boots")).read() == "h+1\nh+2\n"
    assert [e.name for e in matrix.read_plan(os.path.join(d, "h+1.plan"))] == ["a", "c"]
    assert [e.name for e in matrix.read_plan(os.path.join(d, "h+2.plan"))] == ["b"]
    assert [e.name for e in matrix.read_plan(os.path.join(d, "h.plan"))] == ["a", "b", "c"]
    assert open(os.path.join(d, "h+1.boot")).read() == "rc=0\n"
    g = rigabi.init_grace_s()
    boots = sorted((ln for ln in log if ln.startswith("boot-host")), key=lambda ln: ln[-20:])
    assert boots[0] == ("boot-host --accel tcg --timeout %d --append rig.x=1 %s %s %s %s" % (
        2 * (30 + g) + 60, tmp_path / "k.img", os.path.join(d, "h+1.initramfs"),
        os.path.join(d, "h+1.serial.log"), os.path.join(d, "h+1.kernel.log")))
    assert boots[1].startswith("boot-host --accel tcg --timeout %d " % (30 + g + 60))
    out = capsys.readouterr().out
    assert out.index("\na ") < out.index("\nb ") < out.index("\nc ")
    summary = json.load(open(os.path.join(d, "summary.json")))["results"]
    assert [(r["case"], r["status"], r["time"]) for r in summary] == \
        [("a", "PASS", 0.1), ("b", "PASS", 0.1), ("c", "PASS", 0.1)]
    times = json.load(open(os.path.join(os.path.dirname(d), "times.json")))["times"]
    assert times["h"]["a"] == pytest.approx(5 + driver.HISTORY_WEIGHT * (0.1 - 5))


def test_a_kernel_that_fails_is_every_boots_error(rig):
    # -j3: both hosts split (g's estimates are h's), g's boots without a kernel.
    rc, d, log = rig("-j", "3", hosts=("h", "g"))
    assert rc == 1
    assert open(os.path.join(d, "hosts")).read() == "h\ng\n"
    assert open(os.path.join(d, "g.boots")).read() == "g+1\ng+2\n"
    for b in ("g+1", "g+2"):
        assert open(os.path.join(d, b + ".boot")).read() == \
            "error=run.sh: g: no kernel image %s\n" % os.path.join(driver.TOP, "missing.img")
    assert "no kernel image" in open(os.path.join(d, "g.build.log")).read()
    assert not any("g+" in ln for ln in log)
    times = json.load(open(os.path.join(os.path.dirname(d), "times.json")))["times"]
    assert "g" not in times


def test_j1_is_one_boot_named_as_the_host(rig):
    rc, d, log = rig("-j", "1")
    assert rc == 0
    assert not os.path.exists(os.path.join(d, "h.boots"))
    assert open(os.path.join(d, "h.boot")).read() == "rc=0\n"
    assert [ln.split()[-2] for ln in log if ln.startswith("boot-host")] == \
        [os.path.join(d, "h.serial.log")]


def test_iso_and_efi_one_boot_a_host(rig, tmp_path):
    rc, d, log = rig("-j", "2", "--iso", "--efi")
    assert rc == 0
    assert not os.path.exists(os.path.join(d, "h.boots"))
    iso = os.path.join(d, "h.iso")
    assert ("mkiso host --timeout 0 %s h %s %s" % (iso, tmp_path / "k.img",
                                                   os.path.join(d, "h.initramfs"))) in log
    boot = [ln for ln in log if ln.startswith("boot-host")][0]
    assert " --iso %s --bios %s " % (iso, tmp_path / "fw.fd") in boot
    assert "--append" not in boot


def test_initramfs_failure_is_the_boots_error(rig, monkeypatch):
    monkeypatch.setenv("FAKE_PACK_FAILS", "1")
    rc, d, log = rig("-j", "2")
    assert rc == 1
    for b in ("h+1", "h+2"):
        assert open(os.path.join(d, b + ".boot")).read() == "error=could not pack the initramfs\n"
    assert not any(ln.startswith("boot-host") for ln in log)


# ---------------------------------------------------------------- provenance

def test_provenance_names_what_the_run_was_made_of(tmp_path):
    kdir = tmp_path / "6.12-abc"
    kdir.mkdir()
    (kdir / "bzImage").write_bytes(b"kernel")
    (kdir / "config").write_text("CONFIG_KVM=y\n")
    (kdir / "release").write_text("6.12.57\n")
    sdir = tmp_path / "series"
    sdir.mkdir()
    (sdir / "0001-a.patch").write_text("a\n")
    (sdir / "series").write_text("# the series\n0001-a.patch\n")
    p = driver.provenance(driver.TOP, {"h": (str(kdir / "bzImage"), None), "x": (None, "failed")},
                          {"h": str(sdir / "series")}, "tcg")
    assert set(p["hosts"]) == {"h"}
    h = p["hosts"]["h"]
    assert h["release"] == "6.12.57"
    assert h["kernel_sha256"] == driver.sha256_file(str(kdir / "bzImage"))
    assert h["config_sha256"] == driver.sha256_file(str(kdir / "config"))
    before = h["series_sha256"]
    (sdir / "0001-a.patch").write_text("b\n")
    assert driver.series_sha256(str(sdir / "series")) != before
    assert driver.series_sha256("none") is None
    assert driver.series_sha256(str(sdir / "no-such-series")) is None
    assert p["accel"] == "tcg" and p["rig_commit"] and p["qemu"]


# ---------------------------------------------------------------- wedged hosts

def test_serial_watch_follows_cases_across_partial_lines(tmp_path):
    log = tmp_path / "serial.log"
    log.write_text("@@rig host-begin release=x\n@@rig case-beg")
    w = driver.SerialWatch(str(log))
    w.poll(1.0)
    assert w.case is None
    with open(log, "a") as f:
        f.write("in one\nKTAP version 1\n")
    w.poll(2.0)
    assert (w.case, w.since) == ("one", 2.0)
    with open(log, "a") as f:
        f.write("@@rig case-end one exit=0 ms=5\n@@rig case-begin two\n")
    w.poll(3.0)
    assert (w.case, w.since) == ("two", 3.0)


def test_a_case_is_wedged_only_past_timeout_grace_and_slack(tmp_path):
    log = tmp_path / "serial.log"
    log.write_text("@@rig case-begin one\n")
    w = driver.SerialWatch(str(log))
    w.poll(100.0)
    entries = [entry("one", timeout=5), entry("two", timeout=50)]
    assert driver.wedged_case(w, entries, 10, 100.0 + 5 + 10 + 3, slack=3) is None
    assert driver.wedged_case(w, entries, 10, 100.0 + 5 + 10 + 3.1, slack=3) == "one"
    with open(log, "a") as f:
        f.write("@@rig case-end one exit=5 ms=5000\n")
    w.poll(200.0)
    assert driver.wedged_case(w, entries, 10, 1000.0, slack=3) is None


def test_wedge_slack_from_the_environment():
    assert driver.parse_args([], env={"GPC_RIG_WEDGE_SLACK": "4"}).wedge_slack == 4
    with pytest.raises(driver.Die, match="GPC_RIG_WEDGE_SLACK takes seconds"):
        driver.parse_args([], env={"GPC_RIG_WEDGE_SLACK": "x"})
