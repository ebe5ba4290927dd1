# SPDX-License-Identifier: GPL-2.0
# pci_kho keeps the path to a preserved function: an igb behind a PCIe
# root port is recorded with its bridge, the bridge's bus numbers are the
# same in the next kernel, and a function reset, which clears the marker
# register when nothing is kept, is refused while the function is kept.
# pci_kho_handover does each stage and judges it (kselftest harness).
KHO_MACHINE="rooted-igb"

stage1() {
	kho_ksft pci_kho_handover pci_kho_handover bridge_before
}

stage2() {
	kho_ksft pci_kho_handover pci_kho_handover bridge_after
}
