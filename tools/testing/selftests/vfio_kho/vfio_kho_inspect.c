// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_inspect - kho-inspect (tools/kho-devices) tells what was handed
 * over: what this program preserved, before the kexec and after it, and
 * a damaged snapshot is refused with a message.
 *
 *   vfio_kho_inspect before BDF   old kernel, the next one loaded
 *   vfio_kho_inspect after BDF    next kernel
 *
 * before: BDF (an igb bound to vfio-pci) gets a type1 container with
 * three mappings of one memfd (1 MiB, 2 MiB and 64 KiB at three IOVAs
 * and offsets), and the memfd, the container and the device are
 * preserved in a LUO session that a child process holds across the
 * kexec. The checks read `kho-inspect --json --outgoing`: the function
 * with its IDs and driver, its kept translation with as many table pages
 * as the IOMMU part counts and mapping exactly the three mappings'
 * bytes, the container with three mappings, their bytes, one memfd and
 * its device block; every verdict ok, the next kernel accepted and exit
 * status 0. A snapshot cut short is malformed (exit 1, a message); one
 * whose function record was changed is refused (exit 3, "do not match
 * their checksum"). The output goes into the session too, in a memfd of
 * its own (token 4), for the next stage to compare with.
 *
 * after: at boot, before anything but that memfd is retrieved, the
 * incoming PCI and IOMMU handovers show the same function and translation as the
 * outgoing ones did (IDs, domain, levels, table pages, mapped bytes).
 * Then the session, memfd, container and device are retrieved: the
 * incoming container shows the same mappings and its device block, and
 * the kept tables are released (the container adopted them); each
 * mapping gets its new address, the session finishes, and every part
 * shows its incoming handover finished.
 */
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

#define SESSION_NAME	"kho-inspect"
#define TOKEN_MEMFD	1
#define TOKEN_CONTAINER	2
#define TOKEN_DEVICE	3
#define TOKEN_BEFORE	4	/* the old kernel's kho-inspect --outgoing */
#define MEMFD_SIZE	SZ_8M
#define IOVA_BASE	0x10000000000ULL	/* 1 TiB */
#define DEBUGFS		"/sys/kernel/debug/kho_devices"

static const struct {
	uint64_t iova, offset, size;
} mappings[] = {
	{ IOVA_BASE, 0, SZ_1M },
	{ IOVA_BASE + SZ_4M, SZ_2M, SZ_2M },
	{ IOVA_BASE + SZ_16M, SZ_4M + SZ_2M, SZ_64K },
};

#define NR_MAPPINGS	ARRAY_SIZE(mappings)
#define MAPPED_BYTES	(SZ_1M + SZ_2M + SZ_64K)

static const char *bdf;
/* before: the session handed over; after: the session back, or -errno */
static int session = -1;
static char before[1 << 16];	/* after: the old kernel's snapshot */
static size_t before_len;
/* after: kho-inspect --incoming at boot, before anything is retrieved */
static struct kho_inspect at_boot;
static int at_boot_rc = -1;

static char *read_text(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static int copy_file(const char *from, const char *to, long keep, long flip)
{
	static uint8_t buf[1 << 24];
	FILE *f = fopen(from, "rb");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (keep >= 0 && (size_t)keep < n)
		n = keep;
	if (flip >= 0 && (size_t)flip < n)
		buf[flip] ^= 1;
	f = fopen(to, "wb");
	if (!f)
		return -errno;
	fwrite(buf, 1, n, f);
	return fclose(f) ? -errno : (int)n;
}

/* Offset of @pattern in the file, or -1 */
static long find_in_file(const char *path, const void *pattern, size_t len)
{
	static uint8_t buf[1 << 24];
	FILE *f = fopen(path, "rb");
	size_t n, i;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (i = 0; i + len <= n; i++)
		if (!memcmp(buf + i, pattern, len))
			return i;
	return -1;
}

static unsigned int sysfs_id(const char *name)
{
	char path[128], *text;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, name);
	text = read_text(path);
	return text ? strtoul(text, NULL, 16) : 0;
}

/* The old kernel: the handover as this program preserved it */

FIXTURE(before) {
	struct kho_inspect r;
	const char *pci, *iommu, *vfio;
};

FIXTURE_SETUP(before)
{
	ASSERT_EQ(kho_inspect_run(&self->r, "--json --outgoing"), 0);
	self->pci = kho_inspect_find(self->r.out, "pci", "outgoing", bdf);
	self->iommu = kho_inspect_find(self->r.out, "iommu", "outgoing", bdf);
	self->vfio = kho_inspect_find(self->r.out, "vfio", "outgoing", bdf);
}

FIXTURE_TEARDOWN(before)
{
}

TEST_F(before, exit_0_next_kernel_accepted)
{
	EXPECT_EQ(self->r.status, 0) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(strstr(self->r.out, "\"next_kernel\": \"accepted\""), NULL);
}

TEST_F(before, pci_function)
{
	char id[8];

	ASSERT_NE(self->pci, NULL) TH_LOG("%s", self->r.out);
	snprintf(id, sizeof(id), "%04x", sysfs_id("vendor"));
	EXPECT_STREQ(kho_inspect_str(self->pci, "vendor"), id);
	snprintf(id, sizeof(id), "%04x", sysfs_id("device"));
	EXPECT_STREQ(kho_inspect_str(self->pci, "device"), id);
	EXPECT_STREQ(kho_inspect_str(self->pci, "driver"), "vfio-pci");
	EXPECT_STREQ(kho_inspect_str(self->pci, "verdict"), "ok");
}

TEST_F(before, iommu_translation)
{
	char tag[32];
	long long pages;

	ASSERT_NE(self->iommu, NULL) TH_LOG("%s", self->r.out);
	snprintf(tag, sizeof(tag), "out %s ", bdf);
	pages = kho_debugfs_value(DEBUGFS "/iommu/devices", tag, "pages=");
	EXPECT_GT(pages, 0);
	EXPECT_EQ(kho_inspect_num(self->iommu, "table_pages"), pages);
	EXPECT_GE(kho_inspect_num(self->iommu, "domain"), 2);
	EXPECT_GE(kho_inspect_num(self->iommu, "levels"), 3);
	EXPECT_EQ(kho_inspect_num(self->iommu, "leaf_bytes"), MAPPED_BYTES);
	EXPECT_EQ(kho_inspect_num(self->iommu, "pages_4k") * SZ_4K +
		  kho_inspect_num(self->iommu, "pages_2m") * SZ_2M, MAPPED_BYTES);
	EXPECT_STREQ(kho_inspect_str(self->iommu, "verdict"), "ok");
}

TEST_F(before, vfio_container)
{
	ASSERT_NE(self->vfio, NULL) TH_LOG("%s", self->r.out);
	EXPECT_EQ(kho_inspect_num(self->vfio, "mappings"), NR_MAPPINGS);
	EXPECT_EQ(kho_inspect_num(self->vfio, "mapped_bytes"), MAPPED_BYTES);
	EXPECT_EQ(kho_inspect_num(self->vfio, "memfds"), 1);
	EXPECT_STREQ(kho_inspect_str(self->vfio, "device_block"), "true");
	EXPECT_EQ(kho_inspect_num(self->vfio, "leaf_bytes"), MAPPED_BYTES);
	EXPECT_STREQ(kho_inspect_str(self->vfio, "verdict"), "ok");
}

TEST_F(before, snapshot_cut_short_is_malformed)
{
	struct kho_inspect r;
	int n;

	n = copy_file(DEBUGFS "/iommu/outgoing", "/tmp/iommu.snap", -1, -1);
	ASSERT_GT(n, 64);
	ASSERT_GT(copy_file("/tmp/iommu.snap", "/tmp/iommu-cut.snap", n / 2, -1), 0);
	ASSERT_EQ(kho_inspect_run(&r, "/tmp/iommu-cut.snap"), 0);
	EXPECT_EQ(r.status, 1);
	EXPECT_NE(strstr(r.err, "malformed or truncated"), NULL) TH_LOG("stderr: %s", r.err);
	/* the whole copy reads */
	ASSERT_EQ(kho_inspect_run(&r, "/tmp/iommu.snap"), 0);
	EXPECT_EQ(r.status, 0) TH_LOG("stderr: %s", r.err);
}

TEST_F(before, changed_record_is_refused)
{
	struct kho_inspect r;
	long at;

	ASSERT_GT(copy_file(DEBUGFS "/pci/outgoing", "/tmp/pci.snap", -1, -1), 0);
	/* the driver name lives in the function record only */
	at = find_in_file("/tmp/pci.snap", "vfio-pci", 8);
	ASSERT_GE(at, 0);
	ASSERT_GT(copy_file("/tmp/pci.snap", "/tmp/pci-changed.snap", -1, at), 0);
	ASSERT_EQ(kho_inspect_run(&r, "--json /tmp/pci-changed.snap"), 0);
	EXPECT_EQ(r.status, 3);
	EXPECT_NE(strstr(r.out, "refused: its records do not match their checksum"),
		  NULL) TH_LOG("%s", r.out);
}

/* The next kernel */

FIXTURE(after) {
	struct kho_inspect r;
	const char *before;
};

FIXTURE_SETUP(after)
{
	ASSERT_GE(session, 0) TH_LOG("session %s not retrieved", SESSION_NAME);
	ASSERT_GT(before_len, 0) TH_LOG("no outgoing snapshot from the old kernel");
	self->before = before;
	ASSERT_EQ(at_boot_rc, 0);
	self->r = at_boot;
}

FIXTURE_TEARDOWN(after)
{
}

/* The same facts in the incoming snapshot as in the outgoing one */
static void expect_same(struct __test_metadata *_metadata, const char *was,
			const char *is, const char *const *fields)
{
	char a[128], b[128];

	ASSERT_NE(was, NULL);
	ASSERT_NE(is, NULL);
	for (; *fields; fields++) {
		kho_inspect_field(was, *fields, a, sizeof(a));
		kho_inspect_field(is, *fields, b, sizeof(b));
		EXPECT_NE(a[0], 0) TH_LOG("no %s before", *fields);
		EXPECT_STREQ(a, b) TH_LOG("%s", *fields);
	}
}

TEST_F(after, at_boot_pci_and_iommu_as_before)
{
	static const char *const pci[] = {
		"vendor", "device", "class", "driver", "bridges", "verdict", NULL,
	};
	static const char *const iommu[] = {
		"unit", "domain", "levels", "translation", "table_pages",
		"leaf_bytes", "pages_4k", "pages_2m", "verdict", NULL,
	};
	const char *snap;

	EXPECT_EQ(self->r.status, 0) TH_LOG("stderr: %s", self->r.err);
	snap = kho_inspect_snapshot(self->r.out, "pci", "incoming");
	EXPECT_STREQ(kho_inspect_str(snap, "state"), "retrieved");
	expect_same(_metadata,
		    kho_inspect_find(self->before, "pci", "outgoing", bdf),
		    kho_inspect_device(snap, bdf), pci);
	snap = kho_inspect_snapshot(self->r.out, "iommu", "incoming");
	EXPECT_STREQ(kho_inspect_str(snap, "state"), "retrieved");
	expect_same(_metadata,
		    kho_inspect_find(self->before, "iommu", "outgoing", bdf),
		    kho_inspect_device(snap, bdf), iommu);
	EXPECT_STREQ(kho_inspect_str(kho_inspect_device(snap, bdf),
				     "tables_released"), "false");
}

TEST_F(after, retrieved_then_finished)
{
	static const char *const vfio[] = {
		"mappings", "mapped_bytes", "memfds", "device_block", "verdict",
		NULL,
	};
	int memfd, container, device;
	const char *snap, *dev;
	struct kho_inspect r;
	uint8_t *mem;
	unsigned int i;

	memfd = luo_session_retrieve_fd(session, TOKEN_MEMFD);
	ASSERT_GE(memfd, 0);
	container = luo_session_retrieve_fd(session, TOKEN_CONTAINER);
	ASSERT_GE(container, 0);
	device = luo_session_retrieve_fd(session, TOKEN_DEVICE);
	ASSERT_GE(device, 0);

	ASSERT_EQ(kho_inspect_run(&r, "--json --incoming"), 0);
	EXPECT_EQ(r.status, 0) TH_LOG("stderr: %s", r.err);
	snap = kho_inspect_snapshot(r.out, "vfio", "incoming");
	EXPECT_STREQ(kho_inspect_str(snap, "state"), "retrieved");
	dev = kho_inspect_device(snap, bdf);
	expect_same(_metadata,
		    kho_inspect_find(self->before, "vfio", "outgoing", bdf),
		    dev, vfio);
	EXPECT_EQ(kho_inspect_num(dev, "mappings"), NR_MAPPINGS);
	EXPECT_EQ(kho_inspect_num(dev, "mapped_bytes"), MAPPED_BYTES);
	/* the container adopted the translation: the kept tables are freed */
	dev = kho_inspect_find(r.out, "iommu", "incoming", bdf);
	EXPECT_STREQ(kho_inspect_str(dev, "tables_released"), "true");

	mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   memfd, 0);
	ASSERT_NE(mem, MAP_FAILED);
	for (i = 0; i < NR_MAPPINGS; i++)
		ASSERT_EQ(kho_vfio_update_vaddr(container, mappings[i].iova,
						mappings[i].size,
						mem + mappings[i].offset), 0);
	ASSERT_EQ(luo_session_finish(session), 0);

	ASSERT_EQ(kho_inspect_run(&r, "--json --incoming"), 0);
	EXPECT_EQ(r.status, 0) TH_LOG("stderr: %s", r.err);
	EXPECT_STREQ(kho_inspect_state(r.out, "pci", "incoming"), "finished");
	EXPECT_STREQ(kho_inspect_state(r.out, "iommu", "incoming"), "finished");
	EXPECT_STREQ(kho_inspect_state(r.out, "vfio", "incoming"), "none");
	munmap(mem, MEMFD_SIZE);
	close(device);
	close(container);
	close(memfd);
}

