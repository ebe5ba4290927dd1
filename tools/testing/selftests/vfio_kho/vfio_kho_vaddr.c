// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_vaddr - VFIO_DMA_MAP_FLAG_VADDR accepts only an address that
 * maps the very pages the IOMMU maps at that IOVA, which is what a VMM
 * supplies after a live update.
 *
 *   vfio_kho_vaddr [BDF]      (or VFIO_SELFTESTS_BDF)
 *
 * Each case maps a memfd at IOVA 1 TiB in a type1 container owning BDF and
 * invalidates the mapping's address (VFIO_DMA_UNMAP_FLAG_VADDR); then
 * another memfd, an anonymous mapping and the same memfd shifted by one
 * page are refused with -EINVAL and change nothing (the right address is
 * still accepted after them); a second mapping of the same memfd is
 * accepted; an address is given once; the mapping then unmaps in full.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/sizes.h>
#include <linux/vfio.h>

#include <libvfio.h>

#include "../kselftest_harness.h"

#define DMA_IOVA	0x10000000000ULL	/* 1 TiB */
#define SIZE		SZ_2M

static const char *device_bdf;

static int unmap(int container, uint32_t flags, uint64_t *unmapped)
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

static int map(int container, uint32_t flags, void *vaddr)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags, .vaddr = (uintptr_t)vaddr,
		.iova = DMA_IOVA, .size = SIZE,
	};

	return ioctl(container, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
}

static uint8_t *map_memfd(int fd, size_t len, uint8_t fill)
{
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p != MAP_FAILED)
		memset(p, fill, len);
	return p;
}

FIXTURE(vaddr) {
	struct vfio_pci_device *device;
	struct iommu *iommu;
	int container;
	int memfd;
	uint8_t *mem;	/* the memfd, one page longer than the mapping */
};

FIXTURE_SETUP(vaddr)
{
	self->iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	self->device = vfio_pci_device_init(device_bdf, self->iommu);
	self->container = self->iommu->container_fd;
	self->memfd = memfd_create("vaddr-a", 0);
	ASSERT_GE(self->memfd, 0);
	ASSERT_EQ(ftruncate(self->memfd, SIZE + SZ_4K), 0);
	self->mem = map_memfd(self->memfd, SIZE + SZ_4K, 0xa5);
	ASSERT_NE(self->mem, MAP_FAILED);
	ASSERT_EQ(map(self->container, VFIO_DMA_MAP_FLAG_READ |
		      VFIO_DMA_MAP_FLAG_WRITE, self->mem), 0);
	ASSERT_EQ(unmap(self->container, VFIO_DMA_UNMAP_FLAG_VADDR, NULL), 0);
}

FIXTURE_TEARDOWN(vaddr)
{
	vfio_pci_device_cleanup(self->device);
	iommu_cleanup(self->iommu);
	munmap(self->mem, SIZE + SZ_4K);
	close(self->memfd);
}

TEST_F(vaddr, extension)
{
	ASSERT_EQ(ioctl(self->container, VFIO_CHECK_EXTENSION,
			VFIO_UPDATE_VADDR), 1);
}

TEST_F(vaddr, other_memfd_refused)
{
	int other = memfd_create("vaddr-b", 0);
	uint8_t *b;

	ASSERT_GE(other, 0);
	ASSERT_EQ(ftruncate(other, SIZE), 0);
	b = map_memfd(other, SIZE, 0x5a);
	ASSERT_NE(b, MAP_FAILED);
	EXPECT_EQ(map(self->container, VFIO_DMA_MAP_FLAG_VADDR, b), -EINVAL);
	munmap(b, SIZE);
	close(other);
}

TEST_F(vaddr, anonymous_refused)
{
	uint8_t *anon = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(anon, MAP_FAILED);
	memset(anon, 1, SIZE);
	EXPECT_EQ(map(self->container, VFIO_DMA_MAP_FLAG_VADDR, anon), -EINVAL);
	munmap(anon, SIZE);
}

/* The same memfd one page further: the right file, the wrong pages. */
TEST_F(vaddr, shifted_refused)
{
	uint8_t *c = map_memfd(self->memfd, SIZE + SZ_4K, 0xa5);

	ASSERT_NE(c, MAP_FAILED);
	EXPECT_EQ(map(self->container, VFIO_DMA_MAP_FLAG_VADDR, c + SZ_4K),
		  -EINVAL);
	munmap(c, SIZE + SZ_4K);
}

/* After every refusal the mapping still waits for, and takes, its pages. */
TEST_F(vaddr, refusals_change_nothing)
{
	uint8_t *c = map_memfd(self->memfd, SIZE + SZ_4K, 0xa5);
	uint8_t *anon = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(c, MAP_FAILED);
	ASSERT_NE(anon, MAP_FAILED);
	memset(anon, 1, SIZE);
	ASSERT_EQ(map(self->container, VFIO_DMA_MAP_FLAG_VADDR, anon), -EINVAL);
	ASSERT_EQ(map(self->container, VFIO_DMA_MAP_FLAG_VADDR, c + SZ_4K),
		  -EINVAL);
	EXPECT_EQ(map(self->container, VFIO_DMA_MAP_FLAG_VADDR, self->mem), 0);
	munmap(anon, SIZE);
	munmap(c, SIZE + SZ_4K);
}

/* A second mapping of the same pages is taken. */
TEST_F(vaddr, same_pages_accepted)
{
	uint8_t *c = map_memfd(self->memfd, SIZE + SZ_4K, 0xa5);

	ASSERT_NE(c, MAP_FAILED);
	EXPECT_EQ(map(self->container, VFIO_DMA_MAP_FLAG_VADDR, c), 0);
	munmap(c, SIZE + SZ_4K);
}

/* A mapping that has its address takes no other. */
TEST_F(vaddr, given_twice_refused)
{
	ASSERT_EQ(map(self->container, VFIO_DMA_MAP_FLAG_VADDR, self->mem), 0);
	EXPECT_EQ(map(self->container, VFIO_DMA_MAP_FLAG_VADDR, self->mem),
		  -EINVAL);
}

/* With its new address the mapping unmaps in full. */
TEST_F(vaddr, unmaps_in_full)
{
	uint64_t unmapped = 0;

	ASSERT_EQ(map(self->container, VFIO_DMA_MAP_FLAG_VADDR, self->mem), 0);
	EXPECT_EQ(unmap(self->container, 0, &unmapped), 0);
	EXPECT_EQ(unmapped, SIZE);
}

int main(int argc, char *argv[])
{
	device_bdf = vfio_selftests_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
