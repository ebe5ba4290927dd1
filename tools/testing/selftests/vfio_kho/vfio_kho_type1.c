// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_type1 - vfio-pci's type1 container and device file (group mode)
 * as LUO files: a VMM's igb keeps doing DMA into memfd-backed memory
 * across a kexec-based live update.
 *
 *   misuse BDF
 *	old kernel, one LUO session per case, each closed again. Preserving
 *	the container is refused without IOMMU and group, or with type1 v1
 *	(-EOPNOTSUPP, a log line naming the rule), with anonymous memory
 *	mapped (-EINVAL; once unmapped, the container is taken), with a
 *	memfd preserved nowhere or in
 *	another session (-ENOENT); the device before its container or with
 *	its container in another session, -ENOENT. A preserved
 *	container neither maps nor unmaps (-EBUSY); closing the session, or
 *	killing the VMM that holds it, gives everything up (debugfs), thaws
 *	the container and the device opens again.
 *   preserve SESSION BDF [DAMAGE]
 *	old kernel: the upstream igb test driver, its rings and the copy
 *	buffers in two memfds mapped at IOVA 1 TiB and up, copies 64 KiB; a
 *	register marker that reset clears is written; memfds, container and
 *	device go into SESSION, and the igb copies again. A child holds
 *	SESSION across the kexec, with the next stage's state in a memfd of
 *	its own (token TOKEN_STATE).
 *	With DAMAGE, the container's handover block is then damaged through
 *	the test hook (debugfs kho_devices/vfio/forge: version, mapping,
 *	memfd-offset, memfd-token, scribble, short-mapping, read-only).
 *   restore SESSION BDF
 *	new kernel: the container comes back with its session (every mapped
 *	page pinned before any file is retrieved), all is retrieved (the
 *	device before its container), the
 *	memfds hold both copies, marker and rings are in the igb (no reset),
 *	VFIO_DEVICE_RESET is -EBUSY and every mapped page is pinned for the
 *	handover, charged to nobody. An unknown session or token is -ENOENT,
 *	the container again the same file;
 *	finish before every mapping has its new vaddr is -EBUSY, a vaddr of
 *	other pages -EINVAL. With the vaddrs given (VFIO_DMA_MAP_FLAG_VADDR)
 *	the pages are locked, the igb driver goes on from its state in the
 *	memfd (only MSI-X set up again) and copies new data through the same
 *	IOVAs; the session finishes, the mappings unmap in full, locked
 *	memory and page pins are back where they were, and a reset works
 *	again.
 *   restore SESSION BDF NEXT
 *	the same, up to the finish; then a second live update: new copies,
 *	and everything is preserved again into session NEXT, as by preserve.
 *   refused SESSION BDF ERRNO WHY [DETAIL]
 *	new kernel, after the old one damaged the container's handover block
 *	(debugfs kho_devices/vfio/forge): the device and the container are
 *	refused with ERRNO whichever comes first, the refusal is logged as
 *	"BDF: live update refused: WHY" (and DETAIL, if given, in another
 *	line, '*' standing for anything), bus mastering is off, no page
 *	stays pinned, the session still finishes and leaves nothing behind.
 *   dies SESSION BDF before-vaddr|after-vaddr
 *	new kernel: a VMM retrieves everything, gives the mappings their
 *	vaddrs or not, and is killed without finishing. After the vaddrs
 *	its death finishes the session: the igb opens again from scratch and
 *	every page pin is released. Before them the session cannot finish:
 *	LUO keeps it (a second retrieve is -EINVAL) and the igb stays kept,
 *	bus mastering on.
 *
 * Each command judges what it did: one KTAP line per check, an errno, a
 * count or a register compared with what it must be. The exit status is
 * 0 when every check passed, 1 when one failed or a step the others
 * depend on could not be done.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/vfio.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "../kselftest.h"
#include "../vfio/lib/drivers/igb/e1000_regs.h"
#include "kho_ktap.h"
#include "kho_luo.h"
#include "kho_sysfs.h"
#include "kho_vfio.h"

#define PCI_FUNCTIONS	"/sys/kernel/debug/kho_devices/pci/functions"
#define IOMMU_DEVICES	"/sys/kernel/debug/kho_devices/iommu/devices"
#define VFIO_CONTAINERS	"/sys/kernel/debug/kho_devices/vfio/containers"
#define VFIO_FORGE	"/sys/kernel/debug/kho_devices/vfio/forge"
#define CARRY_MAGIC	0x4b484f5654310001ULL

#define IOVA_BASE	0x10000000000ULL	/* 1 TiB, far above RAM */
#define MEMFD_SIZE	SZ_2M
#define COPY_SIZE	SZ_64K

/* Queue 1 is never enabled: its ring base is a marker that reset clears. */
#define MARKER_LO	0x4b484f80	/* 128-byte aligned, as TDBAL wants */
#define MARKER_HI	0x4c555031

enum { TOKEN_DRIVER = 1, TOKEN_DATA, TOKEN_CONTAINER, TOKEN_DEVICE, TOKEN_STATE };

/* The VMM's mappings: memfd (token) and offset, IOVA, size. */
static const struct mapping {
	int token;
	u64 offset;
	u64 iova;
	u64 size;
} maps[] = {
	{ TOKEN_DRIVER, 0, IOVA_BASE, SZ_2M },			/* igb rings */
	{ TOKEN_DATA, 0, IOVA_BASE + SZ_1G, SZ_1M },		/* source */
	{ TOKEN_DATA, SZ_1M, IOVA_BASE + SZ_2G, SZ_1M },	/* destination */
};

