# SPDX-License-Identifier: GPL-2.0
# kho_dma_policy on real (emulated) devices: the sysfs verdict, the DMA
# reach declared by the owner, the IOMMU group rule, kho-check, and the
# memory rule (-ERANGE below 4 GiB, nothing preserved): kho_policy_test
# (kselftest harness). kho_check_facts compares kho-check's facts with
# pciutils' (not with the sysfs kho-check reads itself).
KHO_MACHINE="igb edu edu28 bridged-edu"

stage1() {
	kho-check
	kho_ksft kho_policy_test kho_policy_test
	kho_ksft kho-check-facts kho_check_facts /tests/lspci /tests/setpci
}
