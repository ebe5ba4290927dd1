# SPDX-License-Identifier: GPL-2.0
# VFIO_DMA_MAP_FLAG_VADDR, the uAPI a VMM uses to give its mappings new
# addresses after a live update, accepts only an address that maps the
# pages the IOMMU maps: another memfd, anonymous memory or the same memfd
# at another offset are refused with -EINVAL and change nothing
# (vfio_kho_vaddr, kselftest harness).
KHO_MACHINE="igb"

IGB=0000:00:04.0

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	VFIO_SELFTESTS_BDF=$IGB kho_ksft vfio_kho_vaddr vfio_kho_vaddr
}
