# SPDX-License-Identifier: GPL-2.0
# One function of a multi-function device through a live update, its
# sibling not (#14): two igbs in one slot, 00:0b.0 and 00:0b.1, each in an
# IOMMU group of its own, both owned by a VMM through containers of their
# own. Only 00:0b.0 is preserved. While it is, the sibling can be reset
# and it cannot (-EBUSY). After the kexec 00:0b.0 comes back not reset,
# its data intact, its translation kept and adopted in place, and copies
# again; the sibling, which nothing names in the handover, is opened as
# upstream opens a function (reset, a new container) and copies too. No
# DMAR fault, no pin left. Before all that, a group of two functions (the
# edus behind the conventional PCI bridge) is refused as a whole
# (-EOPNOTSUPP, logged, nothing frozen). vfio_kho_multifunction does each
# stage and judges it (KTAP).
KHO_MACHINE="mf-igb bridged-edu"
KEPT=0000:00:0b.0
SIBLING=0000:00:0b.1
BEDU1=0000:01:01.0
BEDU2=0000:01:02.0

stage1() {
	kho_check "kept function bound to vfio-pci" kho_bind_vfio $KEPT || return
	kho_check "sibling bound to vfio-pci" kho_bind_vfio $SIBLING || return
	kho_check "first bridged edu bound to vfio-pci" kho_bind_vfio $BEDU1 || return
	kho_check "second bridged edu bound to vfio-pci" kho_bind_vfio $BEDU2 || return
	kho_check "next kernel loaded" kho_load_next || return
	kho_ksft before vfio_kho_multifunction before
}

stage2() {
	kho_check "sibling bound to vfio-pci" kho_bind_vfio $SIBLING || return
	kho_ksft after vfio_kho_multifunction after
}
