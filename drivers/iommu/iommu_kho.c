// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu_kho - IOMMU translation that stays live across a kexec-based live
 * update.
 */

/**
 * DOC: IOMMU translation across a live update
 *
 * This file owns the IOMMU part of the handover that does not depend on
 * the IOMMU driver: which devices keep their translation across the kexec,
 * the pages that translation lives in, in the format of
 * include/linux/kho/abi/iommu.h, the LUO FLB that carries them, the
 * freezing of a handed-over domain, the checks of the next kernel and the
 * adoption of a kept table by a domain of the new kernel. What touches an
 * IOMMU unit's own structures is the driver's, behind &struct
 * iommu_kho_ops (&struct iommu_ops.kho_ops) and a few calls the driver
 * makes: drivers/iommu/intel/kho.c for Intel VT-d in legacy mode, the only
 * implementation so far.
 *
 * Old kernel. A LUO file handler that carries a device depends on the FLB
 * "iommu-kho-v1" (iommu_kho_register_flb()); its preserve callback calls
 * iommu_kho_preserve_device() after pci_kho_preserve(). The driver reads
 * the device's live translation (@read_device: unit, root and context
 * tables, domain ID, top table, levels, and the entry of its one DMA alias
 * if its DMA also carries another requester ID, as behind a conventional
 * PCI bridge: iommu_kho_dma_alias()); this file walks the page table,
 * checks that every page sits at or above 4 GiB, preserves them all with
 * KHO and records them. At kexec the driver asks
 * iommu_kho_outgoing_on_unit() before turning a unit's translation off,
 * and blocks every device for which iommu_kho_outgoing_has() says no.
 *
 * New kernel. Before the driver would turn translation off on a unit that
 * has it on, it asks iommu_kho_keep_unit(): if the unit's root table is
 * the recorded one and each device's page table walks inside the recorded,
 * preserved pages, translation stays on and the driver keeps the unit's
 * tables as it does for kdump (no window with translation off). Then it
 * gives each entry present in them to iommu_kho_claim_entry(), and clears
 * those that are not a kept device, or do not match its record (blocked,
 * logged, the recorded function quiesced). The page tables themselves stay
 * where they are, restored from KHO. Attaching a default domain is
 * deferred for the devices of such a unit, as kdump does, and the DMA API
 * attaches it at a device's first mapping (iommu_kho_incoming_pending()).
 *
 * Adoption. iommu_kho_adopt_domain() gives the owner (VFIO) an ordinary
 * paging domain of this kernel with, through the driver's
 * @prepare_adoption, the kept domain ID, and walks the kept table for the
 * owner's checks. When the domain is attached, the driver asks
 * iommu_kho_take_kept_table(): the kept table's pages become IOMMU pages
 * of this kernel and generic_pt makes the table the domain's own
 * (pt_iommu_<fmt>_adopt_table()). The device's entry is not written: its
 * DMA goes on through the same table, no mapping is replayed, and the cost
 * does not grow with the memory mapped. From then on the domain maps,
 * unmaps and frees those pages as its own.
 *
 * Between preserve and kexec the domain's mappings are frozen
 * (iommu_kho_domain_frozen(): iommu_map() fails with -EBUSY, iommu_unmap()
 * unmaps nothing).
 *
 * State in debugfs: kho_devices/iommu/devices (per device: domain ID,
 * levels, page-table pages and metadata bytes handed over; in the next
 * kernel kept, blocked with the reason, or adopted).
 *
 * The devices of one domain (several groups in one VFIO container) are
 * recorded each, naming one run of table pages: the run is preserved,
 * restored and adopted once, by the first device whose domain is attached;
 * the others attach to that same domain and leave their entries as they
 * are.
 *
 * Not done yet: scalable mode (the ABI names the translation type so that
 * a PASID-table version can follow), AMD-Vi, and freeing the old root and
 * context table pages, which stay reserved. The kept table is
 * checked and walked by iommu_kho_format.c's walker, not generic_pt's: it
 * reads a table nothing vouches for yet and is fuzzed in userspace.
 */

#define pr_fmt(fmt) "iommu_kho: " fmt

#include <linux/debugfs.h>
#include <linux/iommu.h>
#include <linux/iommu_kho.h>
#include <linux/jump_label.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/iommu.h>
#include <linux/kho_devices.h>
#include <linux/kho_dma_policy.h>
#include <linux/libfdt.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci_kho.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "iommu-pages.h"
#include "iommu-priv.h"

/* Old kernel: what this kernel hands over */

/* A root or context table page, shared by the devices of a unit or bus. */
struct iommu_kho_shared_page {
	phys_addr_t phys;
	unsigned int users;
};

struct iommu_kho_outgoing {
	void *fdt;
	struct iommu_kho_device_ser *devices;
	u64 *pages;
	struct device *devs[IOMMU_KHO_MAX_DEVICES];
	u32 nr_devices;
	u32 nr_pages;
	struct iommu_kho_shared_page shared[2 * IOMMU_KHO_MAX_DEVICES];
};

#define IOMMU_KHO_DEVICES_BYTES \
	(IOMMU_KHO_MAX_DEVICES * sizeof(struct iommu_kho_device_ser))
#define IOMMU_KHO_PAGES_BYTES	(IOMMU_KHO_MAX_PAGES * sizeof(u64))

struct iommu_kho_in_device {
	const struct iommu_kho_device_ser *rec;
	bool accepted;
	bool kept;
	bool restored;		/* its table's pages, by it or a sharer */
	bool adopted;		/* its table is a domain's now */
	bool unit_seen;
	unsigned long mappings;
	const char *reason;
};

struct iommu_kho_incoming {
	struct folio *fdt;
	struct folio *devices;
	struct folio *pages;
	const u64 *page_list;
	int refused;
	u32 nr_pages;
	u32 nr;
	struct iommu_kho_in_device devs[] __counted_by(nr);
};

static DEFINE_MUTEX(iommu_kho_lock);
/*
 * The domains whose mappings are frozen, read by iommu_map() and
 * iommu_unmap() in any context: a spinlock, and a static key so that
 * nothing is looked up while no device is preserved.
 */
static DEFINE_SPINLOCK(iommu_kho_frozen_lock);
static struct iommu_domain *iommu_kho_frozen[IOMMU_KHO_MAX_DEVICES];
static DEFINE_STATIC_KEY_FALSE(iommu_kho_freezing);
static DEFINE_MUTEX(iommu_kho_lookup_lock);
static struct iommu_kho_outgoing *iommu_kho_out;
static struct iommu_kho_incoming *iommu_kho_in;
static bool iommu_kho_looked_up;
static bool iommu_kho_in_finished;

static void iommu_kho_outgoing_sync_fdt(struct iommu_kho_outgoing *out)
{
	struct iommu_kho_layout l = {
		.devices = virt_to_phys(out->devices),
		.nr_devices = out->nr_devices,
		.pages = virt_to_phys(out->pages),
		.nr_pages = out->nr_pages,
	};

	int err;

	err = iommu_kho_fdt_build(out->fdt, PAGE_SIZE, &l);
	err = err ?: kho_devices_fdt_set_crc(out->fdt, PAGE_SIZE,
					     IOMMU_KHO_PROP_DEVICES_CRC,
					     kho_devices_crc(out->devices,
							     out->nr_devices *
							     sizeof(out->devices[0])));
	err = err ?: kho_devices_fdt_set_crc(out->fdt, PAGE_SIZE,
					     IOMMU_KHO_PROP_PAGES_CRC,
					     kho_devices_crc(out->pages,
							     out->nr_pages *
							     sizeof(out->pages[0])));
	/* One page holds the FDT with room to spare: this cannot fail. */
	WARN_ON_ONCE(err);
}

/* The handover ops of the IOMMU driver that translates @dev, if it has any */
static const struct iommu_kho_ops *iommu_kho_ops_of(struct device *dev)
{
	if (!dev->iommu || !dev->iommu->iommu_dev)
		return NULL;
	return dev_iommu_ops(dev)->kho_ops;
}

static int iommu_kho_find_out(struct device *dev)
{
	u32 i;

	for (i = 0; iommu_kho_out && i < iommu_kho_out->nr_devices; i++)
		if (iommu_kho_out->devs[i] == dev)
			return i;
	return -ENOENT;
}

