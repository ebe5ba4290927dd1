# SPDX-License-Identifier: GPL-2.0
# pci_kho keeps the path to a preserved function: an igb behind a PCIe
# root port is recorded with its bridge, the bridge's bus numbers are the
# same in the next kernel, and a function reset, which clears the marker
# register when nothing is kept, is refused while the function is kept.
KHO_MACHINE="rooted-igb"

PORT=0000:00:09.0
IGB=0000:01:00.0
TDBAL=0x3800
MARKER=0x4b484f80
FUNCTIONS=/sys/kernel/debug/kho_devices/pci/functions
CARRY=/carry

h() { pci_kho_handover "$@"; }
bus_numbers() { od -An -tx1 -j24 -N3 "/sys/bus/pci/devices/$1/config" | tr -s ' '; }
reset_refused() { ! echo 1 >"/sys/bus/pci/devices/$1/reset" 2>/dev/null; }
set_up() {
	h cfg $IGB 0x4 0x0106 && h reg $IGB $TDBAL $MARKER
}

stage1() {
	local out

	mkdir -p $CARRY
	kho_check "igb behind the root port: marker written" set_up
	kho_check "control: a reset goes through when nothing is kept" \
		sh -c "echo 1 >/sys/bus/pci/devices/$IGB/reset"
	kho_expect "control: the reset clears the marker" 0x00000000 \
		"$(h reg $IGB $TDBAL)"
	kho_check "igb: bus mastering on, marker written again" set_up
	bus_numbers $PORT >$CARRY/port.bus
	out=$(h preserve kho-pci $IGB=vfio-pci)
	kho_expect "igb preserved" "preserve $IGB 0" "$(echo "$out" | grep '^preserve')"
	kho_expect "its record carries the root port above it" \
		"out $IGB 8086:10c9 preserved driver=vfio-pci bridges=1" \
		"$(grep " $IGB " $FUNCTIONS)"
	kho_check "the reset is refused while igb is preserved" \
		reset_refused $IGB
	kho_expect "igb: marker intact" $MARKER "$(h reg $IGB $TDBAL)"
}

stage2() {
	kho_expect "igb claimed with its bridge" \
		"in $IGB 8086:10c9 claimed driver=vfio-pci bridges=1" \
		"$(grep " $IGB " $FUNCTIONS)"
	kho_expect "root port: bus numbers unchanged" "$(cat $CARRY/port.bus)" \
		"$(bus_numbers $PORT)"
	kho_expect "igb: bus mastering turned off at kexec (no IOMMU translation handed over)" \
		0 $(($(h cfg $IGB 0x4) & 4))
	kho_expect "igb: not reset (marker kept)" $MARKER "$(h reg $IGB $TDBAL)"
	kho_check "the claimed igb cannot be reset" reset_refused $IGB
	kho_expect "igb: marker still kept" $MARKER "$(h reg $IGB $TDBAL)"
}
