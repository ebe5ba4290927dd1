// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_mappings - a container with 2000 mappings of mixed sizes over
 * a memfd of 2 MiB folios goes through two live updates in a row, and its
 * 2 MiB mappings stay 2 MiB IOMMU pages when the next kernel adopts them.
 *
 *   vfio_kho_mappings before BDF   old kernel, the next one loaded
 *   vfio_kho_mappings again BDF    second kernel, the next one loaded
 *   vfio_kho_mappings after BDF    third kernel
 *
 * before: BDF (an igb bound to vfio-pci) gets a type1 container mapping a
 * 64 MiB memfd (shmem THP, transparent_hugepage_shmem=always) in 2000
 * mappings: ten of 2 MiB (IOVA and offset 2 MiB aligned), 90 of 64 KiB
 * and 1900 of 4 KiB, each at its own IOVA. Memfd, container and device
 * go into a LUO session a child holds. kho-inspect (tools/kho-devices)
 * shows the container with its 2000 mappings and their bytes, and a kept
 * translation of exactly ten 2 MiB pages and 3340 4 KiB pages. Before
 * that, the same container with a hugetlb memfd mapped is refused
 * (-EOPNOTSUPP, a log line), and nothing stays frozen.
 *
 * again: the kept translation is the same at boot; the session comes
 * back, each of the 2000 mappings gets its new address, the session
 * finishes; then everything is preserved again, into a second session.
 * The translation the container adopted, now handed over in turn, still
 * maps ten 2 MiB pages and 3340 4 KiB pages, with the domain ID and the
 * number of table pages of the first handover (at least the fewest that
 * can map them: one per level above the last, one last-level page per
 * 2 MiB of IOVA holding 4 KiB pages): the kept table was taken over as it
 * is, nothing split, nothing added.
 *
 * after: the same translation at boot; the second session comes back,
 * every mapping takes its new address and the session finishes.
 *
 * Each stage puts kho-inspect's JSON of what it hands over in its session,
 * in a memfd of its own (token 4), for the next stage to compare with.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/sizes.h>
#include <linux/vfio.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "../kselftest_harness.h"
#include "kho_inspect.h"
#include "kho_luo.h"
#include "kho_sysfs.h"
#include "kho_vfio.h"

#define TOKEN_MEMFD	1
#define TOKEN_CONTAINER	2
#define TOKEN_DEVICE	3
#define TOKEN_OUTGOING	4	/* what kho-inspect saw handed over */
#define MEMFD_SIZE	SZ_64M
#define IOVA_BASE	0x10000000000ULL	/* 1 TiB */

#define NR_2M		10
#define NR_64K		90
#define NR_4K		1900
#define NR_MAPPINGS	(NR_2M + NR_64K + NR_4K)
#define MAPPED_BYTES	(NR_2M * SZ_2M + NR_64K * SZ_64K + NR_4K * SZ_4K)
/* 64 KiB is no IOMMU page size: each such mapping is 16 pages of 4 KiB */
#define PAGES_4K	(NR_64K * 16 + NR_4K)

static struct {
	uint64_t iova, offset, size;
} maps[NR_MAPPINGS];

static const char *bdf;

/* What main() found, for the checks (the harness forks them from it) */
static struct {
	struct kho_inspect at_boot;	/* incoming, nothing retrieved yet */
	struct kho_inspect retrieved;	/* incoming, everything retrieved */
	struct kho_inspect handed_over;	/* outgoing, after the preserve */
	char previous[1 << 16];		/* the previous stage's outgoing */
	int retrieve, vaddr_failures, finish, preserve;
	int session;			/* the session handed over */
	int hugetlb_preserve, hugetlb_unmap, hugetlb_logged;
} st;

/* Ten 2 MiB, 90 64 KiB and 1900 4 KiB mappings, each at its own IOVA */
static void layout(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < NR_2M; i++, n++) {
		maps[n].iova = IOVA_BASE + i * SZ_4M;
		maps[n].offset = i * SZ_2M;
		maps[n].size = SZ_2M;
	}
	for (i = 0; i < NR_64K; i++, n++) {
		maps[n].iova = IOVA_BASE + SZ_64M + i * SZ_128K;
		maps[n].offset = NR_2M * SZ_2M + i * SZ_64K;
		maps[n].size = SZ_64K;
	}
	for (i = 0; i < NR_4K; i++, n++) {
		maps[n].iova = IOVA_BASE + SZ_128M + i * SZ_8K;
		maps[n].offset = SZ_32M + i * SZ_4K;
		maps[n].size = SZ_4K;
	}
}