/**
 * iommu_kho_domain_frozen() - are this domain's mappings frozen?
 * @domain: an IOMMU domain about to be mapped or unmapped
 *
 * The page table of a domain whose translation is handed over was walked
 * and preserved page by page: a new mapping could need a table page the
 * next kernel does not know, and an unmapping could free one it will use.
 * From preserve to kexec, iommu_map() fails with -EBUSY and iommu_unmap()
 * unmaps nothing for such a domain; its owner (VFIO) is expected to refuse
 * earlier with its own errno.
 *
 * Return: true if the domain's mappings may not change.
 */
bool iommu_kho_domain_frozen(struct iommu_domain *domain)
{
	unsigned int i;

	if (!static_branch_unlikely(&iommu_kho_freezing))
		return false;
	guard(spinlock_irqsave)(&iommu_kho_frozen_lock);
	for (i = 0; i < ARRAY_SIZE(iommu_kho_frozen); i++)
		if (iommu_kho_frozen[i] == domain)
			return true;
	return false;
}

static void iommu_kho_freeze(unsigned int slot, struct iommu_domain *domain)
{
	static_branch_enable(&iommu_kho_freezing);
	scoped_guard(spinlock_irqsave, &iommu_kho_frozen_lock)
		iommu_kho_frozen[slot] = domain;
}

static void iommu_kho_frozen_compact(u32 removed, u32 nr)
{
	guard(spinlock_irqsave)(&iommu_kho_frozen_lock);
	memmove(&iommu_kho_frozen[removed], &iommu_kho_frozen[removed + 1],
		(nr - removed) * sizeof(iommu_kho_frozen[0]));
	iommu_kho_frozen[nr] = NULL;
}

static int iommu_kho_share_page(phys_addr_t phys)
{
	struct iommu_kho_shared_page *s, *free = NULL;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(iommu_kho_out->shared); i++) {
		s = &iommu_kho_out->shared[i];
		if (s->users && s->phys == phys) {
			s->users++;
			return 0;
		}
		if (!s->users && !free)
			free = s;
	}
	if (!free)
		return -ENOSPC;
	err = kho_preserve_pages(phys_to_page(phys), 1);
	if (err)
		return err;
	free->phys = phys;
	free->users = 1;
	return 0;
}

static void iommu_kho_unshare_page(phys_addr_t phys)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(iommu_kho_out->shared); i++) {
		struct iommu_kho_shared_page *s = &iommu_kho_out->shared[i];

		if (s->users && s->phys == phys) {
			if (!--s->users)
				kho_unpreserve_pages(phys_to_page(phys), 1);
			return;
		}
	}
}

static const u64 *iommu_kho_map_live(phys_addr_t phys, void *ctx)
{
	if (!pfn_valid(PHYS_PFN(phys)) || !page_is_ram(PHYS_PFN(phys)))
		return NULL;
	return phys_to_virt(phys);
}

static void iommu_kho_unpreserve_pages(const u64 *pages, u32 nr)
{
	u32 i;

	for (i = 0; i < nr; i++)
		kho_unpreserve_pages(phys_to_page(pages[i]), 1);
}

/* Preserve the table pages in @pages, all or none. */
static int iommu_kho_preserve_pages(const u64 *pages, u32 nr)
{
	u32 i;
	int err;

	for (i = 0; i < nr; i++) {
		err = kho_preserve_pages(phys_to_page(pages[i]), 1);
		if (err) {
			iommu_kho_unpreserve_pages(pages, i);
			return err;
		}
	}
	return 0;
}

static int iommu_kho_check_high(struct device *dev, const u64 *pages, u32 nr,
				phys_addr_t root, phys_addr_t context)
{
	u32 i;

	if (root < KHO_DMA_MIN_PHYS || context < KHO_DMA_MIN_PHYS) {
		dev_warn(dev, "translation not preserved: its IOMMU root or context table is below 4 GiB (%pa, %pa)\n",
			 &root, &context);
		return -ERANGE;
	}
	for (i = 0; i < nr; i++) {
		if (pages[i] >= KHO_DMA_MIN_PHYS)
			continue;
		dev_warn(dev, "translation not preserved: a page-table page is below 4 GiB (%#llx)\n",
			 pages[i]);
		return -ERANGE;
	}
	return 0;
}

/*
 * The record of a device already handed over whose domain @dev's is: the
 * devices of one domain share its table, handed over once.
 */
static int iommu_kho_find_same_domain(struct iommu_domain *domain,
				      const struct iommu_kho_device_ser *rec)
{
	const struct iommu_kho_device_ser *other;
	u32 i;

	for (i = 0; i < iommu_kho_out->nr_devices; i++) {
		other = &iommu_kho_out->devices[i];
		if (iommu_kho_frozen[i] == domain &&
		    other->top_table == rec->top_table &&
		    other->levels == rec->levels)
			return i;
	}
	return -ENOENT;
}

/* How many records share the table run that starts at @first_page */
static u32 iommu_kho_run_users(u32 first_page)
{
	u32 i, users = 0;

	for (i = 0; i < iommu_kho_out->nr_devices; i++)
		users += iommu_kho_out->devices[i].first_page == first_page;
	return users;
}

struct iommu_kho_alias_walk {
	u16 self;
	u16 alias;
	unsigned int nr;
};

/* pci_for_each_dma_alias() callback: counts the IDs other than its own */
static int iommu_kho_count_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	struct iommu_kho_alias_walk *w = data;

	if (alias == w->self || (w->nr && alias == w->alias))
		return 0;
	w->alias = alias;
	return ++w->nr > 1;
}

/**
 * iommu_kho_dma_alias() - the other requester ID a function's DMA carries
 * @pdev: a PCI function
 * @alias: set to that ID when there is exactly one
 *
 * Behind a conventional PCI bridge a function's DMA reaches the IOMMU with
 * the bridge's requester ID, and quirks add others
 * (pci_for_each_dma_alias()). The handover keeps the entry of one alias
 * next to the function's own.
 *
 * Return: how many requester IDs other than its own: 0, 1, or 2 for two or
 * more.
 */
unsigned int iommu_kho_dma_alias(struct pci_dev *pdev, u16 *alias)
{
	struct iommu_kho_alias_walk w = { .self = pci_dev_id(pdev) };

	pci_for_each_dma_alias(pdev, iommu_kho_count_alias, &w);
	if (w.nr == 1)
		*alias = w.alias;
	return min(w.nr, 2U);
}
EXPORT_SYMBOL_GPL(iommu_kho_dma_alias);

/**
 * iommu_kho_check_device() - could this device's translation be kept?
 * @dev: a device about to be handed over
 *
 * The checks of iommu_kho_preserve_device() that need nothing preserved
 * yet: an owner that hands over more than the device (VFIO's container)
 * calls it first, so that it does not keep anything for a device whose
 * translation cannot follow.
 *
 * Return: 0; -ENODEV if no IOMMU whose driver implements &struct
 * iommu_kho_ops translates it; -EOPNOTSUPP if its DMA reaches the IOMMU
 * under two or more other requester IDs (DMA aliases); the driver's errno
 * (VT-d: -ENODEV without a unit, -EOPNOTSUPP in scalable mode). The
 * reason is logged.
 */
int iommu_kho_check_device(struct device *dev)
{
	const struct iommu_kho_ops *ops = iommu_kho_ops_of(dev);
	u16 alias;

	if (!dev_is_pci(dev) || !ops) {
		dev_warn(dev, "translation not preserved: no IOMMU that can hand its translation over translates it\n");
		return -ENODEV;
	}
	if (iommu_kho_dma_alias(to_pci_dev(dev), &alias) > 1) {
		dev_warn(dev, "translation not preserved: its DMA reaches the IOMMU under more than one other requester ID, and one alias is handed over at most\n");
		return -EOPNOTSUPP;
	}
	return ops->check_device(dev);
}
EXPORT_SYMBOL_GPL(iommu_kho_check_device);

static void iommu_kho_add_record(struct device *dev,
				 struct iommu_domain *domain,
				 const struct iommu_kho_device_ser *rec)
{
	iommu_kho_out->devices[iommu_kho_out->nr_devices] = *rec;
	iommu_kho_freeze(iommu_kho_out->nr_devices, domain);
	iommu_kho_out->devs[iommu_kho_out->nr_devices++] = get_device(dev);
	iommu_kho_outgoing_sync_fdt(iommu_kho_out);
}

/* The unit's root table and the context tables of @rec, kept with it */
static void iommu_kho_unshare_tables(const struct iommu_kho_device_ser *rec)
{
	if (rec->alias_context_table)
		iommu_kho_unshare_page(rec->alias_context_table);
	iommu_kho_unshare_page(rec->context_table);
	iommu_kho_unshare_page(rec->root_table);
}

