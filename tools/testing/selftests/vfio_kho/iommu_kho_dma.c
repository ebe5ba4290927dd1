// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu_kho_dma - a DMA in flight across the kexec, for the IOMMU part.
 *
 *   setup SESSION BDF [iommu] [--forge iommu|pci TEXT]
 *	old kernel: give edu a 64-bit DMA reach, map a memfd at IOVA 1 TiB
 *	in a VFIO type1 container that owns the edu at BDF, fill a source
 *	page with a pattern, zero the destination page, let edu copy the
 *	source into its own buffer (DMA, RAM to device), then preserve the
 *	memfd (token 1) and the function (token 2, through
 *	kho_devices/pci/hold; with "iommu" its translation too) in a LUO
 *	session that a child keeps open across the kexec. A second mapping
 *	of the memfd before the preserve works; a third one after it is
 *	refused with -EBUSY if the translation is kept (frozen), else works.
 *	With --forge, TEXT then goes to that part's test hook
 *	(kho_devices/PART/forge) to damage the handover.
 *   kick-kexec BDF DELAY_MS
 *	old kernel, after the next kernel is loaded: start edu's copy of its
 *	buffer into the destination page (device to RAM, lands about 100 ms
 *	later), wait DELAY_MS, then reboot into the loaded kernel.
 *   kick BDF [second]
 *	start the same copy without a kexec and give it 500 ms to land; with
 *	"second", into a second destination page.
 *   check SESSION BDF landed|lost [landed|lost]
 *	new kernel: retrieve the memfd; the copy made across the kexec must
 *	be in the destination page (landed) or not at all (lost), and the
 *	same for the second destination page if a second word is given. A
 *	copy that landed comes with its translation kept (debugfs), edu done
 *	with its transfer, the session finished, and no DMAR fault logged.
 *   refused record|version|pci|checksum SESSION BDF
 *	new kernel, after the old one forged the handover (setup --forge):
 *	a record whose table leads outside the preserved pages, an unknown
 *	version, a sound record for a function the PCI part refused, or a
 *	record changed under its checksum. The refusal is in debugfs and in
 *	the log with its reason, and edu is blocked: with bus mastering
 *	forced back on where it was turned off, a copy kicked through its
 *	old IOVA faults and lands nowhere.
 *   adopt SESSION BDF
 *	new kernel: edu's kept translation is adopted into a new domain
 *	(debugfs kho_devices/iommu/adopt) while a copy is in flight; both it
 *	and a second copy through the adopted domain land, nothing faults.
 *
 * Each command but kick-kexec judges what it did: KTAP, one line per check.
 *
 * The IOVA is far above guest RAM, so a DMA that escapes translation, or
 * that a stale table translates, cannot land in the memfd. KHO_DMA_IOVA
 * (hex) moves it, e.g. onto a canary region that a DMA escaping
 * translation would hit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/compiler.h>
#include <linux/pci_regs.h>
#include <linux/reboot.h>
#include <linux/sizes.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "../kselftest.h"
#include "kho_ktap.h"
#include "kho_luo.h"
#include "kho_sysfs.h"

#define IOMMU_DEVICES	"/sys/kernel/debug/kho_devices/iommu/devices"
#define IOMMU_ADOPT	"/sys/kernel/debug/kho_devices/iommu/adopt"
#define PCI_FUNCTIONS	"/sys/kernel/debug/kho_devices/pci/functions"
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

/* "in BDF STATE" lines of the IOMMU part's debugfs file, holding @text */
static int iommu_lines(const char *bdf, const char *state, const char *text)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "in %s %s", bdf, state);
	return kho_debugfs_lines(IOMMU_DEVICES, prefix, text);
}

static int hold_function(const char *bdf, bool iommu)
{
	char what[64];

	snprintf(what, sizeof(what), "%s -%s", bdf, iommu ? " iommu" : "");
	return kho_luo_hold_function(what);
}

