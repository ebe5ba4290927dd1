# SPDX-License-Identifier: GPL-2.0
# Regression guard: the upstream liveupdate selftests on our patched
# kernel. liveupdate (kselftest harness: /dev/liveupdate, sessions,
# memfd preservation) in one boot; then luo_kexec_simple,
# luo_multi_session, luo_stress_files (500 memfds) and luo_stress_sessions
# (2000 sessions) preserve in stage 1 and, across one kexec, check in
# stage 2 that everything came back with its data. Each program judges
# itself: its KTAP, or its exit status (the stage programs print no
# test lines; any failure exits non-zero).
KHO_MACHINE="igb edu"

LUO_STAGE_TESTS="luo_kexec_simple luo_multi_session luo_stress_files luo_stress_sessions"

stage1() {
	local t

	kho_ksft liveupdate liveupdate
	for t in $LUO_STAGE_TESTS; do
		kho_ksft "$t-stage1" "$t" -s 1
	done
}

stage2() {
	local t

	for t in $LUO_STAGE_TESTS; do
		kho_ksft "$t-stage2" "$t" -s 2
	done
}
