// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a VMM does with the VFIO files it gets back from a LUO session:
 * see kho_vfio.h.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/vfio.h>

#include "kho_vfio.h"

/* BAR0 at @vaddr, through the device file's region mmap. */
void kho_vfio_map_bar0_at(struct vfio_pci_device *device, void *vaddr)
{
	struct vfio_pci_bar *bar = &device->bars[0];
	void *p;

	if (bar->vaddr)
		VFIO_ASSERT_EQ(munmap(bar->vaddr, bar->info.size), 0);
	p = mmap(vaddr, bar->info.size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, device->fd, bar->info.offset);
	VFIO_ASSERT_EQ(p, vaddr);
	bar->vaddr = p;
}

/* BAR0 at KHO_VFIO_BAR0_VADDR */
void kho_vfio_map_bar0(struct vfio_pci_device *device)
{
	kho_vfio_map_bar0_at(device, (void *)KHO_VFIO_BAR0_VADDR);
}

static void region_info(int fd, u32 index, struct vfio_region_info *info)
{
	*info = (struct vfio_region_info){ .argsz = sizeof(*info), .index = index };
	ioctl_assert(fd, VFIO_DEVICE_GET_REGION_INFO, info);
}

/* A retrieved container as the library's object */
struct iommu *kho_vfio_wrap_container(int container_fd)
{
	static const struct iommu_mode type1v2 = {
		.name = MODE_VFIO_TYPE1V2_IOMMU,
		.container_path = "/dev/vfio/vfio",
		.iommu_type = VFIO_TYPE1v2_IOMMU,
	};
	struct iommu *iommu;

	iommu = calloc_assert(1, sizeof(*iommu));
	INIT_LIST_HEAD(&iommu->dma_regions);
	iommu->mode = &type1v2;
	iommu->container_fd = container_fd;
	return iommu;
}

/*
 * A retrieved device of the container @iommu wraps (kho_vfio_wrap_container())
 * as the library's object, filled as vfio_pci_device_init() would (no
 * group fd: the device file holds the group), BAR0 mapped at @bar0. The
 * caller takes the driver's state over (msi, memcpy limits).
 */
struct vfio_pci_device *kho_vfio_wrap_device(const char *bdf,
					     struct iommu *iommu,
					     int device_fd, void *bar0)
{
	struct vfio_pci_device *device;
	unsigned int i;

	device = vfio_pci_device_alloc(bdf, iommu);
	device->fd = device_fd;
	device->info.argsz = sizeof(device->info);
	ioctl_assert(device_fd, VFIO_DEVICE_GET_INFO, &device->info);
	region_info(device_fd, VFIO_PCI_CONFIG_REGION_INDEX,
		    &device->config_space);
	region_info(device_fd, VFIO_PCI_BAR0_REGION_INDEX,
		    &device->bars[0].info);
	kho_vfio_map_bar0_at(device, bar0);
	for (i = 0; i < ARRAY_SIZE(device->msi_eventfds); i++)
		device->msi_eventfds[i] = -1;
	vfio_pci_driver_probe(device);
	return device;
}

/* The retrieved container and its one device, BAR0 at @bar0 */
struct vfio_pci_device *kho_vfio_wrap_at(const char *bdf, int container_fd,
					 int device_fd, void *bar0)
{
	return kho_vfio_wrap_device(bdf, kho_vfio_wrap_container(container_fd),
				    device_fd, bar0);
}

/* The same, BAR0 at KHO_VFIO_BAR0_VADDR */
struct vfio_pci_device *kho_vfio_wrap(const char *bdf, int container_fd,
				      int device_fd)
{
	return kho_vfio_wrap_at(bdf, container_fd, device_fd,
				(void *)KHO_VFIO_BAR0_VADDR);
}

/* VFIO_DMA_MAP_FLAG_VADDR: the mapping at @iova gets its new address. */
int kho_vfio_update_vaddr(int container_fd, uint64_t iova, uint64_t size,
			  void *vaddr)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_VADDR,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl(container_fd, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
}

/*
 * The igb test driver of a retrieved device goes on from the state the old
 * kernel left: its DMA region is @mem at @iova, its MSI and memcpy limits
 * as saved, MSI-X set up again; no re-initialisation (that would reset).
 */
void kho_vfio_resume_driver(struct vfio_pci_device *device, void *mem,
			    uint64_t iova, uint64_t size, int msi,
			    uint64_t max_memcpy_size, uint64_t max_memcpy_count)
{
	device->driver.msi = msi;
	device->driver.max_memcpy_size = max_memcpy_size;
	device->driver.max_memcpy_count = max_memcpy_count;
	device->driver.region = (struct dma_region){
		.vaddr = mem, .iova = iova, .size = size,
	};
	list_add(&device->driver.region.link, &device->iommu->dma_regions);
	device->driver.initialized = true;
	vfio_pci_msix_enable(device, msi, 1);
}