static int setup(const char *session, const char *bdf, bool iommu,
		 const char *forge_part, const char *forge)
{
	struct vfio_pci_device *device;
	struct dma_region region = {}, before = {}, after = {};
	int memfd, luo_fd, session_fd, fd, ret, i;
	char path[96];
	uint32_t *bar0;
	uint8_t *mem;

	ksft_print_header();
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/kho_dma_reach_bits",
		 bdf);
	kho_expect_eq(kho_write_file(path, "64"), 0, "edu given a 64-bit DMA reach");
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
	kho_expect_eq(!(READ_ONCE(bar0[EDU_DMA_CMD / 4]) & EDU_DMA_START), 1,
		      "edu loaded its buffer from the memfd by DMA");

	before = (struct dma_region){ .vaddr = mem, .iova = DMA_IOVA * 2,
				      .size = MEMFD_SIZE };
	kho_expect_eq(__iommu_map(device->iommu, &before), 0,
		      "the container maps more before the preserve");

	luo_fd = kho_luo_fd();
	VFIO_ASSERT_GE(luo_fd, 0);
	session_fd = luo_create_session(luo_fd, session);
	VFIO_ASSERT_GE(session_fd, 0);
	ret = luo_session_preserve_fd(session_fd, memfd, TOKEN_MEMFD);
	kho_expect_eq(ret, 0, "memfd preserved");
	fd = hold_function(bdf, iommu);
	ret = fd < 0 ? fd : luo_session_preserve_fd(session_fd, fd, TOKEN_DEVICE);
	kho_expect_eq(ret, 0, "edu preserved%s", iommu ? " with its translation" : "");
	if (ret)
		return 1;
	after = (struct dma_region){ .vaddr = mem, .iova = DMA_IOVA * 3,
				     .size = MEMFD_SIZE };
	if (iommu)
		kho_expect_eq(__iommu_map(device->iommu, &after), -EBUSY,
			      "mappings frozen once the translation is preserved (-EBUSY)");
	else
		kho_expect_eq(__iommu_map(device->iommu, &after), 0,
			      "mappings not frozen without the translation kept");
	if (forge) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/kho_devices/%s/forge",
			 forge_part);
		kho_expect_eq(kho_write_file(path, forge), 0, "handover forged (%s: %s)",
			      forge_part, forge);
	}
	/* The container keeps the domain attached until the kexec. */
	kho_expect_eq(kho_luo_hold(), 0, "a child holds the session across the kexec");
	return kho_judged();
}

