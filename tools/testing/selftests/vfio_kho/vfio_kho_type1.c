// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_type1 - vfio-pci's type1 container and device file (group mode)
 * as LUO files: a VMM's igb keeps doing DMA into memfd-backed memory
 * across a kexec-based live update.
 *
 *   misuse BDF
 *	old kernel, one LUO session per case, each closed again. Preserving
 *	the container is refused without IOMMU and group, or with type1 v1
 *	(-EOPNOTSUPP), with anonymous memory mapped (-EINVAL; once unmapped,
 *	the container is taken), with a memfd preserved nowhere or in
 *	another session (-ENOENT); the device before its container or with
 *	its container in another session, -ENOENT. A preserved
 *	container neither maps nor unmaps (-EBUSY); closing the session, or
 *	killing the VMM that holds it, gives everything up (debugfs), thaws
 *	the container and the device opens again.
 *   preserve SESSION BDF
 *	old kernel: the upstream igb test driver, its rings and the copy
 *	buffers in two memfds mapped at IOVA 1 TiB and up, copies 64 KiB; a
 *	register marker that reset clears is written; memfds, container and
 *	device go into SESSION, and the igb copies again. A child holds
 *	SESSION across the kexec; the next stage's state goes to CARRY_PATH.
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
 *   refused SESSION BDF
 *	new kernel, after the old one damaged the container's handover block
 *	(debugfs kho_devices/vfio/forge): the device and the container are
 *	refused with the same errno whichever comes first, bus mastering is
 *	off, no page stays pinned, the session still finishes.
 *   dies SESSION BDF before-vaddr|after-vaddr
 *	new kernel: a VMM retrieves everything, gives the mappings their
 *	vaddrs or not, and is killed without finishing. After the vaddrs
 *	its death finishes the session: the igb opens again from scratch and
 *	every page pin is released. Before them the session cannot finish:
 *	LUO keeps it (a second retrieve is -EINVAL) and the igb stays kept,
 *	bus mastering on.
 *
 * Prints "NAME VALUE..." lines, VALUE an errno (0 or negative) or a count;
 * the scenario judges them. The exit status is 0 unless a step the others
 * depend on failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

#include "../vfio/lib/drivers/igb/e1000_regs.h"
#include "kho_sysfs.h"
#include "kho_vfio.h"

#define PCI_FUNCTIONS	"/sys/kernel/debug/kho_devices/pci/functions"
#define IOMMU_DEVICES	"/sys/kernel/debug/kho_devices/iommu/devices"
#define VFIO_CONTAINERS	"/sys/kernel/debug/kho_devices/vfio/containers"
#define CARRY_DIR	"/carry"	/* in the rootfs: the next stage gets it */
#define CARRY_PATH	CARRY_DIR "/vfio-type1"
#define CARRY_MAGIC	0x4b484f5654310001ULL

#define IOVA_BASE	0x10000000000ULL	/* 1 TiB, far above RAM */
#define MEMFD_SIZE	SZ_2M
#define COPY_SIZE	SZ_64K

/* Queue 1 is never enabled: its ring base is a marker that reset clears. */
#define MARKER_LO	0x4b484f80	/* 128-byte aligned, as TDBAL wants */
#define MARKER_HI	0x4c555031

enum { TOKEN_DRIVER = 1, TOKEN_DATA, TOKEN_CONTAINER, TOKEN_DEVICE };

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

static void fill_pattern(u8 *p, size_t len, u64 seed)
{
	while (len--) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		*p++ = seed >> 56;
	}
}

static size_t count_equal(const u8 *a, const u8 *b, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += a[i] == b[i];
	return n;
}

/* The value after KEY in a /proc file ("KEY: N" or "KEY N"), or -1. */
static long proc_value(const char *path, const char *key)
{
	size_t len = strlen(key);
	char line[256];
	long val = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && (line[len] == ':' || line[len] == ' '))
			val = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return val;
}

#define vmlck_kb()	proc_value("/proc/self/status", "VmLck")

/*
 * Page pins held in the whole system: acquired minus released. The
 * counters are folded first (vm.stat_refresh), or per-CPU deltas not yet
 * added up would make two readings differ by a few pins either way.
 */
