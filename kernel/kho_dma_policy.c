// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_dma_policy - which devices and which memory may be handed over to the
 * next kernel while the device keeps doing DMA.
 */

/**
 * DOC: KHO device preservation policy
 *
 * A device that keeps doing DMA across a kexec must not depend on anything
 * that dies with the old kernel. This file owns the rules that decide it,
 * for every part of the suite (PCI, IOMMU, VFIO):
 *
 * Device rules (kho_dma_device_check()), checked in this order, each with
 * its own reason text and errno (see &enum kho_dma_rule):
 *
 * - it is a PCI function, an endpoint (not a bridge), not an SR-IOV virtual
 *   function, still present on the bus, and an IOMMU translates its DMA;
 * - it does not need swiotlb: not untrusted or external-facing (the kernel
 *   bounces their DMA), no swiotlb pool active for it, no forced bounce, no
 *   restricted DMA pool. A bounce buffer does not survive the kexec;
 * - its DMA reach covers all of RAM, so that no DMA ever needs a bounce.
 *   The reach is the DMA mask of its kernel driver, except for drivers that
 *   leave DMA to userspace (driver_managed_dma, e.g. vfio-pci), which set
 *   none: then it is the value its owner declared in sysfs
 *   (kho_dma_reach_bits), else the capability table below, else unknown,
 *   and unknown does not qualify;
 * - it is alone in its IOMMU group, or every other member is handed over
 *   too, already or together with it by the same owner (a VFIO container
 *   that holds the group): a group shares one translation.
 *
 * Memory rule (kho_dma_check_ranges()): every page handed over for device
 * state (page tables, DMA targets, metadata) starts at or above 4 GiB, the
 * part of RAM that the next kernel's early boot and any 32-bit device are
 * least likely to need. A request with one byte below fails as a whole
 * with -ERANGE and preserves nothing; kho_dma_preserve_ranges() is the way
 * the other parts hand memory over.
 *
 * The PCI part asks for a PCI function (pci_kho_dma_check()), and shows
 * the verdict for every PCI device in sysfs (kho_preservable, from
 * kho_dma_device_verdict()). What only it knows, the declared reach and
 * which functions it hands over, it passes with the question (&struct
 * kho_dma_pci_state): the policy reads nothing of a function that the PCI
 * core does not own. The pages handed over through this file are counted
 * in debugfs (kho_devices/policy/preserved_pages).
 *
 * The IOMMU driver and the IOMMU part stop a device at boot, before its
 * translation changes, with kho_dma_quiesce(): the PCI part, which owns
 * the one quiesce, registers it here when it starts, so that no IOMMU code
 * calls into the PCI part.
 *
 * This file does not preserve devices itself and keeps no per-device state.
 */

#define pr_fmt(fmt) "kho_dma_policy: " fmt

#include <kunit/visibility.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/image.h>
#include <linux/kho_devices.h>
#include <linux/kho_dma_policy.h>
#include <linux/libfdt.h>
#include <linux/kho_next_kernel.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/pfn.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

struct kho_dma_rule_desc {
	int err;
	const char *reason;
};

static const struct kho_dma_rule_desc kho_dma_rules[KHO_DMA_RULE_COUNT] = {
	[KHO_DMA_RULE_PCI_FUNCTION] = {
		-ENODEV, "not a PCI function" },
	[KHO_DMA_RULE_ENDPOINT] = {
		-EINVAL, "not an endpoint: bridges are not handed over on their own" },
	[KHO_DMA_RULE_NOT_VF] = {
		-EOPNOTSUPP, "SR-IOV virtual functions are not supported" },
	[KHO_DMA_RULE_PRESENT] = {
		-ENODEV, "device no longer answers on the bus" },
	[KHO_DMA_RULE_IOMMU] = {
		-ENXIO, "no IOMMU translates its DMA" },
	[KHO_DMA_RULE_TRUSTED] = {
		-EPERM, "untrusted or external-facing: its DMA must be bounced" },
	[KHO_DMA_RULE_NO_SWIOTLB] = {
		-EXDEV, "needs swiotlb: a swiotlb pool serves it" },
	[KHO_DMA_RULE_NO_FORCED_BOUNCE] = {
		-EXDEV, "needs swiotlb: its DMA is forced through bounce buffers" },
	[KHO_DMA_RULE_NO_RESTRICTED_POOL] = {
		-EXDEV, "needs swiotlb: it has a restricted DMA pool" },
	[KHO_DMA_RULE_REACH_KNOWN] = {
		-ENODATA, "DMA reach unknown: no driver mask, no capability entry, none declared" },
	[KHO_DMA_RULE_REACH_COVERS_RAM] = {
		-EDOM, "DMA reach does not cover all of RAM" },
	[KHO_DMA_RULE_GROUP] = {
		-EBUSY, "shares its IOMMU group with devices that are not handed over" },
};

