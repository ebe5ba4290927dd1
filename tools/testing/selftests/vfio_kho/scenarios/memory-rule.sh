# SPDX-License-Identifier: GPL-2.0
# The memory rule on the memory a device writes into: a type1 container
# whose mapping's pages sit below 4 GiB is refused at preserve (-ERANGE,
# the range logged, nothing frozen, nothing handed over); the same with
# the pages above 4 GiB is handed over. vfio_kho_memory_rule decides.
KHO_MACHINE="igb"

IGB=0000:00:04.0

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	VFIO_SELFTESTS_BDF=$IGB kho_ksft vfio_kho_memory_rule vfio_kho_memory_rule
}
