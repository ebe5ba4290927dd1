# SPDX-License-Identifier: GPL-2.0
# A container as VMMs use them: 2000 mappings of mixed sizes (2 MiB,
# 64 KiB, 4 KiB) over a memfd of 2 MiB folios, through two live updates
# in a row. kho-inspect shows every mapping handed over each time, a kept
# translation of ten 2 MiB and 3340 4 KiB IOMMU pages, and, once the
# container adopted it and hands it over again, the same pages in the
# very table pages of the first handover: the kept table was taken over
# as it is, no 2 MiB page split, no page added.
# A hugetlb memfd in the container is refused with -EOPNOTSUPP at
# preserve (vfio_kho_mappings, kselftest harness).
KHO_MACHINE="igb"
KHO_CMDLINE="transparent_hugepage_shmem=always hugepages=2"
IGB=0000:00:04.0

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	kho_check "next kernel loaded" kho_load_next || return
	kho_ksft vfio_kho_mappings vfio_kho_mappings before $IGB
}

stage2() {
	kho_check "next kernel loaded" kho_load_next || return
	kho_ksft vfio_kho_mappings vfio_kho_mappings again $IGB
}

stage3() {
	kho_ksft vfio_kho_mappings vfio_kho_mappings after $IGB
}