/**
 * kho_dma_rule_reason() - the reason text of a rule
 * @rule: the rule
 *
 * Return: a constant string saying what is wrong when @rule is broken.
 */
const char *kho_dma_rule_reason(enum kho_dma_rule rule)
{
	if (rule >= KHO_DMA_RULE_COUNT)
		return "unknown rule";
	return kho_dma_rules[rule].reason;
}
EXPORT_SYMBOL_IF_KUNIT(kho_dma_rule_reason);

/**
 * kho_dma_rule_errno() - the errno returned when a rule is broken
 * @rule: the rule
 *
 * Return: a negative errno.
 */
int kho_dma_rule_errno(enum kho_dma_rule rule)
{
	if (rule >= KHO_DMA_RULE_COUNT)
		return -EINVAL;
	return kho_dma_rules[rule].err;
}
EXPORT_SYMBOL_IF_KUNIT(kho_dma_rule_errno);

static bool kho_dma_rule_holds(const struct kho_dma_facts *f,
			       enum kho_dma_rule rule)
{
	switch (rule) {
	case KHO_DMA_RULE_PCI_FUNCTION:
		return f->is_pci;
	case KHO_DMA_RULE_ENDPOINT:
		return f->is_endpoint;
	case KHO_DMA_RULE_NOT_VF:
		return !f->is_virtfn;
	case KHO_DMA_RULE_PRESENT:
		return f->is_present;
	case KHO_DMA_RULE_IOMMU:
		return f->has_iommu;
	case KHO_DMA_RULE_TRUSTED:
		return !f->untrusted && !f->external_facing;
	case KHO_DMA_RULE_NO_SWIOTLB:
		return !f->swiotlb_active;
	case KHO_DMA_RULE_NO_FORCED_BOUNCE:
		return !f->forced_bounce;
	case KHO_DMA_RULE_NO_RESTRICTED_POOL:
		return !f->restricted_pool;
	case KHO_DMA_RULE_REACH_KNOWN:
		return f->reach_source != KHO_DMA_REACH_UNKNOWN && f->dma_reach;
	case KHO_DMA_RULE_REACH_COVERS_RAM:
		return f->dma_reach >= f->ram_end;
	case KHO_DMA_RULE_GROUP:
		return f->group_others_preserved >= f->group_others;
	default:
		return false;
	}
}

/**
 * kho_dma_policy_evaluate() - apply the device rules to a set of facts
 * @facts: what is known about the device
 * @failed: if not NULL, set to the first rule broken
 *
 * Pure function of @facts: the rules are applied in the order of
 * &enum kho_dma_rule and the first one broken decides.
 *
 * Return: 0 if the device may be handed over, else the errno of the first
 * rule broken.
 */
int kho_dma_policy_evaluate(const struct kho_dma_facts *facts,
			    enum kho_dma_rule *failed)
{
	enum kho_dma_rule rule;

