# SPDX-License-Identifier: GPL-2.0
# kho-inspect (tools/kho-devices) shows what was handed over: the igb's
# function, translation and container with three mappings as
# vfio_kho_inspect preserved them, before the kexec and after it, and
# refuses a damaged snapshot with a message (vfio_kho_inspect, kselftest
# harness). Its human output goes to the console log.
KHO_MACHINE="igb"
IGB=0000:00:04.0

stage1() {
	kho_check "igb bound to vfio-pci" kho_bind_vfio $IGB || return
	# the checks want the next kernel's verdict: load it first
	kho_check "next kernel loaded" kho_load_next || return
	kho_ksft vfio_kho_inspect vfio_kho_inspect before $IGB
	kho-inspect --outgoing
}

stage2() {
	kho-inspect --incoming
	kho_ksft vfio_kho_inspect vfio_kho_inspect after $IGB
}