static int iommu_kho_share_tables(struct device *dev,
				  const struct iommu_kho_device_ser *rec)
{
	int err;

	if (rec->alias_context_table) {
		err = iommu_kho_check_high(dev, NULL, 0, rec->root_table,
					   rec->alias_context_table);
		if (err)
			return err;
	}
	err = iommu_kho_share_page(rec->root_table);
	if (err)
		return err;
	err = iommu_kho_share_page(rec->context_table);
	if (err)
		goto err_root;
	if (rec->alias_context_table) {
		err = iommu_kho_share_page(rec->alias_context_table);
		if (err)
			goto err_context;
	}
	return 0;

err_context:
	iommu_kho_unshare_page(rec->context_table);
err_root:
	iommu_kho_unshare_page(rec->root_table);
	return err;
}

/*
 * @dev is attached to the domain of the device recorded at @shared: its
 * record names the same run of table pages, preserved once already. Its
 * root and context tables may be other ones (another unit or bus).
 */
static int iommu_kho_preserve_shared(struct device *dev,
				     struct iommu_domain *domain,
				     struct iommu_kho_device_ser *rec,
				     int shared)
{
	int err;

	err = iommu_kho_check_high(dev, NULL, 0, rec->root_table,
				   rec->context_table);
	if (err)
		return err;
	err = iommu_kho_share_tables(dev, rec);
	if (err)
		goto err_log;
	rec->first_page = iommu_kho_out->devices[shared].first_page;
	rec->nr_pages = iommu_kho_out->devices[shared].nr_pages;
	iommu_kho_add_record(dev, domain, rec);
	dev_dbg(dev, "IOMMU translation preserved: domain %u shared with %s, %u page-table pages already kept\n",
		rec->domain_id, dev_name(iommu_kho_out->devs[shared]),
		rec->nr_pages);
	return 0;

err_log:
	dev_warn(dev, "translation not preserved: KHO refused its root or context table (%pe)\n",
		 ERR_PTR(err));
	return err;
}

/**
 * iommu_kho_preserve_device() - keep a device's IOMMU translation across kexec
 * @dev: a PCI device behind an IOMMU whose driver implements &struct
 *	iommu_kho_ops (VT-d in legacy mode), with a paging domain attached
 *
 * To be called from the preserve callback of a LUO file handler that
 * depends on the IOMMU FLB, after pci_kho_preserve() accepted the device.
 *
 * Return: 0; -ENOENT if no LUO file depending on the IOMMU FLB is being
 * preserved; -EEXIST if already preserved; the errno of
 * iommu_kho_check_device(); -ENXIO if it has no translation set up;
 * -EINVAL for pass-through or a malformed table;
 * -ERANGE if any page is below 4 GiB; -ENOSPC or -E2BIG if the handover is
 * full; a KHO errno. Nothing is kept on error and the reason is logged.
 */
int iommu_kho_preserve_device(struct device *dev)
{
	struct iommu_kho_device_ser rec = {};
	struct iommu_domain *domain;
	int err, shared;
	u64 *pages;
	u32 nr = 0;

	err = iommu_kho_check_device(dev);
	if (err)
		return err;
	guard(mutex)(&iommu_kho_lock);
	if (!iommu_kho_out) {
		dev_warn(dev, "translation not preserved: no LUO file that depends on %s is being preserved\n",
			 IOMMU_KHO_COMPATIBLE);
		return -ENOENT;
	}
	if (iommu_kho_find_out(dev) >= 0)
		return -EEXIST;
	if (iommu_kho_out->nr_devices == IOMMU_KHO_MAX_DEVICES)
		return -ENOSPC;
	err = iommu_kho_ops_of(dev)->read_device(dev, &rec);
	if (err)
		return err;
	domain = iommu_get_domain_for_dev(dev);
	shared = iommu_kho_find_same_domain(domain, &rec);
	if (shared >= 0)
		return iommu_kho_preserve_shared(dev, domain, &rec, shared);

	pages = iommu_kho_out->pages + iommu_kho_out->nr_pages;
	err = iommu_kho_collect_tables(rec.top_table, rec.levels,
				       iommu_kho_map_live, NULL, pages,
				       IOMMU_KHO_MAX_PAGES - iommu_kho_out->nr_pages,
				       &nr);
	if (err) {
		dev_warn(dev, "translation not preserved: its page table cannot be walked (%pe)\n",
			 ERR_PTR(err));
		return err;
	}
	err = iommu_kho_check_high(dev, pages, nr, rec.root_table,
				   rec.context_table);
	if (err)
		return err;
	err = iommu_kho_preserve_pages(pages, nr);
	if (err)
		goto err_log;
	err = iommu_kho_share_tables(dev, &rec);
	if (err)
		goto err_pages;

	rec.first_page = iommu_kho_out->nr_pages;
	rec.nr_pages = nr;
	iommu_kho_out->nr_pages += nr;
	iommu_kho_add_record(dev, domain, &rec);
	dev_dbg(dev, "IOMMU translation preserved: unit %#llx, domain %u, %u levels, %u page-table pages\n",
		rec.unit_reg_base, rec.domain_id, rec.levels, nr);
	return 0;

err_pages:
	iommu_kho_unpreserve_pages(pages, nr);
err_log:
	dev_warn(dev, "translation not preserved: KHO refused its pages (%pe)\n",
		 ERR_PTR(err));
	return err;
}
EXPORT_SYMBOL_GPL(iommu_kho_preserve_device);

/**
 * iommu_kho_unpreserve_device() - stop keeping a device's translation
 * @dev: a device iommu_kho_preserve_device() accepted
 *
 * Its domain's mappings may change again.
 */
void iommu_kho_unpreserve_device(struct device *dev)
{
	struct iommu_kho_outgoing *out;
	struct iommu_kho_device_ser rec;
	u32 i, j;
	int n;

	guard(mutex)(&iommu_kho_lock);
	n = iommu_kho_find_out(dev);
	if (n < 0)
		return;
	out = iommu_kho_out;
	rec = out->devices[n];
	/* The last device of a domain takes its table run with it. */
	if (iommu_kho_run_users(rec.first_page) > 1)
		rec.nr_pages = 0;
	iommu_kho_unpreserve_pages(out->pages + rec.first_page, rec.nr_pages);
	iommu_kho_unshare_tables(&rec);
	memmove(out->pages + rec.first_page,
		out->pages + rec.first_page + rec.nr_pages,
		(out->nr_pages - rec.first_page - rec.nr_pages) * sizeof(u64));
	out->nr_pages -= rec.nr_pages;
	for (i = n, j = n + 1; j < out->nr_devices; i++, j++) {
		out->devices[i] = out->devices[j];
		out->devs[i] = out->devs[j];
	}
	out->nr_devices--;
	iommu_kho_frozen_compact(n, out->nr_devices);
	for (i = 0; i < out->nr_devices; i++)
		if (out->devices[i].first_page > rec.first_page)
			out->devices[i].first_page -= rec.nr_pages;
	memset(&out->devices[out->nr_devices], 0, sizeof(rec));
	iommu_kho_outgoing_sync_fdt(out);
	put_device(dev);
	dev_dbg(dev, "IOMMU translation no longer preserved\n");
}
EXPORT_SYMBOL_GPL(iommu_kho_unpreserve_device);

/**
 * iommu_kho_outgoing_on_unit() - how many devices of a unit are handed over?
 * @unit_reg_base: physical address of the unit's registers
 *
 * For the IOMMU driver's shutdown at kexec, with the other CPUs stopped: a
 * unit that serves a handed-over device keeps translation on.
 *
 * Return: the number of devices of the unit whose translation is kept.
 */
unsigned int iommu_kho_outgoing_on_unit(u64 unit_reg_base)
{
	unsigned int kept = 0;
	u32 i;

	/* The other CPUs are stopped: the lock cannot be taken, nor is needed. */
	for (i = 0; iommu_kho_out && i < iommu_kho_out->nr_devices; i++)
		kept += iommu_kho_out->devices[i].unit_reg_base == unit_reg_base;
	return kept;
}

/**
 * iommu_kho_outgoing_has() - is this device's translation handed over?
 * @unit_reg_base: physical address of the registers of the unit found
 *	translating it
 * @addr: where the device sits
 *
 * For the IOMMU driver's shutdown at kexec, with the other CPUs stopped: it
 * blocks every other device of a unit that keeps translation on.
 *
 * Return: true if a record names @addr on that unit, as its device or as
 * its device's DMA alias.
 */
