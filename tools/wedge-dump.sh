#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# wedge-dump.sh [--samples N] [--interval SEC] [--words N] PORT KERNEL
#
# What a wedged host is doing, from QEMU's gdbstub (boot-host.sh with
# RIG_GDB_PORT=PORT): for each CPU, RIP and its symbol in N samples
# INTERVAL seconds apart (the host runs between them: the same few
# addresses mean a CPU spinning, the idle loop a CPU halted), then, in the
# last sample, a scan of the CPU's kernel stack for words that are kernel
# text addresses, and the tasks of the host with the same scan of their
# stacks from their saved stack pointer (a task asleep for good shows where
# it sleeps).  The host kernels have no debug information and a guess
# unwinder: the scans are every plausible return address, not a call
# chain; a '*' marks one right after a call instruction.
#
# KERNEL is the host's vmlinux, or its bzImage: then the vmlinux is looked
# for next to it (a bzImage in its build tree) or in the kernel build trees
# under the rig's cache (the tree whose bzImage is the same file).  KASLR is undone by finding linux_banner in
# the host's memory.  Output on stdout; the host keeps running afterwards.

set -euo pipefail

samples=5
interval=0.5
words=512

die() { echo "wedge-dump: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--samples) samples=$2; shift 2 ;;
	--interval) interval=$2; shift 2 ;;
	--words) words=$2; shift 2 ;;
	--) shift; break ;;
	-*) die "unknown option '$1'" ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || die "usage: $0 [--samples N] [--interval SEC] [--words N] PORT VMLINUX|BZIMAGE"
port=$1 kernel=$2
case $port in ''|*[!0-9]*) die "bad port '$port'" ;; esac
case $samples in ''|*[!0-9]*|0) die "bad --samples '$samples'" ;; esac
case $words in ''|*[!0-9]*) die "bad --words '$words'" ;; esac
case $interval in ''|*[!0-9.]*) die "bad --interval '$interval'" ;; esac
[ -f "$kernel" ] || die "no kernel $kernel"
command -v gdb >/dev/null || die "gdb is not installed"

