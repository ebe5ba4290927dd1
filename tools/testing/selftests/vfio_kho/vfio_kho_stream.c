// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_stream - DMA that never stops: an igb owned by a VMM-like
 * program receives a steady stream of frames from the host into a receive
 * ring in memfd memory before, during and after a kexec-based live update.
 *
 * The host side is QEMU's dgram netdev fed by harness/frame-stream.py: every
 * frame carries a sequence number, the host's clock and a CRC-32.
 *
 *   before BDF
 *	old kernel: the igb (reset by vfio-pci's open) gets STREAM_DESCS
 *	receive descriptors and a 2 KiB buffer for each in a memfd mapped at
 *	IOVA 1 TiB, and its receiver on; the program empties the ring for a
 *	while, checking every frame, keeps its place in the ring and its
 *	counts in the memfd, stops, and puts the memfd, the container and the
 *	device into a LUO session that a child holds across the kexec. The
 *	igb goes on receiving: the ring fills while no program empties it.
 *   after BDF
 *	new kernel: the session, the memfd, the container and the device
 *	come back and the mapping gets its new address; the program goes on
 *	from its place in the ring. The frames the igb wrote while nobody
 *	read the ring are there; the stream goes on after them.
 *
 * A frame is received, lost (a hole in the sequence), duplicated (a
 * sequence number seen before) or corrupted (length, magic or CRC wrong,
 * or an error in its descriptor). The longest gap is the longest stretch
 * of the host's clock between two frames received one after the other.
 *
 * Output is KTAP, one line per check, with "# report KEY VALUE" lines for
 * make run's report.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <linux/compiler.h>
#include <linux/io.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "../kselftest.h"
#include "../vfio/lib/drivers/igb/e1000_regs.h"
#include "../vfio/lib/drivers/igb/e1000_defines.h"
#include "../vfio/lib/drivers/igb/e1000_82575.h"
#include "kho_clock.h"
#include "kho_luo.h"
#include "kho_sysfs.h"
#include "kho_vfio.h"

#define SESSION_NAME		"kho-stream"
#define TOKEN_MEMFD		1
#define TOKEN_CONTAINER		2
#define TOKEN_DEVICE		3

#define STREAM_IOVA		0x10000000000ULL	/* 1 TiB */
#define MEMFD_SIZE		SZ_16M
#define RING_OFFSET		0
#define STATE_OFFSET		SZ_64K
#define BUFS_OFFSET		SZ_1M
#define BUF_SIZE		2048	/* RCTL.BSIZE's reset value */
/* 16 s of the host's 250 frames a second: far more than a kexec takes */
#define STREAM_DESCS		4096
#define STATE_MAGIC		0x4b484f5354524dULL	/* "KHOSTRM" */

/* The frame harness/frame-stream.py sends (little endian after the MACs) */
#define FRAME_LEN		256
#define FRAME_MAGIC		0x4b484f53		/* "KHOS" */
#define FRAME_MAGIC_OFF		14
#define FRAME_LEN_OFF		18
#define FRAME_SEQ_OFF		22
#define FRAME_TIME_OFF		30
#define FRAME_CRC_OFF		(FRAME_LEN - 4)

#define WARMUP_MS		500
#define CONSUME_MS		2000
#define FAULT_LOG		"DMAR: [DMA"

/* Advanced one-buffer receive descriptor (82576 datasheet 7.1.5) */
union stream_rx_desc {
	struct {
		__le64 pkt_addr;
		__le64 hdr_addr;
	} read;
	struct {
		__le16 pkt_info;
		__le16 hdr_info;
		__le32 rss;
		__le32 status_error;
		__le16 length;
		__le16 vlan;
	} wb;
};

/* The consumer's place and counts: in the memfd, so they cross the kexec. */
struct stream_state {
	uint64_t magic;
	uint32_t next;			/* next descriptor to look at */
	uint32_t counting;		/* the warm-up is over */
	uint64_t last_seq;
	uint64_t last_host_ns;
	uint64_t received;
	uint64_t lost;
	uint64_t duplicated;
	uint64_t corrupted;
	uint64_t longest_gap_ns;
	uint64_t received_before;
	uint64_t stop_tsc;		/* when the old kernel's program stopped */
	double tsc_per_ms;
};

struct stream {
	const char *bdf;
	uint8_t *mem;
	void *bar0;
	union stream_rx_desc *ring;
	struct stream_state *st;
};

static uint32_t crc32_ieee(const uint8_t *p, size_t len)
{
	uint32_t crc = ~0U;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320U & -(crc & 1));
	}
	return ~crc;
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static uint32_t reg_read(struct stream *s, uint32_t reg)
{
	return readl(s->bar0 + reg);
}

