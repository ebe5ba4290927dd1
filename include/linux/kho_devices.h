/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the pure handover checks of the KHO device suite share
 * (kernel/kho_devices_format.c, drivers/iommu/iommu_kho_format.c,
 * drivers/pci/pci_kho_format.c, drivers/vfio/vfio_kho_format.c): they
 * compile unchanged in userspace.
 */
#ifndef _LINUX_KHO_DEVICES_H
#define _LINUX_KHO_DEVICES_H

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

u32 kho_devices_crc(const void *p, size_t len);
u32 kho_devices_crc_hole(const void *p, size_t len, size_t hole);
int kho_devices_fdt_open(const void *fdt, size_t size, const char *compatible);
int kho_devices_fdt_u32(const void *fdt, const char *name, u32 *val);
int kho_devices_fdt_u64(const void *fdt, const char *name, u64 *val);
int kho_devices_fdt_set_crc(void *fdt, size_t size, const char *name, u32 crc);
int kho_devices_fdt_check_crc(const void *fdt, const char *name,
			      const void *array, size_t len);

#endif /* _LINUX_KHO_DEVICES_H */