	for (rule = 0; rule < KHO_DMA_RULE_COUNT; rule++) {
		if (kho_dma_rule_holds(facts, rule))
			continue;
		if (failed)
			*failed = rule;
		return kho_dma_rules[rule].err;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kho_dma_policy_evaluate);

/*
 * DMA reach of devices whose driver leaves DMA to userspace, by PCI ID.
 * Vendors add their devices here: the value is the width in bits of the
 * addresses the device can put on the bus, as its datasheet states.
 */
struct kho_dma_reach_entry {
	u16 vendor;
	u16 device;
	u8 bits;
};

static const struct kho_dma_reach_entry kho_dma_reach_table[] = {
	/* Intel 82576 (igb), also QEMU's "igb": 64-bit descriptors */
	{ PCI_VENDOR_ID_INTEL, 0x10c9, 64 },
	/*
	 * QEMU's "edu" teaching device: 28 bits unless its dma_mask property
	 * is raised, which the table cannot know; its owner declares it.
	 */
	{ 0x1234, 0x11e8, 28 },
};

/**
 * kho_dma_reach_from_table() - DMA reach of a device from the capability table
 * @vendor: PCI vendor ID
 * @device: PCI device ID
 *
 * Return: the highest address the device can reach (an all-ones mask), or
 * 0 if the table has no entry for it.
 */
u64 kho_dma_reach_from_table(u16 vendor, u16 device)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kho_dma_reach_table); i++) {
		if (kho_dma_reach_table[i].vendor == vendor &&
		    kho_dma_reach_table[i].device == device)
			return DMA_BIT_MASK(kho_dma_reach_table[i].bits);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kho_dma_reach_from_table);

struct kho_dma_group_count {
	struct device *self;
	const struct kho_dma_pci_state *pci;
	unsigned int others;
	unsigned int others_preserved;
};

static int kho_dma_count_group_member(struct device *dev, void *data)
{
	struct kho_dma_group_count *count = data;

	if (dev == count->self)
		return 0;
	count->others++;
	if (count->pci && count->pci->preserved &&
	    count->pci->preserved(dev, count->pci))
		count->others_preserved++;
	return 0;
}

static void kho_dma_gather_reach(struct pci_dev *pdev, u8 declared_bits,
				 struct kho_dma_facts *f)
{
	struct device_driver *drv = READ_ONCE(pdev->dev.driver);

	if (declared_bits) {
		f->reach_source = KHO_DMA_REACH_DECLARED;
		f->dma_reach = DMA_BIT_MASK(declared_bits);
	} else if (drv && !to_pci_driver(drv)->driver_managed_dma &&
		   pdev->dev.dma_mask) {
		f->reach_source = KHO_DMA_REACH_DRIVER;
		f->dma_reach = *pdev->dev.dma_mask;
	} else {
		f->dma_reach = kho_dma_reach_from_table(pdev->vendor,
							pdev->device);
		f->reach_source = f->dma_reach ? KHO_DMA_REACH_TABLE :
						 KHO_DMA_REACH_UNKNOWN;
	}
}

/**
 * kho_dma_policy_gather() - collect the facts the policy needs about a device
 * @dev: the device
 * @pci: what the PCI part knows of it, if it is a PCI function
 * @facts: filled in
 *
 * Reads the device's state once; kho_dma_policy_evaluate() judges it. The
 * caller must hold a reference on @dev and, for a stable answer, its
 * device lock.
 */
static void kho_dma_policy_gather(struct device *dev,
				  const struct kho_dma_pci_state *pci,
				  struct kho_dma_facts *facts)
{
	struct kho_dma_group_count count = {
		.self = dev,
		.pci = pci,
	};
	struct iommu_group *group;
	struct pci_dev *pdev;

	memset(facts, 0, sizeof(*facts));
	facts->ram_end = PFN_PHYS(max_pfn) - 1;
	if (!dev_is_pci(dev))
		return;
	pdev = to_pci_dev(dev);
	facts->is_pci = true;
	facts->is_endpoint = pdev->hdr_type == PCI_HEADER_TYPE_NORMAL &&
			     pdev->class >> 16 != PCI_BASE_CLASS_BRIDGE;
	facts->is_virtfn = pdev->is_virtfn;
	facts->is_present = pci_device_is_present(pdev);
	facts->untrusted = pdev->untrusted;
	facts->external_facing = pdev->external_facing;
	facts->swiotlb_active = is_swiotlb_active(dev);
	facts->forced_bounce = is_swiotlb_force_bounce(dev);
#ifdef CONFIG_DMA_RESTRICTED_POOL
	facts->restricted_pool = dev->dma_io_tlb_mem &&
				 dev->dma_io_tlb_mem != &io_tlb_default_mem;
#endif
	kho_dma_gather_reach(pdev, pci ? pci->declared_reach_bits : 0, facts);

	group = iommu_group_get(dev);
	if (group) {
		facts->has_iommu = true;
		iommu_group_for_each_dev(group, &count,
					 kho_dma_count_group_member);
		iommu_group_put(group);
	}
	facts->group_others = count.others;
	facts->group_others_preserved = count.others_preserved;
}

