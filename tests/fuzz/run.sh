#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the VMM's libFuzzer harnesses (see Makefile).
#
#   run.sh [SECONDS]	fuzz each harness for SECONDS (default 60) from its
#			seed corpus, in a bounded memory, and print per
#			harness its runs, coverage and crashes
#   run.sh --regress	replay every regression input and seed once
#
# Exits non-zero on any crash, leak, timeout or sanitizer report; the
# offending input is kept under build/artifacts/HARNESS/ and the command
# that reproduces it is printed.

set -u

here=$(cd "$(dirname "$0")" && pwd)
harnesses=(loader hcall memlayout pio)
# Each harness's inputs are small: a guest image or a call program.
rss_mb=2048
max_len=65536

inputs() {
	local h=$1 d
	for d in "$here/regress/$h" "$here/corpus/$h"; do
		[ -d "$d" ] && find "$d" -type f ! -name '.*' ! -name README | sort
	done
}

regress() {
	local h bin failed=0 n files
	for h in "${harnesses[@]}"; do
		bin=$here/build/fuzz_$h
		mapfile -t files < <(inputs "$h")
		n=${#files[@]}
		if [ "$n" = 0 ]; then
			echo "fuzz-regress: $h: no inputs"
			continue
		fi
		if "$bin" -rss_limit_mb=$rss_mb "${files[@]}" \
			>"$here/build/regress-$h.log" 2>&1; then
			echo "fuzz-regress: $h: $n inputs ok"
		else
			echo "fuzz-regress: $h: FAILED (see build/regress-$h.log)"
			grep -m 5 -E 'ERROR|SUMMARY|runtime error|Running:' \
				"$here/build/regress-$h.log" | sed 's/^/  /'
			failed=1
		fi
	done
	return $failed
}

fuzz() {
	local secs=$1 h bin log work art rc runs cov ft crashes failed=0
	for h in "${harnesses[@]}"; do
		bin=$here/build/fuzz_$h
		log=$here/build/fuzz-$h.log
		work=$here/build/corpus/$h
		art=$here/build/artifacts/$h/
		# Only this run's findings count.
		rm -rf "$art"
		mkdir -p "$work" "$art"
		rc=0
		"$bin" -max_total_time="$secs" -rss_limit_mb=$rss_mb \
			-malloc_limit_mb=$rss_mb -max_len=$max_len -timeout=10 \
			-print_final_stats=1 -artifact_prefix="$art" \
			"$work" "$here/corpus/$h" >"$log" 2>&1 || rc=$?
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
		ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
		crashes=$(find "$art" -type f | wc -l)
		printf 'fuzz: %-10s runs %-10s coverage %s edges, %s features  crashes %s\n' \
			"$h" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$crashes"
		if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
			failed=1
			grep -m 3 -E '^(==[0-9]+==ERROR|SUMMARY)|runtime error' "$log" | sed 's/^/  /'
			find "$art" -type f | sed "s|^|  reproduce: $bin |"
		fi
	done
	return $failed
}

mkdir -p "$here/build"
if [ "${1:-}" = --regress ]; then
	regress
else
	fuzz "${1:-60}"
fi
