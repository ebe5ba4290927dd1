# SPDX-License-Identifier: GPL-2.0
# Regression guard: the upstream vfio selftests that cover the type1,
# iommufd and vfio-pci code our patches touch, on QEMU's igb behind
# intel-iommu: DMA mapping (anonymous memory, 2 MiB and 1 GiB hugetlb,
# the mapping limits), MMIO mapping of BARs, the device (config space,
# BARs, MSI/MSI-X, reset) and iommufd setup. Each judges itself (KTAP).
KHO_MACHINE="igb"
KHO_TIMEOUT=420
# The hugetlb variants of vfio_dma_mapping_test need pages of both sizes.
KHO_CMDLINE="hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=4"
IGB=0000:00:04.0

stage1() {
	local t

	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	for t in vfio_dma_mapping_test vfio_dma_mapping_mmio_test \
		 vfio_pci_device_test vfio_iommufd_setup_test; do
		kho_ksft $t $t $IGB
	done
}
