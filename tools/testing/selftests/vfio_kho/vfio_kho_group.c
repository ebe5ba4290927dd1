// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_group - IOMMU groups of two functions handed over as a whole.
 *
 *   vfio_kho_group before	old kernel, the next one loaded
 *   vfio_kho_group kick-kexec	each function starts a DMA, then the kexec
 *   vfio_kho_group after	new kernel
 *
 * Two groups, each owned by a VMM through a type1 container of its own
 * with one 4 MiB memfd mapped, both functions doing DMA into it:
 *
 * - multi-function: two edus in one slot, 00:0c.0 and 00:0c.1, without
 *   ACS, which the PCI core puts in one IOMMU group (a GPU and its audio
 *   function are the usual case);
 * - bridged: the two edus behind the conventional PCI bridge at 00:08.0,
 *   01:01.0 and 01:02.0, whose DMA reaches the IOMMU with the bridge's
 *   requester ID: one group with the bridge, and each edu's translation
 *   is kept with that DMA alias's entry.
 *
 * before: refusals first, on the multi-function group, each leaving
 * nothing frozen. With 00:0c.1 bound to no driver (the VMM owns only
 * 00:0c.0), the container's preserve fails with -EBUSY and a line naming
 * 00:0c.0 and the group rule. With both owned, the container and 00:0c.0
 * preserved but 00:0c.1 left out of the session, the kexec is refused
 * (-ENOENT, a line naming 00:0c.1) and both still master and copy. Then
 * both groups' memfds, containers and device files go into one LUO
 * session: each container names its two functions, each function has an
 * IOMMU record, a group's records name one domain and one run of table
 * pages, and each bridged edu's record names the bridge as its alias
 * (debugfs, and kho-inspect's JSON; none for the multi-function edus).
 *
 * kick-kexec: each edu is told to copy its buffer into its memfd, and the
 * kexec follows at once: the copies land in the next kernel.
 *
 * after: every function kept by the PCI and IOMMU parts and mastering;
 * the session gives each memfd, container and both device files back;
 * what each copied before is intact, each copy kicked at the kexec
 * landed; each mapping gets its new address, each function copies again,
 * on its group's kept table adopted in place. The session finishes, the
 * VMM closes everything, every pin and locked page goes back, each group
 * opens again and no DMAR fault was logged.
 *
 * What the second stage needs from the first travels in the last page of
 * each memfd. One KTAP line per check; the exit status says whether all
 * passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/reboot.h>
#include <linux/sizes.h>
#include <linux/vfio.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "kho_inspect.h"
#include "kho_ktap.h"
#include "kho_luo.h"
#include "kho_sysfs.h"
#include "kho_vfio.h"

#define NR_GROUPS	2
#define NR_FUNCS	2
#define SESSION		"kho-group"
#define MEMFD_SIZE	SZ_4M
#define COPY_SIZE	4096		/* what edu's buffer holds */
#define SRC(i)		((i) * SZ_1M)
#define DST(i)		((i) * SZ_1M + SZ_64K)
#define KICKED(i)	((i) * SZ_1M + SZ_128K)
#define PROBE_IOVA	0x30000000000ULL
#define STATE_OFFSET	(MEMFD_SIZE - 4096)
#define STATE_MAGIC	0x4b484f47524f5550ULL	/* "KHOGROUP" */
#define GROUP_RULE	"shares its IOMMU group with devices that are not handed over"
#define LEFT_OUT_LOG	"its container is preserved without the device"
#define VFIO_CONTAINERS	"/sys/kernel/debug/kho_devices/vfio/containers"
#define IOMMU_DEVICES	"/sys/kernel/debug/kho_devices/iommu/devices"
#define PCI_FUNCTIONS	"/sys/kernel/debug/kho_devices/pci/functions"

static const struct group_def {
	const char *name;
	const char *bdf[NR_FUNCS];
	const char *alias;	/* the requester ID their DMA carries, if not theirs */
} groups[NR_GROUPS] = {
	{ "multi-function", { "0000:00:0c.0", "0000:00:0c.1" }, NULL },
	{ "bridged", { "0000:01:01.0", "0000:01:02.0" }, "0000:00:08.0" },
};

/* LUO tokens: per group, its memfd, its container, then its devices */
#define TOKEN(g, what)	(1 + (g) * 10 + (what))
enum { TOKEN_MEMFD, TOKEN_CONTAINER, TOKEN_DEVICE };

/* Kept in the last page of each group's memfd */
struct group_state {
	uint64_t magic;
	uint64_t seed[NR_FUNCS];	/* of the page each copied last */
};

/* A VMM's hold on a group: one container, its functions, one memfd */
static struct vmm {
	int memfd;
	uint8_t *mem;
	struct iommu *iommu;
	int group_fd;
	struct vfio_pci_device *device[NR_FUNCS];
	struct dma_region region;
	struct group_state *st;
} vmm[NR_GROUPS];

static uint64_t iova_of(unsigned int g)
{
	return 0x10000000000ULL + (uint64_t)g * SZ_1G;
}

/* Each function's BAR0 at an address of its own */
static void *bar0_at(unsigned int g, unsigned int i)
{
	return (void *)(KHO_VFIO_BAR0_VADDR +
			(uint64_t)(g * NR_FUNCS + i) * SZ_256M);
}

/* Function @i of group @g copies a page of a new pattern by DMA. */
static void dma_copy(unsigned int g, unsigned int i, uint64_t seed,
		     const char *when)
{
	struct vmm *v = &vmm[g];
	uint32_t *bar0 = v->device[i]->bars[0].vaddr;
	uint64_t iova = iova_of(g);
	int ret;

	kho_fill_pattern(v->mem + SRC(i), COPY_SIZE, seed);
	memset(v->mem + DST(i), 0, COPY_SIZE);
	kho_edu_dma(bar0, iova + SRC(i), EDU_BUFFER, COPY_SIZE, EDU_DMA_START);
	ret = kho_edu_wait(bar0);
	if (!ret) {
		kho_edu_dma(bar0, EDU_BUFFER, iova + DST(i), COPY_SIZE,
			    EDU_DMA_START | EDU_DMA_TO_RAM);
		ret = kho_edu_wait(bar0);
	}
	kho_expect_eq(ret, 0, "%s %s: copies a page by DMA",
		      groups[g].bdf[i], when);
	kho_expect_eq(kho_pattern_bytes(v->mem + DST(i), COPY_SIZE, seed),
		      COPY_SIZE, "%s %s: the copy is right", groups[g].bdf[i],
		      when);
	v->st->seed[i] = seed;
}

/* edu has no DMA reach the policy knows: it is given one, in each kernel */
static void give_reach(const char *bdf)
{
	char path[96];

	snprintf(path, sizeof(path),
		 "/sys/bus/pci/devices/%s/kho_dma_reach_bits", bdf);
	kho_expect_eq(kho_write_file(path, "64"), 0,
		      "%s: given a 64-bit DMA reach", bdf);
}

static int memfd_mapped(uint8_t **mem)
{
	int fd = memfd_create("kho-group", 0);

	VFIO_ASSERT_GE(fd, 0);
	VFIO_ASSERT_EQ(ftruncate(fd, MEMFD_SIZE), 0);
	*mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	VFIO_ASSERT_NE(*mem, MAP_FAILED);
	return fd;
}

/*
 * Group @g opened into a new type1 container, as a VMM does with a group
 * of several functions: the group file once, then a device file for each
 * of its first @nr functions. Returns the group file.
 */
static int open_group(unsigned int g, struct iommu **iommu, unsigned int nr,
		      struct vfio_pci_device **devices)
{
	const char *const *bdf = groups[g].bdf;
	int group_fd, container_fd, fd;
	char path[32];
	unsigned int i;

	snprintf(path, sizeof(path), "/dev/vfio/%ld", kho_iommu_group_of(bdf[0]));
	group_fd = open(path, O_RDWR);
	VFIO_ASSERT_GE(group_fd, 0, "open(%s)\n", path);
	container_fd = open("/dev/vfio/vfio", O_RDWR);
	VFIO_ASSERT_GE(container_fd, 0);
	ioctl_assert(group_fd, VFIO_GROUP_SET_CONTAINER, &container_fd);
	VFIO_ASSERT_EQ(ioctl(container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	*iommu = kho_vfio_wrap_container(container_fd);
	for (i = 0; i < nr; i++) {
		fd = ioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD, bdf[i]);
		VFIO_ASSERT_GE(fd, 0, "VFIO_GROUP_GET_DEVICE_FD %s\n", bdf[i]);
		devices[i] = kho_vfio_wrap_device(bdf[i], *iommu, fd,
						  bar0_at(g, i));
		vfio_pci_cmd_set(devices[i], PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	}
	return group_fd;
}

static void close_group(int group_fd, struct iommu *iommu,
			struct vfio_pci_device **devices, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		vfio_pci_device_cleanup(devices[i]);
	iommu_cleanup(iommu);
	if (group_fd >= 0)
		close(group_fd);
}

/*
 * The VMM owns 00:0c.0 only: 00:0c.1 has no driver. The group is viable,
 * but its container cannot go: the policy refuses a function whose group
 * holds one that is not handed over (-EBUSY), and nothing stays frozen.
 */
static void sibling_not_owned(int luo)
{
	const char *const *bdf = groups[0].bdf;
	struct vfio_pci_device *device;
	struct dma_region region = { .iova = iova_of(0), .size = MEMFD_SIZE };
	struct dma_region probe = { .iova = PROBE_IOVA, .size = SZ_4K };
	struct iommu *iommu;
	char path[96];
	int memfd, s, group_fd, logged;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 bdf[1]);
	kho_expect_eq(kho_write_file(path, bdf[1]), 0,
		      "%s: unbound from vfio-pci", bdf[1]);
	memfd = memfd_mapped((uint8_t **)&region.vaddr);
	probe.vaddr = region.vaddr;
	group_fd = open_group(0, &iommu, 1, &device);
	iommu_map(iommu, &region);
	s = luo_create_session(luo, "kho-group-not-owned");
	VFIO_ASSERT_GE(s, 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, memfd, TOKEN(0, TOKEN_MEMFD)), 0);
	logged = kho_klog_count(GROUP_RULE, bdf[0]);
	kho_expect_eq(luo_session_preserve_fd(s, iommu->container_fd,
					      TOKEN(0, TOKEN_CONTAINER)), -EBUSY,
		      "sibling not owned: the group's container is refused (-EBUSY)");
	kho_expect_eq(kho_klog_count(GROUP_RULE, bdf[0]) - logged, 1,
		      "sibling not owned: the refusal names %s and the group rule",
		      bdf[0]);
	kho_expect_eq(__iommu_map(iommu, &probe), 0,
		      "sibling not owned: the container is not left frozen (it maps)");
	kho_expect_eq(__iommu_unmap(iommu, &probe, NULL), 0, "and unmaps");
	close(s);
	VFIO_ASSERT_EQ(__iommu_unmap(iommu, &region, NULL), 0);
	close_group(group_fd, iommu, &device, 1);
	munmap(region.vaddr, MEMFD_SIZE);
	close(memfd);
	kho_expect_eq(kho_bind_vfio(bdf[1]), 0, "%s: bound to vfio-pci again",
		      bdf[1]);
}

/*
 * The multi-function group's container and 00:0c.0 preserved, 00:0c.1
 * left out of the session: the kexec is refused (-ENOENT, a line naming
 * 00:0c.1), both functions still master and copy, and closing the
 * session thaws the container.
 */
static void sibling_left_out(int luo)
{
	const char *const *bdf = groups[0].bdf;
	struct dma_region probe = { .vaddr = vmm[0].mem, .iova = PROBE_IOVA,
				    .size = SZ_4K };
	int s, logged, ret;

	s = luo_create_session(luo, "kho-group-left-out");
	VFIO_ASSERT_GE(s, 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, vmm[0].memfd,
					       TOKEN(0, TOKEN_MEMFD)), 0);
	kho_expect_eq(luo_session_preserve_fd(s, vmm[0].iommu->container_fd,
					      TOKEN(0, TOKEN_CONTAINER)), 0,
		      "left out: the group's container preserved");
	kho_expect_eq(luo_session_preserve_fd(s, vmm[0].device[0]->fd,
					      TOKEN(0, TOKEN_DEVICE)), 0,
		      "left out: %s preserved, its group's other function not yet",
		      bdf[0]);
	logged = kho_klog_count(LEFT_OUT_LOG, bdf[1]);
	ret = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		      LINUX_REBOOT_CMD_KEXEC, NULL);
	kho_expect_eq(ret ? -errno : 0, -ENOENT,
		      "left out: a kexec without %s is refused (-ENOENT)", bdf[1]);
	kho_expect_eq(kho_klog_count(LEFT_OUT_LOG, bdf[1]) - logged, 1,
		      "left out: the refusal names %s", bdf[1]);
	kho_expect_eq(kho_bus_master(bdf[0]) && kho_bus_master(bdf[1]), 1,
		      "left out: both functions still master after the refused kexec");
	dma_copy(0, 0, 0x4100, "after the refused kexec");
	dma_copy(0, 1, 0x4101, "after the refused kexec");
	close(s);
	kho_expect_eq(__iommu_map(vmm[0].iommu, &probe), 0,
		      "left out: once the session is closed the container maps again");
	kho_expect_eq(__iommu_unmap(vmm[0].iommu, &probe, NULL), 0, "and unmaps");
}

