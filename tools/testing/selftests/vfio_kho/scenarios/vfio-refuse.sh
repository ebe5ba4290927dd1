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
# mapping names); in stage 8 the first mapping says read-only where the
# kept table lets the device write.
# The next kernel refuses the device and the container, whichever is
# retrieved first, with -EINVAL (-ENOENT for the token, -EACCES for the
# permissions), turns the igb's
# bus mastering off, rebuilds nothing, leaves no page pinned, and the
# session still finishes. vfio_kho_type1 does each stage and judges it
# (KTAP, one line per check).
KHO_MACHINE="igb"
# Eight kernels; on the sanitised kernel about 45 s each.
KHO_TIMEOUT=620
KHO_CMDLINE="transparent_hugepage_shmem=always"

IGB=0000:00:04.0
BLOCK="the container's handover block does not validate"
TAKEOVER="the container could not take the kept translation over"

# preserve_and_damage SESSION HOW: the igb's VMM preserves, HOW damages it.
preserve_and_damage() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	kho_ksft "$1" vfio_kho_type1 preserve "$1" $IGB "$2"
}

# check_refused SESSION ERRNO WHY [DETAIL]: see vfio_kho_type1 refused.
check_refused() {
	kho_ksft "$1" vfio_kho_type1 refused "$1" $IGB "$2" "$3" ${4:+"$4"}
}

stage1() {
	preserve_and_damage vfio-bad-version version
}

stage2() {
	check_refused vfio-bad-version -22 "$BLOCK"
	preserve_and_damage vfio-bad-mapping mapping
}

stage3() {
	check_refused vfio-bad-mapping -22 "$TAKEOVER"
	preserve_and_damage vfio-bad-memfd-offset memfd-offset
}

stage4() {
	check_refused vfio-bad-memfd-offset -22 "$TAKEOVER" \
		"the memfd does not hold the pages the kept translation maps at IOVA 0x10040000000"
	preserve_and_damage vfio-bad-memfd-token memfd-token
}

stage5() {
	check_refused vfio-bad-memfd-token -2 "$TAKEOVER" \
		"no memfd with token 18446744073709551615 behind IOVA 0x10000000000"
	preserve_and_damage vfio-scribbled scribble
}

stage6() {
	check_refused vfio-scribbled -74 \
		"the container's handover block does not match its checksum"
	preserve_and_damage vfio-short-mapping short-mapping
}

stage7() {
	check_refused vfio-short-mapping -22 "$TAKEOVER" \
		"the kept translation maps * bytes, not the container's mappings"
	preserve_and_damage vfio-read-only read-only
}

stage8() {
	check_refused vfio-read-only -13 "$TAKEOVER" \
		"the kept translation at IOVA 0x10000000000 is read-write, the container's mapping read-only"
}