#define NR_MAPS		ARRAY_SIZE(maps)
#define SRC		1
#define DST		2
#define PAGES_MAPPED	((SZ_2M + SZ_1M + SZ_1M) / SZ_4K)

static const char *const map_names[] = { "rings'", "source", "destination" };

/* What the restore stage needs from the preserve stage. */
struct carry {
	u64 magic;
	u64 seed;
	u64 tx_ring;
	u32 tx_len;
	int msi;
	u64 max_memcpy_size;
	u64 max_memcpy_count;
};

static int new_session(int luo_fd, const char *name)
{
	int fd = luo_create_session(luo_fd, name);

	VFIO_ASSERT_GE(fd, 0, "cannot create LUO session %s", name);
	return fd;
}

static u8 *map_memfd(int fd, size_t size, off_t offset)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);

	VFIO_ASSERT_NE(p, MAP_FAILED);
	return p;
}

static int new_memfd(const char *name, u8 **mem)
{
	int fd = memfd_create(name, 0);

	VFIO_ASSERT_GE(fd, 0);
	VFIO_ASSERT_EQ(ftruncate(fd, MEMFD_SIZE), 0);
	*mem = map_memfd(fd, MEMFD_SIZE, 0);
	return fd;
}

static size_t count_equal(const u8 *a, const u8 *b, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += a[i] == b[i];
	return n;
}

#define vmlck_kb()	kho_proc_value("/proc/self/status", "VmLck")

/* "WHAT BDF ..." lines of a kho_devices debugfs file, or -errno. */
static int bdf_lines(const char *path, const char *what, const char *bdf)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "%s %s ", what, bdf);
	return kho_debugfs_lines(path, prefix, NULL);
}

#define PINS_FIELD	" handover_pins="

/* The handover_pins= value of the "in BDF" line of kho_devices/vfio. */
static long pins_for_handover(const char *bdf)
{
	char line[256], prefix[32], *p;
	long val = -1;
	FILE *f;

	f = fopen(VFIO_CONTAINERS, "r");
	if (!f)
		return -errno;
	snprintf(prefix, sizeof(prefix), "in %s ", bdf);
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, PINS_FIELD);
		if (!strncmp(line, prefix, strlen(prefix)) && p)
			val = strtol(p + strlen(PINS_FIELD), NULL, 10);
	}
	fclose(f);
	return val;
}

static int out_lines(const char *path, const char *bdf)
{
	return bdf_lines(path, "out", bdf);
}

/*
 * Whether the PCI and IOMMU debugfs files each list @bdf as outgoing @want
 * times, waiting up to 2 s for them to (a VMM's death is not synchronous).
 */
static void expect_out_lines(const char *bdf, int want, const char *what)
{
	int pci, iommu, i;

	for (i = 0; i < 20; i++) {
		pci = out_lines(PCI_FUNCTIONS, bdf);
		iommu = out_lines(IOMMU_DEVICES, bdf);
		if (pci == want && iommu == want)
			break;
		usleep(100000);
	}
	kho_expect_eq(pci, want, "%s: PCI part", what);
	kho_expect_eq(iommu, want, "%s: IOMMU part", what);
}

/* The "WHAT BDF ..." line of kho_devices/vfio/containers, "" if none */
static void container_line(const char *what, const char *bdf, char *line,
			   size_t len)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "%s %s ", what, bdf);
	kho_debugfs_line(VFIO_CONTAINERS, prefix, line, len);
}

/* The number after @key in a debugfs @line, -1 if it has none */
static long long field_of(const char *line, const char *key)
{
	const char *v = strstr(line, key);

	return v ? strtoll(v + strlen(key), NULL, 0) : -1;
}

/* Lines in kho_devices/vfio/containers */
static int container_lines(void)
{
	return kho_debugfs_lines(VFIO_CONTAINERS, "", NULL);
}

static void set_region(struct dma_region *r, void *vaddr, u64 iova, u64 size)
{
	r->vaddr = vaddr;
	r->iova = iova;
	r->size = size;
}

static u32 bar0_read(struct vfio_pci_device *device, u32 reg)
{
	return READ_ONCE(((u32 *)device->bars[0].vaddr)[reg / 4]);
}

static void bar0_write(struct vfio_pci_device *device, u32 reg, u32 val)
{
	WRITE_ONCE(((u32 *)device->bars[0].vaddr)[reg / 4], val);
}

static int bus_master(const char *bdf)
{
	u8 cfg[8];

	if (kho_config_read(bdf, cfg, sizeof(cfg)))
		return -1;
	return !!(cfg[PCI_COMMAND] & PCI_COMMAND_MASTER);
}

/* Queue 1's ring base: the marker, or what reset leaves (@lo 0: zero) */
static void expect_marker(struct vfio_pci_device *device, u32 lo,
			  const char *what)
{
	kho_expect_eq(bar0_read(device, E1000_TDBAL(1)), lo, "%s: low half", what);
	if (lo)
		kho_expect_eq(bar0_read(device, E1000_TDBAH(1)), MARKER_HI,
			      "%s: high half", what);
}

