/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/string.h>. */
#ifndef KHO_FUZZ_SHIM_STRING_H
#define KHO_FUZZ_SHIM_STRING_H

#include <string.h>

#endif
