# SPDX-License-Identifier: GPL-2.0
# Regression guard: upstream vfio_pci_driver_test drives QEMU's igb through
# vfio-pci behind intel-iommu (type1 and iommufd variants).
KHO_MACHINE="igb"
KHO_TIMEOUT=420
# Under TCG, in about one run in three, a task of this long, interrupt-
# heavy test sleeps in a PCI power-state delay (usleep_range()) and is
# never woken, with every CPU idle (stock 7.3 code; see "Testing" in the
# docs): a hang is run again, up to twice, and reported; a failure is
# not retried.
KHO_RETRY_ON_HANG=2
KHO_CMDLINE="transparent_hugepage_shmem=always"
# Its unmapped-IOVA case makes the device fault on purpose.
KHO_CONSOLE_ALLOW="DMAR: DRHD: handling fault|DMAR: \\[DMA (Read|Write)"
# The same faults, as QEMU's VT-d model logs them (harness/ktap.py).
KHO_QEMU_ALLOW="vtd_|New fault"

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio 0000:00:04.0 || return
	kho_ksft vfio_pci_driver_test vfio_pci_driver_test 0000:00:04.0
}