static long pins_held(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	VFIO_ASSERT_GE(fd, 0);
	VFIO_ASSERT_EQ(write(fd, "1", 1), 1);
	close(fd);
	return proc_value("/proc/vmstat", "nr_foll_pin_acquired") -
	       proc_value("/proc/vmstat", "nr_foll_pin_released");
}

/* "WHAT BDF ..." lines of a kho_devices debugfs file, or -errno. */
static int bdf_lines(const char *path, const char *what, const char *bdf)
{
	char line[256], prefix[32];
	int n = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -errno;
	snprintf(prefix, sizeof(prefix), "%s %s ", what, bdf);
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, prefix, strlen(prefix));
	fclose(f);
	return n;
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

/* Print both debugfs counts, waiting up to 2 s for them to reach @want. */
static void print_out_lines(const char *name, const char *bdf, int want)
{
	int pci, iommu, i;

	for (i = 0; i < 20; i++) {
		pci = out_lines(PCI_FUNCTIONS, bdf);
		iommu = out_lines(IOMMU_DEVICES, bdf);
		if (pci == want && iommu == want)
			break;
		usleep(100000);
	}
	printf("%s %d %d\n", name, pci, iommu);
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

/* Copy COPY_SIZE bytes at @off of the source to the destination. */
static int copy_and_check(struct vfio_pci_device *device, u8 **buf, u64 off,
			  const char *name)
{
	int ret;

	memset(buf[DST] + off, 0, COPY_SIZE);
	ret = vfio_pci_driver_memcpy(device, maps[SRC].iova + off,
				     maps[DST].iova + off, COPY_SIZE);
	printf("%s %d\n", name, ret);
	printf("%s-data %zu/%u\n", name,
	       count_equal(buf[SRC] + off, buf[DST] + off, COPY_SIZE), COPY_SIZE);
	return ret;
}

/* Memfd, container and device into @s, in this order: "NAME E E E". */
static void preserve_all(const char *name, int s, int memfd,
			 struct vfio_pci_device *device)
{
	int r[3];

	r[0] = luo_session_preserve_fd(s, memfd, TOKEN_DATA);
	r[1] = luo_session_preserve_fd(s, device->iommu->container_fd,
				       TOKEN_CONTAINER);
	r[2] = luo_session_preserve_fd(s, device->fd, TOKEN_DEVICE);
	printf("%s %d %d %d\n", name, r[0], r[1], r[2]);
}

/* The VMM's memfds, container and device into @s: "PREFIXpreserve-..." */
static void preserve_vmm(int s, const char *prefix, const int *memfd,
			 struct vfio_pci_device *device)
{
	printf("%spreserve-memfd-driver %d\n", prefix,
	       luo_session_preserve_fd(s, memfd[TOKEN_DRIVER], TOKEN_DRIVER));
	printf("%spreserve-memfd-data %d\n", prefix,
	       luo_session_preserve_fd(s, memfd[TOKEN_DATA], TOKEN_DATA));
	printf("%spreserve-container %d\n", prefix,
	       luo_session_preserve_fd(s, device->iommu->container_fd,
				       TOKEN_CONTAINER));
	printf("%spreserve-device %d\n", prefix,
	       luo_session_preserve_fd(s, device->fd, TOKEN_DEVICE));
}

static int cmd_misuse(const char *bdf)
{
	struct dma_region mem = {}, anon = {}, extra = {};
	struct vfio_pci_device *device;
	struct iommu *iommu;
	int luo, s, s2, fd, cfd, memfd, status;
	u8 *buf, *anon_buf;
	pid_t pid;

	luo = luo_open_device();
	VFIO_ASSERT_GE(luo, 0, "cannot open " LUO_DEVICE);

	fd = open("/dev/vfio/vfio", O_RDWR);
	VFIO_ASSERT_GE(fd, 0);
	s = new_session(luo, "vt1-no-iommu");
	printf("no-iommu %d\n", luo_session_preserve_fd(s, fd, TOKEN_CONTAINER));
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
	printf("type1-v1 %d\n", luo_session_preserve_fd(s, iommu->container_fd,
							TOKEN_CONTAINER));
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
	printf("anonymous %d\n", luo_session_preserve_fd(s, cfd, TOKEN_CONTAINER));
	printf("anonymous-unmap %d\n", __iommu_unmap(iommu, &anon, NULL));
	printf("anonymous-retry %d\n", luo_session_preserve_fd(s, cfd, TOKEN_CONTAINER));
	close(s);

	s = new_session(luo, "vt1-unpreserved");
	printf("memfd-unpreserved %d\n", luo_session_preserve_fd(s, cfd, TOKEN_CONTAINER));
	s2 = new_session(luo, "vt1-other-session");
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s2, memfd, TOKEN_DATA), 0);
	printf("memfd-other-session %d\n", luo_session_preserve_fd(s, cfd, TOKEN_CONTAINER));
	close(s2);
	close(s);

	s = new_session(luo, "vt1-device-first");
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, memfd, TOKEN_DATA), 0);
	printf("device-before-container %d\n",
	       luo_session_preserve_fd(s, device->fd, TOKEN_DEVICE));
	close(s);

	s = new_session(luo, "vt1-device-other");
	s2 = new_session(luo, "vt1-container-other");
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s2, memfd, TOKEN_DATA), 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s2, cfd, TOKEN_CONTAINER), 0);
	printf("device-other-session %d\n",
	       luo_session_preserve_fd(s, device->fd, TOKEN_DEVICE));
	close(s2);
	close(s);

	s = new_session(luo, "vt1-good");
	preserve_all("good-preserve", s, memfd, device);
	print_out_lines("preserved-out", bdf, 1);
	set_region(&extra, buf, IOVA_BASE + SZ_2G, MEMFD_SIZE);
	printf("frozen-map %d\n", __iommu_map(iommu, &extra));
	printf("frozen-unmap %d\n", __iommu_unmap(iommu, &mem, NULL));
	close(s);
	print_out_lines("closed-out", bdf, 0);
	printf("thawed-map %d\n", __iommu_map(iommu, &extra));
	printf("thawed-unmap %d\n", __iommu_unmap(iommu, &extra, NULL));
	vfio_pci_device_cleanup(device);
	iommu_cleanup(iommu);

	/* The VMM dies before the kexec with everything preserved. */
	fflush(stdout);
	pid = fork();
	VFIO_ASSERT_GE(pid, 0);
	if (!pid) {
		iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
		device = vfio_pci_device_init(bdf, iommu);
		iommu_map(iommu, &mem);
		s = new_session(luo, "vt1-vmm-dies");
		preserve_all("dies-preserve", s, memfd, device);
		print_out_lines("dies-preserved-out", bdf, 1);
		fflush(stdout);
		kill(getpid(), SIGKILL);
	}
	VFIO_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	printf("dies-killed %d\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	print_out_lines("dies-closed-out", bdf, 0);
	iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	device = vfio_pci_device_init(bdf, iommu);
	vfio_pci_device_cleanup(device);
	iommu_cleanup(iommu);
	printf("reopen 0\n");
	return 0;
}

