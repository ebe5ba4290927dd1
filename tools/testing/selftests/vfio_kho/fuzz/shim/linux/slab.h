/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/slab.h>: what the pure parsers allocate. */
#ifndef KHO_FUZZ_SHIM_SLAB_H
#define KHO_FUZZ_SHIM_SLAB_H

#include <stdint.h>
#include <stdlib.h>

#define GFP_KERNEL	0

static inline void *kvmalloc_array(size_t n, size_t size, int gfp)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return malloc(n * size);
}

static inline void kvfree(void *p)
{
	free(p);
}

#endif
