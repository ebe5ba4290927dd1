# SPDX-License-Identifier: GPL-2.0
# make bench only (not in make check): one live update of a VMM whose igb
# maps MIB MiB of memfd memory in 4 KiB pages or 2 MiB folios, timed step
# by step next to a start-over of the same device on the same memory
# (vfio_kho_bench). harness/bench.sh passes kho.bench=MIB,4k|2m and the
# guest size; the figures go to the results as "kho-info bench_KEY VALUE".
KHO_MACHINE="igb"
KHO_TIMEOUT=1500
IGB=0000:00:04.0

bench_step() {
	local arg out=/tmp/bench.$1 rc

	arg=$(kho_cmdline_arg kho.bench) || {
		kho_fail "bench $1" "no kho.bench=MIB,4k|2m on the command line"
		return 1
	}
	vfio_kho_bench "$1" $IGB "${arg%,*}" "${arg#*,}" >"$out" 2>&1
	rc=$?
	cat "$out"
	sed -n 's/^bench /kho-info bench_/p' "$out" >>"$KHO_RESULTS"
	return $rc
}

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	kho_check "the old kernel's steps ran and the session is preserved" \
		bench_step before
}

stage2() {
	kho_check "the new kernel's steps ran and the first DMA copied right" \
		bench_step after
}