/* Copy COPY_SIZE bytes at @off of the source to the destination. */
static int copy_and_check(struct vfio_pci_device *device, u8 **buf, u64 off,
			  const char *what)
{
	int ret;

	memset(buf[DST] + off, 0, COPY_SIZE);
	ret = vfio_pci_driver_memcpy(device, maps[SRC].iova + off,
				     maps[DST].iova + off, COPY_SIZE);
	kho_expect_eq(ret, 0, "%s", what);
	kho_expect_eq(count_equal(buf[SRC] + off, buf[DST] + off, COPY_SIZE),
		      COPY_SIZE, "%s: the copy is right", what);
	return ret;
}

/* Memfd, container and device into @s, in this order */
static void preserve_all(const char *what, int s, int memfd,
			 struct vfio_pci_device *device)
{
	kho_expect_eq(luo_session_preserve_fd(s, memfd, TOKEN_DATA), 0,
		      "%s: memfd preserved", what);
	kho_expect_eq(luo_session_preserve_fd(s, device->iommu->container_fd,
					      TOKEN_CONTAINER), 0,
		  "%s: container preserved", what);
	kho_expect_eq(luo_session_preserve_fd(s, device->fd, TOKEN_DEVICE), 0,
		      "%s: device preserved", what);
}

/* The VMM's memfds, container and device into @s */
static void preserve_vmm(int s, const char *prefix, const int *memfd,
			 struct vfio_pci_device *device)
{
	kho_expect_eq(luo_session_preserve_fd(s, memfd[TOKEN_DRIVER], TOKEN_DRIVER),
		      0, "%smemfd with the driver's rings preserved", prefix);
	kho_expect_eq(luo_session_preserve_fd(s, memfd[TOKEN_DATA], TOKEN_DATA), 0,
		      "%smemfd with the copies preserved", prefix);
	kho_expect_eq(luo_session_preserve_fd(s, device->iommu->container_fd,
					      TOKEN_CONTAINER), 0,
		  "%stype1 container preserved", prefix);
	kho_expect_eq(luo_session_preserve_fd(s, device->fd, TOKEN_DEVICE), 0,
		      "%sigb device file preserved", prefix);
}

/*
 * After a preserve, before the session goes to a child across the kexec:
 * both parts list the igb, debugfs shows its container frozen with its
 * three mappings, and nothing faulted.
 */
static void expect_handed_over(const char *bdf, const char *prefix)
{
	char line[256], what[96];

	snprintf(what, sizeof(what), "%sthe session is held across the kexec: igb preserved",
		 prefix);
	expect_out_lines(bdf, 1, what);
	container_line("out", bdf, line, sizeof(line));
	kho_expect_eq(field_of(line, " mappings="), NR_MAPS,
		      "%sdebugfs lists the container's mappings", prefix);
	kho_expect_eq(field_of(line, " bytes="), SZ_4M,
		      "%sdebugfs lists the bytes they map", prefix);
	kho_expect_eq(!!strstr(line, " frozen"), 1,
		      "%sdebugfs shows the container frozen", prefix);
	kho_expect_eq(kho_dmar_faults(NULL), 0, "%sno DMAR fault logged", prefix);
}

/* The rules a refused container's log line names */
#define NO_IOMMU_RULE	"container not preserved: it has no IOMMU set"
#define TYPE1_V1_RULE	"container not preserved: it uses the type1 v1 IOMMU"

