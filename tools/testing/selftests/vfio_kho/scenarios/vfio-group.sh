# SPDX-License-Identifier: GPL-2.0
# IOMMU groups of two functions through a live update as a whole (#14):
# two edus in one slot without ACS (00:0c.0, 00:0c.1: one group), and the
# two edus behind the conventional bridge at 00:08.0 (01:01.0, 01:02.0:
# one group with the bridge, their DMA carrying its requester ID), each
# group owned by a VMM through a type1 container of its own. Refused
# first, nothing left frozen: the multi-function group with one function
# not owned by the VMM (-EBUSY, the group rule), a kexec with one function
# left out of the session (-ENOENT). Then both groups go, each function
# kicked to copy by DMA right before the kexec; after it every function
# is kept and not reset, its copies landed, each group's one table (with
# the bridge's alias entry) adopted in place, each copies again, and
# everything is given back at the end. vfio_kho_group does each stage and
# judges it (KTAP).
KHO_MACHINE="mf-edu bridged-edu"
FN0=0000:00:0c.0
FN1=0000:00:0c.1
BEDU1=0000:01:01.0
BEDU2=0000:01:02.0

stage1() {
	kho_check "first function bound to vfio-pci" kho_bind_vfio $FN0 || return
	kho_check "second function bound to vfio-pci" kho_bind_vfio $FN1 || return
	kho_check "first bridged edu bound to vfio-pci" kho_bind_vfio $BEDU1 || return
	kho_check "second bridged edu bound to vfio-pci" kho_bind_vfio $BEDU2 || return
	kho_check "next kernel loaded" kho_load_next || return
	kho_ksft before vfio_kho_group before || return
	kho_say "kho-stage-done $KHO_STAGE"
	vfio_kho_group kick-kexec
	kho_fail "kexec with DMA in flight" "reboot(KEXEC) returned"
}

stage2() {
	kho_ksft after vfio_kho_group after
}
