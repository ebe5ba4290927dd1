# SPDX-License-Identifier: GPL-2.0
# Two live updates in a row, as an operator updating a host twice. The
# VMM of vfio-type1 preserves its igb (stage 1); in stage 2 it gets
# everything back, gives the new vaddrs, copies, finishes the session and
# at once preserves memfds, container and device again into a new
# session, the igb still copying; stage 3 gets them back a second time
# and checks what vfio-type1's stage 2 checks: the second kernel's copies
# are in the memfd, the igb was never reset, the mappings come back with
# their handover pins, the driver copies again through the same IOVAs,
# and pins and locked memory balance at the end. vfio_kho_type1 does each
# stage and judges it (KTAP, one line per check).
KHO_MACHINE="igb"
KHO_TIMEOUT=300
KHO_CMDLINE="transparent_hugepage_shmem=always"

IGB=0000:00:04.0

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	kho_ksft first-kernel vfio_kho_type1 preserve vfio-chain-1 $IGB
}

stage2() {
	kho_ksft second-kernel vfio_kho_type1 restore vfio-chain-1 $IGB vfio-chain-2
}

stage3() {
	kho_ksft third-kernel vfio_kho_type1 restore vfio-chain-2 $IGB
}