static int cmd_misuse(const char *bdf)
{
	struct dma_region mem = {}, anon = {}, extra = {};
	struct vfio_pci_device *device;
	struct iommu *iommu;
	int luo, s, s2, fd, cfd, memfd, status, logged;
	struct { int pass, fail; } *child;
	u8 *buf, *anon_buf;
	pid_t pid;

	ksft_print_header();
	luo = kho_luo_fd();
	VFIO_ASSERT_GE(luo, 0, "cannot open " LUO_DEVICE);

	fd = open("/dev/vfio/vfio", O_RDWR);
	VFIO_ASSERT_GE(fd, 0);
	s = new_session(luo, "vt1-no-iommu");
	logged = kho_klog_count(NO_IOMMU_RULE, NULL);
	kho_expect_eq(luo_session_preserve_fd(s, fd, TOKEN_CONTAINER), -EOPNOTSUPP,
		      "a container without IOMMU and group: -EOPNOTSUPP");
	kho_expect_eq(kho_klog_count(NO_IOMMU_RULE, NULL) - logged, 1,
		      "the kernel logs the rule: no IOMMU set");
	close(s);
	close(fd);

	/* A type1 v1 container: the next kernel rebuilds v2 ones only. */
	iommu = iommu_init(MODE_VFIO_TYPE1_IOMMU);
	device = vfio_pci_device_init(bdf, iommu);
	memfd = new_memfd("vt1-v1", &buf);
	set_region(&mem, buf, IOVA_BASE, MEMFD_SIZE);
	iommu_map(iommu, &mem);
	s = new_session(luo, "vt1-type1-v1");
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, memfd, TOKEN_DATA), 0);
	logged = kho_klog_count(TYPE1_V1_RULE, NULL);
	kho_expect_eq(luo_session_preserve_fd(s, iommu->container_fd, TOKEN_CONTAINER),
		      -EOPNOTSUPP, "a type1 v1 container: -EOPNOTSUPP");
	kho_expect_eq(kho_klog_count(TYPE1_V1_RULE, NULL) - logged, 1,
		      "the kernel logs the rule: type1 v1");
	close(s);
	vfio_pci_device_cleanup(device);
	iommu_cleanup(iommu);
	munmap(buf, MEMFD_SIZE);
	close(memfd);
	mem = (struct dma_region){};

	iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	device = vfio_pci_device_init(bdf, iommu);
	cfd = iommu->container_fd;
	memfd = new_memfd("vt1-misuse", &buf);
	set_region(&mem, buf, IOVA_BASE, MEMFD_SIZE);
	iommu_map(iommu, &mem);
	anon_buf = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VFIO_ASSERT_NE(anon_buf, MAP_FAILED);
	set_region(&anon, anon_buf, IOVA_BASE + SZ_1G, SZ_2M);
	iommu_map(iommu, &anon);

	/* Every mapping is checked, not only the first one. */
	s = new_session(luo, "vt1-anonymous");
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, memfd, TOKEN_DATA), 0);
	kho_expect_eq(luo_session_preserve_fd(s, cfd, TOKEN_CONTAINER), -EINVAL,
		      "a container mapping anonymous memory: -EINVAL");
	kho_expect_eq(__iommu_unmap(iommu, &anon, NULL), 0,
		      "a refused container is not frozen: it unmaps");
	kho_expect_eq(luo_session_preserve_fd(s, cfd, TOKEN_CONTAINER), 0,
		      "nothing kept from a refusal: preserved once the anonymous mapping is gone");
	close(s);

	s = new_session(luo, "vt1-unpreserved");
	kho_expect_eq(luo_session_preserve_fd(s, cfd, TOKEN_CONTAINER), -ENOENT,
		      "a container mapping a memfd not preserved: -ENOENT");
	s2 = new_session(luo, "vt1-other-session");
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s2, memfd, TOKEN_DATA), 0);
	kho_expect_eq(luo_session_preserve_fd(s, cfd, TOKEN_CONTAINER), -ENOENT,
		      "a container mapping a memfd of another session: -ENOENT");
	close(s2);
	close(s);

	s = new_session(luo, "vt1-device-first");
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, memfd, TOKEN_DATA), 0);
	kho_expect_eq(luo_session_preserve_fd(s, device->fd, TOKEN_DEVICE), -ENOENT,
		      "a device before its container: -ENOENT");
	close(s);

	s = new_session(luo, "vt1-device-other");
	s2 = new_session(luo, "vt1-container-other");
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s2, memfd, TOKEN_DATA), 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s2, cfd, TOKEN_CONTAINER), 0);
	kho_expect_eq(luo_session_preserve_fd(s, device->fd, TOKEN_DEVICE), -ENOENT,
		      "a device whose container is in another session: -ENOENT");
	close(s2);
	close(s);

	s = new_session(luo, "vt1-good");
	preserve_all("in order", s, memfd, device);
	expect_out_lines(bdf, 1, "debugfs lists the igb's function and translation as preserved");
	set_region(&extra, buf, IOVA_BASE + SZ_2G, MEMFD_SIZE);
	kho_expect_eq(__iommu_map(iommu, &extra), -EBUSY,
		      "a preserved container maps nothing more (-EBUSY)");
	kho_expect_eq(__iommu_unmap(iommu, &mem, NULL), -EBUSY,
		      "a preserved container unmaps nothing (-EBUSY)");
	close(s);
	expect_out_lines(bdf, 0, "closing the session gives the igb up");
	kho_expect_eq(__iommu_map(iommu, &extra), 0,
		      "closing the session thaws the container: map");
	kho_expect_eq(__iommu_unmap(iommu, &extra, NULL), 0,
		      "closing the session thaws the container: unmap");
	vfio_pci_device_cleanup(device);
	iommu_cleanup(iommu);

	/* The VMM dies before the kexec with everything preserved. */
	child = mmap(NULL, sizeof(*child), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	VFIO_ASSERT_NE(child, MAP_FAILED);
	fflush(stdout);
	pid = fork();
	VFIO_ASSERT_GE(pid, 0);
	if (!pid) {
		iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
		device = vfio_pci_device_init(bdf, iommu);
		iommu_map(iommu, &mem);
		s = new_session(luo, "vt1-vmm-dies");
		preserve_all("a VMM", s, memfd, device);
		expect_out_lines(bdf, 1, "debugfs lists the VMM's igb as preserved");
		child->pass = ksft_get_pass_cnt();
		child->fail = ksft_get_fail_cnt();
		fflush(stdout);
		kill(getpid(), SIGKILL);
	}
	VFIO_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	/* the child's checks, so that the numbering and the verdict go on */
	while (ksft_get_pass_cnt() < child->pass)
		ksft_inc_pass_cnt();
	while (ksft_get_fail_cnt() < child->fail)
		ksft_inc_fail_cnt();
	kho_expect_eq(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, 1,
		      "the VMM is killed with its session open");
	expect_out_lines(bdf, 0, "the VMM's death gives the igb up");
	iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	device = vfio_pci_device_init(bdf, iommu);
	vfio_pci_device_cleanup(device);
	iommu_cleanup(iommu);
	/* vfio_pci_device_init() exits the program if the open fails */
	kho_expect_eq(1, 1, "the igb opens again from scratch after the VMM's death");
	return kho_judged();
}

