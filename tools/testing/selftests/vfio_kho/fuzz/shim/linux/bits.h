/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/bits.h>. */
#ifndef KHO_FUZZ_SHIM_BITS_H
#define KHO_FUZZ_SHIM_BITS_H

#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK_ULL(h, l)	((~0ULL >> (63 - (h))) & (~0ULL << (l)))

#endif
