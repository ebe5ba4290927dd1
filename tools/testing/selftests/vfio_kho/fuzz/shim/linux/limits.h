/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/limits.h>: INT_MAX and friends. */
#ifndef KHO_FUZZ_SHIM_LIMITS_H
#define KHO_FUZZ_SHIM_LIMITS_H

#include <limits.h>

#endif
