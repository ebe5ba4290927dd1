# SPDX-License-Identifier: GPL-2.0
# The next kernel adopts a kept translation into a domain of its own
# while the device is doing DMA: edu's translation is kept across the
# kexec; in the new kernel edu is kicked to DMA through its IOVA and, at
# the same moment, a new domain is attached that takes the kept page
# table over as it is (generic_pt adopts it; the context entry is not
# written). The DMA lands, nothing faults, the entry still points at the
# kept table, its pages are counted as IOMMU pages, and a second DMA
# through the adopted domain lands too. iommu_kho_dma does each stage
# and judges it (KTAP).
KHO_MACHINE="edu"

EDU=0000:00:05.0

stage1() {
	kho_check "edu bound to vfio-pci" kho_bind_vfio $EDU || return
	kho_ksft kho-adopt iommu_kho_dma setup kho-adopt $EDU iommu
}

stage2() {
	kho_ksft adopt iommu_kho_dma adopt kho-adopt $EDU
}
