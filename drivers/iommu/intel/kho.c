// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho - Intel VT-d's part of the IOMMU translation handover across a
 * kexec-based live update.
 */

/**
 * DOC: VT-d translation across a live update
 *
 * This file is the only code of the IOMMU handover that touches VT-d
 * structures: it implements &struct iommu_kho_ops for units in legacy
 * (non-scalable) mode, and the steps intel-iommu takes at kexec and at
 * boot. drivers/iommu/iommu_kho.c owns the records, the FLB, the checks
 * and the adoption; this file reads and writes context entries.
 *
 * - Preserve: @read_device reads the device's live context entry (domain
 *   ID, translation type, top table, levels) and names the unit's root
 *   table and the bus's context table, which are preserved with it; for a
 *   device whose DMA carries a bridge's requester ID, the bridge's entry
 *   too, which must translate the same way, and its bus's context table.
 * - Kexec: intel_iommu_kho_shutdown_unit() keeps translation on for a unit
 *   that serves a handed-over device; every other present context entry
 *   is cleared and the caches are invalidated.
 * - Boot: intel_iommu_kho_keep_translation() lets init_dmars() copy the
 *   tables instead of turning translation off (the copy reserves the
 *   domain IDs in use); intel_iommu_kho_adopt_contexts() then clears each
 *   copied context entry iommu_kho_claim_entry() does not keep.
 * - Adoption: @prepare_adoption checks the new domain's address width and
 *   gives it the kept domain ID; when that domain is attached,
 *   intel_iommu_kho_attach_kept() makes the kept page table its own
 *   (generic_pt) and leaves the context entry as it is.
 *
 * Scalable mode would add a PASID table between context entry and page
 * table: a new record version, and these same steps on the PASID entry.
 */

#define pr_fmt(fmt) "iommu_kho: " fmt

#include <linux/iommu.h>
#include <linux/iommu_kho.h>
#include <linux/kho/abi/iommu.h>
#include <linux/kho_devices.h>
#include <linux/kho_dma_policy.h>
#include <linux/pci.h>

#include "iommu.h"
#include "kho.h"

static_assert(IOMMU_KHO_TT_MULTI_LEVEL == CONTEXT_TT_MULTI_LEVEL);
static_assert(IOMMU_KHO_TT_DEV_IOTLB == CONTEXT_TT_DEV_IOTLB);
static_assert(IOMMU_KHO_MIN_DOMAIN_ID == IDA_START_DID);

/* What a context entry says, in the handover's terms */
static struct iommu_kho_entry intel_iommu_kho_entry(struct context_entry *ce)
{
	return (struct iommu_kho_entry){
		.top_table = ce->lo & VTD_PAGE_MASK,
		.domain_id = context_domain_id(ce),
		.levels = (ce->hi & 7) + 2,
		.translation_type = (ce->lo >> 2) & 3,
	};
}

