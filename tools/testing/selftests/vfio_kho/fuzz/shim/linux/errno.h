/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/errno.h>: the uapi one has every errno. */
#ifndef KHO_FUZZ_SHIM_ERRNO_H
#define KHO_FUZZ_SHIM_ERRNO_H

#include_next <linux/errno.h>

#endif
