/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/overflow.h>: struct_size() that saturates. */
#ifndef KHO_FUZZ_SHIM_OVERFLOW_H
#define KHO_FUZZ_SHIM_OVERFLOW_H

#include <stddef.h>
#include <stdint.h>

static inline size_t kho_fuzz_struct_size(size_t base, size_t n, size_t each)
{
	if (each && n > (SIZE_MAX - base) / each)
		return SIZE_MAX;
	return base + n * each;
}

/* The size of *@p with @count elements of its flexible array @member */
#define struct_size(p, member, count) ({				\
	__typeof__(p) __p = (p);					\
	kho_fuzz_struct_size(sizeof(*__p), (count),			\
			     sizeof(__p->member[0]));			\
})

#endif
