# SPDX-License-Identifier: GPL-2.0
# pci_kho refuses handed-over state that does not match, without panic,
# and quiesces the device: a record forged to name another device at the
# igb2 address and one moved to an empty slot (stage 2), a handover of an
# unknown version (stage 3), and a record changed in memory after it was
# written, which no longer matches its checksum (stage 4).
# Refused functions end with bus mastering off and reset (the register
# marker that reset clears is gone), are not bound to the recorded
# driver, and their LUO file cannot be retrieved.
# pci_kho_handover does each stage and judges it (kselftest harness).
KHO_MACHINE="igb edu igb2"

stage1() {
	kho_ksft pci_kho_handover pci_kho_handover refuse_1
}

stage2() {
	kho_ksft pci_kho_handover pci_kho_handover refuse_2
}

stage3() {
	kho_ksft pci_kho_handover pci_kho_handover refuse_3
}

stage4() {
	kho_ksft pci_kho_handover pci_kho_handover refuse_4
}
