/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which devices and which memory may be handed over to the next kernel
 * while the device keeps doing DMA. See kernel/kho_dma_policy.c and
 * Documentation/driver-api/kho-devices.rst.
 */
#ifndef _LINUX_KHO_DMA_POLICY_H
#define _LINUX_KHO_DMA_POLICY_H

#include <linux/kho/abi/kho_devices.h>
#include <linux/sizes.h>
#include <linux/types.h>

struct dentry;
struct device;
struct kimage;
struct mutex;
struct pci_dev;

/**
 * enum kho_dma_rule - the rules a device must meet to be handed over
 * @KHO_DMA_RULE_PCI_FUNCTION: it is a PCI function (-ENODEV)
 * @KHO_DMA_RULE_ENDPOINT: it is an endpoint that can master DMA, not a
 *	bridge (-EINVAL)
 * @KHO_DMA_RULE_NOT_VF: it is not an SR-IOV virtual function (-EOPNOTSUPP)
 * @KHO_DMA_RULE_PRESENT: it still answers on the bus (-ENODEV)
 * @KHO_DMA_RULE_IOMMU: an IOMMU translates its DMA (-ENXIO)
 * @KHO_DMA_RULE_TRUSTED: it is not untrusted or behind an external-facing
 *	port, whose DMA the kernel bounces (-EPERM)
 * @KHO_DMA_RULE_NO_SWIOTLB: swiotlb is not active for it (-EXDEV)
 * @KHO_DMA_RULE_NO_FORCED_BOUNCE: its DMA is not forced through swiotlb
 *	(-EXDEV)
 * @KHO_DMA_RULE_NO_RESTRICTED_POOL: it has no restricted DMA pool (-EXDEV)
 * @KHO_DMA_RULE_REACH_KNOWN: its DMA reach is known (-ENODATA)
 * @KHO_DMA_RULE_REACH_COVERS_RAM: its DMA reach covers all of RAM (-EDOM)
 * @KHO_DMA_RULE_GROUP: it is alone in its IOMMU group, or every other
 *	member of the group is handed over too (-EBUSY)
 * @KHO_DMA_RULE_COUNT: number of rules
 */
enum kho_dma_rule {
	KHO_DMA_RULE_PCI_FUNCTION,
	KHO_DMA_RULE_ENDPOINT,
	KHO_DMA_RULE_NOT_VF,
	KHO_DMA_RULE_PRESENT,
	KHO_DMA_RULE_IOMMU,
	KHO_DMA_RULE_TRUSTED,
	KHO_DMA_RULE_NO_SWIOTLB,
	KHO_DMA_RULE_NO_FORCED_BOUNCE,
	KHO_DMA_RULE_NO_RESTRICTED_POOL,
	KHO_DMA_RULE_REACH_KNOWN,
	KHO_DMA_RULE_REACH_COVERS_RAM,
	KHO_DMA_RULE_GROUP,
	KHO_DMA_RULE_COUNT
};

/**
 * enum kho_dma_reach_source - where a device's DMA reach comes from
 * @KHO_DMA_REACH_UNKNOWN: nowhere: the device does not qualify
 * @KHO_DMA_REACH_DRIVER: the DMA mask set by its kernel driver
 * @KHO_DMA_REACH_TABLE: the capability table, by PCI vendor and device ID
 * @KHO_DMA_REACH_DECLARED: declared by its owner in sysfs
 *	(kho_dma_reach_bits); overrides the other two
 */
enum kho_dma_reach_source {
	KHO_DMA_REACH_UNKNOWN,
	KHO_DMA_REACH_DRIVER,
	KHO_DMA_REACH_TABLE,
	KHO_DMA_REACH_DECLARED,
};

/**
 * struct kho_dma_facts - what the policy needs to know about a device
 * @is_pci: it is a PCI function
 * @is_endpoint: its config header is a type 0 (endpoint) header
 * @is_virtfn: it is an SR-IOV virtual function
 * @is_present: it still answers config reads
 * @has_iommu: it belongs to an IOMMU group
 * @untrusted: marked untrusted by the PCI core
 * @external_facing: sits behind an external-facing port
 * @swiotlb_active: a swiotlb pool serves the device
 * @forced_bounce: its streaming DMA is forced through swiotlb
 * @restricted_pool: it has a restricted DMA pool
 * @reach_source: where @dma_reach comes from
 * @dma_reach: highest bus address it can generate (an all-ones mask)
 * @ram_end: highest physical address of RAM
 * @group_others: other devices in its IOMMU group
 * @group_others_preserved: how many of @group_others are handed over
 */
struct kho_dma_facts {
	bool is_pci;
	bool is_endpoint;
	bool is_virtfn;
	bool is_present;
	bool has_iommu;
	bool untrusted;
	bool external_facing;
	bool swiotlb_active;
	bool forced_bounce;
	bool restricted_pool;
	enum kho_dma_reach_source reach_source;
	u64 dma_reach;
	phys_addr_t ram_end;
	unsigned int group_others;
	unsigned int group_others_preserved;
};