/**
 * kho_dma_device_check() - may this device be handed over to the next kernel?
 * @dev: the device, referenced by the caller
 * @pci: what the PCI part knows of it (pci_kho_dma_check() passes it)
 * @reason: if not NULL, set to the reason text when the answer is no
 *
 * The call the other parts make at preserve time. A refusal is logged once,
 * naming the device and the rule.
 *
 * Return: 0 if it may, else the errno of the first rule it breaks.
 */
int kho_dma_device_check(struct device *dev,
			 const struct kho_dma_pci_state *pci,
			 const char **reason)
{
	struct kho_dma_facts facts;
	enum kho_dma_rule rule;
	int err;

	kho_dma_policy_gather(dev, pci, &facts);
	err = kho_dma_policy_evaluate(&facts, &rule);
	if (!err)
		return 0;
	if (rule == KHO_DMA_RULE_REACH_COVERS_RAM)
		dev_warn(dev, "kho: not preserved: %s (reach %#llx, RAM ends at %pa)\n",
			 kho_dma_rule_reason(rule), facts.dma_reach,
			 &facts.ram_end);
	else
		dev_warn(dev, "kho: not preserved: %s\n",
			 kho_dma_rule_reason(rule));
	if (reason)
		*reason = kho_dma_rule_reason(rule);
	return err;
}
EXPORT_SYMBOL_GPL(kho_dma_device_check);

/**
 * kho_dma_device_verdict() - the policy's answer for a device, silently
 * @dev: the device, referenced by the caller
 * @pci: what the PCI part knows of it
 *
 * What kho_dma_device_check() answers, without its log line: for readers
 * such as sysfs, which must neither log nor take the device lock (a
 * snapshot).
 *
 * Return: NULL if @dev may be handed over, else the reason of the first
 * rule it breaks.
 */
const char *kho_dma_device_verdict(struct device *dev,
				   const struct kho_dma_pci_state *pci)
{
	struct kho_dma_facts facts;
	enum kho_dma_rule rule;

	kho_dma_policy_gather(dev, pci, &facts);
	if (!kho_dma_policy_evaluate(&facts, &rule))
		return NULL;
	return kho_dma_rule_reason(rule);
}
EXPORT_SYMBOL_GPL(kho_dma_device_verdict);

static atomic64_t kho_dma_preserved_page_count = ATOMIC64_INIT(0);
static atomic64_t kho_dma_refused_requests = ATOMIC64_INIT(0);

/**
 * kho_dma_check_ranges() - may this memory be handed over for a device?
 * @dev: the device the memory is for (named in the log; may be NULL)
 * @ranges: the memory
 * @nr: number of entries in @ranges
 *
 * Every range must be page aligned, not empty, not wrap around, and start
 * at or above %KHO_DMA_MIN_PHYS. Nothing is preserved here.
 *
 * Return: 0, -EINVAL for a malformed request, -ERANGE if any byte lies
 * below 4 GiB (logged once with the device and the range).
 */
int kho_dma_check_ranges(struct device *dev, const struct kho_dma_range *ranges,
			 unsigned int nr)
{
	unsigned int i;

	if (!ranges || !nr)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		phys_addr_t start = ranges[i].phys;
		u64 size = ranges[i].size;

		if (!size || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(size) ||
		    start + size - 1 < start)
			return -EINVAL;
		if (start < KHO_DMA_MIN_PHYS) {
			pr_warn("%s: refused: range [%pa-%#llx] is below 4 GiB; nothing preserved\n",
				dev ? dev_name(dev) : "(no device)", &start,
				(u64)start + size - 1);
			atomic64_inc(&kho_dma_refused_requests);
			return -ERANGE;
		}
	}
	return 0;
}
EXPORT_SYMBOL_GPL(kho_dma_check_ranges);

static void kho_dma_unpreserve_pages(const struct kho_dma_range *ranges,
				     unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		kho_unpreserve_pages(phys_to_page(ranges[i].phys),
				     ranges[i].size >> PAGE_SHIFT);
}

