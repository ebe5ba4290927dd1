#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run test scenarios in QEMU and report them as KTAP.
#
#   vmtest.sh [SCENARIO...]      default: every scenario, in name order,
#                                then "fuzz" (harness/fuzz.sh check, on
#                                the host), "docs" (harness/build-docs.sh
#                                check: the rst built with Sphinx), then
#                                the handover scenarios
#                                again as "debug:NAME" on the sanitised
#                                kernel (KASAN, lockdep, kmemleak)
#
# A scenario is tools/testing/selftests/vfio_kho/scenarios/NAME.sh. Its host
# side is a few variables:
#   KHO_MACHINE="igb edu"   machine variants (see machine_args below)
#   KHO_TIMEOUT=300         hard limit for the whole run, seconds
#   KHO_CMDLINE="..."       extra kernel arguments
#   KHO_CONSOLE_ALLOW=RE    console lines matching RE are expected
# KHO_EXTRA_CMDLINE in the environment adds to every guest's command line
# (make bench passes its sizes that way); KHO_QEMU_MEM (6G) and
# KHO_QEMU_SMP (2) size the machine, KHO_QEMU_IOMMU is its IOMMU device
# (intel-iommu,intremap=on), KHO_QEMU_ACCEL its TCG accelerator
# (tcg,thread=single: see machine_args),
# and its guest side is one shell function per stage (stage1, stage2, ...)
# run by harness/guest/init in successive kernels joined by kexec.
#
# Logs: $KHO_BUILD/logs/NAME/{console,results,qemu}.log. The last line is
# "N passed, N failed, N skipped"; exit status 1 if anything failed.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KHO_BUILD:?}
kernel=$build/obj/arch/x86/boot/bzImage
initrd=$build/initramfs.cpio
kernel_debug=$build/obj-debug/arch/x86/boot/bzImage
# What a guest prints when guest_hung() sends it an NMI
hang_dump="unknown_nmi_panic panic_sys_info=blocked_tasks,all_bt,locks"
initrd_debug=$build/initramfs-debug.cpio
# The scenarios that also run on the sanitised kernel: every handover
# path, refusals included.
debug_scenarios=(safety-next-kernel iommu-refuse pci-refuse vfio-refuse
	vfio-chain vfio-remove)
scen_dir=$repo/tools/testing/selftests/vfio_kho/scenarios
logs=$build/logs
# per run of this script: two runs at once (a loop next to make check)
# must not add up each other's checks
counts=$logs/counts.$$

# TCG unless KHO_KVM=1 asks for KVM and KVM really runs a q35 vCPU.
# /dev/kvm can exist and still fail: without the MSRs nested
# virtualisation lacks, or booting and then stopping on an "emulation
# failure" (seen on this project's machines with a kernel's lock
# cmpxchg16b), which a short probe cannot tell from a working KVM. Probed
# once per run; a working KVM keeps the machine busy until the timeout
# (exit 124).
kvm_works() {
	if [ -z "${KHO_KVM_OK:-}" ]; then
		KHO_KVM_OK=no
		if [ "${KHO_KVM:-}" = 1 ] && [ -w /dev/kvm ]; then
			(timeout 3 qemu-system-x86_64 -accel kvm -cpu host -M q35 \
				-m 256 -nodefaults -display none -no-reboot \
				>/dev/null 2>&1) 2>/dev/null
			[ $? -eq 124 ] && KHO_KVM_OK=yes
		fi
		export KHO_KVM_OK
	fi
	[ "$KHO_KVM_OK" = yes ]
}

