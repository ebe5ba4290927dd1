// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_live_update - the main job: a VMM-like program that owns a
 * device through VFIO, makes it DMA into memfd-backed memory, preserves
 * what it can in a LUO session, and after the kexec looks at what is left.
 *
 *   vfio_kho_live_update before BDF   old kernel: set up, DMA, preserve
 *   vfio_kho_live_update after BDF    new kernel: inspect the device and
 *                                     what came back, then DMA again
 *
 * The VMM keeps its VFIO container and device file in the session: after
 * the kexec it gets them back, gives the container's mapping its new user
 * address (VFIO_DMA_MAP_FLAG_VADDR) and drives the same device, not reset,
 * through the same IOVA with the igb test driver where the old kernel left
 * it.
 *
 * Prints "report KEY VALUE" lines for the human report and exits non-zero
 * when a step failed. Each part's own tests check the details.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <linux/compiler.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "../vfio/lib/drivers/igb/e1000_regs.h"
#include "kho_clock.h"
#include "kho_sysfs.h"
#include "kho_vfio.h"

#define SESSION_NAME		"kho-live-update"
#define TOKEN_MEMFD		1
#define TOKEN_CONTAINER		2
#define TOKEN_DEVICE		3

/* Far above guest RAM: stray or stale-translated DMA cannot land here. */
#define DMA_IOVA		0x10000000000ULL	/* 1 TiB */
#define MEMFD_SIZE		(4UL << 20)
#define DRIVER_OFFSET		0
#define SRC_OFFSET		(2UL << 20)
#define DST_OFFSET		(3UL << 20)
#define COPY_SIZE		(64UL << 10)
#define STATE_OFFSET		(MEMFD_SIZE - 4096)
#define STATE_MAGIC		0x4b484f4c55504454ULL	/* "KHOLUPDT" */

/* Kept in the memfd itself, so it travels with the preserved memory. */
struct lu_state {
	uint64_t magic;
	uint64_t seed;
	uint64_t iova;
	uint64_t tx_ring;
	uint16_t command;
	uint16_t pad;
	uint32_t bars[6];
	/* the igb test driver's state that is not in the memfd already */
	int32_t msi;
	uint64_t max_memcpy_size;
	uint64_t max_memcpy_count;
};

