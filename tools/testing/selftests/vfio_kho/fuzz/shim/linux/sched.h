/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/sched.h>: nothing to yield to. */
#ifndef KHO_FUZZ_SHIM_SCHED_H
#define KHO_FUZZ_SHIM_SCHED_H

static inline void cond_resched(void)
{
}

#endif
