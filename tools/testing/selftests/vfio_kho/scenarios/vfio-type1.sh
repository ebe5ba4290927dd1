# SPDX-License-Identifier: GPL-2.0
# vfio-pci's type1 container and device files as LUO files: a VMM keeps its
# igb working across the kexec. Stage 1 checks what preserving them refuses
# (anonymous memory, a memfd not in the session, a device before its
# container, a container without IOMMU), that a preserved container is
# frozen and that closing the session or killing the VMM gives everything
# up; then the igb copies memory by DMA between memfds mapped at 1 TiB and
# memfds, container and device are preserved, the igb still copying after
# the preserve. Stage 2 gets them back: the memfds hold the copies, the
# device was not reset (a register marker and the driver's rings are
# there), finishing the session waits for every mapping's new vaddr, a
# vaddr mapping other pages is refused, the driver goes on from its old
# state and copies again through the same IOVAs, and pinning and locked
# memory balance once the mappings are gone. Then upstream
# vfio_pci_driver_test runs on the live-updated igb.
KHO_MACHINE="igb"
# vfio_pci_driver_test as in upstream-vfio-driver.sh (420 s), plus ours.
KHO_TIMEOUT=480
# The upstream test can hang under TCG as in upstream-vfio-driver.sh: a
# hang is run again, up to twice, and reported; a failure is not.
KHO_RETRY_ON_HANG=2
KHO_CMDLINE="transparent_hugepage_shmem=always"
# vfio_pci_driver_test's unmapped-IOVA case makes the device fault on purpose.
KHO_CONSOLE_ALLOW="DMAR: DRHD: handling fault|DMAR: \\[DMA (Read|Write)"
# The same faults, as QEMU's VT-d model logs them (harness/ktap.py).
KHO_QEMU_ALLOW="vtd_|New fault"

IGB=0000:00:04.0
SESSION=vfio-type1
FUNCTIONS=/sys/kernel/debug/kho_devices/pci/functions
IOMMU_DEVICES=/sys/kernel/debug/kho_devices/iommu/devices
DMAR_FAULT='DMAR: \[DMA \|DMAR: DRHD: handling fault'

driver_of() {
	basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null
}

stage1() {
	local out

	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	out=$(vfio_kho_type1 misuse $IGB)
	echo "$out"
	kho_judge "$out" \
		"no-iommu -95|a container without IOMMU and group: -EOPNOTSUPP" \
		"type1-v1 -95|a type1 v1 container: -EOPNOTSUPP" \
		"anonymous -22|a container mapping anonymous memory: -EINVAL" \
		"anonymous-unmap 0|a refused container is not frozen: it unmaps" \
		"anonymous-retry 0|nothing kept from a refusal: preserved once the anonymous mapping is gone" \
		"memfd-unpreserved -2|a container mapping a memfd not preserved: -ENOENT" \
		"memfd-other-session -2|a container mapping a memfd of another session: -ENOENT" \
		"device-before-container -2|a device before its container: -ENOENT" \
		"device-other-session -2|a device whose container is in another session: -ENOENT" \
		"good-preserve 0 0 0|memfd, container and device preserved" \
		"preserved-out 1 1|debugfs lists the igb's function and translation as preserved" \
		"frozen-map -16|a preserved container maps nothing more (-EBUSY)" \
		"frozen-unmap -16|a preserved container unmaps nothing (-EBUSY)" \
		"closed-out 0 0|closing the session gives the igb up" \
		"thawed-map 0|closing the session thaws the container: map" \
		"thawed-unmap 0|closing the session thaws the container: unmap" \
		"dies-preserve 0 0 0|a VMM preserves memfd, container and device" \
		"dies-preserved-out 1 1|debugfs lists the VMM's igb as preserved" \
		"dies-killed 1|the VMM is killed with its session open" \
		"dies-closed-out 0 0|the VMM's death gives the igb up" \
		"reopen 0|the igb opens again from scratch after the VMM's death"

	out=$(vfio_kho_type1 preserve $SESSION $IGB)
	echo "$out"
	kho_judge "$out" \
		"memcpy 0|igb copies between memfds mapped at 1 TiB" \
		"memcpy-data 65536/65536|the copy is right" \
		"marker 0x4b484f80 0x4c555031|register marker written" \
		"preserve-memfd-driver 0|memfd with the driver's rings preserved" \
		"preserve-memfd-data 0|memfd with the copies preserved" \
		"preserve-container 0|type1 container preserved" \
		"preserve-device 0|igb device file preserved" \
		"memcpy-preserved 0|igb still copies once preserved" \
		"memcpy-preserved-data 65536/65536|the copy after the preserve is right" \
		"bus-master 1|preserving leaves bus mastering on" \
		"carry 0|state for stage 2 saved"
	kho_expect "the session is held across the kexec: igb still preserved" \
		"1 1" "$(grep -c "^out $IGB " $FUNCTIONS) $(grep -c "^out $IGB " $IOMMU_DEVICES)"
	kho_expect "stage 1: no DMAR fault logged" 0 "$(dmesg | grep -c "$DMAR_FAULT")"
	kho_say "kho-stage-done $KHO_STAGE"
	kho_load_next || return
	kho_exec_next
	kho_fail "kexec into stage 2" "reboot(KEXEC) returned"
}