/* @c into session @s, in a memfd of its own: 0 or -errno */
static int save_state(int s, const struct carry *c)
{
	int fd = memfd_create("vt1-state", 0);

	if (fd < 0)
		return -errno;
	if (pwrite(fd, c, sizeof(*c), 0) != sizeof(*c))
		return -EIO;
	return luo_session_preserve_fd(s, fd, TOKEN_STATE);
}

/* @c back from session @s: 0 or -errno */
static int load_state(int s, struct carry *c)
{
	int fd = luo_session_retrieve_fd(s, TOKEN_STATE);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = pread(fd, c, sizeof(*c), 0);
	close(fd);
	return n == sizeof(*c) && c->magic == CARRY_MAGIC ? 0 : -EIO;
}

static int cmd_preserve(const char *name, const char *bdf, const char *damage)
{
	struct dma_region regions[NR_MAPS] = {}, *r;
	struct vfio_pci_device *device;
	struct carry c = { .magic = CARRY_MAGIC };
	int luo, s, memfd[TOKEN_DATA + 1];
	u8 *mem[TOKEN_DATA + 1], *buf[NR_MAPS];
	struct iommu *iommu;
	unsigned int i;

	ksft_print_header();
	memfd[TOKEN_DRIVER] = new_memfd("vt1-driver", &mem[TOKEN_DRIVER]);
	memfd[TOKEN_DATA] = new_memfd("vt1-data", &mem[TOKEN_DATA]);
	iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	device = vfio_pci_device_init(bdf, iommu);
	kho_vfio_map_bar0(device);
	for (i = 0; i < NR_MAPS; i++) {
		r = i ? &regions[i] : &device->driver.region;
		buf[i] = mem[maps[i].token] + maps[i].offset;
		set_region(r, buf[i], maps[i].iova, maps[i].size);
		iommu_map(iommu, r);
		ksft_print_msg("mapping iova 0x%llx size 0x%llx memfd %d offset 0x%llx\n",
			       (unsigned long long)maps[i].iova,
			       (unsigned long long)maps[i].size, maps[i].token,
			       (unsigned long long)maps[i].offset);
	}
	vfio_pci_driver_init(device);

	c.seed = (u64)time(NULL) << 16 | getpid();
	kho_fill_pattern(buf[SRC], 2 * COPY_SIZE, c.seed);
	if (copy_and_check(device, buf, 0, "igb copies between memfds mapped at 1 TiB"))
		return 1;

	bar0_write(device, E1000_TDBAL(1), MARKER_LO);
	bar0_write(device, E1000_TDBAH(1), MARKER_HI);
	expect_marker(device, MARKER_LO, "register marker written");
	c.tx_ring = (u64)bar0_read(device, E1000_TDBAH(0)) << 32 |
		    bar0_read(device, E1000_TDBAL(0));
	c.tx_len = bar0_read(device, E1000_TDLEN(0));
	c.msi = device->driver.msi;
	c.max_memcpy_size = device->driver.max_memcpy_size;
	c.max_memcpy_count = device->driver.max_memcpy_count;

	luo = kho_luo_fd();
	VFIO_ASSERT_GE(luo, 0, "cannot open " LUO_DEVICE);
	s = new_session(luo, name);
	preserve_vmm(s, "", memfd, device);

	/* Preserving neither resets the device nor stops its DMA. */
	copy_and_check(device, buf, COPY_SIZE, "igb still copies once preserved");
	kho_expect_eq(bus_master(bdf), 1, "preserving leaves bus mastering on");
	kho_expect_eq(save_state(s, &c), 0, "state for the next stage in the session");
	expect_handed_over(bdf, "");
	if (damage)
		kho_expect_eq(kho_write_file(VFIO_FORGE, damage), 0,
			      "container block damaged (%s)", damage);
	/* The session, and with it everything in it, lives on in a child. */
	kho_expect_eq(kho_luo_hold(), 0, "a child holds the session across the kexec");
	return kho_judged();
}

static int update_vaddr(int container, const struct mapping *m, void *vaddr)
{
	return kho_vfio_update_vaddr(container, m->iova, m->size, vaddr);
}

/* MSI-X vector 0 to a new eventfd, as the igb driver uses it. */
static int set_irqs(struct vfio_pci_device *device)
{
	union {
		struct vfio_irq_set set;
		u8 buf[sizeof(struct vfio_irq_set) + sizeof(int)];
	} irq = {};
	int efd, ret;

	efd = eventfd(0, 0);
	VFIO_ASSERT_GE(efd, 0);
	irq.set.argsz = sizeof(irq.buf);
	irq.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	irq.set.index = VFIO_PCI_MSIX_IRQ_INDEX;
	irq.set.count = 1;
	memcpy(irq.set.data, &efd, sizeof(efd));
	if (ioctl(device->fd, VFIO_DEVICE_SET_IRQS, &irq.set)) {
		ret = -errno;
		close(efd);
		return ret;
	}
	device->msi_eventfds[0] = efd;
	return 0;
}

static int retrieve(int s, int token, const char *what)
{
	int fd = luo_session_retrieve_fd(s, token);

	kho_expect_eq(fd < 0 ? fd : 0, 0, "%s retrieved", what);
	return fd;
}

/*
 * A second live update right after the first: the VMM that got everything
 * back hands it over again, into session @name. Both copies are made anew
 * with a new pattern, so that the next stage sees this kernel's DMA and
 * not the previous one's.
 */
