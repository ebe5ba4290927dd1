# SPDX-License-Identifier: GPL-2.0
# Translate or quiesce, old kernel's side: edu, doing DMA through a kept
# translation (a VFIO type1 container mapping a memfd at IOVA 1 TiB), is
# never kexec'd into a kernel that cannot keep that translation. For each
# such kernel (command line turning LUO, KHO or the IOMMU off; an image
# without the suite's note or reading another format) the load works but reboot(KEXEC) is refused with the rule's
# errno and edu goes on mastering; a DMA made after the refusals lands
# (stage 2). Then the next kernel's side: the test hook lets a kexec into
# a kernel booted with liveupdate=off happen, and that kernel stops edu
# before anything else (stage 3). There edu's IOVA is a guest-physical
# range reserved on every kernel (memmap=) and filled with a canary:
# neither the DMA in flight across that kexec nor one kicked after lands
# on it.
KHO_MACHINE="edu"
KHO_CMDLINE='memmap=2M$0x180000000'
# edu's DMA in the liveupdate=off kernel faults: that is the point.
KHO_CONSOLE_ALLOW="DMAR: DRHD: handling fault|DMAR: \\[DMA (Read|Write)"
# The same faults, as QEMU's VT-d model logs them (harness/ktap.py).
KHO_QEMU_ALLOW="vtd_|New fault"

EDU=0000:00:05.0
CANARY=0x180000000
NEXT_KERNEL=/sys/kernel/debug/kho_devices/policy
STOCK=/boot/stock-bzImage	# a kernel without the suite, when the harness has one

set_up() {
	kho_check "$1: edu bound to vfio-pci" kho_bind_vfio $EDU || return
	kho_ksft "$1" iommu_kho_dma setup "$1" $EDU iommu
}

stage1() {
	set_up kho-next || return
	kho_ksft next-kernel-refused vfio_kho_next_kernel refuse $EDU $STOCK
	# after the refused kexecs edu still copies through its kept translation
	kho_ksft after-refused-kexecs iommu_kho_dma kick $EDU second
	kho_say "kho-stage-done 1"
	kho_load_next || return
	iommu_kho_dma kick-kexec $EDU 0
	kho_fail "kexec into stage 2" "reboot(KEXEC) returned"
}

stage2() {
	# the DMA in flight across the accepted kexec, and the one made after
	# the refused kexecs, landed in the memfd
	kho_ksft kho-next iommu_kho_dma check kho-next $EDU landed landed
	kho_check "canary at the guest-physical address equal to edu's IOVA" \
		vfio_kho_next_kernel canary-fill $CANARY || return
	export KHO_DMA_IOVA=$CANARY
	set_up kho-next2 || return
	kho_check "test hook: let the next kexec happen whatever the next kernel" \
		sh -c "echo 1 >$NEXT_KERNEL/next_kernel_ignore"
	kho_say "kho-stage-done 2"
	kho_load_next liveupdate=off || return
	iommu_kho_dma kick-kexec $EDU 0
	kho_fail "kexec into stage 3" "reboot(KEXEC) returned"
}

stage3() {
	kho_ksft next-kernel-liveupdate-off vfio_kho_next_kernel quiesced $EDU
	kho_ksft next-kernel-liveupdate-off-canary vfio_kho_next_kernel \
		canary-blocked $EDU $CANARY
}