/**
 * struct kho_dma_range - physical memory handed over for a device
 * @phys: start, page aligned
 * @size: length in bytes, page aligned, not 0
 */
struct kho_dma_range {
	phys_addr_t phys;
	u64 size;
};

/**
 * struct kho_dma_pci_state - what the PCI part knows of a function
 * @declared_reach_bits: the DMA reach its owner declared in sysfs
 *	(kho_dma_reach_bits), 0 if none
 * @preserved: tells whether another device of its IOMMU group is handed
 *	over, already or together with the function (@peers)
 * @peers: the functions its owner hands over together with it, which go
 *	with it or not at all (the owner refuses the kexec without one of
 *	them), NULL if none
 * @nr_peers: how many @peers
 *
 * The PCI part owns these (they are not the PCI core's) and passes them to
 * the policy with the device: the policy reads nothing of a PCI function
 * that the PCI core does not own.
 */
struct kho_dma_pci_state {
	u8 declared_reach_bits;
	bool (*preserved)(struct device *dev,
			  const struct kho_dma_pci_state *state);
	struct pci_dev *const *peers;
	unsigned int nr_peers;
};

/* Memory handed over for device state must start at or above this. */
#define KHO_DMA_MIN_PHYS	((phys_addr_t)KHO_DEVICES_MIN_PHYS)

/* The policy's pure steps; exported for its KUnit test only */
int kho_dma_policy_evaluate(const struct kho_dma_facts *facts,
			    enum kho_dma_rule *failed);
const char *kho_dma_rule_reason(enum kho_dma_rule rule);
int kho_dma_rule_errno(enum kho_dma_rule rule);
u64 kho_dma_reach_from_table(u16 vendor, u16 device);
int kho_dma_device_check(struct device *dev,
			 const struct kho_dma_pci_state *pci,
			 const char **reason);
const char *kho_dma_device_verdict(struct device *dev,
				   const struct kho_dma_pci_state *pci);
int kho_dma_check_ranges(struct device *dev, const struct kho_dma_range *ranges,
			 unsigned int nr);
int kho_dma_preserve_ranges(struct device *dev,
			    const struct kho_dma_range *ranges, unsigned int nr);
void kho_dma_unpreserve_ranges(const struct kho_dma_range *ranges,
			       unsigned int nr);
void *kho_dma_alloc_preserve(size_t size);
void kho_dma_free_preserved(void *mem);
u64 kho_dma_preserved_pages(void);	/* exported for KUnit only */
struct dentry *kho_devices_debugfs_root(void);
#ifdef CONFIG_KHO_DEVICES_TEST_HOOKS
/**
 * struct kho_devices_forge - a part's forge hook
 * @part: the part's name, for the log
 * @damage: damages the part's outgoing handover in the way @what names,
 *	for the PCI device @dev (NULL when the order names none); returns 0,
 *	or an errno for an order it does not know or cannot carry out
 */
struct kho_devices_forge {
	const char *part;
	int (*damage)(const char *what, struct device *dev);
};

int kho_devices_test_input(const char __user *ubuf, size_t len, char *buf,
			   size_t size);
void kho_devices_test_forge_file(struct dentry *dir,
				 struct kho_devices_forge *forge);
#endif

/**
 * struct kho_devices_snapshot_ops - how a part shows its handovers in debugfs
 * @lock: held while either writer runs
 * @outgoing: writes the snapshot of what this kernel hands over into a
 *	buffer of the given size, or returns -ENOSPC
 * @incoming: the same for what it received
 */
struct kho_devices_snapshot_ops {
	struct mutex *lock;	/* the part's lock, taken around each call */
	int (*outgoing)(void *buf, size_t size);
	int (*incoming)(void *buf, size_t size);
};

void kho_devices_debugfs_snapshots(struct dentry *dir,
				   const struct kho_devices_snapshot_ops *ops);

int kho_dma_check_next_kernel(struct device *dev);
void kho_dma_note_scalable_capable(void);

/**
 * typedef kho_dma_quiesce_fn - how the bus part stops a device's DMA
 * @dev: a device the previous kernel may have left doing DMA
 * @err: the errno of the refusal, 0 if there is none to give
 * @why: what the device lost, for the log
 */
typedef void (*kho_dma_quiesce_fn)(struct device *dev, int err,
				   const char *why);

#ifdef CONFIG_KHO_DEVICES
void kho_dma_set_quiesce(kho_dma_quiesce_fn quiesce);
void kho_dma_quiesce(struct device *dev, int err, const char *why);
#else
static inline void kho_dma_quiesce(struct device *dev, int err,
				   const char *why)
{
}
#endif

#ifdef CONFIG_KHO_DEVICES
void kho_dma_judge_next_kernel(struct kimage *image);
#else
static inline void kho_dma_judge_next_kernel(struct kimage *image)
{
}
#endif

#endif /* _LINUX_KHO_DMA_POLICY_H */
