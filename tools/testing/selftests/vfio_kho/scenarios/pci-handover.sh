# SPDX-License-Identifier: GPL-2.0
# pci_kho across a kexec: a preserved igb keeps a register that reset
# clears, its BARs and its command register, is bound to
# vfio-pci without reset, and becomes an ordinary function once the LUO
# session is finished. Next to it, a second igb that is not preserved is
# handled exactly as upstream does (bus mastering off at kexec, reset when
# vfio-pci opens it). The policy is checked at preserve time, and closing
# the session before the kexec gives up the preservation. Handed over
# without its IOMMU translation, the igb does not keep bus mastering
# across the kexec: its DMA would be untranslated in the next kernel.
# pci_kho_handover does each stage and judges it (kselftest harness).
KHO_MACHINE="igb edu igb2"

stage1() {
	kho_ksft pci_kho_handover pci_kho_handover handover_before
}

stage2() {
	kho_ksft pci_kho_handover pci_kho_handover handover_after
}
