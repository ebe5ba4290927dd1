# SPDX-License-Identifier: GPL-2.0
# DMA that never stops: the host sends the igb a steady stream of frames
# (harness/frame-stream.py through QEMU's dgram netdev, 250 a second, each
# with a sequence number, the host's clock and a CRC) into a receive ring in
# a VMM's memfd. Stage 1 empties the ring for a while, checking each frame,
# then preserves memfd, container and device and stops reading; the igb
# goes on receiving through the kexec. Stage 2 gets everything back and
# goes on from its place in the ring: the frames written while no program
# ran are there, and no frame is lost, duplicated or corrupted from the
# first to the last (vfio_kho_stream judges; the harness also checks that
# neither the guest nor QEMU's VT-d logged a DMA fault).
KHO_MACHINE="stream-igb"
KHO_STREAM_FPS=250

IGB=0000:00:04.0

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	kho_ksft stream-before vfio_kho_stream before $IGB
}

stage2() {
	local out=/tmp/stream.out

	kho_ksft stream-after vfio_kho_stream after $IGB | tee $out
	sed -n 's/^# report /kho-info stream_/p' $out >>"$KHO_RESULTS"
}
