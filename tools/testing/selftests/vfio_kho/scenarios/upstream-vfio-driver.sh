# SPDX-License-Identifier: GPL-2.0
# Regression guard: upstream vfio_pci_driver_test drives QEMU's igb through
# vfio-pci behind intel-iommu (type1 and iommufd variants).
KHO_MACHINE="igb"
KHO_TIMEOUT=420
KHO_CMDLINE="transparent_hugepage_shmem=always"
# Its unmapped-IOVA case makes the device fault on purpose.
KHO_CONSOLE_ALLOW="DMAR: DRHD: handling fault|DMAR: \\[DMA (Read|Write)"
# The same faults, as QEMU's VT-d model logs them (harness/ktap.py).
KHO_QEMU_ALLOW="vtd_|New fault"

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio 0000:00:04.0 || return
	kho_ksft vfio_pci_driver_test vfio_pci_driver_test 0000:00:04.0
}
