# SPDX-License-Identifier: GPL-2.0
# kho_dma_policy on real (emulated) devices: the sysfs verdict, the DMA
# reach declared by the owner, the IOMMU group rule, kho-check, and the
# memory rule (-ERANGE below 4 GiB, nothing preserved).
KHO_MACHINE="igb edu edu28 bridged-edu"

IGB=0000:00:04.0
EDU64=0000:00:05.0
EDU28=0000:00:07.0
BRIDGE=0000:00:08.0
BEDU1=0000:01:01.0
BEDU2=0000:01:02.0
POLICY=/sys/kernel/debug/kho_devices/policy

verdict() { cat "/sys/bus/pci/devices/$1/kho_preservable"; }

stage1() {
	local p0 r0 out d

	kho_expect "igb qualifies (capability table: 64-bit)" "yes" "$(verdict $IGB)"
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB
	kho_expect "igb still qualifies under vfio-pci (no driver mask)" "yes" \
		"$(verdict $IGB)"
	kho_expect "edu with the default 28-bit mask does not qualify" \
		"no: DMA reach does not cover all of RAM" "$(verdict $EDU28)"
	kho_expect "edu with a 64-bit mask: the table still says 28 bits" \
		"no: DMA reach does not cover all of RAM" "$(verdict $EDU64)"
	echo 64 >/sys/bus/pci/devices/$EDU64/kho_dma_reach_bits
	kho_expect "edu qualifies once its owner declares 64 bits" "yes" \
		"$(verdict $EDU64)"
	echo 0 >/sys/bus/pci/devices/$EDU64/kho_dma_reach_bits
	kho_expect "declaring 0 withdraws the declaration" \
		"no: DMA reach does not cover all of RAM" "$(verdict $EDU64)"
	out=$(echo 99 2>&1 >/sys/bus/pci/devices/$EDU64/kho_dma_reach_bits)
	case "$out" in
	*"Invalid argument"*) kho_ok "a reach of 99 bits is refused with EINVAL" ;;
	*) kho_fail "a reach of 99 bits is refused with EINVAL" "got '$out'" ;;
	esac
	kho_expect "a PCI bridge is not an endpoint" \
		"no: not an endpoint: bridges are not handed over on their own" \
		"$(verdict $BRIDGE)"
	kho_expect "nor is the host bridge" \
		"no: not an endpoint: bridges are not handed over on their own" \
		"$(verdict 0000:00:00.0)"
	echo 64 >/sys/bus/pci/devices/$BEDU1/kho_dma_reach_bits
	echo 64 >/sys/bus/pci/devices/$BEDU2/kho_dma_reach_bits
	kho_expect "edus behind a PCI bridge share a group: refused" \
		"no: shares its IOMMU group with devices that are not handed over" \
		"$(verdict $BEDU1)"

	# The checker agrees with sysfs, and its exit status tells.
	kho-check >/tmp/table && cat /tmp/table
	kho-check $IGB >/dev/null
	kho_expect "kho-check $IGB exits 0 (qualifies)" 0 $?
	kho-check $EDU28 >/tmp/edu28
	kho_expect "kho-check $EDU28 exits 1 (does not qualify)" 1 $?
	kho_check "kho-check names edu's reason" \
		grep -q "no: DMA reach does not cover all of RAM" /tmp/edu28
	kho-check 0000:00:1f.7 >/dev/null 2>&1
	kho_expect "kho-check on a missing device exits 2" 2 $?
	# Its facts against pciutils' (not against the sysfs it reads itself).
	kho_ksft kho-check-facts kho_check_facts /tests/lspci /tests/setpci
	kho-check --json >/tmp/json
	json_igb="\"bdf\": \"$IGB\", \"vendor\": \"8086\", \"device\": \"10c9\""
	kho_check "kho-check --json: igb qualifies" \
		grep -q "$json_igb.*\"qualifies\": true" /tmp/json
	json_edu_no="\"qualifies\": false, \"reason\": \"DMA reach does not cover all of RAM\""
	kho_check "kho-check --json: edu28 does not, with its reason" \
		grep -q "\"bdf\": \"$EDU28\".*$json_edu_no" /tmp/json

	# Memory rule: one page below 4 GiB spoils the whole request.
	p0=$(cat $POLICY/preserved_pages)
	r0=$(cat $POLICY/refused_requests)
	out=$(echo "preserve $IGB 4 1" 2>&1 >$POLICY/preserve_test)
	case "$out" in
	*"out of range"*) kho_ok "4 pages above and 1 below 4 GiB: ERANGE" ;;
	*) kho_fail "4 pages above and 1 below 4 GiB: ERANGE" "got '$out'" ;;
	esac
	kho_expect "the refused request left no page preserved" "$p0" \
		"$(cat $POLICY/preserved_pages)"
	kho_expect "the refusal was counted" "$((r0 + 1))" \
		"$(cat $POLICY/refused_requests)"
	out="$IGB: refused: range \[0x[0-9a-f]*-0x[0-9a-f]*\] is below 4 GiB"
	kho_check "the refusal was logged with the device and the range" \
		sh -c "dmesg | grep -q '$out; nothing preserved'"
	kho_check "4 pages above 4 GiB are preserved" \
		sh -c "echo 'preserve $IGB 4 0' >$POLICY/preserve_test"
	kho_expect "preserved_pages counts them" "$((p0 + 4))" \
		"$(cat $POLICY/preserved_pages)"
	kho_check "release" sh -c "echo release >$POLICY/preserve_test"
	kho_expect "preserved_pages is back where it was" "$p0" \
		"$(cat $POLICY/preserved_pages)"

	# KHO_DEVICES builds without swiotlb.
	kho_check "no swiotlb in this kernel" \
		sh -c "! dmesg | grep -q 'software IO TLB' && [ ! -e /sys/kernel/debug/swiotlb ]"
}