static void reg_write(struct stream *s, uint32_t reg, uint32_t val)
{
	writel(val, s->bar0 + reg);
}

static uint64_t buf_iova(uint32_t i)
{
	return STREAM_IOVA + BUFS_OFFSET + (uint64_t)i * BUF_SIZE;
}

/* Give descriptor @i back to the igb with its buffer (clears its status). */
static void refill(struct stream *s, uint32_t i)
{
	s->ring[i].read.pkt_addr = htole64(buf_iova(i));
	s->ring[i].read.hdr_addr = 0;
}

static bool done(struct stream *s, uint32_t i)
{
	return le32toh(READ_ONCE(s->ring[i].wb.status_error)) &
	       E1000_RXD_STAT_DD;
}

/* Check one frame and count it. */
static void take_frame(struct stream *s, uint32_t i)
{
	struct stream_state *st = s->st;
	const uint8_t *f = s->mem + BUFS_OFFSET + (size_t)i * BUF_SIZE;
	uint32_t status = le32toh(s->ring[i].wb.status_error);
	uint64_t seq, host_ns;

	if (!st->counting)
		return;
	if (le16toh(s->ring[i].wb.length) != FRAME_LEN ||
	    !(status & E1000_RXD_STAT_EOP) ||
	    (status & E1000_RXDEXT_ERR_FRAME_ERR_MASK) ||
	    get_le32(f + FRAME_MAGIC_OFF) != FRAME_MAGIC ||
	    get_le32(f + FRAME_LEN_OFF) != FRAME_LEN ||
	    get_le32(f + FRAME_CRC_OFF) != crc32_ieee(f, FRAME_CRC_OFF)) {
		st->corrupted++;
		return;
	}
	seq = get_le64(f + FRAME_SEQ_OFF);
	host_ns = get_le64(f + FRAME_TIME_OFF);
	if (st->received && seq <= st->last_seq) {
		st->duplicated++;
		return;
	}
	if (st->received) {
		st->lost += seq - st->last_seq - 1;
		if (host_ns - st->last_host_ns > st->longest_gap_ns)
			st->longest_gap_ns = host_ns - st->last_host_ns;
	}
	st->received++;
	st->last_seq = seq;
	st->last_host_ns = host_ns;
}

/*
 * Empty the ring for @ms milliseconds: every finished descriptor is checked,
 * refilled and given back (RDT one behind the next to look at, so that the
 * igb owns all other descriptors). Returns the most the ring held at once.
 */
static uint32_t consume(struct stream *s, long ms)
{
	struct stream_state *st = s->st;
	long end = kho_now_ms() + ms;
	uint32_t n, most = 0;

	while (kho_now_ms() < end) {
		for (n = 0; done(s, st->next); n++) {
			__sync_synchronize();	/* status before the frame */
			take_frame(s, st->next);
			refill(s, st->next);
			st->next = (st->next + 1) % STREAM_DESCS;
		}
		if (n) {
			__sync_synchronize();	/* descriptors before the tail */
			reg_write(s, E1000_RDT(0),
				  (st->next + STREAM_DESCS - 1) % STREAM_DESCS);
		}
		most = n > most ? n : most;
		usleep(1000);
	}
	return most;
}

