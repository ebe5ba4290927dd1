// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_multifunction - one function of a multi-function device goes
 * through a live update, its sibling does not, and the sibling behaves as
 * it does upstream.
 *
 *   vfio_kho_multifunction before	old kernel, the next one loaded
 *   vfio_kho_multifunction after	new kernel
 *
 * The device is two igbs in one slot, 00:0b.0 and 00:0b.1, both bound to
 * vfio-pci. The PCI core's ACS quirk for the 82576 (which QEMU's igb is)
 * puts each function in an IOMMU group of its own, so a VMM can own them
 * apart.
 *
 * before: each igb function gets a type1 container of its own, mapping a
 * 4 MiB memfd, and copies a page by DMA.
 * Only 00:0b.0's memfd, container and device file go into a LUO session,
 * which a child holds across the kexec. While it is preserved, the sibling
 * may be reset (its ring base register is cleared) and 00:0b.0 may not
 * (-EBUSY; it keeps its ring base and still masters DMA). The VMM then
 * exits: the sibling's files close as upstream closes them.
 *
 * after: 00:0b.0 comes back from the session, not reset, the page it
 * copied intact, its translation kept and adopted in place, and copies
 * again after its mapping gets the memfd's new address. The sibling was
 * not handed over: no IOMMU record or PCI claim names it, it does not
 * master DMA, opening it resets it (its ring base register reads 0 once
 * the open's reset ran), and it copies by DMA through a new container. No
 * DMAR fault is logged; at the end, every page pinned is unpinned.
 *
 * What the second stage needs from the first travels in the last page of
 * the kept function's memfd. One KTAP line per check; the exit status
 * says whether all passed.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/sizes.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "kho_ktap.h"
#include "kho_luo.h"
#include "kho_sysfs.h"
#include "kho_vfio.h"

#define KEPT		"0000:00:0b.0"
#define SIBLING		"0000:00:0b.1"
#define SESSION		"kho-multifunction"
#define MEMFD_SIZE	SZ_4M
#define SRC_OFFSET	SZ_2M
#define DST_OFFSET	(SZ_2M + SZ_1M)
#define COPY_SIZE	4096
#define STATE_OFFSET	(MEMFD_SIZE - 4096)
#define STATE_MAGIC	0x4b484f4d46554e43ULL	/* "KHOMFUNC" */
#define KEPT_IOVA	0x10000000000ULL
#define SIBLING_IOVA	0x20000000000ULL
#define KEPT_BAR0	((void *)KHO_VFIO_BAR0_VADDR)
#define SIBLING_BAR0	((void *)(KHO_VFIO_BAR0_VADDR + SZ_256M))
#define IOMMU_DEVICES	"/sys/kernel/debug/kho_devices/iommu/devices"
#define PCI_FUNCTIONS	"/sys/kernel/debug/kho_devices/pci/functions"

enum { TOKEN_MEMFD = 1, TOKEN_CONTAINER, TOKEN_DEVICE };

/* Kept in the last page of the kept function's memfd */
struct kept_state {
	uint64_t magic;
	uint64_t seed;		/* of the page copied last */
	uint64_t tx_ring;	/* the ring base: a reset clears it */
	int32_t msi;		/* the igb test driver's state */
	uint64_t max_memcpy_size;
	uint64_t max_memcpy_count;
};

/*
 * A function as the VMM holds it. BAR0 sits at the same address in both
 * kernels: the igb test driver keeps its address in its state, in the
 * memfd.
 */
struct function {
	const char *bdf;
	uint64_t iova;
	void *bar0;
	int memfd;
	uint8_t *mem;
	struct iommu *iommu;
	struct vfio_pci_device *device;
};

/* @f copies a page of the pattern of @seed from SRC to DST by DMA. */
static void dma_copy(struct function *f, uint64_t seed, const char *when)
{
	kho_fill_pattern(f->mem + SRC_OFFSET, COPY_SIZE, seed);
	memset(f->mem + DST_OFFSET, 0, COPY_SIZE);
	kho_expect_eq(vfio_pci_driver_memcpy(f->device, f->iova + SRC_OFFSET,
					     f->iova + DST_OFFSET, COPY_SIZE),
		      0, "%s %s: copies a page by DMA", f->bdf, when);
	kho_expect_eq(kho_pattern_bytes(f->mem + DST_OFFSET, COPY_SIZE, seed),
		      COPY_SIZE, "%s %s: the copy is right", f->bdf, when);
}

/* @f from scratch: a memfd, a container of its own, the device opened */
static void set_up(struct function *f)
{
	struct dma_region *region;

	f->memfd = memfd_create(f->bdf, 0);
	VFIO_ASSERT_GE(f->memfd, 0);
	VFIO_ASSERT_EQ(ftruncate(f->memfd, MEMFD_SIZE), 0);
	f->mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      f->memfd, 0);
	VFIO_ASSERT_NE(f->mem, MAP_FAILED);
	f->iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	f->device = vfio_pci_device_init(f->bdf, f->iommu);
	kho_vfio_map_bar0_at(f->device, f->bar0);
	kho_expect_eq(kho_igb_tx_ring(f->bdf), 0,
		      "%s: opened from scratch (ring base register 0)",
		      f->bdf);
	region = &f->device->driver.region;
	*region = (struct dma_region){ .vaddr = f->mem, .iova = f->iova,
				       .size = MEMFD_SIZE };
	iommu_map(f->iommu, region);
	vfio_pci_driver_init(f->device);
}