/* Start edu's copy of its buffer into the destination page. */
static int kick(const char *bdf, uint64_t dst_offset)
{
	return kho_edu_kick(bdf, DMA_IOVA + dst_offset, COPY_SIZE);
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

/* Bytes of the copy at @offset of @session's memfd: 0 on no memfd */
static int landed(int session_fd, uint64_t offset)
{
	int memfd = luo_session_retrieve_fd(session_fd, TOKEN_MEMFD), i, good = 0;
	uint8_t *mem;

	if (memfd < 0)
		return 0;
	mem = mmap(NULL, MEMFD_SIZE, PROT_READ, MAP_SHARED, memfd, 0);
	VFIO_ASSERT_NE(mem, MAP_FAILED);
	for (i = 0; i < COPY_SIZE; i++)
		good += mem[offset + i] == pattern_byte(i);
	munmap(mem, MEMFD_SIZE);
	close(memfd);
	return good;
}

static int retrieve_session(const char *session)
{
	int luo_fd = kho_luo_fd(), session_fd;

	VFIO_ASSERT_GE(luo_fd, 0);
	session_fd = luo_retrieve_session(luo_fd, session);
	kho_expect_eq(session_fd < 0 ? session_fd : 0, 0, "session retrieved");
	return session_fd;
}

static int check(const char *session, const char *bdf, bool first,
		 const char *second)
{
	int session_fd;
	uint32_t cmd = ~0u;

	ksft_print_header();
	if (first)
		kho_expect_eq(iommu_lines(bdf, "kept ", NULL), 1,
			      "edu's translation kept by the new kernel");
	session_fd = retrieve_session(session);
	if (session_fd < 0)
		return 1;
	kho_expect_eq(landed(session_fd, DST_OFFSET), first ? COPY_SIZE : 0,
		      "the DMA in flight across the kexec %s",
		  first ? "landed in the memfd" : "is lost");
	if (second)
		kho_expect_eq(landed(session_fd, DST2_OFFSET),
			      strcmp(second, "landed") ? 0 : COPY_SIZE,
			  "the second DMA %s", strcmp(second, "landed") ?
			  "is lost" : "landed in the memfd");
	if (!first)
		return kho_judged();
	kho_bar0_read32(bdf, EDU_DMA_CMD, &cmd);
	kho_expect_eq(!(cmd & EDU_DMA_START), 1, "edu completed the transfer");
	kho_expect_eq(luo_session_finish(session_fd), 0, "session finished");
	kho_expect_eq(kho_dmar_faults(NULL), 0, "no DMAR fault logged by this kernel");
	return kho_judged();
}

/* The first "in handover-..." line of the IOMMU part's debugfs file */
static void handover_line(char *line, size_t len)
{
	kho_debugfs_line(IOMMU_DEVICES, "in handover-", line, len);
}

/* The refused record's function: quiesced, then mastering again */
static void expect_quiesced(const char *bdf, const char *what)
{
	uint8_t cfg[PCI_COMMAND + 2];

	kho_expect_eq(kho_bus_master(bdf), 0, "%s: bus mastering off", what);
	/* mastering again, its DMA must still meet the blocked entry */
	kho_expect_eq(kho_config_read(bdf, cfg, sizeof(cfg)) ?:
		  kho_config_write16(bdf, PCI_COMMAND, cfg[PCI_COMMAND] |
				     PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER), 0,
		  "bus mastering on again");
}

/* How the forged handover @how was refused */
static int expect_refusal(const char *how, const char *bdf)
{
	char line[256];

	if (!strcmp(how, "record")) {
		kho_expect_eq(iommu_lines(bdf, "blocked ", NULL), 1,
			      "a record whose table leads outside the preserved pages: edu blocked");
		/* intel-iommu names the device without its PCI segment */
		kho_expect_eq(kho_klog_count(": IOMMU translation refused: its page table",
					     bdf + 5), 1,
			  "the refusal is logged with its reason");
		snprintf(line, sizeof(line), "%s: live update refused: its page table", bdf);
		kho_expect_eq(kho_klog_count(line, "; bus mastering turned off"), 1,
			      "the quiesce is logged with the reason");
		snprintf(line, sizeof(line), "in %s ", bdf);
		kho_expect_eq(kho_debugfs_lines(PCI_FUNCTIONS, line,
						" refused driver="), 1,
			      "the PCI part no longer claims the function");
		expect_quiesced(bdf, "the refused record's function quiesced");
		return 0;
	}
	if (!strcmp(how, "version")) {
		handover_line(line, sizeof(line));
		kho_expect_eq(!strcmp(line, "in handover-refused err=-93"), 1,
			      "the whole handover refused (-EPROTONOSUPPORT)");
		kho_expect_eq(kho_klog_count("translation stays on, every device on it blocked",
					     NULL), 1,
			  "translation stayed on, every device blocked");
		return 0;
	}
	if (!strcmp(how, "pci")) {
		kho_expect_eq(iommu_lines(bdf, "blocked ", "its PCI function was not kept"),
			      1, "a sound record for a refused PCI function: edu blocked");
		expect_quiesced(bdf, "the PCI part refused edu");
		return 0;
	}
	if (!strcmp(how, "checksum")) {
		handover_line(line, sizeof(line));
		kho_expect_eq(!strcmp(line, "in handover-refused err=-74"), 1,
			      "a record changed in memory: the whole handover refused (-EBADMSG)");
		kho_expect_eq(kho_klog_count("handover refused: ",
					     "its records do not match their checksum"),
			  1, "the checksum mismatch is logged");
		return 0;
	}
	return -EINVAL;
}

/* The translation refused: edu's DMA through its old IOVA faults. */
static int check_refused(const char *how, const char *session, const char *bdf)
{
	int before, session_fd;

	ksft_print_header();
	if (expect_refusal(how, bdf))
		return 2;
	before = kho_dmar_faults(bdf);
	kho_expect_eq(kick(bdf, DST_OFFSET), 0, "edu's DMA kicked after boot");
	usleep(500000);
	kho_expect_eq(kho_dmar_faults(bdf) > before, 1, "the DMA faults: edu is blocked");
	session_fd = retrieve_session(session);
	if (session_fd < 0)
		return 1;
	kho_expect_eq(landed(session_fd, DST_OFFSET), 0, "nothing landed in the memfd");
	return kho_judged();
}

/* A field "KEY=N" of a debugfs line; -1 if it has none */
static long line_field(const char *line, const char *key)
{
	const char *at = strstr(line, key);

	return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

/*
 * The kept translation adopted by a new domain while a DMA is in flight:
 * the domain takes the kept table as it is (the device's entry still
 * points at it), and its pages become IOMMU pages of this kernel.
 */
static int adopt(const char *session, const char *bdf)
{
	char line[256], prefix[64];
	long pages, iommu_pages;
	int session_fd, found = 0;
	FILE *f;

	ksft_print_header();
	snprintf(prefix, sizeof(prefix), "in %s kept ", bdf);
	kho_debugfs_line(IOMMU_DEVICES, prefix, line, sizeof(line));
	pages = line_field(line, " pages=");
	kho_expect_eq(pages > 0, 1, "edu's translation kept, with its table pages");
	iommu_pages = kho_vmstat("nr_iommu_pages");
	kho_expect_eq(kick(bdf, DST_OFFSET), 0, "edu's DMA started");
	kho_expect_eq(kho_write_file(IOMMU_ADOPT, bdf), 0,
		      "the kept translation adopted by a new domain during the DMA");
	usleep(500000);
	f = fopen(IOMMU_DEVICES, "r");
	snprintf(prefix, sizeof(prefix), "in %s adopted ", bdf);
	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, prefix, strlen(prefix));
	if (f)
		fclose(f);
	ksft_print_msg("%s", found ? line : "no adopted line\n");
	kho_expect_eq(found && line_field(line, " mappings=") > 0, 1,
		      "debugfs: adopted, its mappings walked");
	kho_expect_eq(found && strstr(line, " table=in-place"), 1,
		      "the device's entry still points at the kept table");
	/*
	 * +pages: the new domain's own empty top is freed. Another device's
	 * default domain could be set up meanwhile: allow a few more, never
	 * a count twice.
	 */
	iommu_pages = kho_vmstat("nr_iommu_pages") - iommu_pages;
	ksft_print_msg("nr_iommu_pages grew by %ld, the kept table has %ld\n",
		       iommu_pages, pages);
	kho_expect_eq(iommu_pages >= pages && iommu_pages < 2 * pages, 1,
		      "the kept table's pages counted as IOMMU pages, once");
	kho_expect_eq(kick(bdf, DST2_OFFSET), 0,
		      "a second DMA, through the adopted domain");
	usleep(500000);
	session_fd = retrieve_session(session);
	if (session_fd < 0)
		return 1;
	kho_expect_eq(landed(session_fd, DST_OFFSET), COPY_SIZE,
		      "the DMA landed in the memfd");
	kho_expect_eq(landed(session_fd, DST2_OFFSET), COPY_SIZE,
		      "the second DMA landed in the memfd");
	kho_expect_eq(kho_dmar_faults(NULL), 0, "no DMAR fault");
	return kho_judged();
}

int main(int argc, char **argv)
{
	const char *iova = getenv("KHO_DMA_IOVA");
	bool iommu;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (iova)
		dma_iova = strtoull(iova, NULL, 16);
	if (argc >= 4 && !strcmp(argv[1], "setup")) {
		/* the arguments after BDF: [iommu] [--forge PART TEXT] */
		iommu = argc > 4 && !strcmp(argv[4], "iommu");
		if (argc == 7 + iommu && !strcmp(argv[4 + iommu], "--forge"))
			return setup(argv[2], argv[3], iommu, argv[5 + iommu],
				     argv[6 + iommu]);
		if (argc == 4 + iommu)
			return setup(argv[2], argv[3], iommu, NULL, NULL);
	}
	if (argc == 4 && !strcmp(argv[1], "kick-kexec"))
		return kick_kexec(argv[2], atol(argv[3]));
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "kick")) {
		ksft_print_header();
		kho_expect_eq(kick(argv[2], argc == 4 ? DST2_OFFSET : DST_OFFSET), 0,
			      "edu's DMA kicked");
		usleep(500000);
		return kho_judged();
	}
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "check"))
		return check(argv[2], argv[3], !strcmp(argv[4], "landed"),
			     argc == 6 ? argv[5] : NULL);
	if (argc == 5 && !strcmp(argv[1], "refused"))
		return check_refused(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "adopt"))
		return adopt(argv[2], argv[3]);
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