/**
 * kho_dma_preserve_ranges() - hand memory over to the next kernel for a device
 * @dev: the device the memory is for
 * @ranges: the memory, checked with kho_dma_check_ranges()
 * @nr: number of entries in @ranges
 *
 * All or nothing: the whole request is checked before any page is
 * preserved, and a failure while preserving undoes what was done.
 *
 * Return: 0, or a negative errno with nothing preserved.
 */
int kho_dma_preserve_ranges(struct device *dev,
			    const struct kho_dma_range *ranges, unsigned int nr)
{
	unsigned int i;
	u64 pages = 0;
	int err;

	err = kho_dma_check_ranges(dev, ranges, nr);
	if (err)
		return err;
	for (i = 0; i < nr; i++) {
		err = kho_preserve_pages(phys_to_page(ranges[i].phys),
					 ranges[i].size >> PAGE_SHIFT);
		if (err) {
			kho_dma_unpreserve_pages(ranges, i);
			return err;
		}
		pages += ranges[i].size >> PAGE_SHIFT;
	}
	atomic64_add(pages, &kho_dma_preserved_page_count);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_dma_preserve_ranges);

/**
 * kho_dma_unpreserve_ranges() - take back memory handed over for a device
 * @ranges: exactly what kho_dma_preserve_ranges() was given
 * @nr: number of entries in @ranges
 */
void kho_dma_unpreserve_ranges(const struct kho_dma_range *ranges,
			       unsigned int nr)
{
	unsigned int i;

	kho_dma_unpreserve_pages(ranges, nr);
	for (i = 0; i < nr; i++)
		atomic64_sub(ranges[i].size >> PAGE_SHIFT,
			     &kho_dma_preserved_page_count);
}
EXPORT_SYMBOL_GPL(kho_dma_unpreserve_ranges);

/* At most this many allocations below 4 GiB are set aside per request. */
#define KHO_DMA_ALLOC_TRIES	16

/**
 * kho_dma_alloc_preserve() - allocate zeroed metadata pages for the next kernel
 * @size: bytes needed; rounded up to a power-of-two number of pages
 *
 * Allocates physically contiguous memory at or above 4 GiB, as the memory
 * rule requires, and preserves it with KHO. The page allocator is asked
 * for ordinary kernel memory, which it takes from above 4 GiB first; blocks
 * it returns from below are set aside and freed once the request is over.
 * The pages count in kho_dma_preserved_pages().
 *
 * Return: the kernel address of the memory, ERR_PTR(-ERANGE) if no memory
 * above 4 GiB could be found, ERR_PTR(-E2BIG) for a size above the largest
 * block, or another ERR_PTR() from the allocator or KHO.
 */
void *kho_dma_alloc_preserve(size_t size)
{
	struct folio *folio = NULL, *below[KHO_DMA_ALLOC_TRIES];
	unsigned int i, nr_below = 0;
	int order, err;

	if (!size)
		return ERR_PTR(-EINVAL);
	order = get_order(size);
	if (order > MAX_PAGE_ORDER)
		return ERR_PTR(-E2BIG);
	while (nr_below < ARRAY_SIZE(below)) {
		folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, order);
		if (!folio || folio_pfn(folio) >= PHYS_PFN(KHO_DMA_MIN_PHYS))
			break;
		below[nr_below++] = folio;
		folio = NULL;
	}
	for (i = 0; i < nr_below; i++)
		folio_put(below[i]);
	if (!folio)
		return ERR_PTR(nr_below ? -ERANGE : -ENOMEM);
	err = kho_preserve_folio(folio);
	if (err) {
		folio_put(folio);
		return ERR_PTR(err);
	}
	atomic64_add(folio_nr_pages(folio), &kho_dma_preserved_page_count);
	return folio_address(folio);
}
EXPORT_SYMBOL_GPL(kho_dma_alloc_preserve);

/**
 * kho_dma_free_preserved() - take back and free kho_dma_alloc_preserve() memory
 * @mem: what kho_dma_alloc_preserve() returned; NULL is ignored
 */
void kho_dma_free_preserved(void *mem)
{
	struct folio *folio;

	if (!mem)
		return;
	folio = virt_to_folio(mem);
	atomic64_sub(folio_nr_pages(folio), &kho_dma_preserved_page_count);
	kho_unpreserve_folio(folio);
	folio_put(folio);
}
EXPORT_SYMBOL_GPL(kho_dma_free_preserved);