static int preserve_again(int luo, const char *name, const char *bdf,
			  struct vfio_pci_device *device, const int *memfd,
			  u8 **buf, struct carry *c)
{
	int s;

	c->seed = ~c->seed ^ getpid();
	kho_fill_pattern(buf[SRC], 2 * COPY_SIZE, c->seed);
	if (copy_and_check(device, buf, 0, "again: a new copy before the second preserve"))
		return 1;
	s = new_session(luo, name);
	preserve_vmm(s, "again: ", memfd, device);
	copy_and_check(device, buf, COPY_SIZE,
		       "again: the igb still copies once preserved again");
	kho_expect_eq(bus_master(bdf), 1, "again: bus mastering on");
	kho_expect_eq(save_state(s, c), 0, "again: state for the next stage in the session");
	expect_handed_over(bdf, "again: ");
	kho_expect_eq(kho_luo_hold(), 0, "again: a child holds the session across the kexec");
	return kho_judged();
}

static int cmd_restore(const char *name, const char *bdf, const char *next)
{
	long pins = kho_pins_held(), lck = vmlck_kb();
	struct dma_region regions[NR_MAPS] = {}, ordinary = {}, *r;
	int luo, s, fd, again, container, ret, memfd[TOKEN_DATA + 1];
	u8 *mem[TOKEN_DATA + 1], *buf[NR_MAPS], *expect, *shifted, *anon;
	struct vfio_pci_device *device;
	struct iommu *iommu;
	struct stat st1, st2;
	struct carry c;
	unsigned int i;
	u64 tx_ring, unmapped;
	char drv[32];

	ksft_print_header();
	luo = kho_luo_fd();
	VFIO_ASSERT_GE(luo, 0, "cannot open " LUO_DEVICE);
	s = luo_retrieve_session(luo, name);
	kho_expect_eq(s < 0 ? s : 0, 0, "session retrieved");
	/* The container came back with its session: the memfd pages pinned. */
	kho_expect_eq(pins_for_handover(bdf), PAGES_MAPPED,
		      "every mapped page pinned as soon as the session is retrieved, before any file of it");
	kho_expect_eq(luo_retrieve_session(luo, "vfio-type1-none"), -ENOENT,
		      "an unknown session name: -ENOENT");
	if (s < 0)
		return 1;
	ret = load_state(s, &c);
	kho_expect_eq(ret, 0, "state from the previous stage back from the session");
	if (ret)
		return 1;
	memfd[TOKEN_DRIVER] = retrieve(s, TOKEN_DRIVER, "memfd with the driver's rings");
	memfd[TOKEN_DATA] = retrieve(s, TOKEN_DATA, "memfd with the copies");
	/* The device first: either order is allowed. */
	fd = retrieve(s, TOKEN_DEVICE, "igb device file (before its container)");
	container = retrieve(s, TOKEN_CONTAINER, "type1 container");
	if (memfd[TOKEN_DRIVER] < 0 || memfd[TOKEN_DATA] < 0 || fd < 0 ||
	    container < 0)
		return 1;
	for (i = TOKEN_DRIVER; i <= TOKEN_DATA; i++)
		mem[i] = map_memfd(memfd[i], MEMFD_SIZE, 0);
	for (i = 0; i < NR_MAPS; i++)
		buf[i] = mem[maps[i].token] + maps[i].offset;
	expect = malloc_assert(2 * COPY_SIZE);
	kho_fill_pattern(expect, 2 * COPY_SIZE, c.seed);
	kho_expect_eq(count_equal(expect, buf[DST], 2 * COPY_SIZE), 2 * COPY_SIZE,
		      "both copies of the previous kernel are in the memfd");

	kho_expect_eq(luo_session_retrieve_fd(s, 99), -ENOENT,
		      "an unknown token: -ENOENT");
	again = luo_session_retrieve_fd(s, TOKEN_CONTAINER);
	kho_expect_eq(again >= 0 && !fstat(again, &st1) && !fstat(container, &st2) &&
		      st1.st_ino == st2.st_ino && st1.st_dev == st2.st_dev, 1,
		  "the container retrieved again is the same file");
	if (again >= 0)
		close(again);

	device = kho_vfio_wrap(bdf, container, fd);
	device->driver.msi = c.msi;
	device->driver.max_memcpy_size = c.max_memcpy_size;
	device->driver.max_memcpy_count = c.max_memcpy_count;
	expect_marker(device, MARKER_LO, "register marker kept: the igb was not reset");
	tx_ring = (u64)bar0_read(device, E1000_TDBAH(0)) << 32 |
		  bar0_read(device, E1000_TDBAL(0));
	kho_expect_eq(tx_ring, c.tx_ring, "the driver's tx ring base kept");
	kho_expect_eq(bar0_read(device, E1000_TDLEN(0)), c.tx_len,
		      "the driver's tx ring length kept");
	kho_expect_eq(bus_master(bdf), 1, "bus mastering kept");
	kho_expect_eq(set_irqs(device), 0, "MSI-X set up again on the retrieved device");
	kho_expect_eq(ioctl(fd, VFIO_DEVICE_RESET) ? -errno : 0, -EBUSY,
		      "VFIO_DEVICE_RESET before finish: -EBUSY");

	/*
	 * Refused before every mapping has its new address, or with pages
	 * other than the ones the IOMMU maps; nothing pinned meanwhile.
	 */
	kho_expect_eq(luo_session_finish(s), -EBUSY, "finish before any new vaddr: -EBUSY");
	shifted = map_memfd(memfd[maps[SRC].token], maps[SRC].size,
			    maps[SRC].offset + SZ_4K);
	kho_expect_eq(update_vaddr(container, &maps[0], mem[TOKEN_DATA]), -EINVAL,
		      "a vaddr of another memfd: -EINVAL");
	kho_expect_eq(update_vaddr(container, &maps[SRC], shifted), -EINVAL,
		      "a vaddr one page off in the memfd: -EINVAL");
	kho_expect_eq(vmlck_kb() - lck, 0, "nothing locked before the new vaddrs");
	kho_expect_eq(pins_for_handover(bdf), PAGES_MAPPED,
		      "every mapped page pinned through its memfd since the retrieve");
	kho_expect_eq(kho_pins_held() - pins, PAGES_MAPPED,
		      "page pins in the system: one per mapped page since the retrieve");
	for (i = 0; i < NR_MAPS; i++) {
		kho_expect_eq(update_vaddr(container, &maps[i], buf[i]), 0,
			      "new vaddr for the %s mapping", map_names[i]);
		if (!i)
			kho_expect_eq(luo_session_finish(s), -EBUSY,
				      "finish with one mapping still without vaddr: -EBUSY");
	}
	kho_expect_eq(vmlck_kb() - lck, PAGES_MAPPED * 4,
		      "every mapped page locked once it has its vaddr (KiB)");
	kho_expect_eq(pins_for_handover(bdf), 0, "the handover's pins are the VMM's now");
	kho_expect_eq(kho_pins_held() - pins, PAGES_MAPPED,
		      "page pins in the system: still one per mapped page");

	/* The driver goes on where the old kernel left it. */
	for (i = 0; i < NR_MAPS; i++) {
		r = i ? &regions[i] : &device->driver.region;
		set_region(r, buf[i], maps[i].iova, maps[i].size);
		list_add(&r->link, &device->iommu->dma_regions);
	}
	device->driver.initialized = true;
	kho_fill_pattern(buf[SRC], COPY_SIZE, ~c.seed);
	copy_and_check(device, buf, 0,
		       "the igb driver goes on and copies through the same IOVAs");
	kho_expect_eq(luo_session_finish(s), 0, "session finished");
	if (next)
		return preserve_again(luo, next, bdf, device, memfd, buf, &c);

	vfio_pci_driver_remove(device);
	for (i = 0; i < NR_MAPS; i++) {
		r = i ? &regions[i] : &device->driver.region;
		unmapped = 0;
		ret = __iommu_unmap(device->iommu, r, &unmapped);
		kho_expect_eq(ret, 0, "%s mapping unmapped", map_names[i]);
		kho_expect_eq(unmapped, maps[i].size, "%s mapping unmapped in full",
			      map_names[i]);
	}
	kho_expect_eq(vmlck_kb() - lck, 0, "locked memory back to its value before the vaddrs");
	kho_expect_eq(kho_pins_held() - pins, 0,
		      "every page pinned since the retrieve is unpinned");

	/* Now an ordinary container: anonymous memory maps again. */
	anon = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VFIO_ASSERT_NE(anon, MAP_FAILED);
	set_region(&ordinary, anon, IOVA_BASE + 3ULL * SZ_1G, SZ_2M);
	kho_expect_eq(__iommu_map(device->iommu, &ordinary), 0,
		      "after finish, an ordinary container: map");
	kho_expect_eq(__iommu_unmap(device->iommu, &ordinary, NULL), 0,
		      "after finish, an ordinary container: unmap");
	kho_expect_eq(ioctl(fd, VFIO_DEVICE_RESET) ? -errno : 0, 0,
		      "after finish, an ordinary device: VFIO_DEVICE_RESET");
	expect_marker(device, 0, "the reset cleared the register marker");
	iommu = device->iommu;
	vfio_pci_device_cleanup(device);
	iommu_cleanup(iommu);
	kho_expect_eq(kho_dmar_faults(NULL), 0, "no DMAR fault logged");
	kho_driver_of(bdf, drv, sizeof(drv));
	kho_expect_eq(!strcmp(drv, "vfio-pci"), 1, "igb still bound to vfio-pci");
	return kho_judged();
}

