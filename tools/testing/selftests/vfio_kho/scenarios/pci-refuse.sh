# SPDX-License-Identifier: GPL-2.0
# pci_kho refuses handed-over state that does not match, without panic,
# and quiesces the device: a record forged to name another device at the
# igb2 address and one moved to an empty slot (stage 2), a handover of an
# unknown version (stage 3), and a record changed in memory after it was
# written, which no longer matches its checksum (stage 4).
# Refused functions end with bus mastering off and reset (the register
# marker that reset clears is gone), are not bound to the recorded
# driver, and their LUO file cannot be retrieved.
KHO_MACHINE="igb edu igb2"

IGB=0000:00:04.0
EDU=0000:00:05.0
IGB2=0000:00:06.0
NOWHERE=0000:00:1e.7
TDBAL=0x3800
MARKER=0x4b484f80
FUNCTIONS=/sys/kernel/debug/kho_devices/pci/functions
FORGE=/sys/kernel/debug/kho_devices/pci/forge

h() { pci_kho_handover "$@"; }
master_bit() { echo $(($(h cfg "$1" 0x4) & 4)); }
driver_of() {
	basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null
}
set_up() {
	h cfg "$1" 0x4 $(($(h cfg "$1" 0x4) | 0x6)) && h reg "$1" $TDBAL $MARKER
}
preserved() { echo "$1" | grep '^preserve' | tr '\n' ' '; }
kernel_log() { dmesg | grep -c "$1"; }

stage1() {
	local out

	kho_check "igb: bus mastering on, marker written" set_up $IGB
	kho_check "igb2: bus mastering on, marker written" set_up $IGB2
	echo 64 >/sys/bus/pci/devices/$EDU/kho_dma_reach_bits
	out=$(h preserve kho-pci $IGB=vfio-pci $IGB2=vfio-pci $EDU)
	kho_expect "igb, igb2 and edu preserved" \
		"preserve $IGB 0 preserve $IGB2 0 preserve $EDU 0 " "$(preserved "$out")"
	kho_check "the record of igb2 forged to name another device" \
		sh -c "echo identity $IGB2 >$FORGE"
	kho_check "the record of edu moved to an empty slot" \
		sh -c "echo missing $EDU >$FORGE"
}

stage2() {
	local out

	kho_expect "igb (record intact) claimed" \
		"in $IGB 8086:10c9 claimed driver=vfio-pci bridges=0" \
		"$(grep " $IGB " $FUNCTIONS)"
	kho_expect "igb2 refused: identity mismatch (-ESTALE)" \
		"in $IGB2 8086:90c9 refused driver=vfio-pci bridges=0 err=-116" \
		"$(grep " $IGB2 " $FUNCTIONS | sed 's/ reason=.*//')"
	kho_expect "the refusal is logged with its reason" 1 \
		"$(kernel_log "$IGB2: handed-over state refused: another function sits at its address")"
	kho_expect "igb2: bus mastering turned off" 0 "$(master_bit $IGB2)"
	kho_expect "igb2: reset (marker cleared)" 0x00000000 "$(h reg $IGB2 $TDBAL)"
	kho_expect "igb2: not bound to the recorded driver" "" "$(driver_of $IGB2)"
	kho_expect "igb: kept (marker intact)" $MARKER "$(h reg $IGB $TDBAL)"
	kho_expect "the record moved to an empty slot is reported missing" \
		"in $NOWHERE 1234:11e8 missing driver=- bridges=0" \
		"$(grep " $NOWHERE " $FUNCTIONS)"
	kho_expect "the missing function is logged" 1 \
		"$(kernel_log "$NOWHERE: handed-over function not found")"
	kho_expect "edu itself is not claimed" "" "$(grep " $EDU " $FUNCTIONS)"

	out=$(h retrieve kho-pci 3 --finish)
	echo "$out"
	kho_expect "LUO files: igb's comes back, igb2's is refused (-ESTALE), edu's names a function outside the handover (-ENOENT)" \
		"retrieve 1 0 $IGB claimed retrieve 2 -116 retrieve 3 -2 " \
		"$(echo "$out" | grep '^retrieve' | tr '\n' ' ')"
	kho_expect "session finish" "finish 0" "$(echo "$out" | grep '^finish')"

	kho_check "igb: bus mastering on, marker written again" set_up $IGB
	out=$(h preserve kho-pci-2 $IGB=vfio-pci,iommu)
	kho_expect "igb preserved again, with its translation (so it keeps mastering)" \
		"preserve $IGB 0 " "$(preserved "$out")"
	kho_check "the handover forged to an unknown version" \
		sh -c "echo compatible >$FORGE"
}

stage3() {
	local out

	kho_expect "the whole handover refused (-EPROTONOSUPPORT)" \
		"in handover-refused err=-93" "$(grep 'handover-refused' $FUNCTIONS)"
	kho_expect "igb, left mastering DMA, quiesced" "in $IGB quiesced" \
		"$(grep " $IGB " $FUNCTIONS)"
	kho_expect "igb: bus mastering turned off" 0 "$(master_bit $IGB)"
	kho_expect "igb: reset (marker cleared)" 0x00000000 "$(h reg $IGB $TDBAL)"
	kho_expect "igb: not bound to the recorded driver" "" "$(driver_of $IGB)"
	kho_expect "igb2 (not preserved this time) left alone" "" \
		"$(grep " $IGB2 " $FUNCTIONS)"
	out=$(h retrieve kho-pci-2 1 --finish)
	echo "$out"
	kho_expect "the LUO file of igb cannot be retrieved (-ENODATA)" \
		"retrieve 1 -61" "$(echo "$out" | grep '^retrieve')"

	kho_check "igb2: bus mastering on, marker written" set_up $IGB2
	out=$(h preserve kho-pci-3 $IGB2=vfio-pci)
	kho_expect "igb2 preserved" "preserve $IGB2 0 " "$(preserved "$out")"
	kho_check "igb2's record changed in memory, its checksum not" \
		sh -c "echo scribble $IGB2 >$FORGE"
}

stage4() {
	kho_expect "a record changed in memory: the whole handover refused (-EBADMSG)" \
		"in handover-refused err=-74" "$(grep 'handover-refused' $FUNCTIONS)"
	kho_expect "the checksum mismatch is logged" 1 \
		"$(kernel_log "handover refused: its records do not match their checksum")"
	kho_expect "igb2: bus mastering off" 0 "$(master_bit $IGB2)"
	kho_expect "igb2: not bound to the recorded driver" "" "$(driver_of $IGB2)"
}
