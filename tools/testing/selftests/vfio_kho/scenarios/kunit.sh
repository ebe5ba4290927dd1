# SPDX-License-Identifier: GPL-2.0
# The KUnit suites built into the test kernel, run at boot.
KHO_MACHINE="igb edu"
KHO_CMDLINE="kunit.enable=1"

stage1() {
	kho_kunit_results
}