/* Undo set_up() or the kept function's restore */
static void tear_down(struct function *f)
{
	vfio_pci_driver_remove(f->device);
	kho_expect_eq(__iommu_unmap(f->iommu, &f->device->driver.region, NULL),
		      0, "%s: its mapping unmapped", f->bdf);
	vfio_pci_device_cleanup(f->device);
	iommu_cleanup(f->iommu);
	munmap(f->mem, MEMFD_SIZE);
	close(f->memfd);
}

/* The sysfs reset of @bdf: 0 or the errno the write failed with */
static int reset_function(const char *bdf)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset", bdf);
	return kho_write_file(path, "1");
}

static int cmd_before(void)
{
	struct function kept = { KEPT, KEPT_IOVA, KEPT_BAR0 };
	struct function sibling = { SIBLING, SIBLING_IOVA, SIBLING_BAR0 };
	struct kept_state *st;
	int s, luo = kho_luo_fd();
	uint64_t ring;

	ksft_print_header();
	VFIO_ASSERT_GE(luo, 0);
	kho_expect_eq(kho_iommu_group_of(KEPT) != kho_iommu_group_of(SIBLING) &&
		      kho_iommu_group_of(KEPT) >= 0 && kho_iommu_group_of(SIBLING) >= 0,
		      1, "the two functions are in IOMMU groups of their own");
	set_up(&kept);
	set_up(&sibling);
	dma_copy(&kept, 0x3000, "before the live update");
	dma_copy(&sibling, 0x3001, "before the live update");

	st = (struct kept_state *)(kept.mem + STATE_OFFSET);
	*st = (struct kept_state){
		.magic = STATE_MAGIC, .seed = 0x3000,
		.tx_ring = kho_igb_tx_ring(KEPT), .msi = kept.device->driver.msi,
		.max_memcpy_size = kept.device->driver.max_memcpy_size,
		.max_memcpy_count = kept.device->driver.max_memcpy_count,
	};
	kho_expect_eq(!!st->tx_ring, 1, "%s: its ring base register is set", KEPT);

	s = luo_create_session(luo, SESSION);
	kho_expect_eq(s < 0 ? s : 0, 0, "session created");
	VFIO_ASSERT_GE(s, 0);
	kho_expect_eq(luo_session_preserve_fd(s, kept.memfd, TOKEN_MEMFD), 0,
		      "%s: memfd preserved", KEPT);
	kho_expect_eq(luo_session_preserve_fd(s, kept.iommu->container_fd,
					      TOKEN_CONTAINER), 0,
		      "%s: container preserved", KEPT);
	kho_expect_eq(luo_session_preserve_fd(s, kept.device->fd, TOKEN_DEVICE),
		      0, "%s: device preserved", KEPT);
	kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, "out ", NULL), 1,
		      "one translation recorded");
	kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, "out " KEPT, NULL), 1,
		      "%s: its translation recorded", KEPT);

	/* The sibling is an ordinary function: a reset is upstream's */
	ring = kho_igb_tx_ring(SIBLING);
	kho_expect_eq(!!ring, 1, "%s: its ring base register is set", SIBLING);
	kho_expect_eq(reset_function(SIBLING), 0,
		      "%s: reset while its sibling is preserved", SIBLING);
	kho_expect_eq(kho_igb_tx_ring(SIBLING), 0,
		      "%s: the reset cleared its ring base register", SIBLING);
	kho_expect_eq(reset_function(KEPT), -EBUSY,
		      "%s: a reset of the preserved function is -EBUSY", KEPT);
	kho_expect_eq(kho_igb_tx_ring(KEPT), st->tx_ring,
		      "%s: still has its ring base register", KEPT);
	kho_expect_eq(kho_bus_master(KEPT), 1, "%s: still masters DMA", KEPT);
	kho_expect_eq(kho_dmar_faults(NULL), 0, "no DMAR fault logged by this kernel");

	kho_expect_eq(kho_luo_hold(), 0, "a child holds the session across the kexec");
	/* The sibling's files close when this VMM exits, as upstream. */
	return kho_judged();
}

