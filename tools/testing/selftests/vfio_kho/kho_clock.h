/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Clocks for the selftests' timings: CLOCK_MONOTONIC in milliseconds, and
 * the TSC's rate, which times intervals that span a kexec (a kexec does
 * not reset the TSC; CLOCK_MONOTONIC starts again in the new kernel).
 */
#ifndef KHO_CLOCK_H
#define KHO_CLOCK_H

double kho_clock_ms(void);
long kho_now_ms(void);
double kho_tsc_per_ms(void);

#endif /* KHO_CLOCK_H */
