/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IOMMU translation that stays live across a kexec-based live update. See
 * drivers/iommu/iommu_kho.c and include/linux/kho/abi/iommu.h.
 */
#ifndef _LINUX_IOMMU_KHO_H
#define _LINUX_IOMMU_KHO_H

#include <linux/bits.h>
#include <linux/types.h>

struct device;
struct iommu_domain;
struct kho_devices_pci_addr;
struct liveupdate_file_handler;
struct pci_dev;

/**
 * struct iommu_kho_layout - where the handover's arrays are
 * @devices: physical address of the &struct iommu_kho_device_ser array
 * @nr_devices: number of entries in it
 * @pages: physical address of the page-table page array
 * @nr_pages: number of entries in it
 */
struct iommu_kho_layout {
	phys_addr_t devices;
	u32 nr_devices;
	phys_addr_t pages;
	u32 nr_pages;
};

struct iommu_kho_device_ser;
struct kho_devices_memory;

/**
 * struct iommu_kho_entry - a device's translation entry, as found at boot
 * @top_table: physical address of the page table it points to
 * @domain_id: its domain ID
 * @levels: page-table levels
 * @translation_type: %IOMMU_KHO_TT_MULTI_LEVEL, %IOMMU_KHO_TT_DEV_IOTLB or
 *	another value of the driver's, which is refused
 *
 * What an IOMMU driver reads from its unit's tables (for VT-d, the context
 * entry copied from the previous kernel) and gives iommu_kho_claim_entry()
 * to compare with the record.
 */
struct iommu_kho_entry {
	u64 top_table;
	u16 domain_id;
	u8 levels;
	u8 translation_type;
};

/* The address field of a VT-d second-stage page-table entry */
#define IOMMU_KHO_SL_ADDR	GENMASK_ULL(51, 12)

int iommu_kho_collect_tables(phys_addr_t top, unsigned int levels,
			     const u64 *(*map)(phys_addr_t phys, void *ctx),
			     void *ctx, u64 *pages, u32 max, u32 *nr);
int iommu_kho_walk_leaves(phys_addr_t top, unsigned int levels,
			  const u64 *(*map)(phys_addr_t phys, void *ctx),
			  int (*leaf)(u64 iova, u64 pte, u64 size, void *ctx),
			  void *ctx, u64 *pages, u32 max);
void iommu_kho_check_records(const struct iommu_kho_device_ser *recs, u32 nr,
			     const u64 *page_list, u32 nr_pages,
			     const struct kho_devices_memory *mem,
			     const char **reasons);
const char *iommu_kho_check_entry(const struct iommu_kho_entry *entry,
				  u32 nr_domain_ids,
				  const struct iommu_kho_device_ser *rec);
int iommu_kho_fdt_build(void *fdt, size_t size,
			const struct iommu_kho_layout *l);
int iommu_kho_fdt_parse(const void *fdt, size_t size,
			struct iommu_kho_layout *l);

/**
 * struct iommu_kho_ops - what an IOMMU driver implements to hand over the
 *	translation of its devices
 * @check_device: can @dev's translation be handed over at all (its unit,
 *	its mode)? 0, or an errno with the reason logged.
 * @read_device: fill @rec's unit, table, domain and address fields from
 *	@dev's live translation (iommu_kho.c fills the page fields). 0, or an
 *	errno with the reason logged.
 * @live_table: the top table and levels of @dev's live translation. 0, or
 *	-ENXIO if it has none.
 * @prepare_adoption: make @domain, just allocated for @dev, ready to
 *	take over the kept table of @rec: the same table format and the kept
 *	domain ID. 0, or an errno with the reason logged.
 * @cancel_adoption: undo @prepare_adoption before @domain is freed
 *	without having been attached.
 *
 * An IOMMU driver points &struct iommu_ops.kho_ops at its implementation.
 * The same driver calls, from its own code, iommu_kho_outgoing_on_unit()
 * and iommu_kho_outgoing_has() at kexec, iommu_kho_keep_unit() and
 * iommu_kho_claim_entry() at boot, and iommu_kho_take_kept_table() when it
 * attaches an adopted domain.
 */
struct iommu_kho_ops {
	int (*check_device)(struct device *dev);
	int (*read_device)(struct device *dev, struct iommu_kho_device_ser *rec);
	int (*live_table)(struct device *dev, phys_addr_t *top,
			  unsigned int *levels);
	int (*prepare_adoption)(struct device *dev, struct iommu_domain *domain,
				const struct iommu_kho_device_ser *rec);
	void (*cancel_adoption)(struct iommu_domain *domain);
};

#ifdef CONFIG_IOMMU_KHO
int iommu_kho_register_flb(struct liveupdate_file_handler *fh);
int iommu_kho_preserve_device(struct device *dev);
void iommu_kho_unpreserve_device(struct device *dev);
bool iommu_kho_incoming_pending(void);
bool iommu_kho_domain_frozen(struct iommu_domain *domain);
/**
 * typedef iommu_kho_mapping_fn - the owner's look at one kept mapping
 * @iova: first IOVA of a run of kept leaves, contiguous in IOVA and in
 *	physical memory, with the same permissions
 * @phys: physical address @iova translates to
 * @size: bytes in the run
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @ctx: the owner's
 *
 * Return: 0 to go on; an errno refuses the adoption.
 */
typedef int (*iommu_kho_mapping_fn)(u64 iova, phys_addr_t phys, u64 size,
				    int prot, void *ctx);

struct iommu_domain *iommu_kho_adopt_domain(struct device *dev,
					    iommu_kho_mapping_fn fn, void *ctx,
					    u64 *bytes);
int iommu_kho_walk_runs(struct device *dev, iommu_kho_mapping_fn fn,
			void *ctx);
bool iommu_kho_translation_kept(struct device *dev);
int iommu_kho_check_device(struct device *dev);
unsigned int iommu_kho_dma_alias(struct pci_dev *pdev, u16 *alias);
void iommu_kho_free_adopted_domain(struct iommu_domain *domain);

/* For the IOMMU drivers that implement &struct iommu_kho_ops */
unsigned int iommu_kho_outgoing_on_unit(u64 unit_reg_base);
bool iommu_kho_outgoing_has(u64 unit_reg_base,
			    const struct kho_devices_pci_addr *addr);
bool iommu_kho_keep_unit(u64 unit_reg_base, u64 root_table,
			 const char *unit_name);
const char *iommu_kho_claim_entry(u64 unit_reg_base,
				  const struct kho_devices_pci_addr *addr,
				  const struct iommu_kho_entry *entry,
				  u32 nr_domain_ids);
bool iommu_kho_is_alias_entry(u64 unit_reg_base,
			      const struct kho_devices_pci_addr *addr);
bool iommu_kho_take_kept_table(const struct kho_devices_pci_addr *addr,
			       const struct iommu_kho_entry *entry, bool owned);
#else
static inline int iommu_kho_check_device(struct device *dev)
{
	return -ENODEV;
}

static inline bool iommu_kho_incoming_pending(void)
{
	return false;
}

static inline bool iommu_kho_translation_kept(struct device *dev)
{
	return false;
}

static inline bool iommu_kho_domain_frozen(struct iommu_domain *domain)
{
	return false;
}
#endif /* CONFIG_IOMMU_KHO */

#endif /* _LINUX_IOMMU_KHO_H */
