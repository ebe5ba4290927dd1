# SPDX-License-Identifier: GPL-2.0
# vfio-pci's type1 container and device files as LUO files: a VMM keeps its
# igb working across the kexec. Stage 1 checks what preserving them refuses
# (anonymous memory, a memfd not in the session, a device before its
# container, a container without IOMMU), that a preserved container is
# frozen and that closing the session or killing the VMM gives everything
# up; then the igb copies memory by DMA between memfds mapped at 1 TiB and
# memfds, container and device are preserved, the igb still copying after
# the preserve. Stage 2 gets them back: the memfds hold the copies, the
# device was not reset (a register marker and the driver's rings are
# there), finishing the session waits for every mapping's new vaddr, a
# vaddr mapping other pages is refused, the driver goes on from its old
# state and copies again through the same IOVAs, and pinning and locked
# memory balance once the mappings are gone. Then upstream
# vfio_pci_driver_test runs on the live-updated igb. vfio_kho_type1 does
# each stage and judges it (KTAP, one line per check).
KHO_MACHINE="igb"
# vfio_pci_driver_test as in upstream-vfio-driver.sh (420 s), plus ours.
KHO_TIMEOUT=480
KHO_CMDLINE="transparent_hugepage_shmem=always"
# vfio_pci_driver_test's unmapped-IOVA case makes the device fault on purpose.
KHO_CONSOLE_ALLOW="DMAR: DRHD: handling fault|DMAR: \\[DMA (Read|Write)"
# The same faults, as QEMU's VT-d model logs them (harness/ktap.py).
KHO_QEMU_ALLOW="vtd_|New fault"

IGB=0000:00:04.0
SESSION=vfio-type1

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	kho_ksft misuse vfio_kho_type1 misuse $IGB
	kho_ksft preserve vfio_kho_type1 preserve $SESSION $IGB
}

stage2() {
	kho_ksft restore vfio_kho_type1 restore $SESSION $IGB
	kho_ksft vfio_pci_driver_test vfio_pci_driver_test $IGB
}