static void lu_report(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("report %s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static const char *preserve_result(int ret)
{
	static char buf[128];

	if (!ret)
		return "ok";
	snprintf(buf, sizeof(buf), "not kept: %s (%s)",
		 ret == -ENOENT ? "no LUO file handler for it" : "refused",
		 strerror(-ret));
	return buf;
}

static const char *retrieve_result(int fd)
{
	static char buf[128];

	if (fd >= 0)
		return "retrieved";
	snprintf(buf, sizeof(buf), "not retrieved: %s (%s)",
		 fd == -ENOENT ? "not in the session" : "refused",
		 strerror(-fd));
	return buf;
}

/* The kernel's verdict on the device (kho_dma_policy). */
static void report_verdict(const char *bdf)
{
	char path[128], verdict[256] = "no verdict: kernel without KHO_DEVICES";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/kho_preservable", bdf);
	f = fopen(path, "r");
	if (f) {
		if (fgets(verdict, sizeof(verdict), f))
			verdict[strcspn(verdict, "\n")] = 0;
		fclose(f);
	}
	lu_report("verdict", "%s", verdict);
}

/* The tx ring address the driver programmed: device reset clears it. */
static int read_tx_ring(const char *bdf, uint64_t *ring)
{
	uint32_t lo, hi;
	int ret;

	ret = kho_bar0_read32(bdf, E1000_TDBAL(0), &lo);
	if (!ret)
		ret = kho_bar0_read32(bdf, E1000_TDBAH(0), &hi);
	*ring = (uint64_t)hi << 32 | lo;
	return ret;
}

/* Map the memfd into a container at DMA_IOVA and bring up the igb driver. */
static struct vfio_pci_device *setup_dma(const char *bdf, int memfd,
					 uint8_t **mem)
{
	struct vfio_pci_device *device;
	struct dma_region *region;
	struct iommu *iommu;

	long t0;

	*mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    memfd, 0);
	VFIO_ASSERT_NE(*mem, MAP_FAILED);
	t0 = kho_now_ms();
	iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	device = vfio_pci_device_init(bdf, iommu);
	lu_report("startover_open_ms", "%ld", kho_now_ms() - t0);
	kho_vfio_map_bar0(device);

	region = &device->driver.region;
	region->vaddr = *mem;
	region->iova = DMA_IOVA;
	region->size = MEMFD_SIZE;
	t0 = kho_now_ms();
	iommu_map(iommu, region);
	lu_report("startover_map_ms", "%ld", kho_now_ms() - t0);
	vfio_pci_driver_init(device);
	return device;
}

static int dma_copy_and_check(struct vfio_pci_device *device, uint8_t *mem,
			      uint64_t seed, const char *key)
{
	long t0 = kho_now_ms();
	int ret;

	kho_fill_pattern(mem + SRC_OFFSET, COPY_SIZE, seed);
	memset(mem + DST_OFFSET, 0, COPY_SIZE);
	ret = vfio_pci_driver_memcpy(device, DMA_IOVA + SRC_OFFSET,
				     DMA_IOVA + DST_OFFSET, COPY_SIZE);
	if (ret || memcmp(mem + SRC_OFFSET, mem + DST_OFFSET, COPY_SIZE)) {
		lu_report(key, "FAILED (driver status %d, data %s)", ret,
			  memcmp(mem + SRC_OFFSET, mem + DST_OFFSET, COPY_SIZE) ?
			  "wrong" : "right");
		return -1;
	}
	lu_report(key, "ok: %lu KiB copied by the device through IOVA 0x%llx in %ld ms",
		  COPY_SIZE >> 10, (unsigned long long)DMA_IOVA, kho_now_ms() - t0);
	return 0;
}

static int before(const char *bdf)
{
	int luo_fd, session_fd, memfd, ret;
	struct vfio_pci_device *device;
	struct lu_state *st;
	uint8_t cfg[64];
	uint8_t *mem;
	int i;

	memfd = memfd_create("kho-live-update-guest-ram", 0);
	VFIO_ASSERT_GE(memfd, 0);
	VFIO_ASSERT_EQ(ftruncate(memfd, MEMFD_SIZE), 0);
	device = setup_dma(bdf, memfd, &mem);
	lu_report("device", "%s %04x:%04x owned by vfio-pci, type1 container",
		  bdf, vfio_pci_config_readw(device, PCI_VENDOR_ID),
		  vfio_pci_config_readw(device, PCI_DEVICE_ID));

	report_verdict(bdf);
	lu_report("tsc_per_ms", "%.1f", kho_tsc_per_ms());

	st = (struct lu_state *)(mem + STATE_OFFSET);
	st->magic = STATE_MAGIC;
	st->seed = (uint64_t)kho_now_ms() | 1;
	st->iova = DMA_IOVA;
	st->msi = device->driver.msi;
	st->max_memcpy_size = device->driver.max_memcpy_size;
	st->max_memcpy_count = device->driver.max_memcpy_count;
	if (dma_copy_and_check(device, mem, st->seed, "dma_before"))
		return 1;

	VFIO_ASSERT_EQ(kho_config_read(bdf, cfg, sizeof(cfg)), 0);
	memcpy(&st->command, cfg + PCI_COMMAND, 2);
	for (i = 0; i < 6; i++)
		memcpy(&st->bars[i], cfg + PCI_BASE_ADDRESS_0 + 4 * i, 4);
	VFIO_ASSERT_EQ(read_tx_ring(bdf, &st->tx_ring), 0);
	lu_report("marker", "tx ring base 0x%llx (set by the driver; reset clears it)",
		  (unsigned long long)st->tx_ring);
	lu_report("command_before", "0x%04x (bus master %s)", st->command,
		  st->command & PCI_COMMAND_MASTER ? "on" : "off");

	luo_fd = luo_open_device();
	VFIO_ASSERT_GE(luo_fd, 0, "cannot open " LUO_DEVICE);
	session_fd = luo_create_session(luo_fd, SESSION_NAME);
	VFIO_ASSERT_GE(session_fd, 0, "cannot create LUO session");
	ret = luo_session_preserve_fd(session_fd, memfd, TOKEN_MEMFD);
	if (ret) {
		lu_report("preserve_memfd", "FAILED: %s", strerror(-ret));
		return 1;
	}
	lu_report("preserve_memfd", "ok (%lu MiB)", MEMFD_SIZE >> 20);
	ret = luo_session_preserve_fd(session_fd, device->iommu->container_fd,
				      TOKEN_CONTAINER);
	lu_report("preserve_container", "%s", preserve_result(ret));
	if (ret)
		return 1;
	ret = luo_session_preserve_fd(session_fd, device->fd, TOKEN_DEVICE);
	lu_report("preserve_device", "%s", preserve_result(ret));
	if (ret)
		return 1;

	/* Keep every fd open across the kexec, like a VMM would. */
	daemonize_and_wait();
	return 0;
}

static int after(const char *bdf)
{
	int luo_fd, session_fd, memfd, container, fd, ret;
	uint8_t cfg[64], *mem;
	struct lu_state *st;
	struct vfio_pci_device *device;
	struct iommu *iommu;
	uint64_t tx_ring, tsc_start = __rdtsc();
	long t0, t_restore = 0;
	long long rebuild_us;
	uint32_t bar;
	uint16_t cmd;
	int i, same = 1;

	lu_report("tsc_start", "%llu", (unsigned long long)tsc_start);

	luo_fd = luo_open_device();
	VFIO_ASSERT_GE(luo_fd, 0, "cannot open " LUO_DEVICE);
	session_fd = luo_retrieve_session(luo_fd, SESSION_NAME);
	if (session_fd < 0) {
		lu_report("session", "FAILED: %s", strerror(-session_fd));
		return 1;
	}
	memfd = luo_session_retrieve_fd(session_fd, TOKEN_MEMFD);
	if (memfd < 0) {
		lu_report("memfd", "FAILED: %s", strerror(-memfd));
		return 1;
	}
	mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   memfd, 0);
	VFIO_ASSERT_NE(mem, MAP_FAILED);
	st = (struct lu_state *)(mem + STATE_OFFSET);
	if (st->magic != STATE_MAGIC ||
	    memcmp(mem + SRC_OFFSET, mem + DST_OFFSET, COPY_SIZE)) {
		lu_report("memfd", "FAILED: data lost (magic 0x%llx)",
			  (unsigned long long)st->magic);
		return 1;
	}
	lu_report("memfd", "ok: guest memory and the DMA'd data are intact");

	/* The container came back with the session: its rebuild's time. */
	rebuild_us = kho_debugfs_value("/sys/kernel/debug/kho_devices/vfio/containers",
				       "in ", "rebuild_us=");
	t0 = kho_now_ms();
	container = luo_session_retrieve_fd(session_fd, TOKEN_CONTAINER);
	fd = luo_session_retrieve_fd(session_fd, TOKEN_DEVICE);
	t_restore = kho_now_ms() - t0 + (rebuild_us > 0 ? rebuild_us / 1000 : 0);
	lu_report("container", "%s", retrieve_result(container));
	lu_report("device_fd", "%s", retrieve_result(fd));

	ret = kho_config_read(bdf, cfg, sizeof(cfg));
	if (ret) {
		lu_report("pci", "FAILED: config space unreadable: %s", strerror(-ret));
		return 1;
	}
	memcpy(&cmd, cfg + PCI_COMMAND, 2);
	for (i = 0; i < 6; i++) {
		memcpy(&bar, cfg + PCI_BASE_ADDRESS_0 + 4 * i, 4);
		same &= bar == st->bars[i];
	}
	lu_report("bars", same ? "unchanged" : "CHANGED (reassigned)");
	lu_report("command_after", "0x%04x (bus master %s; was 0x%04x)", cmd,
		  cmd & PCI_COMMAND_MASTER ? "on" : "off", st->command);
	if (!(cmd & PCI_COMMAND_MEMORY)) {
		lu_report("marker", "unreadable: memory decoding is off");
		return 1;
	}
	VFIO_ASSERT_EQ(read_tx_ring(bdf, &tx_ring), 0);
	lu_report("marker", tx_ring == st->tx_ring ?
		  "tx ring base 0x%llx kept: the device was not reset" :
		  "tx ring base 0x%llx, was 0x%llx: the device was reset",
		  (unsigned long long)tx_ring, (unsigned long long)st->tx_ring);
	if (container < 0 || fd < 0 || tx_ring != st->tx_ring)
		return 1;

	/* The container's mapping gets the memfd's new address. */
	t0 = kho_now_ms();
	ret = kho_vfio_update_vaddr(container, DMA_IOVA, MEMFD_SIZE, mem);
	if (ret) {
		lu_report("vaddr", "FAILED: VFIO_DMA_MAP_FLAG_VADDR: %s", strerror(-ret));
		return 1;
	}
	t_restore += kho_now_ms() - t0;
	lu_report("vaddr",
		  "ok: IOVA 0x%llx (%lu MiB) given the memfd's new address, same pages, in %ld ms",
		  (unsigned long long)DMA_IOVA, MEMFD_SIZE >> 20, kho_now_ms() - t0);
	lu_report("restore_ms", "%ld", t_restore);

	/* The igb driver goes on where the old kernel left it. */
	device = kho_vfio_wrap(bdf, container, fd);
	kho_vfio_resume_driver(device, mem, DMA_IOVA, MEMFD_SIZE, st->msi,
			       st->max_memcpy_size, st->max_memcpy_count);
	if (dma_copy_and_check(device, mem, kho_now_ms() | 1, "dma_after"))
		return 1;
	lu_report("tsc_first_dma", "%llu", (unsigned long long)__rdtsc());
	ret = luo_session_finish(session_fd);
	if (ret) {
		lu_report("session_finish", "FAILED: %s", strerror(-ret));
		return 1;
	}
	lu_report("session_finish", "ok: the container and device are ordinary ones now");
	vfio_pci_driver_remove(device);
	iommu = device->iommu;
	vfio_pci_device_cleanup(device);
	iommu_cleanup(iommu);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s before|after BDF\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "before"))
		return before(argv[2]);
	if (!strcmp(argv[1], "after"))
		return after(argv[2]);
	fprintf(stderr, "unknown step '%s'\n", argv[1]);
	return 2;
}
