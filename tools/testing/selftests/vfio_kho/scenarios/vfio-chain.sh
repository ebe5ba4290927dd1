# SPDX-License-Identifier: GPL-2.0
# Two live updates in a row, as an operator updating a host twice. The
# VMM of vfio-type1 preserves its igb (stage 1); in stage 2 it gets
# everything back, gives the new vaddrs, copies, finishes the session and
# at once preserves memfds, container and device again into a new
# session, the igb still copying; stage 3 gets them back a second time
# and checks what vfio-type1's stage 2 checks: the second kernel's copies
# are in the memfd, the igb was never reset, the mappings come back with
# their handover pins, the driver copies again through the same IOVAs,
# and pins and locked memory balance at the end.
KHO_MACHINE="igb"
KHO_TIMEOUT=300
KHO_CMDLINE="transparent_hugepage_shmem=always"

IGB=0000:00:04.0
FUNCTIONS=/sys/kernel/debug/kho_devices/pci/functions
IOMMU_DEVICES=/sys/kernel/debug/kho_devices/iommu/devices
DMAR_FAULT='DMAR: \[DMA \|DMAR: DRHD: handling fault'

# held_across NAME: the session is kept across the kexec, the igb with it.
held_across() {
	kho_expect "$1: igb still preserved at the kexec" "1 1" \
		"$(grep -c "^out $IGB " $FUNCTIONS) $(grep -c "^out $IGB " $IOMMU_DEVICES)"
	kho_expect "$1: no DMAR fault logged" 0 "$(dmesg | grep -c "$DMAR_FAULT")"
	kho_say "kho-stage-done $KHO_STAGE"
	kho_load_next || return
	kho_exec_next
	kho_fail "$1: kexec" "reboot(KEXEC) returned"
}

stage1() {
	local out

	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	out=$(vfio_kho_type1 preserve vfio-chain-1 $IGB)
	echo "$out"
	kho_judge "$out" \
		"memcpy-data 65536/65536|first kernel: the copy is right" \
		"preserve-container 0|first kernel: container preserved" \
		"preserve-device 0|first kernel: device preserved" \
		"memcpy-preserved-data 65536/65536|first kernel: the copy after the preserve is right" \
		"carry 0|first kernel: state saved"
	held_across "first kernel"
}

stage2() {
	local out

	out=$(vfio_kho_type1 restore vfio-chain-1 $IGB vfio-chain-2)
	echo "$out"
	kho_judge "$out" \
		"container 0|second kernel: container retrieved" \
		"device 0|second kernel: device retrieved" \
		"data 131072/131072|second kernel: both copies of the first kernel are there" \
		"marker 0x4b484f80 0x4c555031|second kernel: register marker kept" \
		"handover-pins-before-vaddr 1024|second kernel: every mapped page pinned for the handover" \
		"vaddr-2 0|second kernel: new vaddrs given" \
		"memcpy-data 65536/65536|second kernel: the igb copies through the same IOVAs" \
		"finish 0|second kernel: session finished" \
		"again-memcpy-data 65536/65536|second kernel: a new copy before the second preserve" \
		"again-preserve-memfd-driver 0|second kernel: memfd with the rings preserved again" \
		"again-preserve-memfd-data 0|second kernel: memfd with the copies preserved again" \
		"again-preserve-container 0|second kernel: the adopted container preserved again" \
		"again-preserve-device 0|second kernel: the device preserved again" \
		"again-memcpy-preserved-data 65536/65536|second kernel: the igb still copies once preserved again" \
		"again-bus-master 1|second kernel: bus mastering on" \
		"again-carry 0|second kernel: state saved"
	held_across "second kernel"
}

stage3() {
	local out

	out=$(vfio_kho_type1 restore vfio-chain-2 $IGB)
	echo "$out"
	kho_judge "$out" \
		"session 0|third kernel: session retrieved" \
		"device 0|third kernel: device retrieved" \
		"container 0|third kernel: container retrieved" \
		"data 131072/131072|third kernel: both copies of the second kernel are there" \
		"marker 0x4b484f80 0x4c555031|third kernel: register marker kept, never reset" \
		"tx-ring-kept 1|third kernel: the driver's tx ring registers kept" \
		"bus-master 1|third kernel: bus mastering kept" \
		"set-irqs 0|third kernel: MSI-X set up again" \
		"handover-pins-before-vaddr 1024|third kernel: every mapped page pinned for the handover" \
		"pins-held-before-vaddr 1024|third kernel: page pins in the system: one per mapped page" \
		"vmlck-before-vaddr-kb 0|third kernel: nothing locked before the new vaddrs" \
		"vaddr-0 0|third kernel: new vaddr for the rings' mapping" \
		"vaddr-1 0|third kernel: new vaddr for the source mapping" \
		"vaddr-2 0|third kernel: new vaddr for the destination mapping" \
		"vmlck-pinned-kb 4096|third kernel: every mapped page locked with its vaddr" \
		"memcpy-data 65536/65536|third kernel: the igb copies through the same IOVAs" \
		"finish 0|third kernel: session finished" \
		"vmlck-unmapped-kb 0|third kernel: locked memory back after unmap" \
		"pins-unreleased 0|third kernel: every page pinned since the retrieve is unpinned" \
		"reset-finished 0|third kernel: an ordinary device after finish: reset works"
	kho_expect "third kernel: no DMAR fault logged" 0 "$(dmesg | grep -c "$DMAR_FAULT")"
}
