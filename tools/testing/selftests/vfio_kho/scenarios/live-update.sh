# SPDX-License-Identifier: GPL-2.0
# The main job (make run): a VMM-like program owns igb through a VFIO type1
# container, DMAs into memfd memory, preserves the memfd, the container and
# the device in a LUO session, kexecs, gets them back, gives the mapping its
# new address and DMAs again through the same IOVA with the same device,
# not reset. The report shows each step.
KHO_MACHINE="igb edu"
IGB=0000:00:04.0

lu_step() {
	local out=/tmp/lu.$1 rc
	vfio_kho_live_update "$1" $IGB >"$out" 2>&1
	rc=$?
	cat "$out"
	sed -n 's/^report /kho-info lu_/p' "$out" >>"$KHO_RESULTS"
	return $rc
}

# inspect DIRECTION: kho-inspect's table for the report (make run)
inspect() {
	kho-inspect --"$1" | grep -v '^next kernel: ' |
		sed "s/^/kho-info lu_inspect_$1 /" >>"$KHO_RESULTS"
}

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	if lu_step before; then
		inspect outgoing
		kho_ok "DMA into memfd memory before the update; memfd, container and device preserved"
	else
		kho_fail "DMA into memfd memory before the update; memfd, container and device preserved" \
			"see the console log"
	fi
}

stage2() {
	inspect incoming
	if lu_step after; then
		kho_ok "memfd, container and device back, not reset; DMA again through the same IOVA; session finished"
	else
		kho_fail "memfd, container and device back, not reset; DMA again through the same IOVA; session finished" \
			"see the console log"
	fi
}
