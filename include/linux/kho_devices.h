/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the pure handover checks of the KHO device suite share
 * (kernel/kho_devices_format.c, drivers/iommu/iommu_kho_format.c,
 * drivers/pci/pci_kho_format.c, drivers/vfio/vfio_kho_format.c): they
 * compile unchanged in userspace.
 */
#ifndef _LINUX_KHO_DEVICES_H
#define _LINUX_KHO_DEVICES_H

#include <linux/kho/abi/kho_devices.h>
#include <linux/types.h>

/**
 * struct kho_devices_memory - how a check reaches the previous kernel's memory
 * @preserved: is [@phys, @phys + @size) memory the previous kernel
 *	preserved? Nothing is read before this says so.
 * @map: the address at which preserved memory at @phys can be read
 * @ctx: passed to both
 *
 * In the kernel, kho_is_preserved() and phys_to_virt(); in the fuzzers, a
 * model of memory that fails the run on any other access.
 */
struct kho_devices_memory {
	bool (*preserved)(u64 phys, u64 size, void *ctx);
	const void *(*map)(u64 phys, void *ctx);
	void *ctx;
};

/**
 * struct kho_devices_pci_name_buf - a PCI function's name, "SSSS:BB:DD.F"
 * @str: the name, NUL-terminated (a segment above 0xffff takes more digits)
 */
struct kho_devices_pci_name_buf {
	char str[20];
};

struct kho_devices_pci_name_buf kho_devices_pci_name(const struct kho_devices_pci_addr *addr);

/**
 * kho_devices_pci_addr_eq() - do two handover records name the same function?
 * @a: one address
 * @b: the other
 *
 * Return: true if segment, bus and devfn match.
 */
static inline bool kho_devices_pci_addr_eq(const struct kho_devices_pci_addr *a,
					   const struct kho_devices_pci_addr *b)
{
	return a->segment == b->segment && a->bus == b->bus &&
	       a->devfn == b->devfn;
}

/**
 * DOC: handover snapshots
 *
 * Each part shows what it hands over (``outgoing``) and what it received
 * (``incoming``) in debugfs, ``kho_devices/<part>/outgoing`` and
 * ``incoming``, for tools/kho-devices/kho-inspect. Each file is a
 * snapshot taken when it is opened: a flattened device tree whose root
 * node has
 *
 * - ``compatible``: %KHO_DEVICES_SNAPSHOT_COMPATIBLE;
 * - ``part``: ``pci``, ``iommu`` or ``vfio``;
 * - ``direction``: ``outgoing`` or ``incoming``;
 * - ``state``: ``none`` (nothing to show), ``preserved`` (outgoing),
 *   ``retrieved``, ``refused`` or ``finished`` (incoming);
 * - ``handover``: u64, physical address of the part's FDT top layer, the
 *   root of its handover (pci and iommu; absent when there is none);
 * - ``preserved-bytes``: u64, memory the part keeps preserved for it;
 * - ``error``: u64, the errno the whole handover was refused with;
 * - ``refused-records``, ``released-records``: u64 (iommu, incoming), bit
 *   i set when this kernel refused record i, or freed its page tables
 *   after adopting its translation (those tables are not in the snapshot).
 *
 * and one subnode ``mem@<physical address>`` per piece of handed-over
 * memory it names: ``role`` (string: ``fdt``, ``functions``, ``devices``,
 * ``pages``, ``table``, ``container`` or ``device``), ``phys`` (u64) and
 * ``data`` (the bytes there), plus ``error`` (u64) for a block its part
 * refused. A reader follows the handover from its root by physical
 * address, as the next kernel does, and runs the next kernel's checks.
 */
#define KHO_DEVICES_SNAPSHOT_COMPATIBLE	"kho-devices-snapshot-v1"

u32 kho_devices_crc(const void *p, size_t len);
u32 kho_devices_crc_hole(const void *p, size_t len, size_t hole);
int kho_devices_fdt_open(const void *fdt, size_t size, const char *compatible);
int kho_devices_fdt_u32(const void *fdt, const char *name, u32 *val);
int kho_devices_fdt_u64(const void *fdt, const char *name, u64 *val);
int kho_devices_fdt_set_crc(void *fdt, size_t size, const char *name, u32 crc);
int kho_devices_fdt_check_crc(const void *fdt, const char *name,
			      const void *array, size_t len);
int kho_devices_snapshot_begin(void *buf, size_t size, const char *part,
			       const char *direction, const char *state);
int kho_devices_snapshot_u64(void *buf, const char *name, u64 val);
int kho_devices_snapshot_mem(void *buf, const char *role, u64 phys,
			     const void *data, size_t len, int error);
int kho_devices_snapshot_end(void *buf);

#endif /* _LINUX_KHO_DEVICES_H */
