#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the rig needs, or say which are missing.

set -euo pipefail

pkgs=(
	# host kernels: Debian's source and what building it takes
	linux-source-6.12 linux-source-6.1 make gcc bc flex bison libelf-dev
	libssl-dev xz-utils patch cpio
	# the outer machine that boots them
	qemu-system-x86
	# guest (32-bit builds need multilib), VMM, init and the Xen ABI headers
	gcc-multilib binutils libc6-dev linux-libc-dev libxen-dev
	# tests and tooling
	libcmocka-dev python3 shellcheck
	# the Python tools' tests, and a JUnit reader that checks junit.xml
	python3-pytest python3-junitparser
	# the VMM's fuzzers (libFuzzer comes with clang's runtime)
	clang libclang-rt-14-dev
	# ISO images
	grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf
	# LAVA jobs: lava-common's job schema (make lava-test), lava-run (make lava-e2e)
	lava-common lava-dispatcher
)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]} (as root: apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