stage2() {
	local out

	out=$(vfio_kho_type1 restore $SESSION $IGB)
	echo "$out"
	kho_judge "$out" \
		"session 0|session retrieved" \
		"pins-with-session 1024|every mapped page pinned as soon as the session is retrieved, before any file of it" \
		"session-unknown -2|an unknown session name: -ENOENT" \
		"carry 0|state from stage 1 read" \
		"memfd-driver 0|memfd with the driver's rings retrieved" \
		"memfd-data 0|memfd with the copies retrieved" \
		"device 0|igb device file retrieved (before its container)" \
		"container 0|type1 container retrieved" \
		"data 131072/131072|both copies of stage 1 are in the memfd" \
		"retrieve-unknown -2|an unknown token: -ENOENT" \
		"container-again 0 same-file 1|the container retrieved again is the same file" \
		"marker 0x4b484f80 0x4c555031|register marker kept: the igb was not reset" \
		"tx-ring-kept 1|the driver's tx ring registers kept" \
		"bus-master 1|bus mastering kept" \
		"set-irqs 0|MSI-X set up again on the retrieved device" \
		"reset-kept -16|VFIO_DEVICE_RESET before finish: -EBUSY" \
		"finish-no-vaddr -16|finish before any new vaddr: -EBUSY" \
		"vaddr-other-memfd -22|a vaddr of another memfd: -EINVAL" \
		"vaddr-shifted -22|a vaddr one page off in the memfd: -EINVAL" \
		"vmlck-before-vaddr-kb 0|nothing locked before the new vaddrs" \
		"handover-pins-before-vaddr 1024|every mapped page pinned through its memfd since the retrieve" \
		"pins-held-before-vaddr 1024|page pins in the system: one per mapped page since the retrieve" \
		"vaddr-0 0|new vaddr for the rings' mapping" \
		"finish-partial -16|finish with one mapping still without vaddr: -EBUSY" \
		"vaddr-1 0|new vaddr for the source mapping" \
		"vaddr-2 0|new vaddr for the destination mapping" \
		"vmlck-pinned-kb 4096|every mapped page locked once it has its vaddr" \
		"handover-pins-after-vaddr 0|the handover's pins are the VMM's now" \
		"pins-held-after-vaddr 1024|page pins in the system: still one per mapped page" \
		"memcpy 0|the igb driver goes on and copies through the same IOVAs" \
		"memcpy-data 65536/65536|the copy after the live update is right" \
		"finish 0|session finished" \
		"unmap-0 0 2097152|rings' mapping unmapped in full" \
		"unmap-1 0 1048576|source mapping unmapped in full" \
		"unmap-2 0 1048576|destination mapping unmapped in full" \
		"vmlck-unmapped-kb 0|locked memory back to its value before the vaddrs" \
		"pins-unreleased 0|every page pinned since the retrieve is unpinned" \
		"ordinary-map 0|after finish, an ordinary container: map" \
		"ordinary-unmap 0|after finish, an ordinary container: unmap" \
		"reset-finished 0|after finish, an ordinary device: VFIO_DEVICE_RESET" \
		"marker-reset 0x00000000|the reset cleared the register marker"
	kho_expect "stage 2: no DMAR fault logged before the upstream test" 0 \
		"$(dmesg | grep -c "$DMAR_FAULT")"
	kho_expect "igb still bound to vfio-pci" vfio-pci "$(driver_of $IGB)"
	kho_ksft vfio_pci_driver_test vfio_pci_driver_test $IGB
}
