/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for <linux/crc32.h>: CRC-32C, bit by bit. */
#ifndef KHO_FUZZ_SHIM_CRC32_H
#define KHO_FUZZ_SHIM_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* As the kernel's: reflected, polynomial 0x82f63b78, no final inversion */
static inline uint32_t crc32c(uint32_t crc, const void *p, size_t len)
{
	const uint8_t *b = p;
	int k;

	while (len--) {
		crc ^= *b++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & -(crc & 1));
	}
	return crc;
}

#endif
