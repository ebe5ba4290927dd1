# SPDX-License-Identifier: GPL-2.0
# A DMA in flight across the kexec lands where it should: edu, owned by a
# VFIO type1 container that maps a memfd at IOVA 1 TiB, is kicked to copy
# a page into that memfd right before reboot(KEXEC). edu's DMA fires about
# 100 ms after the kick: kicked at the reboot it lands early in the next
# kernel, before intel-iommu initialises (stage 2; a run with a wrong IOVA
# faulted 16 ms into the next kernel's boot), kicked 90 ms before the
# reboot it lands during the old kernel's shutdown (stage 3). With its translation preserved (iommu_kho)
# the data is in the memfd after the kexec, edu reports completion and the
# guest logs no DMAR fault. The same run with only the PCI function
# preserved, translation not kept, loses the data (stage 4): the test can
# fail.
KHO_MACHINE="edu"
# Stage 3's DMA (the control) may fault in the new kernel; stage 2 checks
# its own kernel log for faults.
KHO_CONSOLE_ALLOW="DMAR: DRHD: handling fault|DMAR: \\[DMA (Read|Write)"

EDU=0000:00:05.0
IOMMU_DEVICES=/sys/kernel/debug/kho_devices/iommu/devices

d() { iommu_kho_dma "$@"; }
field() { echo "$2" | grep "^$1 " | head -n 1; }

# dma_and_kexec SESSION DELAY_MS [iommu]: set up, preserve, kick the DMA,
# wait DELAY_MS, kexec.
dma_and_kexec() {
	local delay=$2
	local out

	echo 64 >/sys/bus/pci/devices/$EDU/kho_dma_reach_bits
	kho_check "edu bound to vfio-pci" kho_bind_vfio $EDU || return
	out=$(d setup "$1" $EDU $3)
	echo "$out"
	kho_expect "$1: edu loaded its buffer from the memfd by DMA" \
		"edu-loaded 1" "$(field edu-loaded "$out")"
	kho_expect "$1: memfd preserved" "preserve-memfd 0" \
		"$(field preserve-memfd "$out")"
	kho_expect "$1: edu preserved${3:+ with its translation}" \
		"preserve-device 0" "$(field preserve-device "$out")"
	kho_expect "$1: the container maps more before the preserve" \
		"map-before 0" "$(field map-before "$out")"
	if [ -n "$3" ]; then
		kho_expect "$1: mappings frozen once the translation is preserved (-EBUSY)" \
			"map-after -16" "$(field map-after "$out")"
	else
		kho_expect "$1: mappings not frozen without iommu_kho" \
			"map-after 0" "$(field map-after "$out")"
	fi
	kho_say "kho-stage-done $KHO_STAGE"
	kho_load_next || return
	d kick-kexec $EDU "$delay"
	kho_fail "$1: kexec" "reboot(KEXEC) returned"
}

stage1() {
	dma_and_kexec kho-dma 0 iommu
}

# check_kept SESSION: the DMA of SESSION landed through the kept translation.
check_kept() {
	local out

	kho_expect "$1: edu's translation kept by the new kernel" 1 \
		"$(grep -c "^in $EDU kept" $IOMMU_DEVICES)"
	out=$(d check "$1" $EDU)
	echo "$out"
	kho_expect "$1: the DMA in flight across the kexec landed in the memfd" \
		"dma-data 4096/4096" "$(field dma-data "$out")"
	kho_expect "$1: edu completed the transfer" "edu-done 1" \
		"$(field edu-done "$out")"
	kho_expect "$1: session finished" "finish 0" "$(field finish "$out")"
	kho_expect "$1: no DMAR fault logged by this kernel" 0 \
		"$(dmesg | grep -c 'DMAR: \[DMA \|DMAR: DRHD: handling fault')"
}

stage2() {
	check_kept kho-dma
	dma_and_kexec kho-dma-shutdown 90 iommu
}

stage3() {
	check_kept kho-dma-shutdown
	dma_and_kexec kho-dma-control 0
}

stage4() {
	local out

	out=$(d check kho-dma-control $EDU)
	echo "$out"
	kho_expect "control: without its translation kept, the DMA is lost" \
		"dma-data 0/4096" "$(field dma-data "$out")"
}
