/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rules shared by every handover of the KHO device suite (pci.h, iommu.h,
 * vfio.h in this directory).
 */
#ifndef _LINUX_KHO_ABI_KHO_DEVICES_H
#define _LINUX_KHO_ABI_KHO_DEVICES_H

#include <linux/types.h>

/**
 * DOC: KHO device handover rules
 *
 * Every array, block and page-table page a device handover names is
 * preserved with KHO, starts on a %KHO_DEVICES_PAGE_SIZE boundary and sits
 * at or above %KHO_DEVICES_MIN_PHYS, out of the way of the next kernel's
 * early allocations. A next kernel refuses an address that breaks this.
 *
 * Every handover names a PCI function the same way, with &struct
 * kho_devices_pci_addr.
 */

/* The page size of the handovers' addresses and alignments. */
#define KHO_DEVICES_PAGE_SIZE		4096ULL
/* Lowest physical address a handover may name: 4 GiB. */
#define KHO_DEVICES_MIN_PHYS		0x100000000ULL

/**
 * struct kho_devices_pci_addr - where a PCI function sits
 * @segment: PCI segment (domain); 32 bits, as some host bridges number
 *	theirs above 0xffff
 * @bus: bus number
 * @devfn: device and function number
 * @reserved: zero
 */
struct kho_devices_pci_addr {
	u32 segment;
	u8 bus;
	u8 devfn;
	u16 reserved;
} __packed;

#endif /* _LINUX_KHO_ABI_KHO_DEVICES_H */
