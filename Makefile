# SPDX-License-Identifier: GPL-2.0
#
# gpc-rig: `make run` builds everything and boots the default matrix,
# `make test` runs the unit tests and the smoke matrix.

CC ?= gcc
INIT := tools/init/build/init
N ?= 20

.PHONY: all userspace guest vmm init deps kernels run test unit-test \
	logcheck-test tools-test driver-test runner-test smoke matrix iso-test fuzz fuzz-regress \
	faults-test images bisect bisect-test broken-proof tsc-proof series-check debug-matrix coverage lint bench soak clean \
	selftests selftests-test

all: userspace

userspace: guest vmm init

guest:
	$(MAKE) -C guest

vmm:
	$(MAKE) -C tools/vmm

init: $(INIT)

$(INIT): tools/init/init.c tools/init/initlib.h include/rig/abi.h
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -Wall -Wextra -Werror -Iinclude -o $@ $<

# Installs what is missing (as root), or says what is missing and stops.
deps:
	@tools/deps.sh

kernels: deps
	@for h in $$(python3 tools/matrix.py hosts); do \
		./run.sh --print-kernel $$h || exit 1; done

run: deps userspace
	./run.sh

unit-test: deps
	$(MAKE) -C tests/unit check

logcheck-test:
	tests/logcheck/run.sh

# The Python tools' own tests, and the reports read by the kernel's KTAP
# parser and a JUnit reader (Debian's pytest and junitparser: Debian's
# python3, whatever python3 comes first in PATH).
DEB_PYTHON := /usr/bin/python3
tools-test: deps
	$(DEB_PYTHON) -m pytest -q -p no:cacheprovider tests/tools

runner-test: userspace
	tests/runner/run.sh

driver-test: deps
	tests/driver/run.sh

# make fuzz [SECONDS=N]: each libFuzzer harness N seconds (default 60).
fuzz:
	$(MAKE) -C tests/fuzz run SECONDS=$(or $(SECONDS),60)

# Replay the fuzzers' regression inputs and seeds.
fuzz-regress:
	$(MAKE) -C tests/fuzz regress

faults-test: userspace
	tests/faults/run.sh

# The kernel's own x86_64/xen_shinfo_test and xen_vmcall_test, built from
# the hosts' cached trees and booted on their cached kernels
# (make selftests [HOSTS=patched-6.12,stock-6.12]); about 90 s, so not in
# `make test`.  Logs in results/selftests/.
selftests: deps
	tools/kvm-selftests.sh $(if $(HOSTS),--host $(HOSTS))

# Its error paths, without a kernel.
selftests-test:
	tests/kselftest/run.sh

lint:
	shellcheck run.sh tools/*.sh tests/*.sh tests/*/*.sh tests/runner/fake-qemu \
		tests/faults/fill-qemu .ci/run

smoke: deps userspace
	./run.sh --case smoke

# The default matrix, every result as expected.
matrix: deps userspace
	./run.sh

# Every suite runs even when one fails; the last line adds them up.
test: deps userspace
	tests/run-all.sh lint unit-test fuzz-regress logcheck-test tools-test driver-test runner-test \
		lava-test selftests-test \
		matrix iso-test bisect-test faults-test

images: deps userspace
	tools/images.sh

iso-test: userspace
	tests/iso/run.sh

bisect-test: userspace
	tests/bisect/run.sh

# Deliberately wrong conversions of the series' no-change patches (0003,
# 0004): each must make evtchn-slowpath FAIL, the real series PASS.  A
# kernel build per break on a first run, cached after; too slow for test.
# make broken-proof [BREAKS="0003-compat-always ..."] (tools/broken-proof.sh --list)
broken-proof: deps userspace
	tools/broken-proof.sh $(BREAKS)

# Patch 0020 against a vCPU TSC multiplier of 0: stock-6.12 and
# patched-6.12 with a skewed early TSC calibration (about a minute).
tsc-proof: deps userspace
	tools/tsc-proof.sh

# make bisect HOST=patched-6.12 CASE=runstate-sweep-hvm64 [FIXED=1]
bisect: deps userspace
	tools/bisect.sh --host $(HOST) --case '$(CASE)' $(if $(FIXED),--fixed)

# Every prefix of the series builds, every patch passes checkpatch --strict.
series-check: deps
	tools/series-check.sh host-patches/6.12/series

# The whole matrix on the debug hosts (lockdep, KASAN, ...).
debug-matrix: deps userspace
	RIG_GDB_PORT=1 ./run.sh -j 2 --host stock-6.12-debug,patched-6.12-debug

# Which of the references' 80 numbered assertions the last run checked.
coverage:
	tools/coverage.py

# QEMU_LOG=int (the default) keeps QEMU's log of what it delivered, so that
# a difference the emulated CPU caused is told from one the rig should see
# (tools/qemu-log-scan.py); QEMU_LOG= turns it off.
QEMU_LOG ?= int
soak: deps userspace
	RIG_GDB_PORT=1 RIG_QEMU_LOG=$(QEMU_LOG) tools/soak.sh $(N)

bench: deps userspace
	tools/bench.sh

clean:
	$(MAKE) -C guest clean
	$(MAKE) -C tools/vmm clean
	$(MAKE) -C tests/unit clean
	$(MAKE) -C tests/fuzz clean
	rm -rf tools/init/build

# LAVA, the engine of labs of real machines: a job definition per host ISO
# and one per host for LAVA's qemu device type, in images/lava/ (README, "Scale-out through LAVA").
# make lava [LAVA_URL=https://server/dir] [LAVA_DEVICE_TYPE=gpc-rig-x86]
.PHONY: lava lava-test lava-e2e
lava: images
	$(DEB_PYTHON) tools/lava.py jobs $(if $(LAVA_URL),--url $(LAVA_URL)) \
		$(if $(LAVA_DEVICE_TYPE),--device-type $(LAVA_DEVICE_TYPE))
	$(DEB_PYTHON) tools/lava.py validate images/lava/*.yaml

# The jobs against Debian's lava-common schema and lava-dispatcher, the
# monitors' patterns against the recorded serial logs (seconds).
lava-test: deps
	tests/lava/run.sh

# One host's qemu job end to end through Debian's lava-run (root, a minute
# or so): LAVA's results must be the rig's.  make lava-e2e [HOST=stock-6.12]
lava-e2e: deps userspace
	tools/lava-run.sh $(if $(HOST),--host $(HOST))
