# SPDX-License-Identifier: GPL-2.0
# A damaged VFIO handover is refused and the device quiesced. The VMM of
# vfio-type1 preserves its igb; before the kexec the test hook
# kho_devices/vfio/forge damages the container's handover block: an
# unknown version (stage 2), a first mapping one page longer than what
# the kept IOMMU table maps (stage 3), a second mapping one page further
# into its memfd, which therefore does not hold the pages the table maps
# (stage 4), a memfd token that no file of the session has (stage 5).
# Each of those comes with a checksum that matches; in stage 6 the block
# is changed after it was sealed, as a stray write would, and no longer
# matches its checksum (-EBADMSG); in stage 7 the first mapping is one
# page shorter than what the kept table maps (the table maps a page no
# mapping names).
# The next kernel refuses the device and the container, whichever is
# retrieved first, with -EINVAL (-ENOENT for the token), turns the igb's
# bus mastering off, rebuilds nothing, leaves no page pinned, and the
# session still finishes.
KHO_MACHINE="igb"
# Seven kernels; on the sanitised kernel about 45 s each.
KHO_TIMEOUT=540
KHO_CMDLINE="transparent_hugepage_shmem=always"

IGB=0000:00:04.0
FORGE=/sys/kernel/debug/kho_devices/vfio/forge
CONTAINERS=/sys/kernel/debug/kho_devices/vfio/containers

# preserve_and_forge SESSION HOW: the igb's VMM preserves, HOW damages it.
preserve_and_forge() {
	local out

	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	out=$(vfio_kho_type1 preserve "$1" $IGB)
	echo "$out"
	kho_expect "$1: container preserved" "preserve-container 0" \
		"$(echo "$out" | grep '^preserve-container ')"
	kho_expect "$1: device preserved" "preserve-device 0" \
		"$(echo "$out" | grep '^preserve-device ')"
	kho_expect "$1: debugfs lists the preserved container" 1 \
		"$(grep -c "^out $IGB mappings=3 bytes=4194304 metadata_bytes=[0-9]* frozen" $CONTAINERS)"
	kho_check "$1: container block damaged ($2)" sh -c "echo $2 >$FORGE" ||
		return
	kho_say "kho-stage-done $KHO_STAGE"
	kho_load_next || return
	kho_exec_next
	kho_fail "$1: kexec" "reboot(KEXEC) returned"
}

# check_refused SESSION WHY [ERRNO]: the damaged handover was refused
# with ERRNO (-22 unless given).
check_refused() {
	local out err=${3:--22}

	out=$(vfio_kho_type1 refused "$1" $IGB)
	echo "$out"
	kho_expect "$1: device refused ($2): $err" "device $err" \
		"$(echo "$out" | grep '^device ')"
	kho_expect "$1: container refused as well: $err" "container $err" \
		"$(echo "$out" | grep '^container ')"
	kho_expect "$1: no page left pinned by the refused handover" \
		"pins-unreleased 0" "$(echo "$out" | grep '^pins-unreleased ')"
	kho_expect "$1: bus mastering turned off" "bus-master 0" \
		"$(echo "$out" | grep '^bus-master ')"
	kho_expect "$1: the session still finishes" "finish 0" \
		"$(echo "$out" | grep '^finish ')"
	kho_expect "$1: the refusal is logged with the device" 1 \
		"$(dmesg | grep -c "$IGB: live update refused: $2")"
	kho_expect "$1: debugfs lists the refusal, no container rebuilt" \
		"debugfs 1 0" "$(echo "$out" | grep '^debugfs ')"
	kho_expect "$1: nothing left in debugfs after finish" 0 \
		"$(grep -c . $CONTAINERS)"
}

stage1() {
	preserve_and_forge vfio-bad-version version
}

stage2() {
	check_refused vfio-bad-version "the container's handover block does not validate"
	rm -f /carry/vfio-type1
	preserve_and_forge vfio-bad-mapping mapping
}

stage3() {
	check_refused vfio-bad-mapping "the container could not take the kept translation over"
	rm -f /carry/vfio-type1
	preserve_and_forge vfio-bad-memfd-offset memfd-offset
}

stage4() {
	check_refused vfio-bad-memfd-offset "the container could not take the kept translation over"
	kho_expect "vfio-bad-memfd-offset: the memfd's pages named in the log" 1 \
		"$(dmesg | grep -c "$IGB: live update refused: the memfd does not hold the pages the kept translation maps at IOVA 0x10040000000")"
	rm -f /carry/vfio-type1
	preserve_and_forge vfio-bad-memfd-token memfd-token
}

stage5() {
	check_refused vfio-bad-memfd-token "the container could not take the kept translation over" -2
	kho_expect "vfio-bad-memfd-token: the missing memfd named in the log" 1 \
		"$(dmesg | grep -c "$IGB: live update refused: no memfd with token 18446744073709551615 behind IOVA 0x10000000000")"
	rm -f /carry/vfio-type1
	preserve_and_forge vfio-scribbled scribble
}

stage6() {
	check_refused vfio-scribbled \
		"the container's handover block does not match its checksum" -74
	rm -f /carry/vfio-type1
	preserve_and_forge vfio-short-mapping short-mapping
}

stage7() {
	check_refused vfio-short-mapping "the container could not take the kept translation over"
	kho_expect "vfio-short-mapping: the kept translation's extra page logged" 1 \
		"$(dmesg | grep -c "$IGB: live update refused: the kept translation maps [0-9]* bytes, not the container's mappings")"
}
