/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VFIO handover's block checks (drivers/vfio/vfio_kho_format.c): pure
 * code, also built in userspace by the fuzzers.
 */
#ifndef _DRIVERS_VFIO_VFIO_KHO_FORMAT_H
#define _DRIVERS_VFIO_VFIO_KHO_FORMAT_H

#include <linux/types.h>

struct kho_devices_memory;
struct vfio_kho_container_ser;
struct vfio_kho_device_ser;

void vfio_kho_container_seal(struct vfio_kho_container_ser *ser);
void vfio_kho_device_seal(struct vfio_kho_device_ser *ser);
int vfio_kho_container_check(u64 phys, const struct kho_devices_memory *mem,
			     const struct vfio_kho_container_ser **serp);
int vfio_kho_container_device(const struct vfio_kho_container_ser *container,
			      const struct kho_devices_pci_addr *addr);
int vfio_kho_device_check(const struct vfio_kho_device_ser *dev,
			  const struct vfio_kho_container_ser *container);

#endif /* _DRIVERS_VFIO_VFIO_KHO_FORMAT_H */