# The one definition of the test machine. Functions sit at fixed PCI
# addresses so that scenarios can name them:
#   00:04.0 igb, 00:05.0 edu (64-bit DMA mask), 00:06.0 second igb,
#   00:07.0 edu with QEMU's default 28-bit DMA mask,
#   00:08.0 conventional PCI bridge with two edus (64-bit) behind it at
#   01:01.0 and 01:02.0, which therefore share one IOMMU group,
#   00:09.0 PCIe root port with an igb behind it (at 01:00.0 when the
#   bridged edus are absent),
#   00:0b.0 and 00:0b.1 two igbs as the functions of one multi-function
#   device (each in an IOMMU group of its own: the PCI core's ACS quirk
#   for the 82576),
#   00:0c.0 and 00:0c.1 two edus (64-bit) as the functions of one
#   multi-function device without ACS, hence in one IOMMU group.
# stream-igb is the igb at 00:04.0 with a network: QEMU's dgram netdev on
# loopback, fed by harness/frame-stream.py (see start_stream).
machine_args() {
	local v
	local -a a=(
		-M q35,kernel-irqchip=split
		-device "${KHO_QEMU_IOMMU:-intel-iommu,intremap=on}"
		-m "${KHO_QEMU_MEM:-6G}" -smp "${KHO_QEMU_SMP:-2}"
		-nographic -nodefaults -no-reboot
	)
	if kvm_works; then
		a+=(-accel kvm -cpu host)
	else
		# One TCG thread runs both vCPUs in turn. With a thread per
		# vCPU (QEMU's default, MTTCG), QEMU 10.0 now and then leaves
		# a halted vCPU's local APIC with the timer vector in service
		# and pending, so that nothing of class 0xe or below reaches
		# that CPU again and the guest stops dead (about one boot in
		# 13 of the probe in the docs; none in 60 with one thread).
		a+=(-accel "${KHO_QEMU_ACCEL:-tcg,thread=single}" -cpu max)
	fi
	for v in $1; do
		case "$v" in
		igb) a+=(-device igb,addr=04.0) ;;
		stream-igb)
			a+=(-netdev "dgram,id=kho_stream,local.type=inet,local.host=127.0.0.1,local.port=${stream_ports%% *},remote.type=inet,remote.host=127.0.0.1,remote.port=${stream_ports##* }"
			    -device igb,addr=04.0,netdev=kho_stream) ;;
		edu) a+=(-device edu,addr=05.0,dma_mask=0xffffffffffffffff) ;;
		igb2) a+=(-device igb,addr=06.0) ;;
		edu28) a+=(-device edu,addr=07.0) ;;
		edu2) a+=(-device edu,addr=0a.0,dma_mask=0xffffffffffffffff) ;;
		bridged-edu)
			a+=(-device pci-bridge,id=kho_br,chassis_nr=1,addr=08.0
			    -device edu,bus=kho_br,addr=01.0,dma_mask=0xffffffffffffffff
			    -device edu,bus=kho_br,addr=02.0,dma_mask=0xffffffffffffffff) ;;
		mf-igb)
			a+=(-device igb,addr=0b.0,multifunction=on
			    -device igb,addr=0b.1) ;;
		mf-edu)
			a+=(-device edu,addr=0c.0,multifunction=on,dma_mask=0xffffffffffffffff
			    -device edu,addr=0c.1,dma_mask=0xffffffffffffffff) ;;
		rooted-igb)
			a+=(-device pcie-root-port,id=kho_rp,chassis=2,addr=09.0
			    -device igb,bus=kho_rp,addr=00.0) ;;
		*) echo "unknown machine variant '$v'" >&2; return 1 ;;
		esac
	done
	printf '%s\n' "${a[@]}"
}

# scenario_var NAME VAR DEFAULT: a host-side variable of a scenario.
scenario_var() {
	(
		unset "$2"
		# shellcheck disable=SC1090
		. "$scen_dir/$1.sh" >/dev/null 2>&1
		eval "echo \"\${$2:-$3}\""
	)
}

last_stage() {
	grep -o '^stage[0-9]\+ *()' "$scen_dir/$1.sh" | tr -dc '0-9\n' |
		sort -n | tail -n 1
}

# guest_hung NAME DIR PID: the guest did not finish in time. Before QEMU
# is stopped, QEMU shows each CPU's local APIC, and the kernel is asked through the magic SysRq keys what is
# blocked (w), what each CPU runs (l) and where every task is (t), then
# sent an NMI, on which it panics (unknown_nmi_panic on every guest's
# command line) and prints the blocked tasks, every CPU's backtrace and
# the locks held (panic_sys_info): that works even where the keyboard is
# gone (a kexec stuck in device_shutdown() has shut the i8042 down). The
# answers land in the console log, which is kept with the hang.
guest_hung() {
	echo "# $1: no end in time: SysRq w, l and t, then an NMI to the guest, then QEMU stopped"
	# First the local APICs as QEMU sees them (in service, pending, the
	# timer), before the keys' interrupts change them.
	KHO_MONITOR_DELAY=1 python3 "$repo/harness/qemu-monitor.py" \
		"$2/monitor.sock" "info lapic 0" "info lapic 1" \
		>>"$2/qemu.log" 2>&1
	KHO_MONITOR_DELAY=3 python3 "$repo/harness/qemu-monitor.py" \
		"$2/monitor.sock" "sendkey alt-sysrq-w" "sendkey alt-sysrq-l" \
		"sendkey alt-sysrq-t" "info registers -a" "info lapic 0" \
		"info lapic 1" "nmi" >>"$2/qemu.log" 2>&1
	sleep 5
	kill "$3" 2>/dev/null
	sleep 2
	kill -9 "$3" 2>/dev/null
}