bool iommu_kho_outgoing_has(u64 unit_reg_base,
			    const struct kho_devices_pci_addr *addr)
{
	u32 i;

	for (i = 0; iommu_kho_out && i < iommu_kho_out->nr_devices; i++) {
		const struct iommu_kho_device_ser *r = &iommu_kho_out->devices[i];

		if (r->unit_reg_base == unit_reg_base &&
		    (kho_devices_pci_addr_eq(&r->addr, addr) ||
		     (r->alias_context_table &&
		      kho_devices_pci_addr_eq(&r->alias, addr))))
			return true;
	}
	return false;
}

/* LUO FLB callbacks */

static int iommu_kho_flb_preserve(struct liveupdate_flb_op_args *args)
{
	struct iommu_kho_outgoing *out;
	int err = 0;

	out = kzalloc_obj(*out);
	if (!out)
		return -ENOMEM;
	out->fdt = kho_dma_alloc_preserve(PAGE_SIZE);
	out->devices = kho_dma_alloc_preserve(IOMMU_KHO_DEVICES_BYTES);
	out->pages = kho_dma_alloc_preserve(IOMMU_KHO_PAGES_BYTES);
	if (IS_ERR(out->fdt))
		err = PTR_ERR(out->fdt);
	else if (IS_ERR(out->devices))
		err = PTR_ERR(out->devices);
	else if (IS_ERR(out->pages))
		err = PTR_ERR(out->pages);
	if (err) {
		pr_warn("cannot allocate the handover above 4 GiB (%pe)\n",
			ERR_PTR(err));
		if (!IS_ERR(out->fdt))
			kho_dma_free_preserved(out->fdt);
		if (!IS_ERR(out->devices))
			kho_dma_free_preserved(out->devices);
		if (!IS_ERR(out->pages))
			kho_dma_free_preserved(out->pages);
		kfree(out);
		return err;
	}
	iommu_kho_outgoing_sync_fdt(out);
	args->data = virt_to_phys(out->fdt);
	args->obj = out;
	scoped_guard(mutex, &iommu_kho_lock)
		iommu_kho_out = out;
	return 0;
}

static void iommu_kho_flb_unpreserve(struct liveupdate_flb_op_args *args)
{
	struct iommu_kho_outgoing *out = args->obj;

	scoped_guard(mutex, &iommu_kho_lock)
		iommu_kho_out = NULL;
	/* The files are unpreserved first: nothing is left to release. */
	WARN_ON_ONCE(out->nr_devices);
	kho_dma_free_preserved(out->pages);
	kho_dma_free_preserved(out->devices);
	kho_dma_free_preserved(out->fdt);
	kfree(out);
}

static bool iommu_kho_in_preserved(u64 phys, u64 size, void *ctx)
{
	return kho_is_preserved(phys, size);
}

static const void *iommu_kho_in_map(u64 phys, void *ctx)
{
	return phys_to_virt(phys);
}

static const struct kho_devices_memory iommu_kho_in_memory = {
	.preserved = iommu_kho_in_preserved,
	.map = iommu_kho_in_map,
};

static int iommu_kho_flb_retrieve(struct liveupdate_flb_op_args *args)
{
	struct folio *fdt, *devices = NULL, *pages = NULL;
	struct iommu_kho_layout l = {};
	struct iommu_kho_incoming *in;
	const char **reasons;
	int refused = 0;
	u32 i;

	fdt = kho_is_preserved(args->data, PAGE_SIZE) ?
	      kho_restore_folio(args->data) : NULL;
	if (!fdt) {
		refused = -EFAULT;
		goto build;
	}
	refused = iommu_kho_fdt_parse(folio_address(fdt), folio_size(fdt), &l);
	if (refused)
		goto build;
	/* Both arrays are allocated whole, even when empty. */
	if (!kho_is_preserved(l.devices,
			      max_t(size_t, 1, l.nr_devices *
				    sizeof(struct iommu_kho_device_ser))) ||
	    !kho_is_preserved(l.pages, max_t(size_t, 1,
					     l.nr_pages * sizeof(u64)))) {
		refused = -EFAULT;
		goto build;
	}
	devices = kho_restore_folio(l.devices);
	pages = kho_restore_folio(l.pages);
	if (!devices || !pages ||
	    folio_size(devices) < l.nr_devices * sizeof(struct iommu_kho_device_ser) ||
	    folio_size(pages) < l.nr_pages * sizeof(u64)) {
		refused = -EFAULT;
		goto build;
	}
	refused = kho_devices_fdt_check_crc(folio_address(fdt),
					    IOMMU_KHO_PROP_DEVICES_CRC,
					    folio_address(devices),
					    l.nr_devices *
					    sizeof(struct iommu_kho_device_ser));
	refused = refused ?: kho_devices_fdt_check_crc(folio_address(fdt),
						       IOMMU_KHO_PROP_PAGES_CRC,
						       folio_address(pages),
						       l.nr_pages * sizeof(u64));
	if (refused == -EBADMSG)
		pr_err("handover refused: its records do not match their checksum (changed in memory?)\n");
build:
	if (refused) {
		pr_err("handover refused (%pe): translation is turned off on the units it names\n",
		       ERR_PTR(refused));
		l.nr_devices = 0;
	}
	in = kzalloc_flex(*in, devs, l.nr_devices);
	if (!in) {
		refused = -ENOMEM;
		goto err_put;
	}
	in->nr = l.nr_devices;
	in->refused = refused;
	in->fdt = fdt;
	in->devices = devices;
	in->pages = pages;
	in->nr_pages = refused ? 0 : l.nr_pages;
	in->page_list = pages && !refused ? folio_address(pages) : NULL;
	reasons = kvcalloc(max_t(u32, in->nr, 1), sizeof(*reasons), GFP_KERNEL);
	if (reasons)
		iommu_kho_check_records(folio_address(devices), in->nr,
					in->page_list, in->nr_pages,
					&iommu_kho_in_memory, reasons);
	for (i = 0; i < in->nr; i++) {
		in->devs[i].rec = (struct iommu_kho_device_ser *)folio_address(devices) + i;
		in->devs[i].reason = reasons ? reasons[i] : "out of memory";
		in->devs[i].accepted = !in->devs[i].reason;
	}
	kvfree(reasons);
	args->obj = in;
	return 0;

err_put:
	if (pages)
		folio_put(pages);
	if (devices)
		folio_put(devices);
	if (fdt)
		folio_put(fdt);
	return refused;
}

static void iommu_kho_flb_finish(struct liveupdate_flb_op_args *args)
{
	struct iommu_kho_incoming *in = args->obj;

	/*
	 * The kept page tables stay in use by the devices until their owner
	 * attaches a domain of its own; they are not freed here.
	 */
	scoped_guard(mutex, &iommu_kho_lock) {
		if (iommu_kho_in == in)
			WRITE_ONCE(iommu_kho_in, NULL);
		iommu_kho_in_finished = true;
	}
	/* iommu_kho_take_kept_table() reads it under RCU, not the mutex */
	synchronize_rcu();
	if (in->pages)
		folio_put(in->pages);
	if (in->devices)
		folio_put(in->devices);
	if (in->fdt)
		folio_put(in->fdt);
	kfree(in);
}

