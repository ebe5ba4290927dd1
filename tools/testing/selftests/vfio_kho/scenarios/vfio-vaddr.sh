# SPDX-License-Identifier: GPL-2.0
# VFIO_DMA_MAP_FLAG_VADDR, the uAPI a VMM uses to give its mappings new
# addresses after a live update, accepts only an address that maps the
# pages the IOMMU maps: another memfd, anonymous memory or the same memfd
# at another offset are refused with -EINVAL and change nothing.
KHO_MACHINE="igb"

IGB=0000:00:04.0

stage1() {
	local out step

	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	out=$(vfio_kho_vaddr $IGB)
	echo "$out"
	for step in "extension 1" "map 0" "invalidate 0" "other-memfd -22" \
		"anonymous -22" "shifted -22" "same-pages 0" "again -22" \
		"unmap 0 2097152"; do
		kho_expect "vaddr: ${step% *}" "$step" \
			"$(echo "$out" | grep "^${step%% *} ")"
	done
}