static int preserve(const char *name, int memfd, int container, int device)
{
	int session = kho_luo_create_session(name), err;

	if (session < 0)
		return session;
	err = luo_session_preserve_fd(session, memfd, TOKEN_MEMFD);
	err = err ?: luo_session_preserve_fd(session, container, TOKEN_CONTAINER);
	err = err ?: luo_session_preserve_fd(session, device, TOKEN_DEVICE);
	st.session = session;	/* kho-inspect's view of it goes in after */
	return err ?: kho_luo_hold();
}

static int map_all(int container, uint8_t *mem)
{
	unsigned int i;

	for (i = 0; i < NR_MAPPINGS; i++) {
		struct vfio_iommu_type1_dma_map m = {
			.argsz = sizeof(m),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)(mem + maps[i].offset),
			.iova = maps[i].iova, .size = maps[i].size,
		};

		if (ioctl(container, VFIO_IOMMU_MAP_DMA, &m))
			return -errno;
	}
	return 0;
}

static uint8_t *map_memfd(int memfd)
{
	uint8_t *mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE,
			    MAP_SHARED, memfd, 0);

	return mem == MAP_FAILED ? NULL : mem;
}

/*
 * A hugetlb memfd mapped in the container: preserving the container is
 * refused with -EOPNOTSUPP (LUO does not keep hugetlb memfds), a line
 * says why, and nothing is frozen: the mapping unmaps.
 */
static int try_hugetlb(int container)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.iova = IOVA_BASE + SZ_1G, .size = SZ_2M,
	};
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = m.iova, .size = m.size,
	};
	int fd, luo, session, logged;
	uint8_t *mem;

	fd = memfd_create("kho-mappings-hugetlb", MFD_HUGETLB);
	if (fd < 0 || ftruncate(fd, SZ_2M))
		return -errno;
	mem = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		return -errno;
	memset(mem, 0x5a, SZ_2M);
	m.vaddr = (uintptr_t)mem;
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &m))
		return -errno;
	luo = kho_luo_fd();
	if (luo < 0)
		return luo;
	session = luo_create_session(luo, "kho-mappings-hugetlb");
	if (session < 0)
		return session;
	logged = kho_klog_count("is hugetlb memory, which a live update cannot keep",
				NULL);
	st.hugetlb_preserve = luo_session_preserve_fd(session, container,
						      TOKEN_CONTAINER);
	st.hugetlb_logged = kho_klog_count("is hugetlb memory, which a live update cannot keep",
					   NULL) - logged;
	close(session);
	st.hugetlb_unmap = ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u) ? -errno : 0;
	munmap(mem, SZ_2M);
	close(fd);
	return 0;
}

/* Old kernel: the container, its mappings, the first session */
static int stage_before(void)
{
	struct vfio_pci_device *device;
	struct iommu *iommu;
	uint8_t *mem;
	int memfd, err;

	memfd = memfd_create("kho-mappings-guest-ram", 0);
	if (memfd < 0 || ftruncate(memfd, MEMFD_SIZE) ||
	    fallocate(memfd, 0, 0, MEMFD_SIZE))
		return -errno;
	mem = map_memfd(memfd);
	if (!mem)
		return -errno;
	iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	device = vfio_pci_device_init(bdf, iommu);
	err = try_hugetlb(iommu->container_fd);
	if (err)
		st.hugetlb_preserve = err;
	err = map_all(iommu->container_fd, mem);
	err = err ?: preserve("kho-mappings-1", memfd, iommu->container_fd,
			      device->fd);
	st.preserve = err;
	return err;
}

