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
# there untranslated. iommu_kho_dma and vfio_kho_next_kernel judge each
# stage (KTAP).
KHO_MACHINE="edu"
KHO_CMDLINE='memmap=2M$0x180000000'
# The DMA of a blocked device faults: that is the point.
KHO_CONSOLE_ALLOW="DMAR: DRHD: handling fault|DMAR: \\[DMA (Read|Write)"
# The same faults, as QEMU's VT-d model logs them (harness/ktap.py).
KHO_QEMU_ALLOW="vtd_|New fault"

EDU=0000:00:05.0
CANARY=0x180000000
export KHO_DMA_IOVA=$CANARY

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

# refused HOW SESSION: how the forged handover was refused, and edu's DMA
# through its old IOVA faults and lands nowhere, not even untranslated.
refused() {
	kho_ksft "$2" iommu_kho_dma refused "$1" "$2" $EDU
	kho_ksft "$2-canary" vfio_kho_next_kernel canary-blocked $EDU $CANARY
}

stage1() {
	kho_check "canary at the guest-physical address equal to edu's IOVA" \
		vfio_kho_next_kernel canary-fill $CANARY || return
	set_up kho-r1 iommu "page $EDU"
}

stage2() {
	refused record kho-r1
	set_up kho-r2 iommu compatible
}

stage3() {
	refused version kho-r2
	# instead, the PCI record forged to name another device
	set_up kho-r3 pci "identity $EDU"
}

stage4() {
	refused pci kho-r3
	set_up kho-r4 iommu "scribble $EDU"
}

stage5() {
	refused checksum kho-r4
}
