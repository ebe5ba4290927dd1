/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/bsearch.h>: libc's has the same signature. */
#ifndef KHO_FUZZ_SHIM_BSEARCH_H
#define KHO_FUZZ_SHIM_BSEARCH_H

#include <stdlib.h>

#endif