/* Write @c to CARRY_PATH, or read it back. */
static int carry_io(struct carry *c, bool save)
{
	size_t n;
	FILE *f;

	if (save && mkdir(CARRY_DIR, 0755) && errno != EEXIST)
		return -errno;
	f = fopen(CARRY_PATH, save ? "w" : "r");
	if (!f)
		return -errno;
	n = save ? fwrite(c, sizeof(*c), 1, f) : fread(c, sizeof(*c), 1, f);
	if (fclose(f) || n != 1 || c->magic != CARRY_MAGIC)
		return -EIO;
	return 0;
}

static int cmd_preserve(const char *name, const char *bdf)
{
	struct dma_region regions[NR_MAPS] = {}, *r;
	struct vfio_pci_device *device;
	struct carry c = { .magic = CARRY_MAGIC };
	int luo, memfd[TOKEN_DATA + 1];
	u8 *mem[TOKEN_DATA + 1], *buf[NR_MAPS];
	struct iommu *iommu;
	unsigned int i;

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
		printf("mapping iova 0x%llx size 0x%llx memfd %d offset 0x%llx\n",
		       (unsigned long long)maps[i].iova,
		       (unsigned long long)maps[i].size, maps[i].token,
		       (unsigned long long)maps[i].offset);
	}
	vfio_pci_driver_init(device);

	c.seed = (u64)time(NULL) << 16 | getpid();
	fill_pattern(buf[SRC], 2 * COPY_SIZE, c.seed);
	if (copy_and_check(device, buf, 0, "memcpy"))
		return 1;

	bar0_write(device, E1000_TDBAL(1), MARKER_LO);
	bar0_write(device, E1000_TDBAH(1), MARKER_HI);
	printf("marker 0x%08x 0x%08x\n", bar0_read(device, E1000_TDBAL(1)),
	       bar0_read(device, E1000_TDBAH(1)));
	c.tx_ring = (u64)bar0_read(device, E1000_TDBAH(0)) << 32 |
		    bar0_read(device, E1000_TDBAL(0));
	c.tx_len = bar0_read(device, E1000_TDLEN(0));
	c.msi = device->driver.msi;
	c.max_memcpy_size = device->driver.max_memcpy_size;
	c.max_memcpy_count = device->driver.max_memcpy_count;

	luo = luo_open_device();
	VFIO_ASSERT_GE(luo, 0, "cannot open " LUO_DEVICE);
	preserve_vmm(new_session(luo, name), "", memfd, device);

	/* Preserving neither resets the device nor stops its DMA. */
	copy_and_check(device, buf, COPY_SIZE, "memcpy-preserved");
	printf("bus-master %d\n", bus_master(bdf));
	printf("carry %d\n", carry_io(&c, true));
	fflush(stdout);
	/* The session, and with it everything in it, lives on in a child. */
	daemonize_and_wait();
	return 0;
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

