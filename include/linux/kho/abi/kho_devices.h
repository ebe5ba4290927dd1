/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rules shared by every handover of the KHO device suite (pci.h, iommu.h,
 * vfio.h in this directory).
 */
#ifndef _LINUX_KHO_ABI_KHO_DEVICES_H
#define _LINUX_KHO_ABI_KHO_DEVICES_H

/**
 * DOC: KHO device handover rules
 *
 * Every array, block and page-table page a device handover names is
 * preserved with KHO, starts on a %KHO_DEVICES_PAGE_SIZE boundary and sits
 * at or above %KHO_DEVICES_MIN_PHYS, out of the way of the next kernel's
 * early allocations. A next kernel refuses an address that breaks this.
 */

/* The page size of the handovers' addresses and alignments. */
#define KHO_DEVICES_PAGE_SIZE		4096ULL
/* Lowest physical address a handover may name: 4 GiB. */
#define KHO_DEVICES_MIN_PHYS		0x100000000ULL

#endif /* _LINUX_KHO_ABI_KHO_DEVICES_H */
