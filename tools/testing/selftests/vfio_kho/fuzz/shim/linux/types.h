/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace stand-in for <linux/types.h>: what the suite's pure parsers
 * use, so that they compile unchanged for the fuzzers.
 */
#ifndef KHO_FUZZ_SHIM_TYPES_H
#define KHO_FUZZ_SHIM_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef uint64_t phys_addr_t;

/* Kernel attributes the ABI headers use */
#ifndef __packed
#define __packed	__attribute__((__packed__))
#endif

#endif