static int retrieve(int s, int token, const char *name)
{
	int fd = luo_session_retrieve_fd(s, token);

	printf("%s %d\n", name, fd < 0 ? fd : 0);
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
	c->seed = ~c->seed ^ getpid();
	fill_pattern(buf[SRC], 2 * COPY_SIZE, c->seed);
	if (copy_and_check(device, buf, 0, "again-memcpy"))
		return 1;
	preserve_vmm(new_session(luo, name), "again-", memfd, device);
	copy_and_check(device, buf, COPY_SIZE, "again-memcpy-preserved");
	printf("again-bus-master %d\n", bus_master(bdf));
	printf("again-carry %d\n", carry_io(c, true));
	fflush(stdout);
	daemonize_and_wait();
	return 0;
}

static int cmd_restore(const char *name, const char *bdf, const char *next)
{
	long pins = pins_held(), lck = vmlck_kb();
	struct dma_region regions[NR_MAPS] = {}, ordinary = {}, *r;
	int luo, s, fd, again, container, ret, memfd[TOKEN_DATA + 1];
	u8 *mem[TOKEN_DATA + 1], *buf[NR_MAPS], *expect, *shifted, *anon;
	struct vfio_pci_device *device;
	struct iommu *iommu;
	struct stat st1, st2;
	struct carry c;
	unsigned int i;
	u64 tx_ring, unmapped;

	luo = luo_open_device();
	VFIO_ASSERT_GE(luo, 0, "cannot open " LUO_DEVICE);
	s = luo_retrieve_session(luo, name);
	printf("session %d\n", s < 0 ? s : 0);
	/* The container came back with its session: the memfd pages pinned. */
	printf("pins-with-session %ld\n", pins_for_handover(bdf));
	printf("session-unknown %d\n", luo_retrieve_session(luo, "vfio-type1-none"));
	ret = carry_io(&c, false);
	printf("carry %d\n", ret);
	if (s < 0 || ret)
		return 1;
	memfd[TOKEN_DRIVER] = retrieve(s, TOKEN_DRIVER, "memfd-driver");
	memfd[TOKEN_DATA] = retrieve(s, TOKEN_DATA, "memfd-data");
	/* The device first: either order is allowed. */
	fd = retrieve(s, TOKEN_DEVICE, "device");
	container = retrieve(s, TOKEN_CONTAINER, "container");
	if (memfd[TOKEN_DRIVER] < 0 || memfd[TOKEN_DATA] < 0 || fd < 0 ||
	    container < 0)
		return 1;
	for (i = TOKEN_DRIVER; i <= TOKEN_DATA; i++)
		mem[i] = map_memfd(memfd[i], MEMFD_SIZE, 0);
	for (i = 0; i < NR_MAPS; i++)
		buf[i] = mem[maps[i].token] + maps[i].offset;
	expect = malloc_assert(2 * COPY_SIZE);
	fill_pattern(expect, 2 * COPY_SIZE, c.seed);
	printf("data %zu/%u\n", count_equal(expect, buf[DST], 2 * COPY_SIZE), 2 * COPY_SIZE);

	printf("retrieve-unknown %d\n", luo_session_retrieve_fd(s, 99));
	again = luo_session_retrieve_fd(s, TOKEN_CONTAINER);
	printf("container-again %d same-file %d\n", again < 0 ? again : 0,
	       again >= 0 && !fstat(again, &st1) && !fstat(container, &st2) &&
	       st1.st_ino == st2.st_ino && st1.st_dev == st2.st_dev);
	if (again >= 0)
		close(again);

	device = kho_vfio_wrap(bdf, container, fd);
	device->driver.msi = c.msi;
	device->driver.max_memcpy_size = c.max_memcpy_size;
	device->driver.max_memcpy_count = c.max_memcpy_count;
	printf("marker 0x%08x 0x%08x\n", bar0_read(device, E1000_TDBAL(1)),
	       bar0_read(device, E1000_TDBAH(1)));
	tx_ring = (u64)bar0_read(device, E1000_TDBAH(0)) << 32 |
		  bar0_read(device, E1000_TDBAL(0));
	printf("tx-ring-kept %d\n", tx_ring == c.tx_ring &&
	       bar0_read(device, E1000_TDLEN(0)) == c.tx_len);
	printf("bus-master %d\n", bus_master(bdf));
	printf("set-irqs %d\n", set_irqs(device));
	printf("reset-kept %d\n", ioctl(fd, VFIO_DEVICE_RESET) ? -errno : 0);

	/*
	 * Refused before every mapping has its new address, or with pages
	 * other than the ones the IOMMU maps; nothing pinned meanwhile.
	 */
	printf("finish-no-vaddr %d\n", luo_session_finish(s));
	shifted = map_memfd(memfd[maps[SRC].token], maps[SRC].size,
			    maps[SRC].offset + SZ_4K);
	printf("vaddr-other-memfd %d\n", update_vaddr(container, &maps[0], mem[TOKEN_DATA]));
	printf("vaddr-shifted %d\n", update_vaddr(container, &maps[SRC], shifted));
	printf("vmlck-before-vaddr-kb %ld\n", vmlck_kb() - lck);
	printf("handover-pins-before-vaddr %ld\n", pins_for_handover(bdf));
	printf("pins-held-before-vaddr %ld\n", pins_held() - pins);
	for (i = 0; i < NR_MAPS; i++) {
		printf("vaddr-%u %d\n", i, update_vaddr(container, &maps[i], buf[i]));
		if (!i)
			printf("finish-partial %d\n", luo_session_finish(s));
	}
	printf("vmlck-pinned-kb %ld\n", vmlck_kb() - lck);
	printf("handover-pins-after-vaddr %ld\n", pins_for_handover(bdf));
	printf("pins-held-after-vaddr %ld\n", pins_held() - pins);

	/* The driver goes on where the old kernel left it. */
	for (i = 0; i < NR_MAPS; i++) {
		r = i ? &regions[i] : &device->driver.region;
		set_region(r, buf[i], maps[i].iova, maps[i].size);
		list_add(&r->link, &device->iommu->dma_regions);
	}
	device->driver.initialized = true;
	fill_pattern(buf[SRC], COPY_SIZE, ~c.seed);
	copy_and_check(device, buf, 0, "memcpy");
	printf("finish %d\n", luo_session_finish(s));
	if (next)
		return preserve_again(luo, next, bdf, device, memfd, buf, &c);

	vfio_pci_driver_remove(device);
	for (i = 0; i < NR_MAPS; i++) {
		r = i ? &regions[i] : &device->driver.region;
		unmapped = 0;
		ret = __iommu_unmap(device->iommu, r, &unmapped);
		printf("unmap-%u %d %llu\n", i, ret,
		       (unsigned long long)unmapped);
	}
	printf("vmlck-unmapped-kb %ld\n", vmlck_kb() - lck);
	printf("pins-unreleased %ld\n", pins_held() - pins);

	/* Now an ordinary container: anonymous memory maps again. */
	anon = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VFIO_ASSERT_NE(anon, MAP_FAILED);
	set_region(&ordinary, anon, IOVA_BASE + 3ULL * SZ_1G, SZ_2M);
	printf("ordinary-map %d\n", __iommu_map(device->iommu, &ordinary));
	printf("ordinary-unmap %d\n", __iommu_unmap(device->iommu, &ordinary, NULL));
	printf("reset-finished %d\n", ioctl(fd, VFIO_DEVICE_RESET) ? -errno : 0);
	printf("marker-reset 0x%08x\n", bar0_read(device, E1000_TDBAL(1)));
	iommu = device->iommu;
	vfio_pci_device_cleanup(device);
	iommu_cleanup(iommu);
	return 0;
}