static int cmd_after(void)
{
	struct function kept = { KEPT, KEPT_IOVA, KEPT_BAR0 };
	struct function sibling = { SIBLING, SIBLING_IOVA, SIBLING_BAR0 };
	long pins = kho_pins_held();
	struct kept_state *st;
	int s, fd;

	ksft_print_header();
	kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, "in " KEPT, "kept"), 1,
		      "%s: its translation kept by the new kernel", KEPT);
	kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, "in " SIBLING, NULL), 0,
		      "%s: no IOMMU record names it", SIBLING);
	kho_expect_eq(kho_debugfs_lines(PCI_FUNCTIONS, "in " KEPT, "claimed"), 1,
		      "%s: claimed by the PCI part", KEPT);
	kho_expect_eq(kho_debugfs_lines(PCI_FUNCTIONS, "in " SIBLING, NULL), 0,
		      "%s: no PCI record names it", SIBLING);
	kho_expect_eq(kho_bus_master(SIBLING), 0,
		      "%s: does not master DMA after the kexec", SIBLING);
	kho_expect_eq(kho_bus_master(KEPT), 1,
		      "%s: still masters DMA after the kexec", KEPT);

	s = luo_retrieve_session(kho_luo_fd(), SESSION);
	kho_expect_eq(s < 0 ? s : 0, 0, "session retrieved");
	VFIO_ASSERT_GE(s, 0);
	kept.memfd = luo_session_retrieve_fd(s, TOKEN_MEMFD);
	fd = luo_session_retrieve_fd(s, TOKEN_CONTAINER);
	kho_expect_eq(kept.memfd < 0 ? kept.memfd : fd < 0 ? fd : 0, 0,
		      "%s: memfd and container retrieved", KEPT);
	VFIO_ASSERT_GE(kept.memfd, 0);
	VFIO_ASSERT_GE(fd, 0);
	kept.iommu = kho_vfio_wrap_container(fd);
	fd = luo_session_retrieve_fd(s, TOKEN_DEVICE);
	kho_expect_eq(fd < 0 ? fd : 0, 0, "%s: device file retrieved", KEPT);
	VFIO_ASSERT_GE(fd, 0);
	kept.mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			kept.memfd, 0);
	VFIO_ASSERT_NE(kept.mem, MAP_FAILED);
	st = (struct kept_state *)(kept.mem + STATE_OFFSET);
	VFIO_ASSERT_EQ(st->magic, STATE_MAGIC);
	kho_expect_eq(kho_igb_tx_ring(KEPT), st->tx_ring,
		      "%s: not reset (its ring base register is kept)", KEPT);
	kho_expect_eq(kho_pattern_bytes(kept.mem + DST_OFFSET, COPY_SIZE, st->seed),
		      COPY_SIZE, "%s: the page it copied before the kexec is intact",
		      KEPT);
	kho_expect_eq(kho_vfio_update_vaddr(kept.iommu->container_fd, KEPT_IOVA,
					    MEMFD_SIZE, kept.mem), 0,
		      "%s: the mapping gets the memfd's new address", KEPT);
	kept.device = kho_vfio_wrap_device(KEPT, kept.iommu, fd, KEPT_BAR0);
	kho_vfio_resume_driver(kept.device, kept.mem, KEPT_IOVA, MEMFD_SIZE,
			       st->msi, st->max_memcpy_size,
			       st->max_memcpy_count);
	dma_copy(&kept, 0x3100, "after the live update");
	kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, "in " KEPT, "table=in-place"),
		      1, "%s: goes on with its kept table, adopted in place", KEPT);

	/* The sibling, as upstream: opened with a reset, a new container */
	set_up(&sibling);
	dma_copy(&sibling, 0x3101, "after the live update");
	kho_expect_eq(kho_igb_tx_ring(KEPT), st->tx_ring,
		      "%s: still not reset once its sibling was", KEPT);

	kho_expect_eq(luo_session_finish(s), 0, "session finished");
	close(s);
	tear_down(&sibling);
	tear_down(&kept);
	kho_expect_eq(kho_pins_held() - pins, 0,
		      "every page pinned for either function is unpinned");
	kho_expect_eq(kho_dmar_faults(NULL), 0, "no DMAR fault logged by this kernel");
	return kho_judged();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "before"))
		return cmd_before();
	if (argc == 2 && !strcmp(argv[1], "after"))
		return cmd_after();
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
