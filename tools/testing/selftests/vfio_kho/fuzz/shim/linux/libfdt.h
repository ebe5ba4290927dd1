/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/libfdt.h>: Debian's libfdt, the same library. */
#ifndef KHO_FUZZ_SHIM_LIBFDT_H
#define KHO_FUZZ_SHIM_LIBFDT_H

#include <libfdt.h>

#endif
