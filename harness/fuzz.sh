#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The libFuzzer targets of tools/testing/selftests/vfio_kho/fuzz, which
# build the suite's pure parsers unchanged in userspace.
#
#   fuzz.sh check NUM COUNTS   bounded run of each target (KHO_FUZZ_RUNS
#                              executions, 1000000 by default) from the
#                              kept corpus and fresh seeds, as KTAP subtest
#                              NUM; "pass fail skip" appended to COUNTS
#   fuzz.sh long [SECONDS]     each target for SECONDS (default 600), then
#                              the new inputs merged into the kept corpus
#
# A crash fails the check; its input is kept in $KHO_BUILD/fuzz/ and the
# sanitizer's report printed.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KHO_BUILD:?}
src=$repo/tools/testing/selftests/vfio_kho/fuzz
out=$build/fuzz
targets=(fuzz_next_kernel)

build_targets() {
	make -s -C "$src" OUTPUT="$out" >"$out.build.log" 2>&1
}

# prepare TARGET: a work corpus with the kept one and fresh seeds
prepare() {
	local t=$1
	rm -rf "$out/work-$t" "$out/seeds-$t"
	mkdir -p "$out/work-$t" "$out/seeds-$t" "$src/corpus/$t"
	"$out/seeds" "$out/seeds-$t" || return 1
	cp "$src/corpus/$t"/* "$out/work-$t"/ 2>/dev/null
	return 0
}

check() {
	local num=$1 counts=$2 runs=${KHO_FUZZ_RUNS:-1000000} i=0 p=0 f=0 t log
	local start

	mkdir -p "$out"
	echo "# fuzz: building the targets with clang"
	echo "    KTAP version 1"
	echo "    1..${#targets[@]}"
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
		(cd "$out" && "./$t" -runs="$runs" -artifact_prefix="$out/crash-$t-" \
			"$out/work-$t" "$out/seeds-$t") >"$log" 2>&1
		if [ $? -eq 0 ] && grep -q "^Done $runs runs" "$log"; then
			echo "    ok $i $t: $runs executions without a crash ($(($(date +%s) - start)) s)"
			p=$((p + 1))
		else
			grep -E "ERROR|SUMMARY|assert|Assertion" "$log" | head -n 5 | sed 's/^/    # /'
			echo "    # FAIL $t: crash or early stop, see $log"
			echo "    not ok $i $t: $runs executions without a crash"
			f=$((f + 1))
		fi
	done
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
		(cd "$out" && "./$t" -max_total_time="$secs" -print_final_stats=1 \
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
