# SPDX-License-Identifier: GPL-2.0
#
# Shell library of the test initramfs: the result protocol spoken on
# /dev/ttyS1 and helpers shared by the scenarios.
#
# Result protocol, one line each, read by harness/ktap.py on the host:
#   kho-boot STAGE SCENARIO        a kernel started running STAGE
#   kho-result ok NAME             a check passed
#   kho-result not-ok NAME # WHY   a check failed
#   kho-result skip NAME # WHY     a check could not run (never a pass)
#   kho-ktap-begin NAME            raw KTAP of a kselftest or KUnit run
#   ...                            follows, up to
#   kho-ktap-end NAME RC           with the program's exit status
#   kho-stage-done STAGE           the stage ran to its end
#   kho-info KEY VALUE             facts for the human report (timings...)

KHO_RESULTS=/dev/ttyS1
KHO_NEXT_INITRD=/run/next-initrd.cpio

kho_say() { echo "$*" >>"$KHO_RESULTS"; }
kho_ok() { kho_say "kho-result ok $1"; echo "ok: $1"; }
kho_skip() { kho_say "kho-result skip $1 # $2"; echo "skip: $1: $2"; }
kho_fail() {
	kho_say "kho-result not-ok $1 # $2"
	echo "FAIL: $1: $2"
}
kho_info() { kho_say "kho-info $*"; }

# kho_expect NAME EXPECTED ACTUAL: pass when the two strings are equal.
kho_expect() {
	if [ "$2" = "$3" ]; then
		kho_ok "$1"
	else
		kho_fail "$1" "expected '$2', got '$3'"
	fi
}

# kho_judge OUT "LINE|WHAT"...: for each check, pass WHAT when OUT (a test
# program's "NAME VALUE..." lines) has LINE, found by its first word.
kho_judge() {
	local out=$1 c line
	shift
	for c in "$@"; do
		line=${c%%|*}
		kho_expect "${c#*|}" "$line" \
			"$(echo "$out" | grep "^${line%% *} " | head -n 1)"
	done
}

# kho_check NAME CMD...: pass when CMD exits 0.
kho_check() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	echo "$out"
	if [ $rc -eq 0 ]; then
		kho_ok "$name"
	else
		kho_fail "$name" "'$*' exited $rc: $(echo "$out" | tail -n 1)"
	fi
	return $rc
}

# kho_ksft NAME CMD...: run a kselftest program and hand its KTAP to the
# host, which counts each of its test cases.
kho_ksft() {
	local name=$1 out=/tmp/ksft.$$ rc
	shift
	{ "$@" 2>&1; echo $? >"$out.rc"; } | tee "$out"
	rc=$(cat "$out.rc")
	kho_say "kho-ktap-begin $name"
	cat "$out" >>"$KHO_RESULTS"
	kho_say "kho-ktap-end $name $rc"
	rm -f "$out" "$out.rc"
	return $rc
}

