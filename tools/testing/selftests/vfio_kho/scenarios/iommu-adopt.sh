# SPDX-License-Identifier: GPL-2.0
# The next kernel adopts a kept translation into a domain of its own
# while the device is doing DMA: edu's translation is kept across the
# kexec; in the new kernel edu is kicked to DMA through its IOVA and, at
# the same moment, the kept page table is replicated into a new domain
# that is attached in place of it (context entry switched with one store,
# no gap) and the old table is freed. The DMA lands, nothing faults, and a
# second DMA after the old table is gone lands too: the new domain
# translates.
KHO_MACHINE="edu"

EDU=0000:00:05.0
IOMMU_DEVICES=/sys/kernel/debug/kho_devices/iommu/devices
ADOPT=/sys/kernel/debug/kho_devices/iommu/adopt

d() { iommu_kho_dma "$@"; }
field() { echo "$2" | grep "^$1 " | head -n 1; }

stage1() {
	local out

	echo 64 >/sys/bus/pci/devices/$EDU/kho_dma_reach_bits
	kho_check "edu bound to vfio-pci" kho_bind_vfio $EDU || return
	out=$(d setup kho-adopt $EDU iommu)
	echo "$out"
	kho_expect "edu preserved with its translation" "preserve-device 0" \
		"$(field preserve-device "$out")"
}

stage2() {
	local out adopted

	kho_expect "edu's translation kept" 1 "$(grep -c "^in $EDU kept" $IOMMU_DEVICES)"
	d kick $EDU >/tmp/kick.out &
	kho_check "the kept translation adopted into a new domain during the DMA" \
		sh -c "echo $EDU >$ADOPT"
	wait
	kho_expect "edu's DMA started" "kick 0" "$(cat /tmp/kick.out)"
	adopted=$(grep "^in $EDU adopted" $IOMMU_DEVICES)
	echo "$adopted"
	kho_expect "debugfs: adopted, mappings replicated, old table freed" \
		"mappings>0 old_tables=freed" \
		"$(echo "$adopted" | sed -n 's/.* mappings=\([1-9][0-9]*\) \(old_tables=[a-z]*\).*/mappings>0 \2/p')"
	kho_expect "a second DMA, through the adopted domain only" "kick 0" \
		"$(d kick $EDU second)"
	out=$(d check kho-adopt $EDU)
	echo "$out"
	kho_expect "the DMA landed in the memfd" "dma-data 4096/4096" \
		"$(field dma-data "$out")"
	kho_expect "the second DMA landed in the memfd" "dma-data-second 4096/4096" \
		"$(field dma-data-second "$out")"
	kho_expect "no DMAR fault" 0 \
		"$(dmesg | grep -c 'DMAR: \[DMA \|DMAR: DRHD: handling fault')"
}
