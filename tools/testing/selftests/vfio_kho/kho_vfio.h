/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a VMM does with the VFIO files it gets back from a LUO session:
 * give each mapping its new user address and go on driving the device
 * with the upstream selftest library, without re-initialising it.
 */
#ifndef KHO_VFIO_H
#define KHO_VFIO_H

#include <stdint.h>

#include <libvfio.h>

/*
 * The igb test driver keeps BAR0's address in its state, which lives in
 * the preserved memfd: BAR0 is mapped at this address in both kernels.
 */
#define KHO_VFIO_BAR0_VADDR	0x500000000000UL

void kho_vfio_map_bar0(struct vfio_pci_device *device);
void kho_vfio_map_bar0_at(struct vfio_pci_device *device, void *vaddr);
struct vfio_pci_device *kho_vfio_wrap(const char *bdf, int container_fd,
				      int device_fd);
struct iommu *kho_vfio_wrap_container(int container_fd);
struct vfio_pci_device *kho_vfio_wrap_device(const char *bdf,
					     struct iommu *iommu,
					     int device_fd, void *bar0);
struct vfio_pci_device *kho_vfio_wrap_at(const char *bdf, int container_fd,
					 int device_fd, void *bar0);
int kho_vfio_update_vaddr(int container_fd, uint64_t iova, uint64_t size,
			  void *vaddr);
void kho_vfio_resume_driver(struct vfio_pci_device *device, void *mem,
			    uint64_t iova, uint64_t size, int msi,
			    uint64_t max_memcpy_size, uint64_t max_memcpy_count);

#endif /* KHO_VFIO_H */
