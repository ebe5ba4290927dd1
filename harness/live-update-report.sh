#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make run: the main job. Live-updates a QEMU host whose igb is owned by a
# VMM-like program through VFIO (scenario live-update), then a host whose
# igb receives a stream of frames through the update (scenario stream), and
# prints a short report for a human: what was preserved, what survived,
# the frames, timings.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KHO_BUILD:?}
dir=$build/logs/live-update
sdir=$build/logs/stream

echo "Live-updating two QEMU machines (scenarios live-update and stream; about a minute under TCG)"
"$repo/harness/vmtest.sh" live-update stream 2>&1 | tee "$build/live-update.ktap" |
	grep --line-buffered '^# \(live-update\|stream\): '
rc=${PIPESTATUS[0]}

info() { sed -n "s/^kho-info $1 //p" "${2:-$dir}/results.log" 2>/dev/null | tr -d '\r' | tail -n 1; }
# field NAME LINE: the value after NAME in a "name value name value" line
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$2"; }
line() { printf '  %-28s %s\n' "$1" "${2:-(no answer: see $dir/console.log)}"; }

echo
echo "Live update of a QEMU host (q35, Intel VT-d, igb + edu; $(qemu-system-x86_64 --version | head -1 | sed 's/ (.*//'))"
echo "Kernel: Linux $(cat "$build/cache/linux-source.version" 2>/dev/null) + $(grep -cv '^#\|^$' "$repo/patches/series") patches + kho-devices overlay"
echo
echo "Old kernel"
line "device" "$(info lu_device)"
line "preservation policy" "$(info lu_verdict)"
line "DMA before the update" "$(info lu_dma_before)"
line "device marker" "$(grep -a '^kho-info lu_marker' "$dir/results.log" | head -n 1 | sed 's/^kho-info lu_marker //' | tr -d '\r')"
line "command register" "$(info lu_command_before)"
line "memfd (guest RAM)" "$(info lu_preserve_memfd)"
line "VFIO container" "$(info lu_preserve_container)"
line "VFIO device fd" "$(info lu_preserve_device)"
# inspected DIRECTION: kho-inspect's table, as the scenario kept it
inspected() {
	echo "  handed over, as kho-inspect --$1 shows it:"
	sed -n "s/^kho-info lu_inspect_$1 /    /p" "$dir/results.log" 2>/dev/null | tr -d '\r'
}
inspected outgoing
t=$(info kexec_tool)
line "kexec" "${t:+$t: kexec -s -l (kexec_file_load) of the same bzImage, then kexec -e}"
echo
echo "New kernel"
inspected incoming
line "memfd (guest RAM)" "$(info lu_memfd)"
line "VFIO container" "$(info lu_container)"
line "VFIO device fd" "$(info lu_device_fd)"
line "BARs" "$(info lu_bars)"
line "command register" "$(info lu_command_after)"
line "device marker" "$(grep -a '^kho-info lu_marker' "$dir/results.log" | sed -n 2p | sed 's/^kho-info lu_marker //' | tr -d '\r')"
line "container mapping" "$(info lu_vaddr)"
line "DMA after the update" "$(info lu_dma_after)"
line "LUO session finish" "$(info lu_session_finish)"
echo
echo "Timings (guest clock)"
k=$(info stage1_kexec_ms)
b=$(info stage2_boot_ms)
line "old kernel: kexec issued" "${k:+$k ms after boot}"
line "new kernel: userspace up" "${b:+$b ms after its start}"
# The TSC runs on across the kexec: intervals that span it.
span() {
	local from to rate
	from=$(info "$1")
	to=$(info "$2")
	rate=$(info lu_tsc_per_ms)
	[ -n "$from" ] && [ -n "$to" ] && [ -n "$rate" ] &&
		awk -v a="$from" -v b="$to" -v r="$rate" 'BEGIN { printf "%.0f ms", (b - a) / r }'
}
line "kexec to new userspace" "$(span kexec_tsc lu_tsc_start)"
line "blackout (kexec to 1st DMA)" "$(span kexec_tsc lu_tsc_first_dma)"
r=$(info lu_restore_ms)
o=$(info lu_startover_open_ms)
m=$(info lu_startover_map_ms)
line "restore" "${r:+$r ms (container + device retrieve + vaddr update)}"
line "start over, for comparison" "${o:+$((o + m)) ms (open with reset $o ms + map and pin $m ms, old kernel)}"
echo
echo "Frame stream through a second live update (scenario stream: the igb receives"
echo "$(sed -n 's/^sent [0-9]* frames in [0-9.]* s at \([0-9.]*\) a second.*/\1/p' "$sdir/stream.log" 2>/dev/null) frames a second from the host into a ring in the VMM's memfd)"
t=$(info stream_total "$sdir")
u=$(info stream_update "$sdir")
line "frames received" "${t:+$(field received "$t") in all, $(info stream_during "$sdir") of them during the update}"
line "lost, duplicated, corrupted" "${t:+$(field lost "$t"), $(field duplicated "$t"), $(field corrupted "$t")}"
line "longest gap in the stream" "${t:+$(field longest_gap_ms "$t") ms (host clock, between frames received in a row)}"
line "no program reading the ring" "${u:+$(field blackout_ms "$u") ms; the frames written then span $(field span_ms "$u") ms}"
line "DMA faults (guest, QEMU)" "$(grep -q '^    ok .* console has no oops, warning or DMAR fault' "$sdir/ktap.txt" 2>/dev/null && echo -n none || echo -n 'see the console log'), $(grep -q "^    ok .* QEMU's VT-d logged no DMA fault" "$sdir/ktap.txt" 2>/dev/null && echo none || echo "see $sdir/qemu.log")"
echo
passed=$(cat "$dir/ktap.txt" "$sdir/ktap.txt" 2>/dev/null | grep '^    ok ' | grep -vc '# SKIP')
skipped=$(cat "$dir/ktap.txt" "$sdir/ktap.txt" 2>/dev/null | grep '^    ok ' | grep -c '# SKIP')
failed=$(cat "$dir/ktap.txt" "$sdir/ktap.txt" 2>/dev/null | grep -c '^    not ok ')
selftest=$(grep -q '^ok 1 harness-selftest' "$build/live-update.ktap" && echo ok || echo FAILED)
echo "Checks: $passed passed, $failed failed, $skipped skipped (harness self-test $selftest)"
[ $rc -eq 0 ] || {
	echo "Some checks failed:"
	grep '# FAIL' "$build/live-update.ktap"
	echo "Logs: $dir $sdir"
}
exit $rc
