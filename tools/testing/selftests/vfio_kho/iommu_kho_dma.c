// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu_kho_dma - a DMA in flight across the kexec, for the IOMMU part.
 *
 *   setup SESSION BDF [iommu]
 *	old kernel: map a memfd at IOVA 1 TiB in a VFIO type1 container
 *	that owns the edu at BDF, fill a source page with a pattern, zero
 *	the destination page, let edu copy the source into its own buffer
 *	(DMA, RAM to device), then preserve the memfd (token 1) and the
 *	function (token 2, through kho_devices/pci/hold; with "iommu" its
 *	translation too) in a LUO session kept open across the kexec.
 *	A second mapping of the memfd before the preserve ("map-before
 *	ERRNO") and a third one after it ("map-after ERRNO") show whether
 *	the domain's mappings are frozen.
 *   kick-kexec BDF DELAY_MS
 *	old kernel, after the next kernel is loaded: start edu's copy of its
 *	buffer into the destination page (device to RAM, lands about 100 ms
 *	later), wait DELAY_MS, then reboot into the loaded kernel.
 *   kick BDF [second]
 *	start the same copy without a kexec and give it 500 ms to land; with
 *	"second", into a second destination page.
 *   check SESSION BDF
 *	new kernel: retrieve the memfd and report how many bytes of the
 *	destination page hold the pattern ("dma-data N/4096"), the same for
 *	the second destination page ("dma-data-second N/4096"), whether
 *	edu finished its transfer ("edu-done 0|1"), then finish the session
 *	("finish ERRNO").
 *
 * The IOVA is far above guest RAM, so a DMA that escapes translation, or
 * that a stale table translates, cannot land in the memfd. KHO_DMA_IOVA
 * (hex) moves it, e.g. onto a canary region that a DMA escaping
 * translation would hit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/compiler.h>
#include <linux/reboot.h>
#include <linux/sizes.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "kho_sysfs.h"

#define HOLD_PATH	"/sys/kernel/debug/kho_devices/pci/hold"
/* 1 TiB, or KHO_DMA_IOVA (hex) from the environment */
#define DMA_IOVA_DEFAULT	0x10000000000ULL
static uint64_t dma_iova = DMA_IOVA_DEFAULT;
#define DMA_IOVA	dma_iova
#define MEMFD_SIZE	SZ_2M
#define SRC_OFFSET	0
#define DST_OFFSET	SZ_1M
#define DST2_OFFSET	(DST_OFFSET + 2 * COPY_SIZE)
#define COPY_SIZE	4096
#define TOKEN_MEMFD	1
#define TOKEN_DEVICE	2

static uint8_t pattern_byte(size_t i)
{
	return (uint8_t)(i * 7 + 0x5a) | 1;	/* never 0, the page it lands in */
}

static void edu_start(uint32_t *bar0, uint64_t src, uint64_t dst, uint32_t cmd)
{
	kho_edu_dma(bar0, src, dst, COPY_SIZE, cmd);
}

static int hold_function(const char *bdf, bool iommu)
{
	char buf[64];
	int fd, len;

	len = snprintf(buf, sizeof(buf), "%s -%s", bdf, iommu ? " iommu" : "");
	fd = open(HOLD_PATH, O_RDWR);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != len) {
		len = -errno;
		close(fd);
		return len;
	}
	return fd;
}

