#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: what a live update costs a VMM that owns a device, measured
# in QEMU (scenario bench, program vfio_kho_bench), next to what starting
# the device over costs on the same memory in the same boot. One live
# update per size and page size:
#
#   BENCH_SIZES   MiB of memfd memory mapped (default "256 1024 4096")
#   BENCH_PAGES   "4k" (4 KiB pages) and/or "2m" (2 MiB shmem THP folios)
#   BENCH_MEM     guest RAM (default 10G: all DMA memory must sit above
#                 4 GiB, and q35 puts only 2 GiB below)
#   BENCH_REPEAT  live updates per size and page size (default 3); the
#                 report gives the median of each figure and its spread
#
# After each run the guest's fixed CPU loop runs on the host too
# (vfio_kho_bench cpu): the report gives how much slower the guest's CPU
# work is under TCG.
#
# Writes $KHO_BUILD/bench/bench.{txt,json,png}; the raw results of each run
# stay in $KHO_BUILD/bench/MIB-PAGE/N/. Timings are not judged: a run that
# fails is reported as such and makes the exit status 1.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KHO_BUILD:?}
out=$build/bench
sizes=${BENCH_SIZES:-256 1024 4096}
pages=${BENCH_PAGES:-4k 2m}
rc=0

rm -rf "$out"
mkdir -p "$out"
repeat=${BENCH_REPEAT:-3}
n=0
total=$(($(wc -w <<<"$sizes") * $(wc -w <<<"$pages") * repeat))
# Rounds: each size and page size once per round, so that a slow spell of
# the host spreads over all of them.
for ((r = 1; r <= repeat; r++)); do
	for size in $sizes; do
		for page in $pages; do
			n=$((n + 1))
			run=$out/$size-$page/$r
			echo "# bench $n/$total: $size MiB in $page pages, round $r (guest ${BENCH_MEM:-10G}, $(date +%T))"
			mkdir -p "$run"
			KHO_QEMU_MEM=${BENCH_MEM:-10G} KHO_EXTRA_CMDLINE="kho.bench=$size,$page" \
				"$repo/harness/vmtest.sh" bench >"$run/vmtest.txt" 2>&1 || rc=1
			echo "  $(tail -n 1 "$run/vmtest.txt")"
			cp "$build/logs/bench/"*.log "$run/"
			# the guest's CPU loop, on the host, right after the run
			"$build/tests/bin/vfio_kho_bench" cpu |
				sed -n 's/^bench /kho-info bench_host_/p' >>"$run/results.log"
		done
	done
done
# Debian's python3 has Debian's matplotlib (a python3 earlier in PATH may not)
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
"$py" "$repo/harness/bench-report.py" "$out" "$(qemu-system-x86_64 --version | head -n 1)" \
	"${BENCH_MEM:-10G}" || rc=1
exit $rc