# progress LABEL DIR START: a line when a stage boots or ends (from
# results.log) and one a minute, with the seconds since QEMU started: a
# long scenario is not silent. Keeps its place in the caller's $seen and
# $beat.
progress() {
	local now=$(($(date +%s) - $3)) n=0 line stage

	while read -r line; do
		n=$((n + 1))
		[ "$n" -gt "$seen" ] || continue
		seen=$n
		stage=${line#* }
		stage=${stage%% *}
		case "$line" in
		"kho-boot "*) echo "# $1: stage $stage booted ($now s)" ;;
		*) echo "# $1: stage $stage done ($now s)" ;;
		esac
	done < <(grep -a '^kho-boot \|^kho-stage-done ' "$2/results.log" \
		2>/dev/null | tr -d '\r')
	if [ $((now - beat)) -ge 60 ]; then
		beat=$now
		echo "# $1: running, $now s"
	fi
}

# start_stream NAME DIR: for a machine with stream-igb, start the host's
# frame generator (its ports in stream_ports, its pid in stream_pid).
start_stream() {
	local i

	python3 "$repo/harness/frame-stream.py" "$2/stream.ports" \
		"$2/stream.log" "$(scenario_var "$1" KHO_STREAM_FPS 250)" &
	stream_pid=$!
	for ((i = 0; i < 50; i++)); do
		[ -f "$2/stream.ports" ] && break
		sleep 0.1
	done
	stream_ports=$(cat "$2/stream.ports" 2>/dev/null) || {
		echo "vmtest: the frame generator did not start" >&2
		return 1
	}
}

# run_one NUM NAME: NAME is a scenario, or debug:SCENARIO to run it on the
# sanitised kernel (KASAN, lockdep, kmemleak) with its own initramfs.
run_one() {
	local num=$1 name=${2#debug:} dir=$logs/${2/:/-} machine timeout cmdline
	local allow kernel=$kernel initrd=$initrd label=$2 debug=
	local -a margs
	local start rc qrc qpid qallow stream_ports= stream_pid= seen beat

	if [ "$2" != "$name" ]; then
		kernel=$kernel_debug
		initrd=$initrd_debug
		[ -f "$kernel" ] && [ -f "$initrd" ] || {
			echo "vmtest: build the sanitised kernel first (make check)" >&2
			return 1
		}
		debug=1
	fi

	machine=$(scenario_var "$name" KHO_MACHINE "igb edu")
	timeout=$(scenario_var "$name" KHO_TIMEOUT 300)
	cmdline=$(scenario_var "$name" KHO_CMDLINE "")
	allow=$(scenario_var "$name" KHO_CONSOLE_ALLOW "")
	qallow=$(scenario_var "$name" KHO_QEMU_ALLOW "")
	# KHO sizes its scratch areas from the memory reserved at boot, which
	# the sanitised kernel's KASAN shadow inflates past what fits: fixed
	# sizes instead (lowmem, global, per node). 4-level paging: with TCG's
	# LA57, an interrupt taken during early boot (identify_cpu) made KASAN
	# report a wild access in the IRQ descriptor's lock, in about one boot
	# in three, before any code of the suite runs (see the docs).
	[ -z "$debug" ] ||
		cmdline="$cmdline ${KHO_DEBUG_CMDLINE:-kho_scratch=128M,1536M,256M no5lvl}"
	rm -rf "$dir"
	mkdir -p "$dir"
	case " $machine " in
	*" stream-igb "*) start_stream "$name" "$dir" || return 1 ;;
	esac
	mapfile -t margs < <(machine_args "$machine") || return 1
	echo "# $label: booting ($machine; timeout ${timeout}s)"
	start=$(date +%s)
	rm -f "$dir/monitor.sock"
	qemu-system-x86_64 "${margs[@]}" \
		-monitor "unix:$dir/monitor.sock,server=on,wait=off" \
		-serial "file:$dir/console.log" -serial "file:$dir/results.log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 intel_iommu=on liveupdate=on kho=on panic=-1 $hang_dump kunit.enable=0 kho.test=$name $cmdline${KHO_EXTRA_CMDLINE:+ $KHO_EXTRA_CMDLINE}" \
		</dev/null >"$dir/qemu.log" 2>&1 &
	qpid=$!
	rc=
	seen=0 beat=0
	while kill -0 "$qpid" 2>/dev/null; do
		progress "$label" "$dir" "$start"
		if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
			guest_hung "$label" "$dir" "$qpid"
			rc=124
			break
		fi
		sleep 1
	done
	wait "$qpid"
	qrc=$?
	[ -n "$rc" ] || rc=$qrc
	echo "# $label: QEMU exited $rc after $(($(date +%s) - start)) s"
	if [ -n "$stream_pid" ]; then
		kill "$stream_pid"
		wait "$stream_pid"
	fi
	[ $rc -eq 124 ] && echo "kho-result not-ok QEMU finished in time # killed after ${timeout}s" >>"$dir/results.log"
	[ $rc -ne 0 ] && [ $rc -ne 124 ] &&
		echo "kho-result not-ok QEMU exit status # $rc: $(tail -n 1 "$dir/qemu.log")" >>"$dir/results.log"
	python3 "$repo/harness/ktap.py" "$num" "$label" "$dir/results.log" \
		"$dir/console.log" "$(last_stage "$name")" "$counts" "$allow" \
		"$dir/qemu.log" "$qallow" |
		tee "$dir/ktap.txt"
}

