# SPDX-License-Identifier: GPL-2.0
# A VMM with several devices through two live updates in a row (#14): the
# igbs at 00:04.0 and 00:06.0 in one type1 container (one IOMMU domain),
# the edu at 00:05.0 in another, both in one LUO session, and the edu at
# 00:0a.0 in a container of a second session, each device with a memfd
# mapped at an IOVA of its own. Each device copies a page by DMA before
# the first kexec, after it and after the second, and each edu is kicked
# to copy a page at each kexec, which lands in the next kernel through the
# kept translation; nothing is reset, what
# each copied before a kexec is intact after it, the shared domain's table
# is handed over once and adopted in place for both igbs. After the second
# kexec the VMM holding the first session dies once its devices copied:
# its death finishes the session, every pin goes and each device opens
# from scratch; the second session's VMM unmaps and closes everything, and
# the pins and locked memory it got back are all given back. Misuse before
# the first kexec: the second igb's file in another session than its
# container is refused, and a kexec with it left out of its container's
# session is refused (-ENOENT, logged) and changes nothing. At the end
# upstream vfio_pci_driver_test runs on each live-updated igb.
# vfio_kho_multi does each stage and judges it (KTAP).
KHO_MACHINE="igb edu igb2 edu2"
# Upstream vfio_pci_driver_test takes 130-190 s on each igb.
KHO_TIMEOUT=720
# Its unmapped-IOVA case makes the device fault on purpose: the stages
# check their own kernel's log for faults instead (vfio_kho_multi).
KHO_CONSOLE_ALLOW="DMAR: DRHD: handling fault|DMAR: \\[DMA (Read|Write)"
# The same faults, as QEMU's VT-d model logs them (harness/ktap.py).
KHO_QEMU_ALLOW="vtd_|New fault"
IGB=0000:00:04.0
EDU=0000:00:05.0
IGB2=0000:00:06.0
EDU2=0000:00:0a.0

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	kho_check "edu bound to vfio-pci" kho_bind_vfio $EDU || return
	kho_check "second igb bound to vfio-pci" kho_bind_vfio $IGB2 || return
	kho_check "second edu bound to vfio-pci" kho_bind_vfio $EDU2 || return
	kho_check "next kernel loaded" kho_load_next || return
	kho_ksft start vfio_kho_multi start || return
	kexec_with_dma_in_flight
}

stage2() {
	kho_check "next kernel loaded" kho_load_next || return
	kho_ksft again vfio_kho_multi again || return
	kexec_with_dma_in_flight
}

# Into the kernel loaded above, right after each edu is kicked to copy a
# page: the copies land in the next kernel, which checks them.
kexec_with_dma_in_flight() {
	kho_say "kho-stage-done $KHO_STAGE"
	vfio_kho_multi kick-kexec
	kho_fail "kexec with DMA in flight" "reboot(KEXEC) returned"
}

stage3() {
	kho_ksft end vfio_kho_multi end
	kho_ksft driver-igb vfio_pci_driver_test $IGB
	kho_ksft driver-igb2 vfio_pci_driver_test $IGB2
}