/* before: preserve what the checks look for, in a session a child holds */
static int preserve(void)
{
	struct vfio_pci_device *device;
	struct iommu *iommu;
	int luo, memfd, err;
	unsigned int i;

	memfd = memfd_create("kho-inspect-guest-ram", 0);
	if (memfd < 0 || ftruncate(memfd, MEMFD_SIZE))
		return -errno;
	iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	device = vfio_pci_device_init(bdf, iommu);
	for (i = 0; i < NR_MAPPINGS; i++) {
		void *va = mmap(NULL, mappings[i].size, PROT_READ | PROT_WRITE,
				MAP_SHARED, memfd, mappings[i].offset);
		struct vfio_iommu_type1_dma_map m = {
			.argsz = sizeof(m),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)va, .iova = mappings[i].iova,
			.size = mappings[i].size,
		};

		if (va == MAP_FAILED ||
		    ioctl(iommu->container_fd, VFIO_IOMMU_MAP_DMA, &m))
			return -errno;
	}
	luo = luo_open_device();
	if (luo < 0)
		return luo;
	session = luo_create_session(luo, SESSION_NAME);
	if (session < 0)
		return session;
	err = luo_session_preserve_fd(session, memfd, TOKEN_MEMFD);
	err = err ?: luo_session_preserve_fd(session, iommu->container_fd,
					     TOKEN_CONTAINER);
	err = err ?: luo_session_preserve_fd(session, device->fd, TOKEN_DEVICE);
	if (err)
		return err;
	return kho_luo_hold();
}

