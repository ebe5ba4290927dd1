# SPDX-License-Identifier: GPL-2.0
# The VMM dies after the kexec, holding what it retrieved. After it gave
# every mapping its new vaddr (stage 2) its death finishes the session:
# everything becomes an ordinary object and is released with its files,
# the igb opens again from scratch and no page pin is left. Before that
# (stage 3) the session cannot finish: LUO keeps it and every file, a
# second retrieve of the session is -EINVAL, and the igb stays kept with
# bus mastering on, its memory held: nothing is freed under the device.
KHO_MACHINE="igb"
KHO_CMDLINE="transparent_hugepage_shmem=always"

IGB=0000:00:04.0
CONTAINERS=/sys/kernel/debug/kho_devices/vfio/containers

preserve_and_kexec() {
	local out

	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	out=$(vfio_kho_type1 preserve "$1" $IGB)
	echo "$out"
	kho_expect "$1: memfds, container and device preserved" \
		"preserve-container 0 preserve-device 0" \
		"$(echo "$out" | grep -E '^preserve-(container|device) ' | tr '\n' ' ' | sed 's/ $//')"
	kho_say "kho-stage-done $KHO_STAGE"
	kho_load_next || return
	kho_exec_next
	kho_fail "$1: kexec" "reboot(KEXEC) returned"
}

# line OUT NAME: the line of OUT that starts with NAME.
line() { echo "$1" | grep "^$2 " | head -n 1; }

stage1() {
	preserve_and_kexec vmm-dies-after-vaddr
}

stage2() {
	local out

	out=$(vfio_kho_type1 dies vmm-dies-after-vaddr $IGB after-vaddr)
	echo "$out"
	kho_expect "VMM retrieved everything" "dies-retrieve 0" "$(line "$out" dies-retrieve)"
	kho_expect "VMM gave every mapping its vaddr" "dies-vaddr 0 given 3" "$(line "$out" dies-vaddr)"
	kho_expect "VMM killed before finishing" "dies-killed 1" "$(line "$out" dies-killed)"
	kho_expect "its death finished the session: gone (-ENOENT)" "session-again -2" \
		"$(line "$out" session-again)"
	kho_expect "the igb opens again from scratch" "reopen 0" "$(line "$out" reopen)"
	kho_expect "every page pin taken for the VMM is released" "pins-unreleased 0" \
		"$(line "$out" pins-unreleased)"
	kho_expect "no container left over" 0 "$(grep -c . $CONTAINERS)"
	preserve_and_kexec vmm-dies-before-vaddr
}

stage3() {
	local out

	out=$(vfio_kho_type1 dies vmm-dies-before-vaddr $IGB before-vaddr)
	echo "$out"
	kho_expect "VMM retrieved everything" "dies-retrieve 0" "$(line "$out" dies-retrieve)"
	kho_expect "VMM killed before finishing" "dies-killed 1" "$(line "$out" dies-killed)"
	kho_expect "LUO keeps the unfinished session: retrieve again -EINVAL" \
		"session-again -22" "$(line "$out" session-again)"
	kho_expect "the igb stays kept, bus mastering on" "bus-master 1" \
		"$(line "$out" bus-master)"
	kho_expect "the container is still there, waiting for its vaddrs" 1 \
		"$(grep -c "^in $IGB mappings=3 device=retrieved vaddr=waiting" $CONTAINERS)"
	kho_expect "the refusal to finish is logged" 1 \
		"$(dmesg | grep -c 'Unable to finish session \[vmm-dies-before-vaddr\] on release')"
}
