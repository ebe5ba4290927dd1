// SPDX-License-Identifier: GPL-2.0-only
/*
 * Clocks for the selftests' timings: see kho_clock.h.
 */
#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

#include "kho_clock.h"

/* CLOCK_MONOTONIC in milliseconds, with the fraction. */
double kho_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CLOCK_MONOTONIC in whole milliseconds. */
long kho_now_ms(void)
{
	return (long)kho_clock_ms();
}

/* TSC ticks per millisecond, against CLOCK_MONOTONIC over 200 ms. */
double kho_tsc_per_ms(void)
{
	double t0 = kho_clock_ms(), t1;
	uint64_t c0 = __rdtsc(), c1;

	do
		t1 = kho_clock_ms();
	while (t1 - t0 < 200);
	c1 = __rdtsc();
	return (c1 - c0) / (t1 - t0);
}