/* Group @g from scratch: memfd, container, both functions, one mapping */
static void set_up(unsigned int g)
{
	struct vmm *v = &vmm[g];

	v->memfd = memfd_mapped(&v->mem);
	v->st = (struct group_state *)(v->mem + STATE_OFFSET);
	*v->st = (struct group_state){ .magic = STATE_MAGIC };
	v->group_fd = open_group(g, &v->iommu, NR_FUNCS, v->device);
	v->region = (struct dma_region){ .vaddr = v->mem, .iova = iova_of(g),
					 .size = MEMFD_SIZE };
	iommu_map(v->iommu, &v->region);
}

/* kho-inspect shows the DMA alias kept with @bdf's translation, or none */
static void expect_inspect_alias(const char *json, const char *bdf,
				 const char *alias)
{
	const char *dev = kho_inspect_find(json, "iommu", "outgoing", bdf);
	const char *got = kho_inspect_str(dev, "alias");
	const char *want = alias ? alias : "null";

	if (strcmp(got, want))
		ksft_print_msg("%s: kho-inspect gives alias '%s'\n", bdf, got);
	ksft_test_result(!strcmp(got, want),
			 "%s: kho-inspect shows its DMA alias: %s\n", bdf, want);
}

/* Group @g into session @s, and what its IOMMU records say */
static void preserve(int s, unsigned int g)
{
	static struct kho_inspect ins;
	const struct group_def *gd = &groups[g];
	unsigned int i, dom[NR_FUNCS] = {}, pages[NR_FUNCS] = {};
	unsigned int run[NR_FUNCS] = { 1, 2 };
	struct vmm *v = &vmm[g];
	char prefix[40];

	for (i = 0; i < NR_FUNCS; i++)
		memset(v->mem + KICKED(i), 0, COPY_SIZE);
	kho_expect_eq(luo_session_preserve_fd(s, v->memfd, TOKEN(g, TOKEN_MEMFD)),
		      0, "%s group: memfd preserved", gd->name);
	kho_expect_eq(luo_session_preserve_fd(s, v->iommu->container_fd,
					      TOKEN(g, TOKEN_CONTAINER)), 0,
		      "%s group: container preserved", gd->name);
	for (i = 0; i < NR_FUNCS; i++)
		kho_expect_eq(luo_session_preserve_fd(s, v->device[i]->fd,
						      TOKEN(g, TOKEN_DEVICE + i)),
			      0, "%s: device file preserved", gd->bdf[i]);
	for (i = 0; i < NR_FUNCS; i++) {
		kho_expect_eq(kho_iommu_out_record(gd->bdf[i], &dom[i], &pages[i],
						   &run[i]), 0,
			      "%s: its IOMMU record is listed", gd->bdf[i]);
		snprintf(prefix, sizeof(prefix), "out %s ", gd->bdf[i]);
		if (gd->alias)
			kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, prefix,
							gd->alias), 1,
				      "%s: its record names its DMA alias %s",
				      gd->bdf[i], gd->alias);
		else
			kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, prefix,
							"alias="), 0,
				      "%s: its record names no DMA alias",
				      gd->bdf[i]);
	}
	kho_expect_eq(dom[1], dom[0], "%s group: one domain ID", gd->name);
	kho_expect_eq(run[1], run[0], "%s group: one run of table pages",
		      gd->name);
	kho_expect_eq(kho_inspect_run(&ins, "--json --outgoing"), 0,
		      "%s group: kho-inspect reads what goes out", gd->name);
	for (i = 0; i < NR_FUNCS; i++)
		expect_inspect_alias(ins.out, gd->bdf[i], gd->alias);
}