static int intel_iommu_kho_check_device(struct device *dev)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);

	if (!info || !info->iommu) {
		dev_warn(dev, "translation not preserved: no Intel IOMMU translates it\n");
		return -ENODEV;
	}
	if (sm_supported(info->iommu)) {
		dev_warn(dev, "translation not preserved: %s is in scalable mode, which is not supported yet\n",
			 info->iommu->name);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* The live context entry of @bus, @devfn on @iommu; false if it has none */
static bool intel_iommu_kho_entry_at(struct intel_iommu *iommu, u8 bus,
				     u8 devfn, struct iommu_kho_entry *entry)
{
	struct context_entry *ce;

	guard(spinlock_irqsave)(&iommu->lock);
	ce = iommu_context_addr(iommu, bus, devfn, 0);
	if (!ce || !context_present(ce))
		return false;
	*entry = intel_iommu_kho_entry(ce);
	return true;
}

/* The device's live context entry; false if it has none */
static bool intel_iommu_kho_live_entry(struct device_domain_info *info,
				       struct iommu_kho_entry *entry)
{
	return intel_iommu_kho_entry_at(info->iommu, info->bus, info->devfn,
					entry);
}

/*
 * The entry of the device's DMA alias (a conventional bridge above it), if
 * it has one: it must translate as the device's own, since that is the one
 * its DMA uses.
 */
static int intel_iommu_kho_read_alias(struct device *dev,
				      const struct iommu_kho_entry *own,
				      struct iommu_kho_device_ser *rec)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct iommu_kho_entry e;
	u16 alias;

	if (!iommu_kho_dma_alias(to_pci_dev(dev), &alias))
		return 0;
	if (!intel_iommu_kho_entry_at(info->iommu, PCI_BUS_NUM(alias),
				      alias & 0xff, &e) ||
	    e.top_table != own->top_table || e.domain_id != own->domain_id ||
	    e.levels != own->levels ||
	    e.translation_type != own->translation_type) {
		dev_warn(dev, "translation not preserved: the entry of its DMA alias %02x:%02x.%d does not translate as its own\n",
			 PCI_BUS_NUM(alias), PCI_SLOT(alias & 0xff),
			 PCI_FUNC(alias & 0xff));
		return -ENXIO;
	}
	rec->alias = (struct kho_devices_pci_addr){
		.segment = info->segment,
		.bus = PCI_BUS_NUM(alias),
		.devfn = alias & 0xff,
	};
	rec->alias_context_table =
		info->iommu->root_entry[PCI_BUS_NUM(alias)].lo & VTD_PAGE_MASK;
	return 0;
}

static int intel_iommu_kho_read_device(struct device *dev,
				       struct iommu_kho_device_ser *rec)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct intel_iommu *iommu = info->iommu;
	struct iommu_kho_entry e;

	if (!intel_iommu_kho_live_entry(info, &e)) {
		dev_warn(dev, "translation not preserved: no translation is set up for it\n");
		return -ENXIO;
	}
	if (e.translation_type != CONTEXT_TT_MULTI_LEVEL &&
	    e.translation_type != CONTEXT_TT_DEV_IOTLB) {
		dev_warn(dev, "translation not preserved: it is in pass-through, not translated\n");
		return -EINVAL;
	}
	if (ecap_smts(iommu->ecap))
		kho_dma_note_scalable_capable();
	rec->unit_reg_base = iommu->reg_phys;
	rec->root_table = virt_to_phys(iommu->root_entry);
	rec->context_table = iommu->root_entry[info->bus].lo & VTD_PAGE_MASK;
	rec->top_table = e.top_table;
	rec->domain_id = e.domain_id;
	rec->levels = e.levels;
	rec->translation_type = e.translation_type;
	rec->addr = (struct kho_devices_pci_addr){
		.segment = info->segment,
		.bus = info->bus,
		.devfn = info->devfn,
	};
	return intel_iommu_kho_read_alias(dev, &e, rec);
}

static int intel_iommu_kho_live_table(struct device *dev, phys_addr_t *top,
				      unsigned int *levels)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct iommu_kho_entry e;

	if (!info || !info->iommu)
		return -ENODEV;
	if (sm_supported(info->iommu))
		return -EOPNOTSUPP;
	if (!intel_iommu_kho_live_entry(info, &e))
		return -ENXIO;
	*top = e.top_table;
	*levels = e.levels;
	return 0;
}

static int intel_iommu_kho_prepare_adoption(struct device *dev,
					    struct iommu_domain *domain,
					    const struct iommu_kho_device_ser *rec)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct dmar_domain *dmar = to_dmar_domain(domain);
	struct pt_iommu_vtdss_hw_info hw;
	int err;

	pt_iommu_vtdss_hw_info(&dmar->sspt, &hw);
	if (hw.aw + 2 != rec->levels) {
		dev_warn(dev, "kept translation not adopted: %u levels, this kernel's domains have %u\n",
			 rec->levels, hw.aw + 2);
		return -EOPNOTSUPP;
	}
	/* The kept domain ID, reserved when the tables were copied. */
	err = domain_take_kept_did(dmar, info->iommu, rec->domain_id);
	if (err)
		dev_warn(dev, "kept translation not adopted: domain ID %u not taken (%pe)\n",
			 rec->domain_id, ERR_PTR(err));
	return err;
}