/**
 * kho_dma_preserved_pages() - pages currently handed over through this file
 *
 * Return: the number of pages preserved by kho_dma_preserve_ranges() and
 * not yet taken back.
 */
u64 kho_dma_preserved_pages(void)
{
	return atomic64_read(&kho_dma_preserved_page_count);
}
EXPORT_SYMBOL_IF_KUNIT(kho_dma_preserved_pages);

/* The next kernel: can it take the devices handed over? */

/* Test hook: let a refused kexec happen, to test the next kernel's side. */
static bool kho_dma_next_kernel_ignored;
/* A unit that translates a kept device could run in scalable mode. */
static bool kho_dma_scalable_capable;

/**
 * kho_dma_note_scalable_capable() - a kept device's IOMMU can do scalable mode
 *
 * Called by the IOMMU part when it keeps the translation of a device whose
 * unit supports scalable mode (run in legacy mode here): a next kernel
 * asking for scalable mode would then change the translation format under
 * the device, and the kexec is refused. Without such a unit, scalable mode
 * on the next command line changes nothing and is accepted.
 */
void kho_dma_note_scalable_capable(void)
{
	WRITE_ONCE(kho_dma_scalable_capable, true);
}
EXPORT_SYMBOL_GPL(kho_dma_note_scalable_capable);

/* Set once, by the PCI part at arch_initcall, before any device is found */
static kho_dma_quiesce_fn kho_dma_quiesce_device;

/**
 * kho_dma_set_quiesce() - name the one way the suite stops a device's DMA
 * @quiesce: the PCI part's quiesce, which also ends its claim on the device
 *
 * The IOMMU driver and the IOMMU part stop devices at boot, before their
 * translation changes, without knowing who kept them: they call
 * kho_dma_quiesce(), which hands the device to @quiesce.
 */
void kho_dma_set_quiesce(kho_dma_quiesce_fn quiesce)
{
	WRITE_ONCE(kho_dma_quiesce_device, quiesce);
}
EXPORT_SYMBOL_GPL(kho_dma_set_quiesce);

/**
 * kho_dma_quiesce() - stop a device before the translation it uses changes
 * @dev: a device the previous kernel may have left doing DMA
 * @err: the errno of the refusal, 0 if there is none to give
 * @why: what it lost, for the log
 *
 * Synchronous: when this returns, the device no longer masters DMA. With
 * no quiesce registered (a kernel without the PCI part), bus mastering of
 * a PCI device is cleared here and the reason logged.
 */