static int cmd_before(void)
{
	int luo = kho_luo_fd(), s;
	unsigned int g, i;

	ksft_print_header();
	VFIO_ASSERT_GE(luo, 0);
	for (g = 0; g < NR_GROUPS; g++) {
		kho_expect_eq(kho_iommu_group_of(groups[g].bdf[0]) >= 0 &&
			      kho_iommu_group_of(groups[g].bdf[0]) ==
			      kho_iommu_group_of(groups[g].bdf[1]), 1,
			      "%s and %s share one IOMMU group",
			      groups[g].bdf[0], groups[g].bdf[1]);
		for (i = 0; i < NR_FUNCS; i++)
			give_reach(groups[g].bdf[i]);
	}
	sibling_not_owned(luo);
	for (g = 0; g < NR_GROUPS; g++) {
		set_up(g);
		for (i = 0; i < NR_FUNCS; i++)
			dma_copy(g, i, 0x4000 + g * 0x10 + i,
				 "before the live update");
	}
	sibling_left_out(luo);

	s = luo_create_session(luo, SESSION);
	kho_expect_eq(s < 0 ? s : 0, 0, "session created");
	VFIO_ASSERT_GE(s, 0);
	for (g = 0; g < NR_GROUPS; g++)
		preserve(s, g);
	kho_expect_eq(kho_debugfs_lines(VFIO_CONTAINERS, "out ", "devices=2 "),
		      NR_GROUPS, "debugfs: each container hands its two functions over");
	kho_expect_eq(kho_dmar_faults(NULL), 0, "no DMAR fault logged by this kernel");
	kho_expect_eq(kho_luo_hold(), 0, "a child holds the session across the kexec");
	return kho_judged();
}

