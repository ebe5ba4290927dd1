/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/compiler.h>. */
#ifndef KHO_FUZZ_SHIM_COMPILER_H
#define KHO_FUZZ_SHIM_COMPILER_H

#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)

#endif