void kho_dma_quiesce(struct device *dev, int err, const char *why)
{
	kho_dma_quiesce_fn quiesce = READ_ONCE(kho_dma_quiesce_device);
	struct pci_dev *pdev;
	u16 cmd;

	if (quiesce) {
		quiesce(dev, err, why);
		return;
	}
	if (!dev_is_pci(dev))
		return;
	pdev = to_pci_dev(dev);
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (PCI_POSSIBLE_ERROR(cmd) || !(cmd & PCI_COMMAND_MASTER))
		return;
	pci_write_config_word(pdev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
	pci_err(pdev, "live update refused: %s; bus mastering turned off\n", why);
}
EXPORT_SYMBOL_GPL(kho_dma_quiesce);

/**
 * kho_dma_judge_next_kernel() - judge a kernel loaded with kexec_file_load()
 * @image: the image being loaded, its kernel and command line still there
 *
 * Called by kexec_file_load() once the image is read. Records in @image
 * whether the kernel it holds can take the devices this kernel hands over
 * (kho_next_kernel_judge()), for kho_dma_check_next_kernel() at the kexec.
 */
void kho_dma_judge_next_kernel(struct kimage *image)
{
	image->kho_devices_err =
		kho_next_kernel_judge(image->kernel_buf, image->kernel_buf_len,
				      image->cmdline_buf,
				      image->cmdline_buf_len,
				      KHO_DEVICES_FORMATS,
				      &image->kho_devices_why);
	image->kho_devices_judged = true;
	/*
	 * Scalable mode matters only once a kept device sits on a unit that
	 * can do it; the kexec says so then (kho_dma_check_next_kernel()).
	 */
	if (image->kho_devices_why == kho_next_kernel_sm_reason &&
	    READ_ONCE(kho_dma_scalable_capable))
		pr_info("the kernel loaded for kexec asks for scalable mode: a kexec keeping a device on an IOMMU unit that can do scalable mode will be refused\n");
	else if (image->kho_devices_why == kho_next_kernel_sm_reason)
		pr_debug("the kernel loaded for kexec asks for scalable mode; no kept device is on a unit that can do it\n");
	else if (image->kho_devices_err)
		pr_info("the kernel loaded for kexec cannot take a device handover: %s (%pe)\n",
			image->kho_devices_why, ERR_PTR(image->kho_devices_err));
}

/* The verdict on the loaded kernel; kexec_lock held, or for a report. */
static int kho_dma_next_kernel_verdict(const char **why)
{
	struct kimage *image = READ_ONCE(kexec_image);

	if (!image) {
		*why = "no kernel is loaded for kexec";
		return -ENOEXEC;
	}
	if (!image->kho_devices_judged) {
		*why = "it was not loaded with kexec_file_load(): no image to check";
		return -ENOEXEC;
	}
	*why = image->kho_devices_why;
	if (image->kho_devices_why == kho_next_kernel_sm_reason &&
	    !READ_ONCE(kho_dma_scalable_capable))
		return 0;
	return image->kho_devices_err;
}

/**
 * kho_dma_check_next_kernel() - may @dev go on doing DMA into the kexec?
 * @dev: a device handed over with its translation
 *
 * To be called from the freeze callback of the LUO file that carries the
 * device, when the kexec is about to happen (kexec_lock held). A device
 * keeps mastering DMA across the kexec only if the next kernel will keep
 * its translation: its image must carry the suite's note, read every
 * handover format this kernel writes, and its command line keep KHO, LUO
 * and the Intel IOMMU (legacy mode) on. Otherwise the freeze fails, and
 * with it the kexec: the device goes on running in this kernel.
 *
 * Return: 0, or the errno of kho_next_kernel_judge() (-ENOEXEC,
 * -EPROTONOSUPPORT, -EINVAL) with a log line naming the device and why.
 */
int kho_dma_check_next_kernel(struct device *dev)
{
	const char *why;
	int err;

	err = kho_dma_next_kernel_verdict(&why);
	if (!err)
		return 0;
	if (IS_ENABLED(CONFIG_KHO_DEVICES_TEST_HOOKS) &&
	    READ_ONCE(kho_dma_next_kernel_ignored)) {
		dev_warn(dev, "test hook: kexec allowed although the next kernel cannot take the handover: %s\n",
			 why);
		return 0;
	}
	dev_warn(dev, "live update refused, the device keeps running here: the next kernel cannot take it: %s (%pe)\n",
		 why, ERR_PTR(err));
	return err;
}
EXPORT_SYMBOL_GPL(kho_dma_check_next_kernel);

/* debugfs: /sys/kernel/debug/kho_devices/policy/ */

static int kho_dma_next_kernel_show(struct seq_file *m, void *unused)
{
	const char *why;
	int err = kho_dma_next_kernel_verdict(&why);

	if (err)
		seq_printf(m, "refused err=%d reason=\"%s\"\n", err, why);
	else
		seq_puts(m, "accepted\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_dma_next_kernel);

static int kho_dma_preserved_pages_get(void *data, u64 *val)
{
	*val = kho_dma_preserved_pages();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(kho_dma_preserved_pages_fops,
			 kho_dma_preserved_pages_get, NULL, "%llu\n");

static int kho_dma_refused_requests_get(void *data, u64 *val)
{
	*val = atomic64_read(&kho_dma_refused_requests);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(kho_dma_refused_requests_fops,
			 kho_dma_refused_requests_get, NULL, "%llu\n");

#ifdef CONFIG_KHO_DEVICES_TEST_HOOKS
/* preserve_test and next_kernel_ignore, which use the policy above */
#include "kho_dma_policy_test.c"
#else
static inline void kho_dma_policy_test_hooks_init(struct dentry *dir)
{
}
#endif

static struct dentry *kho_devices_debugfs;

/**
 * kho_devices_debugfs_root() - the suite's debugfs directory
 *
 * Return: the dentry of /sys/kernel/debug/kho_devices/, under which each
 * part of the suite creates its own directory, or an error pointer.
 */
struct dentry *kho_devices_debugfs_root(void)
{
	return kho_devices_debugfs;
}
EXPORT_SYMBOL_GPL(kho_devices_debugfs_root);

/* The largest snapshot: every page-table page of the IOMMU handover, and more */
#define KHO_DEVICES_SNAPSHOT_MAX	SZ_64M

struct kho_devices_snapshot_file {
	const struct kho_devices_snapshot_ops *ops;
	bool incoming;
};

static int kho_devices_snapshot_take(const struct kho_devices_snapshot_file *sf,
				     void *buf, size_t size)
{
	int err;

	guard(mutex)(sf->ops->lock);
	err = sf->incoming ? sf->ops->incoming(buf, size) :
			     sf->ops->outgoing(buf, size);
	return err ?: kho_devices_snapshot_end(buf);
}

static int kho_devices_snapshot_open(struct inode *inode, struct file *file)
{
	const struct kho_devices_snapshot_file *sf = inode->i_private;
	size_t size = SZ_64K;
	void *buf;
	int err;

	for (;;) {
		buf = kvmalloc(size, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		err = kho_devices_snapshot_take(sf, buf, size);
		if (err != -ENOSPC || size >= KHO_DEVICES_SNAPSHOT_MAX)
			break;
		kvfree(buf);
		size *= 2;
	}
	if (err) {
		kvfree(buf);
		return err;
	}
	file->private_data = buf;
	return nonseekable_open(inode, file);
}

static ssize_t kho_devices_snapshot_read(struct file *file, char __user *ubuf,
					 size_t len, loff_t *ppos)
{
	const void *buf = file->private_data;

	return simple_read_from_buffer(ubuf, len, ppos, buf, fdt_totalsize(buf));
}

static int kho_devices_snapshot_release(struct inode *inode, struct file *file)
{
	kvfree(file->private_data);
	return 0;
}

static const struct file_operations kho_devices_snapshot_fops = {
	.owner = THIS_MODULE,
	.open = kho_devices_snapshot_open,
	.read = kho_devices_snapshot_read,
	.release = kho_devices_snapshot_release,
};

/**
 * kho_devices_debugfs_snapshots() - show a part's handovers in debugfs
 * @dir: the part's directory under kho_devices_debugfs_root()
 * @ops: how the part writes the snapshot of each direction, and the lock
 *	that keeps its state still meanwhile
 *
 * Creates ``outgoing`` and ``incoming`` in @dir: each open takes a
 * snapshot (include/linux/kho_devices.h), which reads return. The
 * writers begin the snapshot and add to it with the kho_devices_snapshot_*()
 * helpers; this ends it, and calls them again with a bigger buffer when
 * they return -ENOSPC.
 */
void kho_devices_debugfs_snapshots(struct dentry *dir,
				   const struct kho_devices_snapshot_ops *ops)
{
	struct kho_devices_snapshot_file *sf;

	if (IS_ERR_OR_NULL(dir))
		return;
	sf = kcalloc(2, sizeof(*sf), GFP_KERNEL);
	if (!sf)
		return;
	sf[0].ops = ops;
	sf[1].ops = ops;
	sf[1].incoming = true;
	debugfs_create_file("outgoing", 0400, dir, &sf[0],
			    &kho_devices_snapshot_fops);
	debugfs_create_file("incoming", 0400, dir, &sf[1],
			    &kho_devices_snapshot_fops);
}
EXPORT_SYMBOL_GPL(kho_devices_debugfs_snapshots);

static int __init kho_dma_policy_init(void)
{
	struct dentry *dir;

	kho_devices_debugfs = debugfs_create_dir("kho_devices", NULL);
	dir = debugfs_create_dir("policy", kho_devices_debugfs);
	debugfs_create_file("preserved_pages", 0400, dir, NULL,
			    &kho_dma_preserved_pages_fops);
	debugfs_create_file("refused_requests", 0400, dir, NULL,
			    &kho_dma_refused_requests_fops);
	debugfs_create_file("next_kernel", 0400, dir, NULL,
			    &kho_dma_next_kernel_fops);
	kho_dma_policy_test_hooks_init(dir);
	return 0;
}
subsys_initcall(kho_dma_policy_init);
