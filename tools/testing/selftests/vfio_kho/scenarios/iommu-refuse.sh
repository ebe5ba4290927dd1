# SPDX-License-Identifier: GPL-2.0
# iommu_kho refuses handed-over translation that does not check out,
# without panic, and blocks the device instead of letting its DMA through
# untranslated: a device record whose page table leads outside the
# preserved pages (stage 2), a handover of an unknown version (stage 3),
# and a sound translation record for a PCI function that the PCI part
# refused (its identity forged, stage 4), and a record changed in memory
# after it was written, which no longer matches its checksum (stage 5).
# A refused record also stops the function's DMA (bus mastering off). In
# each, edu is kicked to DMA through its old IOVA after boot: the DMA
# faults and nothing lands in the memfd. edu's IOVA is a guest-physical
# range reserved on every kernel (memmap=) and filled with a canary:
# neither a DMA in flight across the kexec nor one kicked after lands
# there untranslated.
KHO_MACHINE="edu"
KHO_CMDLINE='memmap=2M$0x180000000'
# The DMA of a blocked device faults: that is the point.
KHO_CONSOLE_ALLOW="DMAR: DRHD: handling fault|DMAR: \\[DMA (Read|Write)"
# The same faults, as QEMU's VT-d model logs them (harness/ktap.py).
KHO_QEMU_ALLOW="vtd_|New fault"

EDU=0000:00:05.0
CANARY=0x180000000
export KHO_DMA_IOVA=$CANARY
IOMMU_DEVICES=/sys/kernel/debug/kho_devices/iommu/devices

# set_up SESSION [PART TEXT]: edu in a type1 container, preserved with
# its translation, then PART's handover forged with TEXT.
set_up() {
	kho_check "$1: edu bound to vfio-pci" kho_bind_vfio $EDU || return
	if [ $# -gt 1 ]; then
		kho_ksft "$1" iommu_kho_dma setup "$1" $EDU iommu --forge "$2" "$3"
	else
		kho_ksft "$1" iommu_kho_dma setup "$1" $EDU iommu
	fi
}

# blocked SESSION: edu's DMA through its old IOVA faults and lands nowhere.
blocked() {
	kho_ksft "$1" iommu_kho_dma blocked "$1" $EDU
}

stage1() {
	kho_check "canary at the guest-physical address equal to edu's IOVA" \
		vfio_kho_next_kernel canary-fill $CANARY || return
	set_up kho-r1 iommu "page $EDU"
}

stage2() {
	kho_expect "a record whose table leads outside the preserved pages: edu blocked" \
		1 "$(grep -c "^in $EDU blocked" $IOMMU_DEVICES)"
	kho_expect "the refusal is logged with its reason" 1 \
		"$(dmesg | grep -c "$(echo $EDU | cut -c6-): IOMMU translation refused: its page table")"
	kho_expect "the refused record's function quiesced: bus mastering off" 0 \
		$((0x$(setpci -s $EDU COMMAND) & 4))
	kho_expect "the quiesce is logged with the reason" 1 \
		"$(dmesg | grep -c "$EDU: bus mastering turned off.*its page table")"
	# Mastering again, its DMA must still meet the blocked context entry.
	kho_check "bus mastering on again" \
		setpci -s $EDU COMMAND=6:6
	blocked kho-r1
	kho_ksft refuse-record-canary vfio_kho_next_kernel canary-blocked $EDU $CANARY
	set_up kho-r2 iommu compatible
}

stage3() {
	kho_expect "the whole handover refused (-EPROTONOSUPPORT)" \
		"in handover-refused err=-93" "$(grep handover-refused $IOMMU_DEVICES)"
	kho_expect "translation stayed on, every device blocked" 1 \
		"$(dmesg | grep -c 'translation stays on, every device on it blocked')"
	blocked kho-r2
	kho_ksft refuse-handover-canary vfio_kho_next_kernel canary-blocked $EDU $CANARY
	# instead, the PCI record forged to name another device
	set_up kho-r3 pci "identity $EDU"
}

stage4() {
	kho_expect "a sound translation record for a refused PCI function: edu blocked" \
		1 "$(grep -c "^in $EDU blocked .*its PCI function was not kept" $IOMMU_DEVICES)"
	kho_expect "the PCI part refused edu and turned its bus mastering off" 0 \
		$((0x$(setpci -s $EDU COMMAND) & 4))
	# Whatever now sits at that address turns bus mastering back on.
	kho_check "bus mastering on again" \
		setpci -s $EDU COMMAND=6:6
	blocked kho-r3
	kho_ksft refuse-pci-canary vfio_kho_next_kernel canary-blocked $EDU $CANARY
	set_up kho-r4 iommu "scribble $EDU"
}

stage5() {
	kho_expect "a record changed in memory: the whole handover refused (-EBADMSG)" \
		"in handover-refused err=-74" "$(grep handover-refused $IOMMU_DEVICES)"
	kho_expect "the checksum mismatch is logged" 1 \
		"$(dmesg | grep -c 'handover refused: its records do not match their checksum')"
	blocked kho-r4
	kho_ksft refuse-checksum-canary vfio_kho_next_kernel canary-blocked $EDU $CANARY
}
