# SPDX-License-Identifier: GPL-2.0
# Removing a preserved device does not deadlock the next kexec. A device
# is preserved with its translation in a LUO session that a process
# holds; unbinding it from vfio-pci waits for that process, as any VFIO
# removal waits for the files open on the device. Meanwhile reboot(KEXEC)
# is refused with ENODEV instead of waiting forever, at shutdown, for the
# device lock the unbind holds (the checks of vfio_kho_remove). Once the
# holder dies its session closes, the unbind finishes, and the kexec goes
# ahead without the device: the next kernel keeps nothing. Stage 1: edu
# carried by the PCI test file; stage 2: the igb's vfio-pci device file
# with its type1 container.
EDU=0000:00:05.0
IGB=0000:00:04.0

# holder: the PID of the process that holds the session (kho_luo.h)
holder() {
	cat /tmp/kho-luo-holder 2>/dev/null
}

# remove_and_kexec NAME BDF HOLDER
remove_and_kexec() {
	kho_check "$1: the session's holder is known ($3)" test -n "$3" ||
		return
	kho_load_next || return
	kho_ksft "$1" vfio_kho_remove remove "$2" "$3"
	kho_say "kho-stage-done $KHO_STAGE"
	kho_exec_next
	kho_fail "$1: kexec" "reboot(KEXEC) returned"
}

stage1() {
	kho_check "edu bound to vfio-pci" kho_bind_vfio $EDU || return
	kho_ksft kho-remove iommu_kho_dma setup kho-remove $EDU iommu || return
	remove_and_kexec remove-pci-test-file $EDU "$(holder)"
}

stage2() {
	kho_ksft edu-not-kept vfio_kho_remove nothing-kept
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	kho_ksft kho-remove2 vfio_kho_type1 preserve kho-remove2 $IGB || return
	remove_and_kexec remove-vfio-device-file $IGB "$(holder)"
}

stage3() {
	kho_ksft igb-not-kept vfio_kho_remove nothing-kept
}