/* Each edu's copy of its buffer started, then the kexec */
static int cmd_kick_kexec(void)
{
	unsigned int g, i;
	int err;

	for (g = 0; g < NR_GROUPS; g++) {
		for (i = 0; i < NR_FUNCS; i++) {
			err = kho_edu_kick(groups[g].bdf[i], iova_of(g) + KICKED(i),
					   COPY_SIZE);
			if (err) {
				fprintf(stderr, "%s: kick: %s\n", groups[g].bdf[i],
					strerror(-err));
				return 1;
			}
		}
	}
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	fprintf(stderr, "reboot(KEXEC): %s\n", strerror(errno));
	return 1;
}

/* New kernel, before the session is retrieved: group @g was kept */
static void kept_at_boot(unsigned int g)
{
	const struct group_def *gd = &groups[g];
	char prefix[40];
	unsigned int i;

	for (i = 0; i < NR_FUNCS; i++) {
		snprintf(prefix, sizeof(prefix), "in %s ", gd->bdf[i]);
		kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, prefix, "kept"), 1,
			      "%s: its translation kept by the new kernel",
			      gd->bdf[i]);
		if (gd->alias)
			kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, prefix,
							gd->alias), 1,
				      "%s: with its DMA alias %s", gd->bdf[i],
				      gd->alias);
		kho_expect_eq(kho_debugfs_lines(PCI_FUNCTIONS, prefix, "claimed"),
			      1, "%s: claimed by the PCI part", gd->bdf[i]);
		kho_expect_eq(kho_bus_master(gd->bdf[i]), 1,
			      "%s: still masters DMA after the kexec", gd->bdf[i]);
	}
}