static void intel_iommu_kho_cancel_adoption(struct iommu_domain *domain)
{
	domain_drop_kept_dids(to_dmar_domain(domain));
}

const struct iommu_kho_ops intel_iommu_kho_ops = {
	.check_device = intel_iommu_kho_check_device,
	.read_device = intel_iommu_kho_read_device,
	.live_table = intel_iommu_kho_live_table,
	.prepare_adoption = intel_iommu_kho_prepare_adoption,
	.cancel_adoption = intel_iommu_kho_cancel_adoption,
};

/* The context table of @bus on @iommu; NULL if its root entry is not present */
static struct context_entry *intel_iommu_kho_bus_contexts(struct intel_iommu *iommu,
							  unsigned int bus)
{
	const struct root_entry *re = &iommu->root_entry[bus];

	return re->lo & 1 ? phys_to_virt(re->lo & VTD_PAGE_MASK) : NULL;
}

static struct kho_devices_pci_addr intel_iommu_kho_addr(struct intel_iommu *iommu,
							unsigned int bus,
							unsigned int devfn)
{
	return (struct kho_devices_pci_addr){
		.segment = iommu->segment,
		.bus = bus,
		.devfn = devfn,
	};
}

/**
 * intel_iommu_kho_shutdown_unit() - keep translation on a unit at kexec
 * @iommu: the IOMMU unit being shut down
 *
 * Called by intel_iommu_shutdown() with the other CPUs stopped. If the
 * unit serves a device whose translation is handed over, clears the
 * context entry of every other device on it, invalidates the context cache
 * and the IOTLB, and tells the caller to leave translation on.
 *
 * Return: true if translation must stay on.
 */
bool intel_iommu_kho_shutdown_unit(struct intel_iommu *iommu)
{
	unsigned int bus, devfn, kept, blocked = 0;

	if (sm_supported(iommu))
		return false;
	kept = iommu_kho_outgoing_on_unit(iommu->reg_phys);
	if (!kept)
		return false;

	for (bus = 0; bus < 256; bus++) {
		struct context_entry *table = intel_iommu_kho_bus_contexts(iommu, bus);

		for (devfn = 0; table && devfn < 256; devfn++) {
			struct kho_devices_pci_addr addr =
				intel_iommu_kho_addr(iommu, bus, devfn);

			if (!context_present(&table[devfn]) ||
			    iommu_kho_outgoing_has(iommu->reg_phys, &addr))
				continue;
			context_clear_entry(&table[devfn]);
			__iommu_flush_cache(iommu, &table[devfn],
					    sizeof(table[devfn]));
			blocked++;
		}
	}
	iommu->flush.flush_context(iommu, 0, 0, 0, DMA_CCMD_GLOBAL_INVL);
	iommu->flush.flush_iotlb(iommu, 0, 0, 0, DMA_TLB_GLOBAL_FLUSH);
	pr_info("%s: translation stays on for %u device(s) across kexec, %u other(s) blocked\n",
		iommu->name, kept, blocked);
	return true;
}

/**
 * intel_iommu_kho_keep_translation() - may translation stay on for this unit?
 * @iommu: a unit found with translation enabled at boot
 *
 * Called by init_dmars() before it would turn translation off: see
 * iommu_kho_keep_unit(). A unit in scalable mode is never kept.
 *
 * Return: true if translation stays on and the caller copies the root and
 * context tables.
 */
bool intel_iommu_kho_keep_translation(struct intel_iommu *iommu)
{
	u64 rtaddr;

	if (sm_supported(iommu))
		return false;
	rtaddr = readq(iommu->reg + DMAR_RTADDR_REG) & VTD_PAGE_MASK;
	return iommu_kho_keep_unit(iommu->reg_phys, rtaddr, iommu->name);
}