static const struct liveupdate_flb_ops iommu_kho_flb_ops = {
	.preserve = iommu_kho_flb_preserve,
	.unpreserve = iommu_kho_flb_unpreserve,
	.retrieve = iommu_kho_flb_retrieve,
	.finish = iommu_kho_flb_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_flb iommu_kho_flb = {
	.ops = &iommu_kho_flb_ops,
	.compatible = "iommu-kho-v1",
};

/**
 * iommu_kho_register_flb() - make a LUO file handler carry IOMMU translation
 * @fh: a registered file handler whose files call iommu_kho_preserve_device()
 *
 * Return: 0 or the errno of liveupdate_register_flb().
 */
int iommu_kho_register_flb(struct liveupdate_file_handler *fh)
{
	return liveupdate_register_flb(fh, &iommu_kho_flb);
}
EXPORT_SYMBOL_GPL(iommu_kho_register_flb);

/* New kernel */

static void iommu_kho_lookup_incoming(void)
{
	void *obj;
	int err;

	guard(mutex)(&iommu_kho_lookup_lock);
	if (iommu_kho_looked_up)
		return;
	iommu_kho_looked_up = true;
	if (!is_kho_boot())
		return;
	err = liveupdate_flb_get_incoming(&iommu_kho_flb, &obj);
	if (err)
		return;
	liveupdate_flb_put_incoming(&iommu_kho_flb);
	guard(mutex)(&iommu_kho_lock);
	WRITE_ONCE(iommu_kho_in, obj);
}

/**
 * iommu_kho_incoming_pending() - did the previous kernel hand translation over?
 *
 * The DMA API then attaches default domains lazily, as in a kdump kernel,
 * so that devices whose translation is kept are not attached.
 *
 * Return: true if the handover names at least one device, or was refused.
 */
bool iommu_kho_incoming_pending(void)
{
	iommu_kho_lookup_incoming();
	guard(mutex)(&iommu_kho_lock);
	return iommu_kho_in && (iommu_kho_in->nr || iommu_kho_in->refused);
}

/* Does @d name the run of @r, as another device of the same domain? */
static bool iommu_kho_in_shares_run(const struct iommu_kho_in_device *d,
				    const struct iommu_kho_device_ser *r)
{
	return d->rec != r && d->accepted && d->rec->first_page == r->first_page;
}

/* The pages of @r's run, restored already for another device? */
static bool iommu_kho_in_run_restored(const struct iommu_kho_incoming *in,
				      const struct iommu_kho_device_ser *r)
{
	u32 i;

	for (i = 0; i < in->nr; i++)
		if (iommu_kho_in_shares_run(&in->devs[i], r) &&
		    in->devs[i].restored)
			return true;
	return false;
}

/**
 * iommu_kho_keep_unit() - may translation stay on for this unit?
 * @unit_reg_base: physical address of the registers of a unit found with
 *	translation enabled at boot
 * @root_table: physical address of the table the unit translates through
 *	(VT-d: the root table)
 * @unit_name: the unit's name, for the log
 *
 * Called by the IOMMU driver before it would turn translation off.
 * Checks the records of the unit's kept devices and restores their
 * page-table pages. When the unit was handed over, translation stays on
 * even if every record is refused, or the whole handover is: turning it
 * off would let the devices' DMA reach physical memory untranslated.
 * Instead, the driver then gives every entry of its tables to
 * iommu_kho_claim_entry(), which blocks every device that is not kept.
 *
 * Return: true if translation stays on and the driver keeps the unit's
 * tables.
 */
bool iommu_kho_keep_unit(u64 unit_reg_base, u64 root_table,
			 const char *unit_name)
{
	struct iommu_kho_incoming *in;
	u32 i, j, kept = 0, handed_over = 0;

	iommu_kho_lookup_incoming();
	guard(mutex)(&iommu_kho_lock);
	in = iommu_kho_in;
	if (!in)
		return false;
	if (in->refused) {
		pr_err("%s: translation stays on, every device on it blocked: the handover was refused\n",
		       unit_name);
		return true;
	}
	for (i = 0; i < in->nr; i++) {
		struct iommu_kho_in_device *d = &in->devs[i];
		const struct iommu_kho_device_ser *r = d->rec;

		if (r->unit_reg_base != unit_reg_base)
			continue;
		d->unit_seen = true;
		handed_over++;
		if (d->accepted && r->root_table != root_table) {
			d->accepted = false;
			d->reason = "the unit's root table is not the recorded one";
		}
		if (!d->accepted) {
			pr_err("%s: IOMMU translation refused: %s; blocked\n",
			       kho_devices_pci_name(&r->addr).str, d->reason);
			continue;
		}
		/* The devices of one domain share its run: restored once. */
		if (iommu_kho_in_run_restored(in, r)) {
			d->restored = true;
			kept++;
			continue;
		}
		for (j = 0; j < r->nr_pages; j++)
			if (!kho_restore_pages(in->page_list[r->first_page + j], 1))
				break;
		d->restored = j == r->nr_pages;
		if (j < r->nr_pages) {
			/* checked preserved at retrieve: should not happen */
			d->accepted = false;
			d->reason = "a page-table page could not be restored";
			pr_err("%s: IOMMU translation refused: %s; blocked\n",
			       kho_devices_pci_name(&r->addr).str, d->reason);
			continue;
		}
		kept++;
	}
	if (handed_over)
		pr_info("%s: translation kept on from the previous kernel for %u of %u device(s)\n",
			unit_name, kept, handed_over);
	return handed_over;
}
EXPORT_SYMBOL_GPL(iommu_kho_keep_unit);

/* Does @r name @addr as its device's DMA alias? */
static bool iommu_kho_rec_alias_is(const struct iommu_kho_device_ser *r,
				   const struct kho_devices_pci_addr *addr)
{
	return r->alias_context_table && kho_devices_pci_addr_eq(&r->alias, addr);
}

/*
 * The incoming record of the device at @addr, if its translation was kept;
 * else a kept record that names @addr as its DMA alias (a bridge's entry),
 * one adopted already if there is one.
 */
static struct iommu_kho_in_device *
iommu_kho_in_find_kept(struct iommu_kho_incoming *in,
		       const struct kho_devices_pci_addr *addr)
{
	struct iommu_kho_in_device *alias = NULL;
	u32 i;

	for (i = 0; in && i < in->nr; i++) {
		struct iommu_kho_in_device *d = &in->devs[i];

		if (!d->kept)
			continue;
		if (kho_devices_pci_addr_eq(&d->rec->addr, addr))
			return d;
		if (iommu_kho_rec_alias_is(d->rec, addr) &&
		    (!alias || (d->adopted && !alias->adopted)))
			alias = d;
	}
	return alias;
}

/*
 * A translation is kept only for a PCI function the PCI part kept: if the
 * function was refused (another device at that address) or is missing,
 * whatever sits there now must not DMA through the old table. The PCI
 * part enumerates first and marks each endpoint it claims in struct
 * pci_dev (pci_kho_is_preserved()); nothing else marks one at boot.
 */
static bool iommu_kho_pci_kept(const struct iommu_kho_device_ser *r)
{
	struct pci_dev *pdev;
	bool kept;

	pdev = pci_get_domain_bus_and_slot(r->addr.segment, r->addr.bus,
					   r->addr.devfn);
	if (!pdev)
		return false;
	kept = pdev->hdr_type == PCI_HEADER_TYPE_NORMAL &&
	       pci_kho_is_preserved(pdev);
	pci_dev_put(pdev);
	return kept;
}

/* A refused record: the function it names must stop its DMA too. */
static void iommu_kho_quiesce_recorded(const struct iommu_kho_device_ser *r,
				       const char *why)
{
	struct pci_dev *pdev;

	pdev = pci_get_domain_bus_and_slot(r->addr.segment, r->addr.bus,
					   r->addr.devfn);
	if (!pdev)
		return;
	kho_dma_quiesce(&pdev->dev, 0, why);	/* its own line gave the rule */
	pci_dev_put(pdev);
}

/**
 * iommu_kho_is_alias_entry() - is this entry a kept device's DMA alias only?
 * @unit_reg_base: physical address of the registers of a unit for which
 *	iommu_kho_keep_unit() returned true
 * @addr: a requester ID with an entry present in the unit's kept tables
 *
 * The IOMMU driver gives such entries to iommu_kho_claim_entry() after all
 * the others: whether one stays depends on the devices' own entries.
 *
 * Return: true if a record of the unit names @addr as its device's alias
 * and none as its device.
 */
bool iommu_kho_is_alias_entry(u64 unit_reg_base,
			      const struct kho_devices_pci_addr *addr)
{
	bool alias = false;
	u32 i;

	for (i = 0; iommu_kho_in && !iommu_kho_in->refused &&
	     i < iommu_kho_in->nr; i++) {
		const struct iommu_kho_device_ser *r = iommu_kho_in->devs[i].rec;

		if (r->unit_reg_base != unit_reg_base)
			continue;
		if (kho_devices_pci_addr_eq(&r->addr, addr))
			return false;
		alias |= iommu_kho_rec_alias_is(r, addr);
	}
	return alias;
}
EXPORT_SYMBOL_GPL(iommu_kho_is_alias_entry);

/*
 * The entry of a DMA alias (a bridge above kept devices) stays only if
 * every device whose record names it kept its own entry and the alias's
 * matches their records: it translates their DMA with their table.
 */
static const char *iommu_kho_claim_alias(u64 unit_reg_base,
					 const struct kho_devices_pci_addr *addr,
					 const struct kho_devices_pci_name_buf *name,
					 const struct iommu_kho_entry *entry,
					 u32 nr_domain_ids)
{
	const char *why = NULL;
	u32 i, users = 0;

	for (i = 0; i < iommu_kho_in->nr && !why; i++) {
		const struct iommu_kho_in_device *d = &iommu_kho_in->devs[i];

		if (d->rec->unit_reg_base != unit_reg_base ||
		    !iommu_kho_rec_alias_is(d->rec, addr))
			continue;
		users++;
		why = d->kept ? iommu_kho_check_entry(entry, nr_domain_ids,
						      d->rec) :
				"a device whose DMA it carries was not kept";
	}
	if (!why) {
		pr_debug("%s: IOMMU translation kept as the DMA alias of %u kept device(s)\n",
			 name->str, users);
		return NULL;
	}
	pr_warn("%s: context entry left by the previous kernel blocked: DMA alias of kept devices: %s\n",
		name->str, why);
	return why;
}

/**
 * iommu_kho_claim_entry() - may a translation entry left on at boot stay?
 * @unit_reg_base: physical address of the registers of a unit for which
 *	iommu_kho_keep_unit() returned true
 * @addr: the device the entry translates
 * @entry: what the entry says
 * @nr_domain_ids: number of domain IDs the unit has
 *
 * Called by the IOMMU driver at boot for every entry present in the
 * tables it kept, the entries iommu_kho_is_alias_entry() names last. The
 * entry stays if it is a kept device's, matches its record, and the PCI
 * part kept the function; a DMA alias's entry stays if every device whose
 * record names it was kept that way and it matches their records.
 * Otherwise the reason is
 * logged, the function a refused record names is quiesced (its bus
 * mastering cleared while the entry still translates), and the driver
 * clears the entry: that device's DMA is blocked until a domain is
 * attached to it.
 *
 * Return: NULL if the entry stays; else why it is cleared.
 */
const char *iommu_kho_claim_entry(u64 unit_reg_base,
				  const struct kho_devices_pci_addr *addr,
				  const struct iommu_kho_entry *entry,
				  u32 nr_domain_ids)
{
	struct kho_devices_pci_name_buf name = kho_devices_pci_name(addr);
	struct iommu_kho_in_device *d = NULL;
	u32 i;

	/*
	 * No iommu_kho_lock: this runs from the IOMMU driver's init, before
	 * anything else reads or frees the incoming state, and a refusal
	 * quiesces through kho_dma_quiesce(), which takes the PCI part's
	 * lock, nested inside LUO's, which nest outside iommu_kho_lock (FLB
	 * finish).
	 */
	for (i = 0; iommu_kho_in && !iommu_kho_in->refused &&
	     i < iommu_kho_in->nr; i++) {
		const struct iommu_kho_device_ser *r = iommu_kho_in->devs[i].rec;

		if (r->unit_reg_base == unit_reg_base &&
		    kho_devices_pci_addr_eq(&r->addr, addr))
			d = &iommu_kho_in->devs[i];
	}
	if (!d && iommu_kho_is_alias_entry(unit_reg_base, addr))
		return iommu_kho_claim_alias(unit_reg_base, addr, &name, entry,
					     nr_domain_ids);
	if (d && d->accepted && !iommu_kho_pci_kept(d->rec)) {
		d->accepted = false;
		d->reason = "its PCI function was not kept (refused or missing)";
	}
	if (d && d->accepted) {
		const char *why = iommu_kho_check_entry(entry, nr_domain_ids,
							d->rec);

		if (why) {
			d->accepted = false;
			d->reason = why;
		}
	}
	if (d && d->accepted) {
		d->kept = true;
		pr_debug("%s: IOMMU translation kept: domain %u, %u page-table pages\n",
			 name.str, d->rec->domain_id, d->rec->nr_pages);
		return NULL;
	}
	pr_warn("%s: context entry left by the previous kernel blocked: %s\n",
		name.str, d ? d->reason : "not a kept device");
	if (!d)
		return "not a kept device";
	iommu_kho_quiesce_recorded(d->rec, d->reason);
	return d->reason;
}
EXPORT_SYMBOL_GPL(iommu_kho_claim_entry);

#ifdef CONFIG_KHO_DEVICES_TEST_HOOKS
/* forge and adopt, which reach into the records above */
#include "iommu_kho_test.c"
#else
static inline void iommu_kho_test_hooks_init(struct dentry *dir)
{
}
#endif

/* End of boot: report records whose IOMMU unit this kernel does not have */
static int __init iommu_kho_boot_done(void)
{
	u32 i;

	/* Boot: nothing frees the incoming state yet; see adopt_contexts. */
	for (i = 0; iommu_kho_in && i < iommu_kho_in->nr; i++) {
		struct iommu_kho_in_device *d = &iommu_kho_in->devs[i];
		const struct iommu_kho_device_ser *r = d->rec;

		if (d->unit_seen || !d->accepted)
			continue;
		scoped_guard(mutex, &iommu_kho_lock) {
			d->accepted = false;
			d->reason = "its IOMMU unit was not found";
		}
		pr_err("%s: translation not kept: no IOMMU unit at %#llx\n",
		       kho_devices_pci_name(&r->addr).str, r->unit_reg_base);
		iommu_kho_quiesce_recorded(r, d->reason);
	}
	return 0;
}
late_initcall_sync(iommu_kho_boot_done);

/* Adoption: the kept table becomes an iommu_domain of the new kernel */

/*
 * The owner looks at a translation as runs: leaves that follow each other
 * in IOVA and in physical memory with the same permissions are one call
 * of its check.
 */
struct iommu_kho_runs {
	iommu_kho_mapping_fn fn;
	void *ctx;
	u64 run_iova;
	u64 run_phys;
	u64 run_size;
	int run_prot;
	unsigned long nr;
	u64 bytes;
};

static int iommu_kho_runs_flush(struct iommu_kho_runs *runs)
{
	int err;

	if (!runs->run_size)
		return 0;
	err = runs->fn ? runs->fn(runs->run_iova, runs->run_phys,
				  runs->run_size, runs->run_prot, runs->ctx) : 0;
	if (!err)
		runs->bytes += runs->run_size;
	runs->run_size = 0;
	return err;
}

static int iommu_kho_runs_leaf(u64 iova, u64 pte, u64 size, void *ctx)
{
	struct iommu_kho_runs *runs = ctx;
	u64 phys = pte & IOMMU_KHO_SL_ADDR & ~(size - 1);
	int prot = (pte & BIT_ULL(0) ? IOMMU_READ : 0) |
		   (pte & BIT_ULL(1) ? IOMMU_WRITE : 0);
	int err;

	runs->nr++;
	if (runs->run_size && prot == runs->run_prot &&
	    iova == runs->run_iova + runs->run_size &&
	    phys == runs->run_phys + runs->run_size) {
		runs->run_size += size;
		return 0;
	}
	err = iommu_kho_runs_flush(runs);
	runs->run_iova = iova;
	runs->run_phys = phys;
	runs->run_size = size;
	runs->run_prot = prot;
	return err;
}

/* Walk a table of at most @max pages and give its runs to @runs->fn */
static int iommu_kho_walk_table_runs(phys_addr_t top, unsigned int levels,
				     u32 max, struct iommu_kho_runs *runs)
{
	u64 *pages;
	int err;

	pages = kvmalloc_array(max, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	err = iommu_kho_walk_leaves(top, levels, iommu_kho_map_live,
				    iommu_kho_runs_leaf, runs, pages, max);
	kvfree(pages);
	return err ?: iommu_kho_runs_flush(runs);
}

/**
 * iommu_kho_walk_runs() - the runs of a device's translation, live
 * @dev: a PCI device behind an IOMMU whose driver implements &struct
 *	iommu_kho_ops, translated
 * @fn: called for each run of leaves contiguous in IOVA and physical
 *	memory with the same permissions, in ascending IOVA order
 * @ctx: passed to @fn
 *
 * For the owner of the mappings, before it preserves them: it compares
 * its memory with the runs instead of looking each page up. The owner
 * keeps the mappings from changing meanwhile.
 *
 * Return: 0; -ENODEV if no such IOMMU translates @dev; the driver's errno
 * (-ENXIO: no translation set up, -EOPNOTSUPP: VT-d scalable mode); -ENOMEM; the
 * errno of the table walk (see iommu_kho_collect_tables()) or of @fn.
 */
int iommu_kho_walk_runs(struct device *dev, iommu_kho_mapping_fn fn,
			void *ctx)
{
	const struct iommu_kho_ops *ops = iommu_kho_ops_of(dev);
	struct iommu_kho_runs runs = { .fn = fn, .ctx = ctx };
	unsigned int levels;
	phys_addr_t top;
	int err;

	if (!dev_is_pci(dev) || !ops)
		return -ENODEV;
	err = ops->live_table(dev, &top, &levels);
	if (err)
		return err;
	return iommu_kho_walk_table_runs(top, levels, IOMMU_KHO_MAX_PAGES,
					 &runs);
}
EXPORT_SYMBOL_GPL(iommu_kho_walk_runs);

static struct iommu_kho_in_device *iommu_kho_in_kept(struct device *dev)
{
	struct kho_devices_pci_addr addr;
	struct iommu_kho_in_device *d;

	if (!iommu_kho_in || !dev_is_pci(dev) || !iommu_kho_ops_of(dev))
		return NULL;
	addr = pci_kho_addr(to_pci_dev(dev));
	d = iommu_kho_in_find_kept(iommu_kho_in, &addr);
	return d && !d->adopted ? d : NULL;
}

/**
 * iommu_kho_translation_kept() - is a device still using a kept translation?
 * @dev: any device
 *
 * The IOMMU core asks before it attaches the blocking domain to a group
 * that gets a new owner: a device that still translates through the table
 * kept from the previous kernel keeps it until its owner attaches the
 * domain iommu_kho_adopt_domain() made.
 *
 * Return: true if @dev's translation was kept and is not adopted yet.
 */
bool iommu_kho_translation_kept(struct device *dev)
{
	guard(mutex)(&iommu_kho_lock);
	return iommu_kho_in_kept(dev);
}

/**
 * iommu_kho_adopt_domain() - a domain to take over the kept table of a device
 * @dev: a device whose translation was kept from the previous kernel
 * @fn: if not NULL, called for each run of kept mappings, in ascending
 *	IOVA order: the owner checks them against what it recorded (an error
 *	refuses the adoption)
 * @ctx: passed to @fn
 * @bytes: if not NULL, set to the number of bytes the kept table maps
 *
 * Allocates a paging domain for @dev in this kernel, with the kept domain
 * ID, and walks the kept table for @fn. The domain maps nothing yet:
 * attaching it to @dev (the owner does, e.g. with iommu_attach_device())
 * makes the kept table, as it is, the domain's table (the IOMMU driver
 * asks iommu_kho_take_kept_table()), without writing the device's entry:
 * its DMA goes on being translated through the same table, and no mapping
 * is replayed. Until then the device keeps using the kept table, and
 * freeing the domain (iommu_kho_free_adopted_domain()) changes nothing
 * for it.
 *
 * Return: the domain, or an ERR_PTR(): -ENOENT if @dev has no kept
 * translation (or it was adopted already), the IOMMU driver's errno if
 * this kernel's domain for @dev cannot take the kept table over (VT-d:
 * -EOPNOTSUPP for another address width), -ENOMEM, or the errno of @fn.
 */
struct iommu_domain *iommu_kho_adopt_domain(struct device *dev,
					    iommu_kho_mapping_fn fn, void *ctx,
					    u64 *bytes)
{
	struct iommu_kho_runs runs = { .fn = fn, .ctx = ctx };
	const struct iommu_kho_ops *ops;
	struct iommu_kho_in_device *d;
	struct iommu_domain *domain;
	int err;

	guard(mutex)(&iommu_kho_lock);
	d = iommu_kho_in_kept(dev);
	if (!d)
		return ERR_PTR(-ENOENT);
	ops = iommu_kho_ops_of(dev);
	domain = iommu_paging_domain_alloc(dev);
	if (IS_ERR(domain))
		return domain;
	/* Same table format, and the kept domain ID */
	err = ops->prepare_adoption(dev, domain, d->rec);
	if (err) {
		iommu_domain_free(domain);
		return ERR_PTR(err);
	}

	err = iommu_kho_walk_table_runs(d->rec->top_table, d->rec->levels,
					d->rec->nr_pages, &runs);
	if (err) {
		dev_warn(dev, "kept translation not adopted: checking its mappings failed (%pe); it stays on the kept table\n",
			 ERR_PTR(err));
		goto err_free;
	}
	d->mappings = runs.nr;
	if (bytes)
		*bytes = runs.bytes;
	dev_dbg(dev, "kept translation to be adopted: %lu mapping(s), domain ID %u\n",
		runs.nr, d->rec->domain_id);
	return domain;

err_free:
	ops->cancel_adoption(domain);
	iommu_domain_free(domain);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(iommu_kho_adopt_domain);

/**
 * iommu_kho_free_adopted_domain() - free a domain that was never attached
 * @domain: a domain from iommu_kho_adopt_domain() that its owner refuses
 *
 * The device goes on translating through the kept table; the kept domain
 * ID stays reserved for it.
 */
void iommu_kho_free_adopted_domain(struct iommu_domain *domain)
{
	domain->owner->kho_ops->cancel_adoption(domain);
	iommu_domain_free(domain);
}
EXPORT_SYMBOL_GPL(iommu_kho_free_adopted_domain);

/**
 * iommu_kho_take_kept_table() - may an attached domain take the kept table?
 * @addr: the device an adopted domain is being attached to
 * @entry: what the device's entry, kept from the previous kernel, says now
 * @owned: the domain's table is @entry's already: it took the table over
 *	through another device of the same domain
 *
 * Called by the IOMMU driver, under its own spinlock, when it attaches a
 * domain to a device whose entry it kept from the previous kernel, after
 * checking that the domain has @entry's domain ID and table format. If the
 * device's translation is kept and not adopted yet, and @entry still
 * names its recorded table and domain ID (so the domain is the one
 * iommu_kho_adopt_domain() made), every page of the kept table becomes an
 * IOMMU page of this kernel (iommu_pages_adopt()) and the device is marked
 * adopted. The driver then makes the table the domain's own
 * (pt_iommu_<fmt>_adopt_table()) and leaves the entry as it is: the domain
 * frees those pages as it unmaps and when it is freed.
 *
 * The devices of one domain share one table: the first attach takes it
 * over, the others (@owned) only mark their record adopted. A table that
 * another domain took over is refused. @addr may be a kept device's DMA
 * alias (a bridge above it, attached with its group): its entry is the
 * device's, as the record says.
 *
 * Return: true if the driver gives the kept table to the domain (or, with
 * @owned, leaves it there).
 */
bool iommu_kho_take_kept_table(const struct kho_devices_pci_addr *addr,
			       const struct iommu_kho_entry *entry, bool owned)
{
	struct iommu_kho_in_device *d, *sharer = NULL;
	struct iommu_kho_incoming *in;
	u32 i;

	/* Under a spinlock: iommu_kho_flb_finish() waits for us to free it. */
	guard(rcu)();
	in = READ_ONCE(iommu_kho_in);
	d = iommu_kho_in_find_kept(in, addr);
	if (!d || d->rec->domain_id != entry->domain_id ||
	    d->rec->top_table != entry->top_table ||
	    d->rec->levels != entry->levels)
		return false;
	/* Its own entry or its alias's was attached first: same table */
	if (d->adopted)
		return owned;
	for (i = 0; i < in->nr; i++)
		if (iommu_kho_in_shares_run(&in->devs[i], d->rec) &&
		    in->devs[i].adopted)
			sharer = &in->devs[i];
	if (owned != !!sharer)
		return false;
	if (sharer) {
		d->mappings = sharer->mappings;
	} else {
		for (i = 0; i < d->rec->nr_pages; i++)
			iommu_pages_adopt(phys_to_virt(in->page_list[d->rec->first_page + i]));
	}
	d->adopted = true;
	return true;
}
EXPORT_SYMBOL_GPL(iommu_kho_take_kept_table);

/* Is the device of an adopted record translated through its kept table? */
static bool iommu_kho_table_in_place(const struct iommu_kho_in_device *d)
{
	const struct kho_devices_pci_addr *a = &d->rec->addr;
	const struct iommu_kho_ops *ops;
	struct pci_dev *pdev;
	unsigned int levels;
	phys_addr_t top;
	int err = -ENODEV;

	pdev = pci_get_domain_bus_and_slot(a->segment, a->bus, a->devfn);
	if (!pdev)
		return false;
	ops = iommu_kho_ops_of(&pdev->dev);
	if (ops)
		err = ops->live_table(&pdev->dev, &top, &levels);
	pci_dev_put(pdev);
	return !err && top == d->rec->top_table;
}

/* debugfs: kho_devices/iommu/devices */

static int iommu_kho_devices_show(struct seq_file *m, void *unused)
{
	bool shared;
	u32 i;

	guard(mutex)(&iommu_kho_lock);
	for (i = 0; iommu_kho_out && i < iommu_kho_out->nr_devices; i++) {
		const struct iommu_kho_device_ser *r = &iommu_kho_out->devices[i];

		/* The devices of one domain share its run, counted once */
		shared = iommu_kho_find_same_domain(iommu_kho_frozen[i], r) < (int)i;
		seq_printf(m, "out %s preserved domain=%u levels=%u pages=%u run=%u metadata_bytes=%zu",
			   kho_devices_pci_name(&r->addr).str, r->domain_id, r->levels,
			   r->nr_pages, r->first_page,
			   sizeof(*r) + (shared ? 0 : r->nr_pages * sizeof(u64)));
		if (r->alias_context_table)
			seq_printf(m, " alias=%s",
				   kho_devices_pci_name(&r->alias).str);
		seq_putc(m, '\n');
	}
	if (!iommu_kho_in)
		return 0;
	if (iommu_kho_in->refused)
		seq_printf(m, "in handover-refused err=%d\n", iommu_kho_in->refused);
	for (i = 0; i < iommu_kho_in->nr; i++) {
		const struct iommu_kho_in_device *d = &iommu_kho_in->devs[i];
		const struct iommu_kho_device_ser *r = d->rec;

		seq_printf(m, "in %s %s domain=%u pages=%u",
			   kho_devices_pci_name(&r->addr).str,
			   d->adopted ? "adopted" : d->kept ? "kept" :
			   d->accepted ? "pending" : "blocked",
			   r->domain_id, r->nr_pages);
		if (d->adopted)
			seq_printf(m, " mappings=%lu table=%s", d->mappings,
				   iommu_kho_table_in_place(d) ? "in-place" :
				   "replaced");
		if (r->alias_context_table)
			seq_printf(m, " alias=%s",
				   kho_devices_pci_name(&r->alias).str);
		if (d->reason)
			seq_printf(m, " reason=\"%s\"", d->reason);
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iommu_kho_devices);

/*
 * debugfs: kho_devices/iommu/outgoing and incoming. An incoming snapshot
 * says which records this kernel refused and whose tables it released
 * (bit i for record i, as the ABI allows at most 64), and carries the
 * tables of the others only.
 */
static_assert(IOMMU_KHO_MAX_DEVICES <= 64);

static int iommu_kho_snapshot_tables(void *buf, const u64 *pages, u32 nr)
{
	int err = 0;
	u32 i;

	for (i = 0; i < nr && !err; i++)
		err = kho_devices_snapshot_mem(buf, "table", pages[i],
					       phys_to_virt(pages[i]),
					       PAGE_SIZE, 0);
	return err;
}

static int iommu_kho_snapshot_out(void *buf, size_t size)
{
	const struct iommu_kho_outgoing *out = iommu_kho_out;
	u64 bytes;
	u32 i;
	int err;

	err = kho_devices_snapshot_begin(buf, size, "iommu", "outgoing",
					 out ? "preserved" : "none");
	if (err || !out)
		return err;
	bytes = PAGE_SIZE + PAGE_ALIGN(IOMMU_KHO_DEVICES_BYTES) +
		PAGE_ALIGN(IOMMU_KHO_PAGES_BYTES) +
		(u64)out->nr_pages * PAGE_SIZE;
	for (i = 0; i < ARRAY_SIZE(out->shared); i++)
		if (out->shared[i].users)
			bytes += PAGE_SIZE;
	err = kho_devices_snapshot_u64(buf, "handover", virt_to_phys(out->fdt));
	err = err ?: kho_devices_snapshot_u64(buf, "preserved-bytes", bytes);
	err = err ?: kho_devices_snapshot_mem(buf, "fdt", virt_to_phys(out->fdt),
					      out->fdt, PAGE_SIZE, 0);
	err = err ?: kho_devices_snapshot_mem(buf, "devices",
					      virt_to_phys(out->devices),
					      out->devices,
					      out->nr_devices *
					      sizeof(*out->devices), 0);
	err = err ?: kho_devices_snapshot_mem(buf, "pages",
					      virt_to_phys(out->pages),
					      out->pages,
					      out->nr_pages * sizeof(u64), 0);
	return err ?: iommu_kho_snapshot_tables(buf, out->pages, out->nr_pages);
}

/*
 * Is record @i the first of its run (the devices of one domain share one),
 * and is that run still the previous kernel's, not adopted by a domain?
 */
static bool iommu_kho_in_snapshot_run(const struct iommu_kho_incoming *in,
				      u32 i)
{
	const struct iommu_kho_device_ser *r = in->devs[i].rec;
	u32 j;

	if (in->devs[i].adopted)
		return false;
	for (j = 0; j < in->nr; j++)
		if (in->devs[j].rec->first_page == r->first_page &&
		    (j < i || in->devs[j].adopted))
			return false;
	return true;
}

static int iommu_kho_snapshot_in(void *buf, size_t size)
{
	const struct iommu_kho_incoming *in = iommu_kho_in;
	const struct iommu_kho_in_device *d;
	void *fdt, *devices, *pages;
	u64 bytes, refused = 0, released = 0;
	u32 i;
	int err;

	err = kho_devices_snapshot_begin(buf, size, "iommu", "incoming",
					 !in ? (iommu_kho_in_finished ? "finished" : "none") :
					 in->refused ? "refused" : "retrieved");
	if (err || !in)
		return err;
	if (in->refused)
		err = kho_devices_snapshot_u64(buf, "error", -in->refused);
	if (err || !in->fdt)
		return err;
	fdt = folio_address(in->fdt);
	bytes = folio_size(in->fdt);
	if (in->devices)
		bytes += folio_size(in->devices);
	if (in->pages)
		bytes += folio_size(in->pages);
	for (i = 0; i < in->nr; i++)
		if (iommu_kho_in_snapshot_run(in, i))
			bytes += (u64)in->devs[i].rec->nr_pages * PAGE_SIZE;
	for (i = 0; i < in->nr; i++) {
		if (!in->devs[i].accepted)
			refused |= BIT_ULL(i);
		if (in->devs[i].adopted)
			released |= BIT_ULL(i);
	}
	err = kho_devices_snapshot_u64(buf, "handover", virt_to_phys(fdt));
	err = err ?: kho_devices_snapshot_u64(buf, "preserved-bytes", bytes);
	err = err ?: kho_devices_snapshot_u64(buf, "refused-records", refused);
	err = err ?: kho_devices_snapshot_u64(buf, "released-records", released);
	err = err ?: kho_devices_snapshot_mem(buf, "fdt", virt_to_phys(fdt), fdt,
					      folio_size(in->fdt), 0);
	if (err || in->refused)
		return err;
	devices = folio_address(in->devices);
	pages = folio_address(in->pages);
	err = kho_devices_snapshot_mem(buf, "devices", virt_to_phys(devices),
				       devices, in->nr * sizeof(*d->rec), 0);
	err = err ?: kho_devices_snapshot_mem(buf, "pages", virt_to_phys(pages),
					      pages, in->nr_pages * sizeof(u64),
					      0);
	/* The tables of the records accepted and not given to a domain since */
	for (i = 0; i < in->nr && !err; i++) {
		d = &in->devs[i];
		if (d->accepted && iommu_kho_in_snapshot_run(in, i))
			err = iommu_kho_snapshot_tables(buf, in->page_list +
							d->rec->first_page,
							d->rec->nr_pages);
	}
	return err;
}

static const struct kho_devices_snapshot_ops iommu_kho_snapshot_ops = {
	.lock = &iommu_kho_lock,
	.outgoing = iommu_kho_snapshot_out,
	.incoming = iommu_kho_snapshot_in,
};

/* At fs_initcall: after kho_dma_policy made kho_devices/ */
static int __init iommu_kho_debugfs_init(void)
{
	struct dentry *root = kho_devices_debugfs_root();
	struct dentry *dir;

	if (IS_ERR_OR_NULL(root))
		return 0;
	dir = debugfs_create_dir("iommu", root);
	debugfs_create_file("devices", 0400, dir, NULL, &iommu_kho_devices_fops);
	kho_devices_debugfs_snapshots(dir, &iommu_kho_snapshot_ops);
	iommu_kho_test_hooks_init(dir);
	return 0;
}
fs_initcall(iommu_kho_debugfs_init);
