// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_vaddr - VFIO_DMA_MAP_FLAG_VADDR accepts only an address that
 * maps the very pages the IOMMU maps at that IOVA, which is what a VMM
 * supplies after a live update.
 *
 *   vfio_kho_vaddr BDF
 *
 * With a memfd mapped at IOVA 1 TiB in a type1 container owning BDF, the
 * vaddr is invalidated (VFIO_DMA_UNMAP_FLAG_VADDR) and then supplied
 * again: another memfd, an anonymous mapping and a range shifted by one
 * page are refused with -EINVAL and change nothing; a second mapping of
 * the same memfd is accepted; the mapping still unmaps in full. Prints
 * "NAME ERRNO" per step; the scenario judges them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/sizes.h>
#include <linux/vfio.h>

#include <libvfio.h>

#define DMA_IOVA	0x10000000000ULL	/* 1 TiB */
#define SIZE		SZ_2M

static int container;

static int unmap(uint32_t flags, uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = flags, .iova = DMA_IOVA, .size = SIZE,
	};

	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u))
		return -errno;
	if (unmapped)
		*unmapped = u.size;
	return 0;
}

static int map(uint32_t flags, void *vaddr)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags, .vaddr = (uintptr_t)vaddr,
		.iova = DMA_IOVA, .size = SIZE,
	};

	return ioctl(container, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
}

static void *map_memfd(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	VFIO_ASSERT_NE(p, MAP_FAILED);
	return p;
}

int main(int argc, char **argv)
{
	struct vfio_pci_device *device;
	int memfd, other, ret;
	uint64_t unmapped = 0;
	uint8_t *a, *b, *c, *anon;

	if (argc != 2) {
		fprintf(stderr, "usage: %s BDF\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	device = vfio_pci_device_init(argv[1], iommu_init(MODE_VFIO_TYPE1V2_IOMMU));
	container = device->iommu->container_fd;
	printf("extension %d\n", ioctl(container, VFIO_CHECK_EXTENSION,
				       VFIO_UPDATE_VADDR));

	memfd = memfd_create("vaddr-a", 0);
	other = memfd_create("vaddr-b", 0);
	VFIO_ASSERT_EQ(ftruncate(memfd, SIZE + SZ_4K), 0);
	VFIO_ASSERT_EQ(ftruncate(other, SIZE), 0);
	a = map_memfd(memfd, SIZE + SZ_4K);
	b = map_memfd(other, SIZE);
	memset(a, 0xa5, SIZE + SZ_4K);
	memset(b, 0x5a, SIZE);
	anon = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VFIO_ASSERT_NE(anon, MAP_FAILED);
	memset(anon, 1, SIZE);

	printf("map %d\n", map(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE, a));
	printf("invalidate %d\n", unmap(VFIO_DMA_UNMAP_FLAG_VADDR, NULL));
	printf("other-memfd %d\n", map(VFIO_DMA_MAP_FLAG_VADDR, b));
	printf("anonymous %d\n", map(VFIO_DMA_MAP_FLAG_VADDR, anon));
	/* The same memfd one page further: right file, wrong pages. */
	c = map_memfd(memfd, SIZE + SZ_4K);
	printf("shifted %d\n", map(VFIO_DMA_MAP_FLAG_VADDR, c + SZ_4K));
	printf("same-pages %d\n", map(VFIO_DMA_MAP_FLAG_VADDR, c));
	printf("again %d\n", map(VFIO_DMA_MAP_FLAG_VADDR, c));
	ret = unmap(0, &unmapped);
	printf("unmap %d %llu\n", ret, (unsigned long long)unmapped);
	vfio_pci_device_cleanup(device);
	return 0;
}
