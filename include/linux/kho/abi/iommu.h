/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Handover ABI of drivers/iommu/iommu_kho.c: the IOMMU translation that
 * stays live across a kexec-based live update.
 */
#ifndef _LINUX_KHO_ABI_IOMMU_H
#define _LINUX_KHO_ABI_IOMMU_H

#include <linux/kho/abi/kho_devices.h>
#include <linux/types.h>

/**
 * DOC: IOMMU KHO ABI
 *
 * The old kernel hands the next one a flattened device tree whose root node
 * has these properties:
 *
 * - ``compatible``: the string %IOMMU_KHO_COMPATIBLE;
 * - ``nr-devices``: u32, number of devices whose translation is kept, at
 *   most %IOMMU_KHO_MAX_DEVICES;
 * - ``device-size``: u32, sizeof(&struct iommu_kho_device_ser);
 * - ``devices``: u64, physical address of the array of ``nr-devices``
 *   &struct iommu_kho_device_ser (absent when there are none);
 * - ``nr-pages``: u32, number of page-table pages, at most
 *   %IOMMU_KHO_MAX_PAGES;
 * - ``pages``: u64, physical address of an array of ``nr-pages`` u64
 *   physical addresses: the page-table pages of every domain, each
 *   domain's run sorted in ascending order. The records of the devices
 *   attached to one domain name the same run (same ``first_page``,
 *   ``nr_pages``, ``top_table`` and ``levels``, and on one unit the same
 *   ``domain_id``); no page belongs to two runs;
 * - ``devices-crc32c``, ``pages-crc32c``: u32, the CRC-32C (seeded with
 *   all ones) of each of the two arrays, ``nr-devices`` records and
 *   ``nr-pages`` addresses long: the next kernel refuses the whole
 *   handover when either does not match.
 *
 * Version 1 describes Intel VT-d in legacy mode: a root table per IOMMU
 * unit, a context table per bus, and a second-stage page table per
 * domain. Every page named here (arrays, root, context and page-table
 * pages) is preserved with KHO and sits at or above 4 GiB. Scalable mode
 * (a PASID table between context entry and page table) needs a new
 * version; the per-device record leaves room for it by naming the
 * translation type.
 *
 * This interface is a contract between two kernels. Any change to the
 * layout or meaning of a field requires a new %IOMMU_KHO_COMPATIBLE; the
 * next kernel refuses what it does not know and blocks the devices'
 * translation instead of adopting it.
 */

/* The compatible string of this version of the ABI. */
#define IOMMU_KHO_COMPATIBLE		"iommu-kho-vtd-legacy-v4"

#define IOMMU_KHO_PROP_NR_DEVICES	"nr-devices"
#define IOMMU_KHO_PROP_DEVICE_SIZE	"device-size"
#define IOMMU_KHO_PROP_DEVICES		"devices"
#define IOMMU_KHO_PROP_NR_PAGES		"nr-pages"
#define IOMMU_KHO_PROP_PAGES		"pages"
#define IOMMU_KHO_PROP_DEVICES_CRC	"devices-crc32c"
#define IOMMU_KHO_PROP_PAGES_CRC	"pages-crc32c"

/* Translation types of a record (the context entry's TT field). */
#define IOMMU_KHO_TT_MULTI_LEVEL	0
#define IOMMU_KHO_TT_DEV_IOTLB		1

/* Lowest domain ID a record may carry: intel-iommu reserves those below. */
#define IOMMU_KHO_MIN_DOMAIN_ID		2

/* Most devices one handover may carry. */
#define IOMMU_KHO_MAX_DEVICES		64
/* Most page-table pages one handover may carry (64 KiB of addresses). */
#define IOMMU_KHO_MAX_PAGES		8192

/**
 * struct iommu_kho_device_ser - a device whose translation is kept
 * @unit_reg_base: physical address of the register set of its IOMMU unit
 * @root_table: physical address of that unit's root table
 * @context_table: physical address of the context table of @bus
 * @top_table: physical address of the top page-table page
 * @addr: where the device sits
 * @domain_id: the domain ID in its context entry, at least
 *	%IOMMU_KHO_MIN_DOMAIN_ID
 * @levels: page-table levels (3, 4 or 5)
 * @translation_type: context entry translation type,
 *	%IOMMU_KHO_TT_MULTI_LEVEL or %IOMMU_KHO_TT_DEV_IOTLB
 * @first_page: index of its first page-table page in the ``pages`` array
 * @nr_pages: number of its page-table pages, the top one included
 * @alias: the other requester ID its DMA reaches the unit with (behind a
 *	conventional PCI bridge: the bridge's), on the same segment; all
 *	zero if it has none
 * @alias_context_table: physical address of the context table of
 *	@alias's bus, whose entry for @alias translates as the device's own
 *	(same table, levels and domain ID); 0 if the device has no alias
 */
struct iommu_kho_device_ser {
	u64 unit_reg_base;
	u64 root_table;
	u64 context_table;
	u64 top_table;
	struct kho_devices_pci_addr addr;
	u16 domain_id;
	u8 levels;
	u8 translation_type;
	u32 first_page;
	u32 nr_pages;
	struct kho_devices_pci_addr alias;
	u64 alias_context_table;
} __packed;

#endif /* _LINUX_KHO_ABI_IOMMU_H */
