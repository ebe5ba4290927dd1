# SPDX-License-Identifier: GPL-2.0
# Regression guard: upstream LUO kexec test. A memfd preserved in a LUO
# session survives a kexec of our patched kernel with its data.
KHO_MACHINE="igb edu"

stage1() {
	kho_check "luo_kexec_simple stage 1 preserves a memfd" \
		luo_kexec_simple -s 1
}

stage2() {
	local out
	out=$(luo_kexec_simple -s 2 2>&1)
	echo "$out"
	case "$out" in
	*"SIMPLE KEXEC TEST PASSED"*)
		kho_ok "luo_kexec_simple stage 2 gets the memfd back" ;;
	*)
		kho_fail "luo_kexec_simple stage 2 gets the memfd back" \
			"$(echo "$out" | tail -n 1)" ;;
	esac
}