/*
 * after: what kho-inspect sees at boot, then the session back with the old
 * kernel's snapshot, in main() for every test to share (the harness forks
 * each). Retrieving the session retrieves the container with it.
 */
static void retrieve_session(void)
{
	int luo;
	ssize_t n;

	at_boot_rc = kho_inspect_run(&at_boot, "--json --incoming");
	luo = luo_open_device();

	session = luo < 0 ? luo : luo_retrieve_session(luo, SESSION_NAME);
	if (session < 0)
		return;
	n = kho_luo_retrieve_bytes(session, TOKEN_BEFORE, before,
				   sizeof(before) - 1);
	before_len = n > 0 ? n : 0;
	/* /dev/liveupdate opens once at a time; the session stays open */
	close(luo);
}

int main(int argc, char **argv)
{
	char *harness_argv[4];
	static struct kho_inspect r;
	int err;

	if (argc != 3 || (strcmp(argv[1], "before") && strcmp(argv[1], "after"))) {
		fprintf(stderr, "usage: %s before|after BDF\n", argv[0]);
		return 2;
	}
	bdf = argv[2];
	/* the fixture named like the stage: "-f before" or "-f after" */
	harness_argv[0] = argv[0];
	harness_argv[1] = "-f";
	harness_argv[2] = argv[1];
	harness_argv[3] = NULL;
	if (!strcmp(argv[1], "after")) {
		retrieve_session();
		return test_harness_run(3, harness_argv);
	}
	err = preserve();
	if (err) {
		fprintf(stderr, "cannot preserve %s: %s\n", bdf, strerror(-err));
		return 1;
	}
	/* what the next kernel's checks compare with */
	if (kho_inspect_run(&r, "--json --outgoing"))
		return 1;
	err = kho_luo_preserve_bytes(session, TOKEN_BEFORE, r.out,
				     strlen(r.out) + 1);
	if (err) {
		fprintf(stderr, "cannot preserve the snapshot: %s\n",
			strerror(-err));
		return 1;
	}
	return test_harness_run(3, harness_argv);	/* exits */
}
