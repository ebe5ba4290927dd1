# SPDX-License-Identifier: GPL-2.0
# One function of a multi-function device through a live update, its
# sibling not (#14): two igbs in one slot, 00:0b.0 and 00:0b.1, each in an
# IOMMU group of its own, both owned by a VMM through containers of their
# own. Only 00:0b.0 is preserved. While it is, the sibling can be reset
# and it cannot (-EBUSY). After the kexec 00:0b.0 comes back not reset,
# its data intact, its translation kept and adopted in place, and copies
# again; the sibling, which nothing names in the handover, is opened as
# upstream opens a function (reset, a new container) and copies too. No
# DMAR fault, no pin left. (A group of several functions is
# vfio-group's.) vfio_kho_multifunction does each stage and judges it
# (KTAP).
KHO_MACHINE="mf-igb"
KEPT=0000:00:0b.0
SIBLING=0000:00:0b.1

stage1() {
	kho_check "kept function bound to vfio-pci" kho_bind_vfio $KEPT || return
	kho_check "sibling bound to vfio-pci" kho_bind_vfio $SIBLING || return
	kho_check "next kernel loaded" kho_load_next || return
	kho_ksft before vfio_kho_multifunction before
}

stage2() {
	kho_check "sibling bound to vfio-pci" kho_bind_vfio $SIBLING || return
	kho_ksft after vfio_kho_multifunction after
}