/* A VMM that dies after the kexec, with or without having given vaddrs. */
static int cmd_dies(const char *name, const char *bdf, bool vaddr)
{
	long pins = pins_held();
	struct vfio_pci_device *device;
	int luo, status, ret = 0;
	pid_t pid;

	luo = luo_open_device();
	VFIO_ASSERT_GE(luo, 0, "cannot open " LUO_DEVICE);
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
		printf("dies-retrieve %d\n", s < 0 ? s : 0);
		for (i = TOKEN_DRIVER; i <= TOKEN_DATA && s >= 0; i++)
			mem[i] = map_memfd(fd[i], MEMFD_SIZE, 0);
		for (i = 0; vaddr && s >= 0 && i < NR_MAPS && !ret; i++) {
			ret = update_vaddr(fd[TOKEN_CONTAINER], &maps[i],
					   mem[maps[i].token] + maps[i].offset);
			given += !ret;
		}
		if (vaddr)
			printf("dies-vaddr %d given %d\n", ret, given);
		fflush(stdout);
		raise(SIGKILL);
	}
	printf("dies-killed %d\n", waitpid(pid, &status, 0) == pid &&
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	printf("session-again %d\n", luo_retrieve_session(luo, name));
	printf("bus-master %d\n", bus_master(bdf));
	if (vaddr) {
		device = vfio_pci_device_init(bdf, iommu_init(MODE_VFIO_TYPE1V2_IOMMU));
		printf("reopen 0\n");
		vfio_pci_device_cleanup(device);
		printf("pins-unreleased %ld\n", pins_held() - pins);
	}
	return 0;
}