# kho_kunit_results: hand the results of every KUnit suite that ran at
# boot to the host.
kho_kunit_results() {
	local d n=0
	for d in /sys/kernel/debug/kunit/*/; do
		[ -f "$d/results" ] || continue
		kho_say "kho-ktap-begin kunit:$(basename "$d")"
		cat "$d/results" >>"$KHO_RESULTS"
		kho_say "kho-ktap-end kunit:$(basename "$d") 0"
		n=$((n + 1))
	done
	[ $n -gt 0 ] || kho_fail "kunit" "no KUnit suite ran at boot"
}

kho_cmdline_arg() {
	local a
	for a in $(cat /proc/cmdline); do
		case "$a" in "$1"=*) echo "${a#*=}"; return 0 ;; esac
	done
	return 1
}

# kho_bind_vfio BDF: give a PCI function to vfio-pci.
kho_bind_vfio() {
	local dev=/sys/bus/pci/devices/$1
	[ -e "$dev" ] || { echo "no PCI device $1"; return 1; }
	if [ -e "$dev/driver" ]; then
		echo "$1" >"$dev/driver/unbind" || return 1
	fi
	echo vfio-pci >"$dev/driver_override" || return 1
	echo "$1" >/sys/bus/pci/drivers_probe || return 1
	[ "$(basename "$(readlink "$dev/driver")")" = vfio-pci ]
}

# kho_load_next [ARGS]: load this kernel again for the next stage, with
# this rootfs (less the mounts) as its initramfs and ARGS added to its
# command line, with kexec-tools' kexec_file_load() (-s) as an operator
# does. KHO is on, so whatever was preserved through LUO travels along.
kho_load_next() {
	local next=$((KHO_STAGE + 1)) cmdline
	# the stock kernel is only for the first stage's refusals
	(cd / && find . -xdev ! -path ./boot/stock-bzImage |
		cpio -o -H newc >"$KHO_NEXT_INITRD" 2>/dev/null) ||
		return 1
	cmdline=$(sed -e 's/ *kho\.stage=[0-9]*//' /proc/cmdline)
	cmdline="$cmdline${1:+ $1} kho.stage=$next"
	echo "kho-test: kexec -s -l /boot/bzImage --initrd=$KHO_NEXT_INITRD --command-line=\"$cmdline\""
	kho_info "kexec_tool $(kexec --version 2>&1 | head -n 1)"
	kexec -s -l /boot/bzImage --initrd="$KHO_NEXT_INITRD" \
		--command-line="$cmdline"
}

# kho_exec_next: into the loaded kernel with kexec-tools ("kexec -e":
# sync, then reboot(LINUX_REBOOT_CMD_KEXEC)), the TSC noted first for the
# timings. Returns only if the kexec failed.
kho_exec_next() {
	kho-tsc kexec_tsc "$KHO_RESULTS"
	echo "kho-test: kexec -e"
	kexec -e
}

kho_uptime_ms() {
	local up
	read -r up _ </proc/uptime
	echo "${up%.*}${up#*.}0"
}

# kho_leak_check: on a kernel with kmemleak (the sanitised flavour), after
# the last stage: no object suspected leaked. The report goes to the
# console log.
kho_leak_check() {
	local f=/sys/kernel/debug/kmemleak n
	[ -w $f ] || return 0
	echo scan >$f
	sleep 6	# kmemleak only reports objects older than 5 s
	echo scan >$f
	n=$(grep -c '^unreferenced object' $f)
	[ "$n" -eq 0 ] || cat $f
	kho_expect "kmemleak: no object suspected leaked after the last stage" 0 "$n"
}

kho_init_main() {
	KHO_SCENARIO=$(kho_cmdline_arg kho.test) || KHO_SCENARIO=
	KHO_STAGE=$(kho_cmdline_arg kho.stage) || KHO_STAGE=1
	kho_say "kho-boot $KHO_STAGE $KHO_SCENARIO"
	kho_info "stage${KHO_STAGE}_boot_ms $(kho_uptime_ms)"
	echo "== kho-test: scenario $KHO_SCENARIO, stage $KHO_STAGE =="
	if [ ! -f "/scenarios/$KHO_SCENARIO.sh" ]; then
		kho_fail "$KHO_SCENARIO" "no such scenario in the initramfs"
		return
	fi
	. "/scenarios/$KHO_SCENARIO.sh"
	cd /tmp || return
	"stage$KHO_STAGE"
	type "stage$((KHO_STAGE + 1))" >/dev/null 2>&1 || kho_leak_check
	kho_say "kho-stage-done $KHO_STAGE"
	type "stage$((KHO_STAGE + 1))" >/dev/null 2>&1 || return
	echo "== kho-test: kexec into stage $((KHO_STAGE + 1)) =="
	if kho_load_next; then
		kho_info "stage${KHO_STAGE}_kexec_ms $(kho_uptime_ms)"
		kho_exec_next
	fi
	kho_fail "kexec into stage $((KHO_STAGE + 1))" "kexec_file_load or reboot failed"
}
