// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_memory_rule - memory a device writes into across a live update
 * is memory handed over for it, and must sit at or above 4 GiB.
 *
 * A VMM maps a memfd into a type1 container that owns the device given by
 * VFIO_SELFTESTS_BDF (or the command line) and preserves the memfd and the
 * container in a LUO session. When the pages the IOMMU maps sit below
 * 4 GiB (obtained by filling the memory above 4 GiB before the memfd is
 * faulted in, and freeing it before the mapping, so that the page tables
 * land above), the container preserve fails with -ERANGE, the kernel names
 * the range, the container is not frozen and nothing is handed over. The
 * same steps with the memfd above 4 GiB succeed: the test can tell.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/sizes.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "../kselftest_harness.h"
#include "kho_sysfs.h"

#define DMA_IOVA	0x10000000000ULL	/* 1 TiB */
#define MEMFD_SIZE	SZ_2M
#define FILL_STEP	(256ULL << 20)
#define FOUR_GIB	(4ULL << 30)
#define CONTAINERS	"/sys/kernel/debug/kho_devices/vfio/containers"

static const char *device_bdf;

/* Physical address of the page mapped at @addr (root: pagemap has PFNs). */
static uint64_t phys_of(void *addr)
{
	uint64_t entry = 0;
	off_t off = (uintptr_t)addr / getpagesize() * sizeof(entry);
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry), off) != sizeof(entry))
		entry = 0;
	close(fd);
	if (!(entry & (1ULL << 63)))
		return 0;
	return (entry & ((1ULL << 55) - 1)) * getpagesize();
}

/* The lowest and highest physical address of the pages of @mem. */
static void phys_range(uint8_t *mem, size_t size, uint64_t *lo, uint64_t *hi)
{
	size_t off;

	*lo = UINT64_MAX;
	*hi = 0;
	for (off = 0; off < size; off += getpagesize()) {
		uint64_t p = phys_of(mem + off);

		*lo = p < *lo ? p : *lo;
		*hi = p > *hi ? p : *hi;
	}
}

/*
 * Fill memory until a fresh shmem page comes from below 4 GiB; returns
 * the filler memfd (close it to give the memory back), or -1.
 */
static int fill_memory_above_4g(void)
{
	int filler = memfd_create("kho-filler", 0), probe;
	off_t filled = 0;
	uint8_t *p;

	if (filler < 0)
		return -1;
	while (filled < (64LL << 30)) {
		if (fallocate(filler, 0, filled, FILL_STEP))
			break;
		filled += FILL_STEP;
		probe = memfd_create("kho-probe", 0);
		if (probe < 0 || ftruncate(probe, getpagesize()))
			break;
		p = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
			 MAP_SHARED, probe, 0);
		if (p == MAP_FAILED)
			break;
		p[0] = 1;
		if (phys_of(p) && phys_of(p) < FOUR_GIB) {
			munmap(p, getpagesize());
			close(probe);
			return filler;
		}
		munmap(p, getpagesize());
		close(probe);
	}
	close(filler);
	return -1;
}

static int count_out_containers(void)
{
	char buf[4096] = "";
	int fd = open(CONTAINERS, O_RDONLY), n = 0;
	char *p = buf;

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		n = -1;
	close(fd);
	while (n >= 0 && (p = strstr(p, "out "))) {
		n += p == buf || p[-1] == '\n';
		p++;
	}
	return n;
}

FIXTURE(memory_rule) {
	struct iommu *iommu;
	struct vfio_pci_device *device;
	int luo;
	int session;
	int memfd;
	uint8_t *mem;
};

FIXTURE_VARIANT(memory_rule) {
	bool below_4g;
};

FIXTURE_VARIANT_ADD(memory_rule, below_4g) {
	.below_4g = true,
};

FIXTURE_VARIANT_ADD(memory_rule, above_4g) {
	.below_4g = false,
};

FIXTURE_SETUP(memory_rule)
{
	uint64_t lo, hi;
	int filler = -1;

	self->iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	self->device = vfio_pci_device_init(device_bdf, self->iommu);
	if (variant->below_4g) {
		filler = fill_memory_above_4g();
		ASSERT_GE(filler, 0) TH_LOG("could not get pages below 4 GiB");
	}
	self->memfd = memfd_create("kho-memory-rule", 0);
	ASSERT_GE(self->memfd, 0);
	ASSERT_EQ(ftruncate(self->memfd, MEMFD_SIZE), 0);
	self->mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->memfd, 0);
	ASSERT_NE(self->mem, MAP_FAILED);
	memset(self->mem, 0x5a, MEMFD_SIZE);
	if (filler >= 0)
		close(filler);	/* the page tables land above 4 GiB */
	phys_range(self->mem, MEMFD_SIZE, &lo, &hi);
	TH_LOG("memfd pages between %#llx and %#llx",
	       (unsigned long long)lo, (unsigned long long)hi);
	ASSERT_TRUE(variant->below_4g ? hi < FOUR_GIB : lo >= FOUR_GIB);
	self->luo = luo_open_device();
	ASSERT_GE(self->luo, 0);
	self->session = luo_create_session(self->luo, variant->below_4g ?
					   "kho-memory-low" : "kho-memory-high");
	ASSERT_GE(self->session, 0);
}

FIXTURE_TEARDOWN(memory_rule)
{
	close(self->session);
	close(self->luo);
	vfio_pci_device_cleanup(self->device);
	iommu_cleanup(self->iommu);
	munmap(self->mem, MEMFD_SIZE);
	close(self->memfd);
}

TEST_F(memory_rule, container_preserve)
{
	struct dma_region region = {
		.vaddr = self->mem, .iova = DMA_IOVA, .size = MEMFD_SIZE,
	};
	struct dma_region other = {
		.vaddr = self->mem, .iova = 2 * DMA_IOVA, .size = MEMFD_SIZE,
	};
	int logged = kho_klog_count("maps memory below 4 GiB", NULL);
	int ret;

	iommu_map(self->iommu, &region);
	ASSERT_EQ(luo_session_preserve_fd(self->session, self->memfd, 1), 0);
	ret = luo_session_preserve_fd(self->session,
				      self->iommu->container_fd, 2);
	if (!variant->below_4g) {
		/* control: the same steps above 4 GiB hand the container over */
		ASSERT_EQ(ret, 0);
		ASSERT_EQ(count_out_containers(), 1);
		ASSERT_EQ(__iommu_map(self->iommu, &other), -EBUSY);
		return;
	}
	ASSERT_EQ(ret, -ERANGE);
	/* one line naming the range */
	ASSERT_EQ(kho_klog_count("maps memory below 4 GiB", NULL), logged + 1);
	ASSERT_EQ(kho_klog_count("IOVA 0x10000000000-0x100001fffff maps memory below 4 GiB", NULL),
		  1);
	/* nothing handed over, nothing frozen */
	ASSERT_EQ(count_out_containers(), 0);
	ASSERT_EQ(__iommu_map(self->iommu, &other), 0);
	/* and the device cannot follow a container that is not there */
	ASSERT_EQ(luo_session_preserve_fd(self->session, self->device->fd, 3),
		  -ENOENT);
}

int main(int argc, char *argv[])
{
	device_bdf = vfio_selftests_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