/* Clear each copied entry of @iommu iommu_kho_claim_entry() does not keep */
static void intel_iommu_kho_claim_contexts(struct intel_iommu *iommu,
					   bool aliases)
{
	unsigned int bus, devfn;

	for (bus = 0; bus < 256; bus++) {
		struct context_entry *table = intel_iommu_kho_bus_contexts(iommu, bus);

		for (devfn = 0; table && devfn < 256; devfn++) {
			struct context_entry *ce = &table[devfn];
			struct kho_devices_pci_addr addr;
			struct iommu_kho_entry e;

			if (!context_present(ce))
				continue;
			addr = intel_iommu_kho_addr(iommu, bus, devfn);
			if (iommu_kho_is_alias_entry(iommu->reg_phys, &addr) !=
			    aliases)
				continue;
			e = intel_iommu_kho_entry(ce);
			if (!iommu_kho_claim_entry(iommu->reg_phys, &addr, &e,
						   iommu->max_domain_id))
				continue;
			context_clear_entry(ce);
			__iommu_flush_cache(iommu, ce, sizeof(*ce));
		}
	}
}

/**
 * intel_iommu_kho_adopt_contexts() - keep only the recorded copied context entries
 * @iommu: a unit for which intel_iommu_kho_keep_translation() returned
 *	true, after its tables were copied
 *
 * Every copied context entry that iommu_kho_claim_entry() does not keep
 * (not a kept device, or not its recorded table and domain ID) is cleared:
 * that device's DMA is blocked until a domain is attached to it. The
 * entries of kept devices' DMA aliases are judged last, once the devices'
 * own are. The new root table is programmed, and the caches invalidated,
 * by the caller.
 */
void intel_iommu_kho_adopt_contexts(struct intel_iommu *iommu)
{
	/* A kept device's DMA alias last: it stays only if the device did */
	intel_iommu_kho_claim_contexts(iommu, false);
	intel_iommu_kho_claim_contexts(iommu, true);
}

/**
 * intel_iommu_kho_attach_kept() - attach an adopted domain to its kept entry
 * @iommu: the unit
 * @ce: the device's context entry, copied from the previous kernel
 * @bus: its bus number
 * @devfn: its device and function number
 * @domain: the domain being attached, with nothing mapped yet
 * @did: its domain ID
 *
 * Called by intel-iommu, with @iommu->lock held, when it attaches a domain
 * to a device whose context entry was copied. If the entry is a kept
 * device's and @domain is the one iommu_kho_adopt_domain() made (same
 * domain ID and address width), @domain takes the kept page table over as
 * its own (pt_iommu_vtdss_adopt_table()). The context entry is not
 * written: it already points at that table with that domain ID, so the
 * device's DMA goes on being translated as it was, and no cache needs
 * invalidating.
 *
 * When another device of the same domain was attached first, @domain owns
 * the kept table already: the entry stays as it is too.
 *
 * Return: true if @domain now owns the kept table and the entry stays as
 * it is; false if the caller sets the entry up as for any copied entry.
 */
bool intel_iommu_kho_attach_kept(struct intel_iommu *iommu,
				 struct context_entry *ce, u8 bus, u8 devfn,
				 struct dmar_domain *domain, u16 did)
{
	struct kho_devices_pci_addr addr = intel_iommu_kho_addr(iommu, bus, devfn);
	struct pt_iommu_vtdss_hw_info hw;
	struct iommu_kho_entry e;
	bool owned;
	int err;

	assert_spin_locked(&iommu->lock);
	if (!context_present(ce))
		return false;
	e = intel_iommu_kho_entry(ce);
	pt_iommu_vtdss_hw_info(&domain->sspt, &hw);
	/* Another device of the domain gave it the kept table already */
	owned = hw.ssptptr == e.top_table;
	if (e.domain_id != did || e.levels != hw.aw + 2 ||
	    !iommu_kho_take_kept_table(&addr, &e, owned))
		return false;
	if (owned)
		return true;
	err = pt_iommu_vtdss_adopt_table(&domain->sspt,
					 phys_to_virt(e.top_table),
					 e.levels - 1);
	if (err) {
		/* Cannot happen for a fresh domain of the kept width. */
		pr_err("%s: kept table not adopted (%pe): blocked until the domain maps it\n",
		       kho_devices_pci_name(&addr).str, ERR_PTR(err));
		return false;
	}
	return true;
}
