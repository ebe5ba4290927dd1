# SPDX-License-Identifier: GPL-2.0
# The main job (make run): a VMM-like program owns igb through VFIO, DMAs
# into memfd memory, preserves what LUO can keep, kexecs, and reports what
# survived. Checks here are what must hold today; the rest is reported.
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

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	if lu_step before; then
		kho_ok "DMA into memfd memory before the update; memfd preserved"
	else
		kho_fail "DMA into memfd memory before the update; memfd preserved" \
			"see the console log"
	fi
}

stage2() {
	if lu_step after; then
		kho_ok "memfd data survives; the device DMAs again through the same IOVA"
	else
		kho_fail "memfd data survives; the device DMAs again through the same IOVA" \
			"see the console log"
	fi
}
