# SPDX-License-Identifier: GPL-2.0
# Translate or quiesce, next kernel's side: edu is handed over with its
# translation and kept mastering, and the test hook lets the kexec go to
# a kernel booted with intel_iommu=off, which the old kernel would refuse.
# That kernel turns the translation it found on off, but stops edu first:
# bus mastering off, the reason logged, its PCI claim refused. edu's IOVA
# is a guest-physical address reserved on both kernels (memmap=) and
# filled with a canary: no DMA, in flight across the kexec or kicked in
# the new kernel, lands there untranslated; forcing bus mastering back on
# makes it land, which shows the check can fail.
KHO_MACHINE="edu"
KHO_CMDLINE='memmap=2M$0x180000000'

EDU=0000:00:05.0
CANARY=0x180000000

export KHO_DMA_IOVA=$CANARY

stage1() {
	kho_check "edu bound to vfio-pci" kho_bind_vfio $EDU || return
	kho_check "canary at the guest-physical address equal to edu's IOVA" \
		vfio_kho_next_kernel canary-fill $CANARY
	kho_ksft kho-iommu-off iommu_kho_dma setup kho-iommu-off $EDU iommu
	kho_check "test hook: let the next kexec happen whatever the next kernel" \
		sh -c "echo 1 >/sys/kernel/debug/kho_devices/policy/next_kernel_ignore"
	kho_say "kho-stage-done 1"
	kho_load_next intel_iommu=off || return
	iommu_kho_dma kick-kexec $EDU 0
	kho_fail "kexec into stage 2" "reboot(KEXEC) returned"
}

stage2() {
	# intel-iommu turned the inherited translation off after stopping edu
	kho_ksft iommu-off-quiesced vfio_kho_next_kernel quiesced $EDU \
		"live update refused: the translation the previous kernel left on is turned off; bus mastering turned off"
	kho_ksft iommu-off-canary vfio_kho_next_kernel canary $EDU $CANARY
}