/* A VMM that dies after the kexec, with or without having given vaddrs. */
static int cmd_dies(const char *name, const char *bdf, bool vaddr)
{
	long pins = kho_pins_held();
	struct vfio_pci_device *device;
	struct { int pass, fail; } *child;
	int luo, status, ret = 0;
	char line[256];
	bool killed;
	pid_t pid;

	ksft_print_header();
	luo = kho_luo_fd();
	VFIO_ASSERT_GE(luo, 0, "cannot open " LUO_DEVICE);
	child = mmap(NULL, sizeof(*child), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	VFIO_ASSERT_NE(child, MAP_FAILED);
	fflush(stdout);
	pid = fork();
	VFIO_ASSERT_GE(pid, 0);
	if (!pid) {
		int s, fd[TOKEN_DEVICE + 1], i, given = 0;
		u8 *mem[TOKEN_DATA + 1];

		s = luo_retrieve_session(luo, name);
		for (i = TOKEN_DRIVER; i <= TOKEN_DEVICE; i++)
			fd[i] = luo_session_retrieve_fd(s, i);
		for (i = TOKEN_DRIVER; i <= TOKEN_DEVICE && s >= 0; i++)
			if (fd[i] < 0)
				s = fd[i];
		kho_expect_eq(s < 0 ? s : 0, 0, "VMM retrieved everything");
		for (i = TOKEN_DRIVER; i <= TOKEN_DATA && s >= 0; i++)
			mem[i] = map_memfd(fd[i], MEMFD_SIZE, 0);
		for (i = 0; vaddr && s >= 0 && i < NR_MAPS && !ret; i++) {
			ret = update_vaddr(fd[TOKEN_CONTAINER], &maps[i],
					   mem[maps[i].token] + maps[i].offset);
			given += !ret;
		}
		if (vaddr) {
			kho_expect_eq(ret, 0, "VMM gave the mappings their vaddrs");
			kho_expect_eq(given, NR_MAPS, "VMM gave every mapping its vaddr");
		}
		child->pass = ksft_get_pass_cnt();
		child->fail = ksft_get_fail_cnt();
		fflush(stdout);
		raise(SIGKILL);
	}
	killed = waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
		 WTERMSIG(status) == SIGKILL;
	/* the child's checks, so that the numbering and the verdict go on */
	while (ksft_get_pass_cnt() < child->pass)
		ksft_inc_pass_cnt();
	while (ksft_get_fail_cnt() < child->fail)
		ksft_inc_fail_cnt();
	kho_expect_eq(killed, 1, "VMM killed before finishing");
	if (vaddr) {
		kho_expect_eq(luo_retrieve_session(luo, name), -ENOENT,
			      "its death finished the session: gone (-ENOENT)");
		device = vfio_pci_device_init(bdf, iommu_init(MODE_VFIO_TYPE1V2_IOMMU));
		vfio_pci_device_cleanup(device);
		/* vfio_pci_device_init() exits the program if the open fails */
		kho_expect_eq(1, 1, "the igb opens again from scratch");
		kho_expect_eq(kho_pins_held() - pins, 0,
			      "every page pin taken for the VMM is released");
		kho_expect_eq(container_lines(), 0, "no container left over");
		return kho_judged();
	}
	kho_expect_eq(luo_retrieve_session(luo, name), -EINVAL,
		      "LUO keeps the unfinished session: retrieve again -EINVAL");
	kho_expect_eq(bus_master(bdf), 1, "the igb stays kept, bus mastering on");
	container_line("in", bdf, line, sizeof(line));
	kho_expect_eq(!!strstr(line, " mappings=3 device=retrieved vaddr=waiting"), 1,
		      "the container is still there, waiting for its vaddrs");
	snprintf(line, sizeof(line), "Unable to finish session [%s] on release", name);
	kho_expect_eq(kho_klog_count(line, NULL), 1, "the refusal to finish is logged");
	return kho_judged();
}

/*
 * Kernel log lines "BDF: live update refused: " followed by @text, in
 * which a '*' stands for anything.
 */
static int refusals_logged(const char *bdf, const char *text)
{
	char a[256];
	const char *star = strchr(text, '*');

	snprintf(a, sizeof(a), "%s: live update refused: %.*s", bdf,
		 star ? (int)(star - text) : (int)strlen(text), text);
	return kho_klog_count(a, star ? star + 1 : NULL);
}

/* The previous kernel damaged the container's handover block on purpose. */
static int cmd_refused(const char *name, const char *bdf, int err,
		       const char *why, const char *detail)
{
	long pins = kho_pins_held();
	int luo, s, fd;

	ksft_print_header();
	luo = kho_luo_fd();
	VFIO_ASSERT_GE(luo, 0, "cannot open " LUO_DEVICE);
	s = luo_retrieve_session(luo, name);
	kho_expect_eq(s < 0 ? s : 0, 0, "session retrieved");
	if (s < 0)
		return 1;
	fd = luo_session_retrieve_fd(s, TOKEN_DEVICE);
	kho_expect_eq(fd < 0 ? fd : 0, err, "device refused (%s)", why);
	fd = luo_session_retrieve_fd(s, TOKEN_CONTAINER);
	kho_expect_eq(fd < 0 ? fd : 0, err, "container refused as well");
	kho_expect_eq(bus_master(bdf), 0, "bus mastering turned off");
	kho_expect_eq(refusals_logged(bdf, why), 1, "the refusal is logged with the device");
	if (detail)
		kho_expect_eq(refusals_logged(bdf, detail), 1, "the log says why (%s)",
			      detail);
	kho_expect_eq(bdf_lines(VFIO_CONTAINERS, "refused", bdf), 1,
		      "debugfs lists the refusal");
	kho_expect_eq(bdf_lines(VFIO_CONTAINERS, "in", bdf), 0,
		      "debugfs: no container rebuilt");
	kho_expect_eq(luo_session_finish(s), 0, "the session still finishes");
	kho_expect_eq(kho_pins_held() - pins, 0,
		      "no page left pinned by the refused handover");
	kho_expect_eq(container_lines(), 0, "nothing left in debugfs after finish");
	return kho_judged();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "misuse"))
		return cmd_misuse(argv[2]);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "preserve"))
		return cmd_preserve(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "restore"))
		return cmd_restore(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "refused"))
		return cmd_refused(argv[2], argv[3], atoi(argv[4]), argv[5],
				   argc == 7 ? argv[6] : NULL);
	if (argc == 5 && !strcmp(argv[1], "dies"))
		return cmd_dies(argv[2], argv[3], !strcmp(argv[4], "after-vaddr"));
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