static int setup(const char *session, const char *bdf, bool iommu)
{
	struct vfio_pci_device *device;
	struct dma_region region = {}, before = {}, after = {};
	int memfd, luo_fd, session_fd, fd, ret, i;
	uint32_t *bar0;
	uint8_t *mem;

	memfd = memfd_create("iommu-kho-dma", 0);
	VFIO_ASSERT_GE(memfd, 0);
	VFIO_ASSERT_EQ(ftruncate(memfd, MEMFD_SIZE), 0);
	mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	VFIO_ASSERT_NE(mem, MAP_FAILED);
	for (i = 0; i < COPY_SIZE; i++)
		mem[SRC_OFFSET + i] = pattern_byte(i);
	memset(mem + DST_OFFSET, 0, COPY_SIZE);

	device = vfio_pci_device_init(bdf, iommu_init(MODE_VFIO_TYPE1V2_IOMMU));
	region.vaddr = mem;
	region.iova = DMA_IOVA;
	region.size = MEMFD_SIZE;
	iommu_map(device->iommu, &region);
	vfio_pci_cmd_set(device, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	bar0 = device->bars[0].vaddr;
	VFIO_ASSERT_NOT_NULL(bar0);

	/* Fill edu's buffer from the source page, and wait for it. */
	edu_start(bar0, DMA_IOVA + SRC_OFFSET, EDU_BUFFER, EDU_DMA_START);
	for (i = 0; i < 2000 && (READ_ONCE(bar0[EDU_DMA_CMD / 4]) & EDU_DMA_START); i++)
		usleep(1000);
	printf("edu-loaded %d\n", !(READ_ONCE(bar0[EDU_DMA_CMD / 4]) & EDU_DMA_START));

	before = (struct dma_region){ .vaddr = mem, .iova = DMA_IOVA * 2,
				      .size = MEMFD_SIZE };
	printf("map-before %d\n", __iommu_map(device->iommu, &before));

	luo_fd = luo_open_device();
	VFIO_ASSERT_GE(luo_fd, 0);
	session_fd = luo_create_session(luo_fd, session);
	VFIO_ASSERT_GE(session_fd, 0);
	ret = luo_session_preserve_fd(session_fd, memfd, TOKEN_MEMFD);
	printf("preserve-memfd %d\n", ret);
	fd = hold_function(bdf, iommu);
	ret = fd < 0 ? fd : luo_session_preserve_fd(session_fd, fd, TOKEN_DEVICE);
	printf("preserve-device %d\n", ret);
	if (ret)
		return 1;
	after = (struct dma_region){ .vaddr = mem, .iova = DMA_IOVA * 3,
				     .size = MEMFD_SIZE };
	printf("map-after %d\n", __iommu_map(device->iommu, &after));
	fflush(stdout);
	/* The container keeps the domain attached until the kexec. */
	daemonize_and_wait();
	return 0;
}

/* Start edu's copy of its buffer into the destination page. */
static int kick(const char *bdf, uint64_t dst_offset)
{
	char path[128];
	uint32_t *bar0;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return -errno;
	bar0 = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (bar0 == MAP_FAILED)
		return -errno;
	edu_start(bar0, EDU_BUFFER, DMA_IOVA + dst_offset,
		  EDU_DMA_START | EDU_DMA_TO_RAM);
	munmap(bar0, 1 << 20);
	return 0;
}

static int kick_kexec(const char *bdf, long delay_ms)
{
	struct timespec ts = { delay_ms / 1000, (delay_ms % 1000) * 1000000 };

	if (kick(bdf, DST_OFFSET))
		return 1;
	if (delay_ms)
		nanosleep(&ts, NULL);
	syscall(__NR_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	fprintf(stderr, "reboot(KEXEC): %s\n", strerror(errno));
	return 1;
}

static int check(const char *session, const char *bdf)
{
	int luo_fd, session_fd, memfd, i, good = 0;
	uint32_t cmd = ~0u;
	uint8_t *mem;

	luo_fd = luo_open_device();
	VFIO_ASSERT_GE(luo_fd, 0);
	session_fd = luo_retrieve_session(luo_fd, session);
	if (session_fd < 0) {
		printf("session %d\n", session_fd);
		return 1;
	}
	memfd = luo_session_retrieve_fd(session_fd, TOKEN_MEMFD);
	if (memfd < 0) {
		printf("memfd %d\n", memfd);
		return 1;
	}
	mem = mmap(NULL, MEMFD_SIZE, PROT_READ, MAP_SHARED, memfd, 0);
	VFIO_ASSERT_NE(mem, MAP_FAILED);
	for (i = 0; i < COPY_SIZE; i++)
		good += mem[DST_OFFSET + i] == pattern_byte(i);
	printf("dma-data %d/%d\n", good, COPY_SIZE);
	for (i = 0, good = 0; i < COPY_SIZE; i++)
		good += mem[DST2_OFFSET + i] == pattern_byte(i);
	printf("dma-data-second %d/%d\n", good, COPY_SIZE);
	kho_bar0_read32(bdf, EDU_DMA_CMD, &cmd);
	printf("edu-done %d\n", !(cmd & EDU_DMA_START));
	printf("finish %d\n", luo_session_finish(session_fd));
	return 0;
}

int main(int argc, char **argv)
{
	const char *iova = getenv("KHO_DMA_IOVA");

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (iova)
		dma_iova = strtoull(iova, NULL, 16);
	if (argc >= 4 && !strcmp(argv[1], "setup"))
		return setup(argv[2], argv[3], argc > 4 && !strcmp(argv[4], "iommu"));
	if (argc == 4 && !strcmp(argv[1], "kick-kexec"))
		return kick_kexec(argv[2], atol(argv[3]));
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "kick")) {
		int ret = kick(argv[2], argc == 4 ? DST2_OFFSET : DST_OFFSET);

		usleep(500000);
		printf("kick %d\n", ret);
		return !!ret;
	}
	if (argc == 4 && !strcmp(argv[1], "check"))
		return check(argv[2], argv[3]);
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