/* A later kernel: retrieve SESSION, give every mapping its new address */
static int retrieve_all(const char *name, int *memfd, int *container,
			int *device)
{
	int session = kho_luo_retrieve_session(name);
	unsigned int i;
	uint8_t *mem;

	if (session < 0)
		return session;
	*memfd = luo_session_retrieve_fd(session, TOKEN_MEMFD);
	*container = luo_session_retrieve_fd(session, TOKEN_CONTAINER);
	*device = luo_session_retrieve_fd(session, TOKEN_DEVICE);
	if (*memfd < 0 || *container < 0 || *device < 0)
		return -ENOENT;
	if (kho_luo_retrieve_bytes(session, TOKEN_OUTGOING, st.previous,
				   sizeof(st.previous) - 1) < 0)
		return -ENOENT;
	kho_inspect_run(&st.retrieved, "--json --incoming");
	mem = map_memfd(*memfd);
	if (!mem)
		return -errno;
	for (i = 0; i < NR_MAPPINGS; i++)
		st.vaddr_failures += !!kho_vfio_update_vaddr(*container,
							     maps[i].iova,
							     maps[i].size,
							     mem + maps[i].offset);
	st.finish = luo_session_finish(session);
	return 0;
}

static void expect_translation(struct __test_metadata *_metadata,
			       const char *dev)
{
	ASSERT_NE(dev, NULL);
	EXPECT_EQ(kho_inspect_num(dev, "pages_2m"), NR_2M);
	EXPECT_EQ(kho_inspect_num(dev, "pages_4k"), PAGES_4K);
	EXPECT_EQ(kho_inspect_num(dev, "pages_1g"), 0);
	EXPECT_EQ(kho_inspect_num(dev, "leaf_bytes"), MAPPED_BYTES);
	EXPECT_STREQ(kho_inspect_str(dev, "verdict"), "ok");
}

static void expect_container(struct __test_metadata *_metadata,
			     const char *dev)
{
	ASSERT_NE(dev, NULL);
	EXPECT_EQ(kho_inspect_num(dev, "mappings"), NR_MAPPINGS);
	EXPECT_EQ(kho_inspect_num(dev, "mapped_bytes"), MAPPED_BYTES);
	EXPECT_EQ(kho_inspect_num(dev, "memfds"), 1);
	EXPECT_STREQ(kho_inspect_str(dev, "device_block"), "true");
	EXPECT_STREQ(kho_inspect_str(dev, "verdict"), "ok");
}

/*
 * The page-table pages of a table that maps the layout and nothing else:
 * one per level above the last, as every IOVA lies in one GiB, and one
 * last-level page per 2 MiB of IOVA that holds 4 KiB pages. Splitting a
 * 2 MiB page would add one.
 */
static long long minimal_table_pages(const char *dev)
{
	long long last = -1, n = 0;
	unsigned int i;

	for (i = 0; i < NR_MAPPINGS; i++) {
		if (maps[i].size == SZ_2M || (long long)(maps[i].iova >> 21) == last)
			continue;
		last = maps[i].iova >> 21;
		n++;
	}
	return kho_inspect_num(dev, "levels") - 1 + n;
}

/* @is has as many table pages as @was, which has at least the minimum */
static void expect_same_tables(struct __test_metadata *_metadata,
			       const char *was, const char *is)
{
	ASSERT_NE(was, NULL);
	ASSERT_NE(is, NULL);
	EXPECT_GE(kho_inspect_num(was, "table_pages"), minimal_table_pages(was));
	EXPECT_EQ(kho_inspect_num(is, "table_pages"),
		  kho_inspect_num(was, "table_pages"));
}

FIXTURE(before) {
};

FIXTURE_SETUP(before)
{
	ASSERT_EQ(st.preserve, 0);
}

FIXTURE_TEARDOWN(before)
{
}

TEST_F(before, hugetlb_memfd_refused_nothing_frozen)
{
	EXPECT_EQ(st.hugetlb_preserve, -EOPNOTSUPP);
	EXPECT_EQ(st.hugetlb_logged, 1);
	EXPECT_EQ(st.hugetlb_unmap, 0);
}

TEST_F(before, container_hands_over_2000_mappings)
{
	expect_container(_metadata, kho_inspect_find(st.handed_over.out,
						     "vfio", "outgoing", bdf));
}

TEST_F(before, translation_in_2m_and_4k_pages)
{
	EXPECT_EQ(st.handed_over.status, 0) TH_LOG("%s", st.handed_over.err);
	expect_translation(_metadata, kho_inspect_find(st.handed_over.out,
						       "iommu", "outgoing", bdf));
}

FIXTURE(again) {
};

FIXTURE_SETUP(again)
{
}

FIXTURE_TEARDOWN(again)
{
}

