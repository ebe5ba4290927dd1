# SPDX-License-Identifier: GPL-2.0
# The next kernel adopts a kept translation into a domain of its own
# while the device is doing DMA: edu's translation is kept across the
# kexec; in the new kernel edu is kicked to DMA through its IOVA and, at
# the same moment, the kept page table is replicated into a new domain
# that is attached in place of it (context entry switched with one store,
# no gap) and the old table is freed. The DMA lands, nothing faults, and a
# second DMA after the old table is gone lands too: the new domain
# translates. iommu_kho_dma does each stage and judges it (KTAP).
KHO_MACHINE="edu"

EDU=0000:00:05.0

stage1() {
	kho_check "edu bound to vfio-pci" kho_bind_vfio $EDU || return
	kho_ksft kho-adopt iommu_kho_dma setup kho-adopt $EDU iommu
}

stage2() {
	kho_ksft adopt iommu_kho_dma adopt kho-adopt $EDU
}
