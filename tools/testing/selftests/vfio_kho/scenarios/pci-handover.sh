# SPDX-License-Identifier: GPL-2.0
# pci_kho across a kexec: a preserved igb keeps a register that reset
# clears, its BARs and its command register, is bound to
# vfio-pci without reset, and becomes an ordinary function once the LUO
# session is finished. Next to it, a second igb that is not preserved is
# handled exactly as upstream does (bus mastering off at kexec, reset when
# vfio-pci opens it). The policy is checked at preserve time, and closing
# the session before the kexec gives up the preservation. Handed over
# without its IOMMU translation, the igb does not keep bus mastering
# across the kexec: its DMA would be untranslated in the next kernel.
KHO_MACHINE="igb edu igb2"

IGB=0000:00:04.0
EDU=0000:00:05.0
IGB2=0000:00:06.0
TDBAL=0x3800		# igb tx ring base: device reset clears it
MARKER=0x4b484f80	# 128-byte aligned, as TDBAL wants
FUNCTIONS=/sys/kernel/debug/kho_devices/pci/functions
CARRY=/carry		# in the rootfs, which the next stage boots from

h() { pci_kho_handover "$@"; }
master_bit() { echo $(($(h cfg "$1" 0x4) & 4)); }
bars() { od -An -tx4 -j16 -N24 "/sys/bus/pci/devices/$1/config" | tr -s ' '; }
driver_of() {
	basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null
}
# set_up BDF: memory decoding and bus mastering on, the marker written.
set_up() {
	h cfg "$1" 0x4 $(($(h cfg "$1" 0x4) | 0x6)) && h reg "$1" $TDBAL $MARKER
}

stage1() {
	local out

	mkdir -p $CARRY
	kho_check "igb: bus mastering on, marker written" set_up $IGB
	kho_check "igb2: bus mastering on, marker written" set_up $IGB2
	kho_expect "igb: marker reads back" $MARKER "$(h reg $IGB $TDBAL)"
	h cfg $IGB 0x4 >$CARRY/igb.command
	bars $IGB >$CARRY/igb.bars

	out=$(h preserve kho-pci-policy --abort $EDU)
	kho_expect "edu (28-bit reach) refused at preserve time with -EDOM" \
		"preserve $EDU -33" "$(echo "$out" | grep '^preserve')"
	kho_expect "nothing kept for the refused edu" "" \
		"$(grep " $EDU " $FUNCTIONS)"

	out=$(h preserve kho-pci-abort --abort $IGB2=vfio-pci)
	kho_expect "igb2 preserved" "preserve $IGB2 0" \
		"$(echo "$out" | grep '^preserve')"
	kho_expect "closing the session before the kexec gives igb2 up" "" \
		"$(grep " $IGB2 " $FUNCTIONS)"

	out=$(h preserve kho-pci $IGB=vfio-pci)
	kho_expect "igb preserved through the LUO test file" \
		"preserve $IGB 0" "$(echo "$out" | grep '^preserve')"
	kho_expect "debugfs lists igb as handed over, for vfio-pci" \
		"out $IGB 8086:10c9 preserved driver=vfio-pci bridges=0" \
		"$(grep " $IGB " $FUNCTIONS)"
	if echo 1 >/sys/bus/pci/devices/$IGB/reset 2>/dev/null; then
		kho_fail "a reset of the preserved igb is refused" "the reset went through"
	else
		kho_ok "a reset of the preserved igb is refused"
	fi
	kho_expect "igb: marker survives the refused reset" $MARKER \
		"$(h reg $IGB $TDBAL)"
}

stage2() {
	local out

	kho_expect "igb claimed by the new kernel" \
		"in $IGB 8086:10c9 claimed driver=vfio-pci bridges=0" \
		"$(grep " $IGB " $FUNCTIONS)"
	kho_expect "igb: bus mastering turned off at kexec (handed over without its IOMMU translation)" \
		0 "$(master_bit $IGB)"
	kho_expect "igb: command register unchanged but for bus mastering" \
		"$(($(cat $CARRY/igb.command) & ~4))" "$(($(h cfg $IGB 0x4)))"
	kho_expect "igb: BARs unchanged" "$(cat $CARRY/igb.bars)" "$(bars $IGB)"
	kho_expect "igb: not reset (marker kept)" $MARKER "$(h reg $IGB $TDBAL)"
	kho_expect "igb: bound to the recorded driver" vfio-pci "$(driver_of $IGB)"

	out=$(h vfio $IGB $TDBAL reset)
	echo "$out"
	kho_expect "igb: opening it with VFIO does not reset it" \
		"vfio reg $MARKER" "$(echo "$out" | grep -o '^vfio reg 0x[0-9a-f]*')"
	kho_expect "igb: VFIO_DEVICE_RESET refused while claimed (-EBUSY)" \
		"reset -16" "$(echo "$out" | grep '^reset')"
	kho_expect "igb: marker kept after the refused reset" \
		"after-reset reg $MARKER" "$(echo "$out" | grep '^after-reset')"

	out=$(h retrieve kho-pci 1 --finish)
	echo "$out"
	kho_expect "the LUO test file comes back for the claimed igb" \
		"retrieve 1 0 $IGB claimed" "$(echo "$out" | grep '^retrieve')"
	kho_expect "session finish" "finish 0" "$(echo "$out" | grep '^finish')"
	kho_expect "finish releases the claim" "after-finish 1 $IGB released" \
		"$(echo "$out" | grep '^after-finish')"
	kho_expect "debugfs: the handover is finished" "in handover-finished" \
		"$(grep '^in ' $FUNCTIONS)"
	out=$(h vfio $IGB $TDBAL reset)
	echo "$out"
	kho_expect "igb: after finish, VFIO_DEVICE_RESET works again" \
		"reset 0" "$(echo "$out" | grep '^reset')"
	kho_expect "igb: after finish, the reset clears the marker" \
		"after-reset reg 0x00000000" "$(echo "$out" | grep '^after-reset')"

	kho_expect "igb2 (given up): bus mastering turned off at kexec, as upstream" \
		0 "$(master_bit $IGB2)"
	kho_expect "igb2: nothing resets an unbound function, as upstream" \
		$MARKER "$(h reg $IGB2 $TDBAL)"
	kho_expect "igb2: not claimed" "" "$(grep " $IGB2 " $FUNCTIONS)"
	kho_expect "igb2: left unbound" "" "$(driver_of $IGB2)"
	kho_check "igb2 bound to vfio-pci" kho_bind_vfio $IGB2
	kho_expect "igb2: vfio-pci resets it on open, as upstream" \
		"vfio reg 0x00000000" \
		"$(h vfio $IGB2 $TDBAL | grep -o '^vfio reg 0x[0-9a-f]*')"
}
