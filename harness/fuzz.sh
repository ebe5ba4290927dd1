#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The libFuzzer targets of tools/testing/selftests/vfio_kho/fuzz, which
# build the suite's pure parsers and handover checks unchanged in userspace.
#
#   fuzz.sh check NUM COUNTS   bounded run of each target (KHO_FUZZ_RUNS
#                              executions, 1000000 by default) from the
#                              kept corpus and fresh seeds (each target's
#                              seed writer, seeds_TARGET), as KTAP subtest
#                              NUM; "pass fail skip" appended to COUNTS
#   fuzz.sh long [SECONDS]     each target for SECONDS (default 600), then
#                              the new inputs merged into the kept corpus
#
# A crash, a failed oracle or an input running longer than 25 s fails the
# check; its input is kept in $KHO_BUILD/fuzz/ and the report printed.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KHO_BUILD:?}
src=$repo/tools/testing/selftests/vfio_kho/fuzz
out=$build/fuzz
targets=(fuzz_next_kernel fuzz_iommu_handover fuzz_pci_handover fuzz_vfio_blocks
	fuzz_inspect)
timeout=25

build_targets() {
	local libfdt=$build/linux/scripts/dtc/libfdt

	# the kernel's libfdt when the tree is there (make check, make fuzz)
	[ -f "$libfdt/fdt_ro.c" ] || libfdt=
	make -s -C "$src" OUTPUT="$out" LIBFDT_SRC="$libfdt" \
		>"$out.build.log" 2>&1
}

# prepare TARGET: a work corpus with the kept one and fresh seeds
prepare() {
	local t=$1
	rm -rf "$out/work-$t" "$out/seeds-$t"
	mkdir -p "$out/work-$t" "$out/seeds-$t" "$src/corpus/$t"
	"$out/seeds_$t" "$out/seeds-$t" || return 1
	cp "$src/corpus/$t"/* "$out/work-$t"/ 2>/dev/null
	return 0
}

check() {
	local num=$1 counts=$2 runs=${KHO_FUZZ_RUNS:-1000000} i=0 p=0 f=0 t log
	local start

	mkdir -p "$out"
	echo "# fuzz: building the targets with clang"
	echo "    KTAP version 1"
	echo "    1..$((${#targets[@]} + 1))"
	if ! build_targets; then
		sed 's/^/    # /' "$out.build.log" | tail -n 20
		for t in "${targets[@]}"; do
			i=$((i + 1))
			echo "    not ok $i $t: built"
		done
		echo "not ok $num fuzz"
		echo "0 ${#targets[@]} 0" >>"$counts"
		return 1
	fi
	for t in "${targets[@]}"; do
		i=$((i + 1))
		log=$out/$t.log
		prepare "$t" || { echo "    not ok $i $t: seeds written"; f=$((f + 1)); continue; }
		start=$(date +%s)
		(cd "$out" && "./$t" -runs="$runs" -timeout="$timeout" \
			-artifact_prefix="$out/crash-$t-" "$out/work-$t" \
			"$out/seeds-$t") >"$log" 2>&1
		if [ $? -eq 0 ] && grep -q "^Done $runs runs" "$log"; then
			echo "    ok $i $t: $runs executions without a crash ($(($(date +%s) - start)) s)"
			p=$((p + 1))
		else
			grep -E "ERROR|SUMMARY|assert|Assertion|kho_fuzz:" "$log" | head -n 5 | sed 's/^/    # /'
			echo "    # FAIL $t: crash or early stop, see $log"
			echo "    not ok $i $t: $runs executions without a crash"
			f=$((f + 1))
		fi
	done
	# every field of every handover record, changed: one check each
	log=$out/abi_forge.log
	"$out/abi_forge" >"$log" 2>&1
	grep -E '^(not )?ok ' "$log" | sed -E "s/^(not )?ok ([0-9]+) /\1ok \2 abi_forge: /; s/^/        /" >"$log.ktap"
	i=$((i + 1))
	# its checks are leaves of their own, counted one by one
	echo "        KTAP version 1"
	echo "        1..$(grep -c . "$log.ktap")"
	cat "$log.ktap"
	p=$((p + $(grep -c '^ *ok ' "$log.ktap")))
	if [ -s "$log.ktap" ] && ! grep -q 'not ok' "$log.ktap" &&
	   grep -q '^1\.\.' "$log"; then
		echo "    ok $i abi_forge: every field of every handover record, changed, refused"
	else
		f=$((f + $(grep -c 'not ok' "$log.ktap")))
		grep -q '^1\.\.' "$log" || f=$((f + 1))
		grep -E 'ERROR|SUMMARY' "$log" | head -n 3 | sed 's/^/    # /'
		echo "    not ok $i abi_forge: changed fields refused, see $log"
	fi
	[ $f -eq 0 ] && echo "ok $num fuzz" || echo "not ok $num fuzz"
	echo "$p $f 0" >>"$counts"
	[ $f -eq 0 ]
}

long() {
	local secs=${1:-600} t rc=0

	mkdir -p "$out"
	build_targets || { cat "$out.build.log"; return 1; }
	for t in "${targets[@]}"; do
		prepare "$t" || return 1
		echo "[fuzz] $t for ${secs}s"
		(cd "$out" && "./$t" -max_total_time="$secs" -timeout="$timeout" \
			-print_final_stats=1 \
			-artifact_prefix="$out/crash-$t-" "$out/work-$t" \
			"$out/seeds-$t") 2>&1 | grep -E "^Done|stat::number_of_executed_units|ERROR|SUMMARY" || true
		[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
		(cd "$out" && "./$t" -merge=1 "$src/corpus/$t" "$out/work-$t") >/dev/null 2>&1
		echo "[fuzz] $t: kept corpus now $(ls "$src/corpus/$t" | wc -l) inputs"
	done
	return $rc
}

case "${1:-}" in
check) check "${2:?}" "${3:?}" ;;
long) long "${2:-}" ;;
*) echo "usage: fuzz.sh check NUM COUNTS | long [SECONDS]" >&2; exit 2 ;;
esac
