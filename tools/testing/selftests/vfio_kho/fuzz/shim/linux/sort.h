/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/sort.h>: libc's qsort. */
#ifndef KHO_FUZZ_SHIM_SORT_H
#define KHO_FUZZ_SHIM_SORT_H

#include <stdlib.h>

/* The kernel's signature; the pure parsers pass no swap function. */
static inline void sort(void *base, size_t num, size_t size,
			int (*cmp)(const void *, const void *), void *swap)
{
	qsort(base, num, size, cmp);
}

#endif