/* Frames finished in the ring from the next one on, without taking them. */
static uint32_t frames_waiting(struct stream *s, uint64_t *last_host_ns)
{
	uint32_t i = s->st->next, n = 0;
	const uint8_t *f;

	while (n < STREAM_DESCS - 1 && done(s, i)) {
		f = s->mem + BUFS_OFFSET + (size_t)i * BUF_SIZE;
		*last_host_ns = get_le64(f + FRAME_TIME_OFF);
		i = (i + 1) % STREAM_DESCS;
		n++;
	}
	return n;
}

static int mdic_write(struct stream *s, uint32_t reg, uint16_t val)
{
	uint32_t mdic = 0;
	int i;

	reg_write(s, E1000_MDIC, val | reg << E1000_MDIC_REG_SHIFT |
		  1 << E1000_MDIC_PHY_SHIFT | E1000_MDIC_OP_WRITE);
	for (i = 0; i < 1000 && !(mdic & E1000_MDIC_READY); i++) {
		usleep(50);
		mdic = reg_read(s, E1000_MDIC);
	}
	return (mdic & E1000_MDIC_READY) && !(mdic & E1000_MDIC_ERROR) ? 0 : -EIO;
}

/*
 * Receive only: queue 0 takes every frame (promiscuous, broadcast), CRC
 * stripped, one 2 KiB buffer per frame, no interrupts (the ring is polled).
 * Returns whether the link came up.
 */
static bool start_receiver(struct stream *s)
{
	uint64_t ring_iova = STREAM_IOVA + RING_OFFSET;
	uint32_t i;
	int tries;

	reg_write(s, E1000_IMC, ~0U);
	reg_write(s, E1000_EIMC, ~0U);
	reg_write(s, E1000_CTRL_EXT,
		  reg_read(s, E1000_CTRL_EXT) | E1000_CTRL_EXT_DRV_LOAD);
	/* QEMU's igb sets STATUS.LU when its PHY's autonegotiation ends. */
	mdic_write(s, 0 /* MII_BMCR */, 0x1200 /* ANENABLE | ANRESTART */);
	reg_write(s, E1000_CTRL, reg_read(s, E1000_CTRL) | E1000_CTRL_SLU);
	for (tries = 0; tries < 300 && !(reg_read(s, E1000_STATUS) &
					   E1000_STATUS_LU); tries++)
		usleep(10000);

	for (i = 0; i < STREAM_DESCS; i++)
		refill(s, i);
	reg_write(s, E1000_RDBAL(0), (uint32_t)ring_iova);
	reg_write(s, E1000_RDBAH(0), (uint32_t)(ring_iova >> 32));
	reg_write(s, E1000_RDLEN(0), STREAM_DESCS * sizeof(union stream_rx_desc));
	reg_write(s, E1000_RDH(0), 0);
	reg_write(s, E1000_RDT(0), 0);
	reg_write(s, E1000_SRRCTL(0), E1000_SRRCTL_DESCTYPE_ADV_ONEBUF);
	reg_write(s, E1000_RXDCTL(0), E1000_RXDCTL_QUEUE_ENABLE);
	reg_write(s, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_UPE |
		  E1000_RCTL_MPE | E1000_RCTL_BAM | E1000_RCTL_SECRC);
	for (tries = 0; tries < 2000 && !(reg_read(s, E1000_RXDCTL(0)) &
					   E1000_RXDCTL_QUEUE_ENABLE); tries++)
		usleep(10);
	s->st->next = 0;
	reg_write(s, E1000_RDT(0), STREAM_DESCS - 1);
	return reg_read(s, E1000_STATUS) & E1000_STATUS_LU;
}