# A bzImage: the build tree that made it has the vmlinux.
vmlinux=$kernel
if [ "$(head -c 4 "$kernel" | od -An -tx1 | tr -d ' ')" != 7f454c46 ]; then
	cache=${GPC_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpc-rig}
	vmlinux=
	# A bzImage still in its build tree (run.sh --kernel-tree, --kernel).
	case $kernel in
	*/arch/x86/boot/bzImage)
		[ ! -f "${kernel%/arch/x86/boot/bzImage}/vmlinux" ] ||
			vmlinux=${kernel%/arch/x86/boot/bzImage}/vmlinux ;;
	esac
	for out in "$cache"/trees/*/src/rig-out; do
		[ -z "$vmlinux" ] || break
		if [ -f "$out/vmlinux" ] &&
		   cmp -s "$out/arch/x86/boot/bzImage" "$kernel"; then
			vmlinux=$out/vmlinux
			break
		fi
	done
	[ -n "$vmlinux" ] || die "no build tree under $cache has the vmlinux of $kernel"
fi

script=$(mktemp --suffix=.py)
trap 'rm -f "$script"' EXIT
cat > "$script" <<'EOF'
import os
import struct
import time

import gdb

PORT = os.environ["WD_PORT"]
SAMPLES = int(os.environ["WD_SAMPLES"])
INTERVAL = float(os.environ["WD_INTERVAL"])
WORDS = int(os.environ["WD_WORDS"])
VMLINUX = os.environ["WD_VMLINUX"]
THREAD_SIZE = 16384             # 32 KiB with KASAN: found from the tasks
KASLR_ALIGN = 0x200000
KASLR_RANGE = 1 << 30


def ex(cmd):
    return gdb.execute(cmd, to_string=True)


def addr_of(sym):
    return int(gdb.parse_and_eval("(unsigned long)&%s" % sym)) & (2**64 - 1)


def read(addr, n):
    try:
        return bytes(gdb.selected_inferior().read_memory(addr, n))
    except gdb.MemoryError:
        return None


def u64(addr):
    b = read(addr, 8)
    return None if b is None else struct.unpack("<Q", b)[0]


def reg(name):
    # Flag registers (eflags, cr3) do not cast; their p/x does.
    return int(ex("p/x $" + name).split("=")[1].split()[0], 16)


def sym(addr):
    s = ex("info symbol %#x" % addr).strip()
    if s.startswith("No symbol"):
        return "?"
    return s.split(" in section ")[0].replace(" + ", "+")


def after_call(addr):
    """A return address: a call instruction ends right before it."""
    b = read(addr - 7, 7)
    if b is None:
        return False
    if b[2] == 0xE8:                         # call rel32
        return True
    for ln in (2, 3, 6, 7):                  # call *r/m
        if b[7 - ln] == 0xFF and (b[8 - ln] >> 3) & 7 == 2:
            return True
    return False


def gdb_file(offset):
    ex("file")
    ex("symbol-file -o %#x %s" % (offset, VMLINUX) if offset else "file " + VMLINUX)


gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set width 0")
ex("file " + VMLINUX)
banner_link = addr_of("linux_banner")
text_link = (addr_of("_stext"), addr_of("_etext"))
banner = read(banner_link, 64)
ex("file")


def stack_scan(title, sp, text, limit=None, top=None):
    if top is None:
        top = (sp | (THREAD_SIZE - 1)) + 1
    n = min((top - sp) // 8, limit or WORDS)
    data = read(sp, n * 8)
    print("  %s %#x..%#x:" % (title, sp, sp + n * 8))
    if data is None:
        print("  (unreadable)")
        return
    for i in range(n):
        w = struct.unpack_from("<Q", data, i * 8)[0]
        if text[0] <= w < text[1]:
            print("  %s sp+%#05x %#x %s" % ("*" if after_call(w) else " ", i * 8, w, sym(w)))


def comm_at(addr):
    b = read(addr, 16)
    if b is None or 0 not in b:
        return None
    s = b[:b.index(0)]
    if not s or any(c < 0x20 or c > 0x7e for c in s):
        return None
    return s.decode()


def tasks(text):
    """Every task and the return addresses on its stack.  Without debug
    information the task_struct offsets are found from init_task: its
    comm is "swapper/0", its stack is init_stack, its tasks list runs
    through all tasks, and thread.sp is the word that lies inside every
    sleeping task's stack."""
    init = addr_of("init_task")
    blob = read(init, 0x4000)
    init_stack = addr_of("init_stack")
    if blob is None:
        print("tasks: init_task unreadable")
        return
    q = lambda o: struct.unpack_from("<Q", blob, o)[0]
    comm = blob.find(b"swapper/0\0")
    if comm < 0:                        # before SMP bring-up names it
        comm = blob.find(b"swapper\0")
    stack = next((o for o in range(0, 0x200, 8) if q(o) == init_stack), None)
    if comm < 0 or stack is None:
        print("tasks: task_struct layout not found (comm %d, stack %s)" % (comm, stack))
        return
    found = None
    for o in range(stack, comm, 8):
        nxt, seen, ok = q(o), [], True
        while nxt != init + o and len(seen) < 4096:
            t = nxt - o
            if comm_at(t + comm) is None:
                ok = False
                break
            seen.append(t)
            nxt = u64(nxt)
            if nxt is None:
                ok = False
                break
        if ok and seen and len(seen) < 4096:
            found = (o, seen)
            break
    if not found:
        print("tasks: tasks list not found")
        return
    _, all_tasks = found
    global THREAD_SIZE
    stacks = {t: u64(t + stack) for t in all_tasks}
    sp_off = None
    for size in (16384, 32768):
        for o in range(comm, 0x4000 - 8, 8):
            hits = 0
            for t in all_tasks:
                v, s = u64(t + o), stacks[t]
                if v is None or s is None or not (s < v < s + size):
                    break
                hits += 1
            if hits == len(all_tasks):
                sp_off, THREAD_SIZE = o, size
                break
        if sp_off:
            break
    print("== tasks (comm at +%#x, stack at +%#x, thread.sp at %s)" %
          (comm, stack, "+%#x" % sp_off if sp_off else "?"))
    for t in all_tasks:
        name, st = comm_at(t + comm), read(t + 24, 4)
        state = struct.unpack("<I", st)[0] if st else -1
        print("task %#x %-16s __state %#x" % (t, name, state))
        if sp_off:
            stack_scan("stack", u64(t + sp_off), text, limit=256,
                       top=stacks[t] + THREAD_SIZE)


def vectors(line):
    """The vectors of an "info lapic" ISR or IRR line."""
    return [int(v.replace("(level)", "")) for v in line.split()[1:]
            if v.replace("(level)", "").isdigit()]


def lapics():
    """Each CPU's local APIC as QEMU's monitor shows it (through the
    gdbstub), and whether a halted CPU with IF=1 has an interrupt pending
    that it should have taken: then the emulated CPU lost its wake-up."""
    for t in sorted(gdb.selected_inferior().threads(), key=lambda t: t.num):
        cpu = t.num - 1
        try:
            out = ex("monitor info lapic %d" % cpu)
        except gdb.error as e:
            print("== lapic of cpu%d: %s" % (cpu, e))
            continue
        print("== lapic of cpu%d" % cpu)
        print(out.rstrip())
        irr = isr = []
        ppr = None
        for line in out.splitlines():
            if line.startswith("IRR"):
                irr = vectors(line)
            elif line.startswith("ISR"):
                isr = vectors(line)
            elif "PPR" in line:
                f = line.split()
                ppr = int(f[f.index("PPR") + 1], 16)
        t.switch()
        if_set = (reg("eflags") >> 9) & 1
        idle = halted.get(cpu)
        due = [v for v in irr if ppr is not None and v >> 4 > ppr >> 4]
        if idle and if_set and due:
            print("wedge-dump: cpu%d halted with IF=1 and vector %d pending in its IRR above PPR %#x: "
                  "an interrupt it should have taken" % (cpu, due[0], ppr))


print("wedge-dump: vmlinux %s" % VMLINUX)
offset = None
seen = {}
halted, rips = {}, {}
for n in range(SAMPLES):
    try:
        ex("target remote 127.0.0.1:" + PORT)
    except gdb.error as e:
        print("wedge-dump: sample %d: %s" % (n, e))
        break
    if offset is None:
        # Kernel memory is readable from host context only, not while a
        # CPU runs a nested guest: tried again in each sample.
        for k in range(KASLR_RANGE // KASLR_ALIGN):
            if read(banner_link + k * KASLR_ALIGN, 64) == banner:
                offset = k * KASLR_ALIGN
                gdb_file(offset)
                print("wedge-dump: KASLR offset %#x" % offset)
                break
    text = (text_link[0] + (offset or 0), text_link[1] + (offset or 0))
    last = n == SAMPLES - 1
    print("== sample %d (t=%.1fs)" % (n, n * INTERVAL))
    for t in sorted(gdb.selected_inferior().threads(), key=lambda t: t.num):
        t.switch()
        rip, rsp, cs, fl = reg("pc"), reg("sp"), reg("cs"), reg("eflags")
        if cs & 3 or rip < 2**63:
            where = "user/guest"
        else:
            where = sym(rip) if offset is not None else "?"
        seen.setdefault(t.num - 1, []).append(where.split("+")[0])
        # the same RIP in every sample, in the idle loop's halt: halted
        halted[t.num - 1] = ("halt" in where and
                             halted.get(t.num - 1, True) and
                             rips.setdefault(t.num - 1, rip) == rip)
        print("cpu%d rip %#x %s  rsp %#x cs %#x IF=%d cr3 %#x" %
              (t.num - 1, rip, where, rsp, cs, (fl >> 9) & 1, reg("cr3")))
        if last and offset is not None:
            if rsp >= 2**63:
                stack_scan("cpu%d stack" % (t.num - 1), rsp, text)
            else:
                print("  (not on a kernel stack)")
    if last:
        lapics()
    if last and offset is not None:
        tasks(text)
    ex("detach")
    if not last:
        time.sleep(INTERVAL)
# Where each CPU was: always the same place is a spin, the idle loop a
# CPU with nothing to run (the stuck task then sleeps: see the tasks).
for cpu, where in sorted(seen.items()):
    count = {}
    for w in where:
        count[w] = count.get(w, 0) + 1
    print("cpu%d in %d samples: %s" % (cpu, len(where), ", ".join(
        "%s x%d" % (w, c) for w, c in sorted(count.items(), key=lambda x: -x[1]))))
EOF


WD_PORT=$port WD_SAMPLES=$samples WD_INTERVAL=$interval WD_WORDS=$words \
WD_VMLINUX=$vmlinux gdb -q -nx -batch -x "$script" 2>&1
