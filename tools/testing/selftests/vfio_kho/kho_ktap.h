/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checks of the stage programs that print KTAP through kselftest.h rather
 * than run kselftest_harness.h cases: one line per check, an errno, a
 * count or a register compared with what it must be. Inline, because
 * kselftest.h keeps its counters per file.
 */
#ifndef KHO_KTAP_H
#define KHO_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <linux/compiler.h>

#include "../kselftest.h"

/* One KTAP line: @fmt passes when @got is @want. Returns whether it did. */
static inline bool __printf(3, 4) kho_expect_eq(long long got, long long want,
						const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (got != want)
		ksft_print_msg("%s: got %lld (0x%llx), want %lld (0x%llx)\n",
			       what, got, got, want, want);
	ksft_test_result(got == want, "%s\n", what);
	return got == want;
}

/* The exit status of a stage program: 0 when every check passed */
static inline int kho_judged(void)
{
	return ksft_get_fail_cnt() ? 1 : 0;
}

#endif /* KHO_KTAP_H */