static void stream_report(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("# report %s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void report_counts(const char *when, struct stream_state *st)
{
	stream_report(when,
		      "received %llu lost %llu duplicated %llu corrupted %llu longest_gap_ms %.1f",
		      (unsigned long long)st->received,
		      (unsigned long long)st->lost,
		      (unsigned long long)st->duplicated,
		      (unsigned long long)st->corrupted, st->longest_gap_ns / 1e6);
}

static int cmd_before(const char *bdf)
{
	struct vfio_pci_device *device;
	struct dma_region region = {};
	struct stream s = { .bdf = bdf };
	int memfd, luo, session, ret;
	uint32_t most;

	ksft_print_header();
	ksft_set_plan(8);
	memfd = memfd_create("kho-stream-guest-ram", 0);
	if (memfd < 0 || ftruncate(memfd, MEMFD_SIZE))
		ksft_exit_fail_msg("memfd: %s\n", strerror(errno));
	s.mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		     memfd, 0);
	if (s.mem == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	memset(s.mem, 0, MEMFD_SIZE);	/* every page present before the map */
	s.ring = (union stream_rx_desc *)(s.mem + RING_OFFSET);
	s.st = (struct stream_state *)(s.mem + STATE_OFFSET);

	device = vfio_pci_device_init(bdf, iommu_init(MODE_VFIO_TYPE1V2_IOMMU));
	s.bar0 = device->bars[0].vaddr;
	region.vaddr = s.mem;
	region.iova = STREAM_IOVA;
	region.size = MEMFD_SIZE;
	iommu_map(device->iommu, &region);
	vfio_pci_config_writew(device, PCI_COMMAND,
			       vfio_pci_config_readw(device, PCI_COMMAND) |
			       PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY);

	s.st->magic = STATE_MAGIC;
	s.st->tsc_per_ms = kho_tsc_per_ms();
	ksft_test_result(start_receiver(&s),
			 "%s: link up, receiver on, %u descriptors at IOVA 0x%llx\n",
			 bdf, STREAM_DESCS, STREAM_IOVA);

	/* Frames queued on the host while the receiver was off come first. */
	consume(&s, WARMUP_MS);
	s.st->counting = 1;
	most = consume(&s, CONSUME_MS);
	s.st->received_before = s.st->received;
	report_counts("before", s.st);
	ksft_test_result(s.st->received > 0,
			 "frames received before the update: %llu (at most %u waiting at once)\n",
			 (unsigned long long)s.st->received, most);
	ksft_test_result(!s.st->lost && !s.st->duplicated && !s.st->corrupted,
			 "before the update: %llu lost, %llu duplicated, %llu corrupted\n",
			 (unsigned long long)s.st->lost,
			 (unsigned long long)s.st->duplicated,
			 (unsigned long long)s.st->corrupted);
	/* From here on the ring fills: nobody empties it until the new kernel. */
	s.st->stop_tsc = __rdtsc();

	luo = luo_open_device();
	session = luo < 0 ? luo : luo_create_session(luo, SESSION_NAME);
	if (session < 0)
		ksft_exit_fail_msg("LUO session: %s\n", strerror(-session));
	ret = luo_session_preserve_fd(session, memfd, TOKEN_MEMFD);
	ksft_test_result(!ret, "memfd with the ring preserved (%d)\n", ret);
	ret = luo_session_preserve_fd(session, device->iommu->container_fd,
				      TOKEN_CONTAINER);
	ksft_test_result(!ret, "type1 container preserved (%d)\n", ret);
	ret = luo_session_preserve_fd(session, device->fd, TOKEN_DEVICE);
	ksft_test_result(!ret, "igb device file preserved (%d)\n", ret);
	ksft_test_result(kho_bus_master(bdf), "%s still mastering DMA once preserved\n",
			 bdf);
	ret = kho_klog_count(FAULT_LOG, bdf + 5);
	ksft_test_result(!ret, "no DMAR fault logged for %s (%d)\n", bdf + 5, ret);
	/* a child keeps the session, and every file in it, across the kexec */
	if (kho_luo_hold())
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	ksft_finished();
}

static int cmd_after(const char *bdf)
{
	uint64_t restart_tsc = __rdtsc(), last_host_ns = 0;
	struct stream s = { .bdf = bdf };
	struct vfio_pci_device *device;
	double blackout_ms, span_ms;
	int luo, session, memfd, container, fd, ret;
	uint32_t waiting;

	ksft_print_header();
	ksft_set_plan(13);
	luo = luo_open_device();
	session = luo < 0 ? luo : luo_retrieve_session(luo, SESSION_NAME);
	memfd = session < 0 ? session : luo_session_retrieve_fd(session, TOKEN_MEMFD);
	if (memfd < 0)
		ksft_exit_fail_msg("session or memfd not retrieved: %s\n",
				   strerror(-memfd));
	s.mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		     memfd, 0);
	if (s.mem == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	s.ring = (union stream_rx_desc *)(s.mem + RING_OFFSET);
	s.st = (struct stream_state *)(s.mem + STATE_OFFSET);
	ksft_test_result(s.st->magic == STATE_MAGIC && s.st->counting,
			 "memfd retrieved with the consumer's state\n");
	if (s.st->magic != STATE_MAGIC)
		ksft_exit_fail_msg("no consumer state in the memfd\n");

	/* What the igb wrote while no program read the ring. */
	waiting = frames_waiting(&s, &last_host_ns);
	blackout_ms = (restart_tsc - s.st->stop_tsc) / s.st->tsc_per_ms;
	span_ms = waiting ? (last_host_ns - s.st->last_host_ns) / 1e6 : 0;

	container = luo_session_retrieve_fd(session, TOKEN_CONTAINER);
	fd = luo_session_retrieve_fd(session, TOKEN_DEVICE);
	ksft_test_result(container >= 0, "type1 container retrieved (%d)\n",
			 container < 0 ? container : 0);
	ksft_test_result(fd >= 0, "igb device file retrieved (%d)\n",
			 fd < 0 ? fd : 0);
	if (container < 0 || fd < 0)
		ksft_exit_fail_msg("cannot go on without container and device\n");
	ret = kho_vfio_update_vaddr(container, STREAM_IOVA, MEMFD_SIZE, s.mem);
	ksft_test_result(!ret, "the mapping has the memfd's new address (%d)\n",
			 ret);
	device = kho_vfio_wrap(bdf, container, fd);
	s.bar0 = device->bars[0].vaddr;
	ksft_test_result(kho_bus_master(bdf) &&
			 (reg_read(&s, E1000_RCTL) & E1000_RCTL_EN),
			 "%s kept: mastering, receiver on (not reset)\n", bdf);

	stream_report("update", "frames_waiting %u span_ms %.0f blackout_ms %.0f",
		      waiting, span_ms, blackout_ms);
	ksft_test_result(waiting > 0,
			 "frames the igb wrote while no program ran: %u\n",
			 waiting);
	/*
	 * While the igb cannot receive, QEMU leaves frames in its socket,
	 * which holds well under a second of the stream: a longer stop shows
	 * as frames lost. So the waiting frames must reach to the restart.
	 */
	ksft_test_result(span_ms + 1000 >= blackout_ms,
			 "they reach across the update: %.0f ms of the stream for %.0f ms without a program\n",
			 span_ms, blackout_ms);

	consume(&s, CONSUME_MS);
	report_counts("total", s.st);
	stream_report("during", "%u", waiting);
	stream_report("after", "%llu", (unsigned long long)(s.st->received -
						    s.st->received_before - waiting));
	ksft_test_result(s.st->received > s.st->received_before + waiting,
			 "frames received after the update: %llu\n",
			 (unsigned long long)(s.st->received -
					      s.st->received_before - waiting));
	ksft_test_result(!s.st->lost, "frames lost: %llu\n",
			 (unsigned long long)s.st->lost);
	ksft_test_result(!s.st->duplicated, "frames duplicated: %llu\n",
			 (unsigned long long)s.st->duplicated);
	ksft_test_result(!s.st->corrupted, "frames corrupted: %llu\n",
			 (unsigned long long)s.st->corrupted);
	ret = kho_klog_count(FAULT_LOG, bdf + 5);
	ksft_test_result(!ret, "no DMAR fault logged for %s (%d)\n", bdf + 5, ret);

	ret = luo_session_finish(session);
	ksft_test_result(!ret, "session finished (%d)\n", ret);
	reg_write(&s, E1000_RCTL, 0);
	ksft_finished();
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "before"))
		return cmd_before(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "after"))
		return cmd_after(argv[2]);
	fprintf(stderr, "usage: %s before|after BDF\n", argv[0]);
	return 2;
}