TEST_F(again, kept_translation_at_boot_as_handed_over)
{
	const char *dev = kho_inspect_find(st.at_boot.out, "iommu",
					   "incoming", bdf);

	expect_translation(_metadata, dev);
	expect_same_tables(_metadata, kho_inspect_find(st.previous, "iommu",
						       "outgoing", bdf), dev);
}

TEST_F(again, retrieved_container_has_2000_mappings)
{
	ASSERT_EQ(st.retrieve, 0);
	expect_container(_metadata, kho_inspect_find(st.retrieved.out, "vfio",
						     "incoming", bdf));
}

TEST_F(again, every_mapping_takes_its_new_address)
{
	ASSERT_EQ(st.retrieve, 0);
	EXPECT_EQ(st.vaddr_failures, 0);
	EXPECT_EQ(st.finish, 0);
}

TEST_F(again, adopted_translation_keeps_its_2m_pages)
{
	const char *dev = kho_inspect_find(st.handed_over.out, "iommu",
					   "outgoing", bdf);

	ASSERT_EQ(st.preserve, 0);
	EXPECT_EQ(st.handed_over.status, 0) TH_LOG("%s", st.handed_over.err);
	expect_translation(_metadata, dev);
	/*
	 * The adopted domain took the kept table over as it is: handed over
	 * again, it has the very pages of the first handover (with the one
	 * the refused hugetlb mapping may have left), no split, none added.
	 */
	expect_same_tables(_metadata, kho_inspect_find(st.previous, "iommu",
						       "outgoing", bdf), dev);
	EXPECT_EQ(kho_inspect_num(dev, "domain"),
		  kho_inspect_num(kho_inspect_find(st.previous, "iommu",
						   "outgoing", bdf), "domain"));
	expect_container(_metadata, kho_inspect_find(st.handed_over.out,
						     "vfio", "outgoing", bdf));
}

FIXTURE(after) {
};

FIXTURE_SETUP(after)
{
}

FIXTURE_TEARDOWN(after)
{
}

TEST_F(after, kept_translation_at_boot_as_handed_over)
{
	const char *dev = kho_inspect_find(st.at_boot.out, "iommu",
					   "incoming", bdf);

	expect_translation(_metadata, dev);
	expect_same_tables(_metadata, kho_inspect_find(st.previous, "iommu",
						       "outgoing", bdf), dev);
}

TEST_F(after, every_mapping_back_and_the_session_finishes)
{
	ASSERT_EQ(st.retrieve, 0);
	expect_container(_metadata, kho_inspect_find(st.retrieved.out, "vfio",
						     "incoming", bdf));
	EXPECT_EQ(st.vaddr_failures, 0);
	EXPECT_EQ(st.finish, 0);
}

int main(int argc, char **argv)
{
	char *harness_argv[4];
	int stage, memfd, container, device;

	if (argc != 3) {
		fprintf(stderr, "usage: %s before|again|after BDF\n", argv[0]);
		return 2;
	}
	stage = !strcmp(argv[1], "before") ? 1 : !strcmp(argv[1], "again") ? 2 :
		!strcmp(argv[1], "after") ? 3 : 0;
	if (!stage) {
		fprintf(stderr, "usage: %s before|again|after BDF\n", argv[0]);
		return 2;
	}
	bdf = argv[2];
	layout();
	if (stage > 1) {
		kho_inspect_run(&st.at_boot, "--json --incoming");
		st.retrieve = retrieve_all(stage == 2 ? "kho-mappings-1" :
					   "kho-mappings-2",
					   &memfd, &container, &device);
	}
	if (stage == 1)
		stage_before();
	else if (stage == 2)
		st.preserve = st.retrieve ?: preserve("kho-mappings-2", memfd,
						      container, device);
	if (stage < 3) {
		kho_inspect_run(&st.handed_over, "--json --outgoing");
		if (!st.preserve)
			st.preserve = kho_luo_preserve_bytes(st.session,
							     TOKEN_OUTGOING,
							     st.handed_over.out,
							     strlen(st.handed_over.out) + 1);
	}
	/* the fixture named like the stage: "-f before" and so on */
	harness_argv[0] = argv[0];
	harness_argv[1] = "-f";
	harness_argv[2] = argv[1];
	harness_argv[3] = NULL;
	return test_harness_run(3, harness_argv);
}
