/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IOMMU translation that stays live across a kexec-based live update. See
 * drivers/iommu/iommu_kho.c and include/linux/kho/abi/iommu.h.
 */
#ifndef _LINUX_IOMMU_KHO_H
#define _LINUX_IOMMU_KHO_H

#include <linux/bits.h>
#include <linux/types.h>

struct context_entry;
struct device;
struct intel_iommu;
struct iommu_domain;
struct liveupdate_file_handler;

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
int iommu_kho_fdt_build(void *fdt, size_t size,
			const struct iommu_kho_layout *l);
int iommu_kho_fdt_parse(const void *fdt, size_t size,
			struct iommu_kho_layout *l);

#ifdef CONFIG_IOMMU_KHO
int iommu_kho_register_flb(struct liveupdate_file_handler *fh);
int iommu_kho_preserve_device(struct device *dev);
void iommu_kho_unpreserve_device(struct device *dev);
bool iommu_kho_incoming_pending(void);
bool iommu_kho_domain_frozen(struct iommu_domain *domain);
bool iommu_kho_shutdown_unit(struct intel_iommu *iommu);
bool iommu_kho_keep_translation(struct intel_iommu *iommu);
void iommu_kho_adopt_contexts(struct intel_iommu *iommu);
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
void iommu_kho_free_adopted_domain(struct iommu_domain *domain);
bool iommu_kho_switch_context(struct intel_iommu *iommu, struct context_entry *ce,
			      u8 bus, u8 devfn, u16 did, u64 top, u8 aw);
unsigned int iommu_kho_release_old_tables(struct device *dev);
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

static inline bool iommu_kho_shutdown_unit(struct intel_iommu *iommu)
{
	return false;
}

static inline bool iommu_kho_keep_translation(struct intel_iommu *iommu)
{
	return false;
}

static inline void iommu_kho_adopt_contexts(struct intel_iommu *iommu)
{
}

static inline bool iommu_kho_switch_context(struct intel_iommu *iommu,
					    struct context_entry *ce, u8 bus,
					    u8 devfn, u16 did, u64 top, u8 aw)
{
	return false;
}
#endif /* CONFIG_IOMMU_KHO */

#endif /* _LINUX_IOMMU_KHO_H */