/* The previous kernel damaged the container's handover block on purpose. */
static int cmd_refused(const char *name, const char *bdf)
{
	long pins = pins_held();
	int luo, s, fd;

	luo = luo_open_device();
	VFIO_ASSERT_GE(luo, 0, "cannot open " LUO_DEVICE);
	s = luo_retrieve_session(luo, name);
	printf("session %d\n", s < 0 ? s : 0);
	if (s < 0)
		return 1;
	fd = luo_session_retrieve_fd(s, TOKEN_DEVICE);
	printf("device %d\n", fd < 0 ? fd : 0);
	fd = luo_session_retrieve_fd(s, TOKEN_CONTAINER);
	printf("container %d\n", fd < 0 ? fd : 0);
	printf("bus-master %d\n", bus_master(bdf));
	printf("debugfs %d %d\n", bdf_lines(VFIO_CONTAINERS, "refused", bdf),
	       bdf_lines(VFIO_CONTAINERS, "in", bdf));
	printf("finish %d\n", luo_session_finish(s));
	printf("pins-unreleased %ld\n", pins_held() - pins);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "misuse"))
		return cmd_misuse(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "preserve"))
		return cmd_preserve(argv[2], argv[3]);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "restore"))
		return cmd_restore(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (argc == 4 && !strcmp(argv[1], "refused"))
		return cmd_refused(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "dies"))
		return cmd_dies(argv[2], argv[3], !strcmp(argv[4], "after-vaddr"));
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
