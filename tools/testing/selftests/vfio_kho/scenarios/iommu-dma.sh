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
# fail. iommu_kho_dma does each stage and judges it (KTAP).
KHO_MACHINE="edu"
# Stage 3's DMA (the control) may fault in the new kernel; stage 2 checks
# its own kernel log for faults.
KHO_CONSOLE_ALLOW="DMAR: DRHD: handling fault|DMAR: \\[DMA (Read|Write)"

EDU=0000:00:05.0

# dma_and_kexec SESSION DELAY_MS [iommu]: set up and preserve, kick the
# DMA, wait DELAY_MS, kexec.
dma_and_kexec() {
	kho_check "edu bound to vfio-pci" kho_bind_vfio $EDU || return
	kho_ksft "$1" iommu_kho_dma setup "$1" $EDU $3 || return
	kho_say "kho-stage-done $KHO_STAGE"
	kho_load_next || return
	iommu_kho_dma kick-kexec $EDU "$2"
	kho_fail "$1: kexec" "reboot(KEXEC) returned"
}

stage1() {
	dma_and_kexec kho-dma 0 iommu
}

stage2() {
	kho_ksft kho-dma iommu_kho_dma check kho-dma $EDU landed
	dma_and_kexec kho-dma-shutdown 90 iommu
}

stage3() {
	kho_ksft kho-dma-shutdown iommu_kho_dma check kho-dma-shutdown $EDU landed
	dma_and_kexec kho-dma-control 0
}

stage4() {
	kho_ksft control iommu_kho_dma check kho-dma-control $EDU lost
}