/* New kernel: group @g back from session @s, copying again */
static void restore(int s, unsigned int g)
{
	const struct group_def *gd = &groups[g];
	struct vmm *v = &vmm[g];
	char prefix[40];
	unsigned int i;
	int fd;

	v->memfd = luo_session_retrieve_fd(s, TOKEN(g, TOKEN_MEMFD));
	fd = luo_session_retrieve_fd(s, TOKEN(g, TOKEN_CONTAINER));
	kho_expect_eq(v->memfd < 0 ? v->memfd : fd < 0 ? fd : 0, 0,
		      "%s group: memfd and container retrieved", gd->name);
	VFIO_ASSERT_GE(v->memfd, 0);
	VFIO_ASSERT_GE(fd, 0);
	v->iommu = kho_vfio_wrap_container(fd);
	v->mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->memfd, 0);
	VFIO_ASSERT_NE(v->mem, MAP_FAILED);
	v->st = (struct group_state *)(v->mem + STATE_OFFSET);
	VFIO_ASSERT_EQ(v->st->magic, STATE_MAGIC);
	for (i = 0; i < NR_FUNCS; i++) {
		kho_expect_eq(kho_pattern_bytes(v->mem + DST(i), COPY_SIZE,
						v->st->seed[i]), COPY_SIZE,
			      "%s: the page it copied before the kexec is intact",
			      gd->bdf[i]);
		kho_expect_eq(kho_pattern_bytes(v->mem + KICKED(i), COPY_SIZE,
						v->st->seed[i]), COPY_SIZE,
			      "%s: the copy kicked at the kexec landed in the memfd",
			      gd->bdf[i]);
	}
	kho_expect_eq(kho_vfio_update_vaddr(fd, iova_of(g), MEMFD_SIZE, v->mem),
		      0, "%s group: the mapping gets the memfd's new address",
		      gd->name);
	v->region = (struct dma_region){ .vaddr = v->mem, .iova = iova_of(g),
					 .size = MEMFD_SIZE };
	list_add(&v->region.link, &v->iommu->dma_regions);
	for (i = 0; i < NR_FUNCS; i++) {
		fd = luo_session_retrieve_fd(s, TOKEN(g, TOKEN_DEVICE + i));
		kho_expect_eq(fd < 0 ? fd : 0, 0, "%s: device file retrieved",
			      gd->bdf[i]);
		VFIO_ASSERT_GE(fd, 0);
		v->device[i] = kho_vfio_wrap_device(gd->bdf[i], v->iommu, fd,
						    bar0_at(g, i));
	}
	for (i = 0; i < NR_FUNCS; i++) {
		dma_copy(g, i, 0x4200 + g * 0x10 + i, "after the live update");
		snprintf(prefix, sizeof(prefix), "in %s ", gd->bdf[i]);
		kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, prefix, "table=in-place"),
			      1, "%s: goes on with its kept table, adopted in place",
			      gd->bdf[i]);
	}
}