main() {
	local -a names=("$@")
	local i=0 p=0 f=0 s=0 a b c

	[ -f "$kernel" ] && [ -f "$initrd" ] || {
		echo "vmtest: build the kernel and initramfs first (make check)" >&2
		exit 2
	}
	if [ ${#names[@]} -eq 0 ]; then
		# bench.sh is make bench's (harness/bench.sh), not a test
		mapfile -t names < <(cd "$scen_dir" && ls ./*.sh |
			sed 's|^\./||; s|\.sh$||' | grep -vx bench)
		names+=(fuzz docs)
		names+=("${debug_scenarios[@]/#/debug:}")
	fi
	for n in "${names[@]}"; do
		[ "$n" = fuzz ] || [ "$n" = docs ] || [ -f "$scen_dir/${n#debug:}.sh" ] ||
			{ echo "vmtest: no scenario '$n'" >&2; exit 2; }
	done
	mkdir -p "$logs"
	: >"$counts"
	kvm_works && echo "# accelerator: KVM" || echo "# accelerator: ${KHO_QEMU_ACCEL:-tcg,thread=single} (KHO_KVM=1 to try KVM)"
	echo "KTAP version 1"
	echo "1..$((${#names[@]} + 1))"
	# The counter itself first: every verdict below goes through it.
	python3 "$repo/harness/ktap_selftest.py" 1 "$counts" |
		tee "$logs/harness-selftest.ktap"
	i=1
	for n in "${names[@]}"; do
		i=$((i + 1))
		if [ "$n" = fuzz ]; then
			mkdir -p "$logs/fuzz"
			"$repo/harness/fuzz.sh" check "$i" "$counts" |
				tee "$logs/fuzz/ktap.txt"
			continue
		fi
		if [ "$n" = docs ]; then
			mkdir -p "$logs/docs"
			"$repo/harness/build-docs.sh" check "$i" "$counts" |
				tee "$logs/docs/ktap.txt"
			continue
		fi
		run_one "$i" "$n"
	done
	while read -r a b c; do
		p=$((p + a)) f=$((f + b)) s=$((s + c))
	done <"$counts"
	if [ $f -ne 0 ]; then
		echo "# failed checks (logs under $logs):"
		sed -n "s/^    # FAIL /# harness-selftest: /p" "$logs/harness-selftest.ktap"
		for n in "${names[@]}"; do
			sed -n "s/^    # FAIL /# $n: /p" "$logs/${n/:/-}/ktap.txt"
		done
	fi
	rm -f "$counts"
	echo "$p passed, $f failed, $s skipped"
	[ $f -eq 0 ] && [ $p -gt 0 ]
}

main "$@"
