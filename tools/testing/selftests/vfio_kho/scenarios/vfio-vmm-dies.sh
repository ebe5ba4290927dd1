# SPDX-License-Identifier: GPL-2.0
# The VMM dies after the kexec, holding what it retrieved. After it gave
# every mapping its new vaddr (stage 2) its death finishes the session:
# everything becomes an ordinary object and is released with its files,
# the igb opens again from scratch and no page pin is left. Before that
# (stage 3) the session cannot finish: LUO keeps it and every file, a
# second retrieve of the session is -EINVAL, and the igb stays kept with
# bus mastering on, its memory held: nothing is freed under the device.
# vfio_kho_type1 does each stage and judges it (KTAP, one line per check).
KHO_MACHINE="igb"
KHO_CMDLINE="transparent_hugepage_shmem=always"

IGB=0000:00:04.0

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	kho_ksft preserve vfio_kho_type1 preserve vmm-dies-after-vaddr $IGB
}

stage2() {
	kho_ksft dies-after-vaddr vfio_kho_type1 dies vmm-dies-after-vaddr $IGB after-vaddr
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	kho_ksft preserve-again vfio_kho_type1 preserve vmm-dies-before-vaddr $IGB
}

stage3() {
	kho_ksft dies-before-vaddr vfio_kho_type1 dies vmm-dies-before-vaddr $IGB before-vaddr
}