static int cmd_after(void)
{
	long pins = kho_pins_held();
	long locked = kho_proc_value("/proc/self/status", "VmLck");
	char path[32];
	int s, group_fd;
	unsigned int g;

	ksft_print_header();
	for (g = 0; g < NR_GROUPS; g++)
		kept_at_boot(g);
	s = luo_retrieve_session(kho_luo_fd(), SESSION);
	kho_expect_eq(s < 0 ? s : 0, 0, "session retrieved");
	VFIO_ASSERT_GE(s, 0);
	for (g = 0; g < NR_GROUPS; g++)
		restore(s, g);
	kho_expect_eq(kho_proc_value("/proc/self/status", "VmLck") - locked,
		      NR_GROUPS * (MEMFD_SIZE >> 10),
		      "the VMM is charged for the mappings it got back (VmLck, KiB)");
	kho_expect_eq(luo_session_finish(s), 0, "session finished");
	close(s);

	for (g = 0; g < NR_GROUPS; g++) {
		struct vmm *v = &vmm[g];

		kho_expect_eq(__iommu_unmap(v->iommu, &v->region, NULL), 0,
			      "%s group: the mapping unmapped", groups[g].name);
		close_group(-1, v->iommu, v->device, NR_FUNCS);
		munmap(v->mem, MEMFD_SIZE);
		close(v->memfd);
	}
	kho_expect_eq(kho_pins_held() - pins, 0,
		      "every page pinned for the handover is unpinned");
	kho_expect_eq(kho_proc_value("/proc/self/status", "VmLck") - locked, 0,
		      "no memory left locked for the VMM");
	kho_expect_eq(kho_debugfs_lines(VFIO_CONTAINERS, "", NULL), 0,
		      "debugfs: nothing left of the handover");
	for (g = 0; g < NR_GROUPS; g++) {
		snprintf(path, sizeof(path), "/dev/vfio/%ld",
			 kho_iommu_group_of(groups[g].bdf[0]));
		group_fd = open(path, O_RDWR);
		kho_expect_eq(group_fd < 0 ? -errno : 0, 0,
			      "%s group opens again: the handover's hold on it is gone",
			      groups[g].name);
		if (group_fd >= 0)
			close(group_fd);
	}
	kho_expect_eq(kho_dmar_faults(NULL), 0, "no DMAR fault logged by this kernel");
	return kho_judged();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "before"))
		return cmd_before();
	if (argc == 2 && !strcmp(argv[1], "kick-kexec"))
		return cmd_kick_kexec();
	if (argc == 2 && !strcmp(argv[1], "after"))
		return cmd_after();
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
