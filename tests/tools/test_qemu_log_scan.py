# SPDX-License-Identifier: GPL-2.0
"""tools/qemu-log-scan.py on excerpts of QEMU `-d int` logs the rig recorded:
a triple fault the emulated CPU met in the host kernel's context, the
guest's own triple fault (control-triple-fault), a #DF the guest handled
(control-double-fault) and an interrupt delivered twice."""
import importlib.util
import os
import re
import shutil
import subprocess

from conftest import TOP

TOOL = os.path.join(TOP, "tools", "qemu-log-scan.py")
RECORDED = os.path.join(TOP, "tests", "tools", "recorded", "qemu-log")

spec = importlib.util.spec_from_file_location("qemu_log_scan", TOOL)
scan_mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scan_mod)


def scan(name):
    return scan_mod.scan_file(os.path.join(RECORDED, name))


def test_host_context_triple_fault():
    res = scan("host-triple.log")
    assert len(res["triple"]) == 1
    where, what = res["triple"][0]
    assert where == "host"
    # the instruction fetch of the host's own text, then its own IDT
    assert what.startswith("#PF at host rip 0xffffffff936fdb9c error 0x10 cr2 0xffffffff936fdb9c")
    assert "raised #PF (cr2 0xfffffe00000000e0)" in what


def test_guest_triple_fault_is_the_guests():
    res = scan("guest-triple.log")
    assert [w for w, _ in res["triple"]] == ["guest"]
    assert res["triple"][0][1].startswith("#GP at guest rip")


def test_handled_double_fault_is_no_triple_fault():
    res = scan("guest-double.log")
    assert res["deliveries"] == 3 and res["triple"] == []


def test_redelivery_at_if0_counted():
    res = scan("redelivery.log")
    assert res["redelivered"] == {31: 1}
    # the same excerpt with IF set in the second delivery's state: no fault
    with open(os.path.join(RECORDED, "redelivery.log")) as f:
        text = f.read()
    patched = re.sub(r"EFL=00000046", "EFL=00000246", text)
    assert patched != text
    assert scan_mod.scan(patched.splitlines(), scan_mod.irq_vector_first())["redelivered"] == {}


def test_irq_vector_first_is_abi_h():
    with open(os.path.join(TOP, "include", "rig", "abi.h")) as f:
        m = re.search(r"#define RIG_IRQ_VECTOR_FIRST\s+(\d+)", f.read())
    assert int(m.group(1)) == scan_mod.irq_vector_first()


def run_dir(tmp_path, log, case):
    """A run whose patched-6.12+1 boot ran CASE with LOG as its QEMU log."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "patched-6.12+1.plan").write_text("other-hvm64\t30\thvm64\tcase=x\t\t\n")
    (run / "patched-6.12+2.plan").write_text("%s\t60\thvm32\tcase=y\t--vcpus 2\t\n" % case)
    shutil.copy(os.path.join(RECORDED, log), run / "patched-6.12+2.serial.log.qemu-log")
    return run


def explain(run, host, case):
    return subprocess.run(["python3", TOOL, "--explain", str(run), host, case],
                          stdout=subprocess.PIPE, text=True)


def test_explain_finds_the_boot_that_ran_the_case(tmp_path):
    run = run_dir(tmp_path, "host-triple.log", "smp-flip-hvm32")
    p = explain(run, "patched-6.12", "smp-flip-hvm32")
    assert p.returncode == 0
    assert p.stdout.startswith("emulator: triple fault in the host kernel's context")
    # another boot's case, another host: not explained
    assert explain(run, "patched-6.12", "other-hvm64").returncode == 1
    assert explain(run, "stock-6.12", "smp-flip-hvm32").returncode == 1


def test_explain_leaves_the_guests_own_triple_fault(tmp_path):
    run = run_dir(tmp_path, "guest-triple.log", "control-triple-fault-hvm64")
    assert explain(run, "patched-6.12", "control-triple-fault-hvm64").returncode == 1


def test_explain_reads_a_lost_wakeup_from_the_wedge_dump(tmp_path):
    run = run_dir(tmp_path, "guest-double.log", "evtchn-slowpath-hvm32")
    wedge = run / "patched-6.12+2.wedge.txt"
    wedge.write_text("cpu0 rip 0xffffffffaa2d25eb native_safe_halt+19  rsp 0x0 cs 0x10 IF=1\n")
    assert explain(run, "patched-6.12", "evtchn-slowpath-hvm32").returncode == 1
    with open(wedge, "a") as f:
        f.write("wedge-dump: cpu0 halted with IF=1 and vector 236 pending in its IRR above "
                "PPR 0: %s\n" % scan_mod.LOST_WAKEUP)
    p = explain(run, "patched-6.12", "evtchn-slowpath-hvm32")
    assert p.returncode == 0
    assert p.stdout.startswith("emulator: the wedged host's cpu0 halted with IF=1 and vector 236")


def test_wedge_dump_prints_what_explain_looks_for():
    with open(os.path.join(TOP, "tools", "wedge-dump.sh")) as f:
        assert scan_mod.LOST_WAKEUP in f.read()
