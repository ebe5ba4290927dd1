/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/sprintf.h>: snprintf(). */
#ifndef KHO_FUZZ_SHIM_SPRINTF_H
#define KHO_FUZZ_SHIM_SPRINTF_H

#include <stdio.h>

#endif
