// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_group - an IOMMU group of two functions handed over as a whole.
 *
 *   vfio_kho_group before	old kernel, the next one loaded
 *   vfio_kho_group kick-kexec	each function starts a DMA, then the kexec
 *   vfio_kho_group after	new kernel
 *
 * The device is two edus in one slot, 00:0c.0 and 00:0c.1: a multi-function
 * device without ACS, whose functions the PCI core puts in one IOMMU group
 * (a GPU and its audio function are the usual case). Both are bound to
 * vfio-pci; a VMM owns the group through one type1 container, with one
 * 4 MiB memfd mapped, both functions doing DMA into it.
 *
 * before: refusals first, each leaving nothing frozen. With 00:0c.1 bound
 * to no driver (the VMM owns only 00:0c.0), the container's preserve fails
 * with -EBUSY and a line naming 00:0c.0 and the group rule. With both
 * owned, the container and 00:0c.0 preserved but 00:0c.1 left out of the
 * session, the kexec is refused (-ENOENT, a line naming 00:0c.1) and both
 * still master and copy. A group whose functions sit behind the
 * conventional PCI bridge at 00:08.0 is refused (-EOPNOTSUPP, a line
 * naming the bridge's requester ID): their DMA reaches the IOMMU as the
 * bridge's. Then the memfd, the container and both device files go into a
 * LUO session: the container names both functions, each has an IOMMU
 * record, both records name one domain and one run of table pages.
 *
 * kick-kexec: each edu is told to copy its buffer into the memfd, and the
 * kexec follows at once: the copies land in the next kernel.
 *
 * after: both functions kept by the PCI and IOMMU parts and mastering;
 * the session gives the memfd, the container and both device files back;
 * what each copied before is intact, each copy kicked at the kexec landed;
 * the mapping gets its new address, each function copies again, both on
 * the kept table adopted in place. The session finishes, the VMM closes
 * everything, every pin and locked page goes back, the group opens again
 * from scratch and no DMAR fault was logged.
 *
 * What the second stage needs from the first travels in the last page of
 * the memfd. One KTAP line per check; the exit status says whether all
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

#include "kho_ktap.h"
#include "kho_luo.h"
#include "kho_sysfs.h"
#include "kho_vfio.h"

#define NR_FUNCS	2
#define SESSION		"kho-group"
#define MEMFD_SIZE	SZ_4M
#define IOVA		0x10000000000ULL
#define COPY_SIZE	4096		/* what edu's buffer holds */
#define SRC(i)		((i) * SZ_1M)
#define DST(i)		((i) * SZ_1M + SZ_64K)
#define KICKED(i)	((i) * SZ_1M + SZ_128K)
#define PROBE_IOVA	0x20000000000ULL
#define STATE_OFFSET	(MEMFD_SIZE - 4096)
#define STATE_MAGIC	0x4b484f47524f5550ULL	/* "KHOGROUP" */
#define BRIDGED_EDU	"0000:01:01.0"	/* behind the bridge at 00:08.0 */
#define BRIDGE_ALIAS	"as 00:08.0"
#define GROUP_RULE	"shares its IOMMU group with devices that are not handed over"
#define LEFT_OUT_LOG	"its container is preserved without the device"
#define VFIO_CONTAINERS	"/sys/kernel/debug/kho_devices/vfio/containers"
#define IOMMU_DEVICES	"/sys/kernel/debug/kho_devices/iommu/devices"
#define PCI_FUNCTIONS	"/sys/kernel/debug/kho_devices/pci/functions"

enum { TOKEN_MEMFD = 1, TOKEN_CONTAINER, TOKEN_DEVICE };

static const char *const bdfs[NR_FUNCS] = { "0000:00:0c.0", "0000:00:0c.1" };

/* Kept in the last page of the memfd */
struct group_state {
	uint64_t magic;
	uint64_t seed[NR_FUNCS];	/* of the page each copied last */
};

/* The VMM: one container, the group's functions, one memfd mapped */
static struct vmm {
	int memfd;
	uint8_t *mem;
	struct iommu *iommu;
	int group_fd;
	struct vfio_pci_device *device[NR_FUNCS];
	struct dma_region region;
	struct group_state *st;
} vmm;

static void *bar0_at(unsigned int i)
{
	return (void *)(KHO_VFIO_BAR0_VADDR + (uint64_t)i * SZ_256M);
}

static int edu_wait(uint32_t *bar0)
{
	int i;

	for (i = 0; i < 2000 && (READ_ONCE(bar0[EDU_DMA_CMD / 4]) & EDU_DMA_START); i++)
		usleep(1000);
	return READ_ONCE(bar0[EDU_DMA_CMD / 4]) & EDU_DMA_START ? -ETIMEDOUT : 0;
}

/* Function @i copies a page of a new pattern from SRC to DST by DMA. */
static void dma_copy(unsigned int i, uint64_t seed, const char *when)
{
	uint32_t *bar0 = vmm.device[i]->bars[0].vaddr;
	int ret;

	kho_fill_pattern(vmm.mem + SRC(i), COPY_SIZE, seed);
	memset(vmm.mem + DST(i), 0, COPY_SIZE);
	kho_edu_dma(bar0, IOVA + SRC(i), EDU_BUFFER, COPY_SIZE, EDU_DMA_START);
	ret = edu_wait(bar0);
	if (!ret) {
		kho_edu_dma(bar0, EDU_BUFFER, IOVA + DST(i), COPY_SIZE,
			    EDU_DMA_START | EDU_DMA_TO_RAM);
		ret = edu_wait(bar0);
	}
	kho_expect_eq(ret, 0, "%s %s: copies a page by DMA", bdfs[i], when);
	kho_expect_eq(kho_pattern_bytes(vmm.mem + DST(i), COPY_SIZE, seed),
		      COPY_SIZE, "%s %s: the copy is right", bdfs[i], when);
	vmm.st->seed[i] = seed;
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
 * The group of @bdf opened into a new type1 container, as a VMM does with
 * a group of several functions: the group file once, then a device file
 * for each of the first @nr of @names. Returns the group file.
 */
static int open_group(const char *bdf, struct iommu **iommu,
		      const char *const *names, unsigned int nr,
		      struct vfio_pci_device **devices)
{
	char path[32];
	int group_fd, container_fd, fd;
	unsigned int i;

	snprintf(path, sizeof(path), "/dev/vfio/%ld", kho_iommu_group_of(bdf));
	group_fd = open(path, O_RDWR);
	VFIO_ASSERT_GE(group_fd, 0, "open(%s)\n", path);
	container_fd = open("/dev/vfio/vfio", O_RDWR);
	VFIO_ASSERT_GE(container_fd, 0);
	ioctl_assert(group_fd, VFIO_GROUP_SET_CONTAINER, &container_fd);
	VFIO_ASSERT_EQ(ioctl(container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	*iommu = kho_vfio_wrap_container(container_fd);
	for (i = 0; i < nr; i++) {
		fd = ioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD, names[i]);
		VFIO_ASSERT_GE(fd, 0, "VFIO_GROUP_GET_DEVICE_FD %s\n", names[i]);
		devices[i] = kho_vfio_wrap_device(names[i], *iommu, fd,
						  bar0_at(i));
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
	struct vfio_pci_device *device;
	struct dma_region region = { .iova = IOVA, .size = MEMFD_SIZE };
	struct dma_region probe = { .iova = PROBE_IOVA, .size = SZ_4K };
	struct iommu *iommu;
	char path[96];
	int memfd, s, group_fd, logged;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 bdfs[1]);
	kho_expect_eq(kho_write_file(path, bdfs[1]), 0,
		      "%s: unbound from vfio-pci", bdfs[1]);
	memfd = memfd_mapped((uint8_t **)&region.vaddr);
	probe.vaddr = region.vaddr;
	group_fd = open_group(bdfs[0], &iommu, bdfs, 1, &device);
	iommu_map(iommu, &region);
	s = luo_create_session(luo, "kho-group-not-owned");
	VFIO_ASSERT_GE(s, 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, memfd, TOKEN_MEMFD), 0);
	logged = kho_klog_count(GROUP_RULE, bdfs[0]);
	kho_expect_eq(luo_session_preserve_fd(s, iommu->container_fd,
					      TOKEN_CONTAINER), -EBUSY,
		      "sibling not owned: the group's container is refused (-EBUSY)");
	kho_expect_eq(kho_klog_count(GROUP_RULE, bdfs[0]) - logged, 1,
		      "sibling not owned: the refusal names %s and the group rule",
		      bdfs[0]);
	kho_expect_eq(__iommu_map(iommu, &probe), 0,
		      "sibling not owned: the container is not left frozen (it maps)");
	kho_expect_eq(__iommu_unmap(iommu, &probe, NULL), 0, "and unmaps");
	close(s);
	VFIO_ASSERT_EQ(__iommu_unmap(iommu, &region, NULL), 0);
	close_group(group_fd, iommu, &device, 1);
	munmap(region.vaddr, MEMFD_SIZE);
	close(memfd);
	kho_expect_eq(kho_bind_vfio(bdfs[1]), 0, "%s: bound to vfio-pci again",
		      bdfs[1]);
}

/*
 * The edus behind the conventional bridge share a group too, but their
 * DMA reaches the IOMMU under the bridge's requester ID, which the
 * handover does not keep: refused (-EOPNOTSUPP), logged, nothing frozen.
 */
static void bridged_group_refused(int luo)
{
	static const char *const bridged[] = { BRIDGED_EDU, "0000:01:02.0" };
	struct vfio_pci_device *devices[2];
	struct dma_region region = { .iova = IOVA, .size = MEMFD_SIZE };
	struct dma_region probe = { .iova = PROBE_IOVA, .size = SZ_4K };
	struct iommu *iommu;
	int memfd, s, group_fd, logged;

	memfd = memfd_mapped((uint8_t **)&region.vaddr);
	probe.vaddr = region.vaddr;
	group_fd = open_group(BRIDGED_EDU, &iommu, bridged, 2, devices);
	iommu_map(iommu, &region);
	s = luo_create_session(luo, "kho-group-bridged");
	VFIO_ASSERT_GE(s, 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, memfd, TOKEN_MEMFD), 0);
	logged = kho_klog_count(BRIDGE_ALIAS, "aliases are not handed over");
	kho_expect_eq(luo_session_preserve_fd(s, iommu->container_fd,
					      TOKEN_CONTAINER), -EOPNOTSUPP,
		      "bridged group: its container is refused (-EOPNOTSUPP)");
	kho_expect_eq(kho_klog_count(BRIDGE_ALIAS, "aliases are not handed over") -
		      logged, 1,
		      "bridged group: the refusal names the bridge's requester ID");
	kho_expect_eq(__iommu_map(iommu, &probe), 0,
		      "bridged group: the container is not left frozen (it maps)");
	kho_expect_eq(__iommu_unmap(iommu, &probe, NULL), 0, "and unmaps");
	close(s);
	VFIO_ASSERT_EQ(__iommu_unmap(iommu, &region, NULL), 0);
	close_group(group_fd, iommu, devices, 2);
	munmap(region.vaddr, MEMFD_SIZE);
	close(memfd);
}

/*
 * The container and 00:0c.0 preserved, 00:0c.1 left out of the session:
 * the kexec is refused (-ENOENT, a line naming 00:0c.1), both functions
 * still master and copy, and closing the session thaws the container.
 */
static void sibling_left_out(int luo)
{
	struct dma_region probe = { .vaddr = vmm.mem, .iova = PROBE_IOVA,
				    .size = SZ_4K };
	int s, logged, ret;

	s = luo_create_session(luo, "kho-group-left-out");
	VFIO_ASSERT_GE(s, 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, vmm.memfd, TOKEN_MEMFD), 0);
	kho_expect_eq(luo_session_preserve_fd(s, vmm.iommu->container_fd,
					      TOKEN_CONTAINER), 0,
		      "left out: the group's container preserved");
	kho_expect_eq(luo_session_preserve_fd(s, vmm.device[0]->fd,
					      TOKEN_DEVICE), 0,
		      "left out: %s preserved, its group's other function not yet",
		      bdfs[0]);
	logged = kho_klog_count(LEFT_OUT_LOG, bdfs[1]);
	ret = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		      LINUX_REBOOT_CMD_KEXEC, NULL);
	kho_expect_eq(ret ? -errno : 0, -ENOENT,
		      "left out: a kexec without %s is refused (-ENOENT)", bdfs[1]);
	kho_expect_eq(kho_klog_count(LEFT_OUT_LOG, bdfs[1]) - logged, 1,
		      "left out: the refusal names %s", bdfs[1]);
	kho_expect_eq(kho_bus_master(bdfs[0]) && kho_bus_master(bdfs[1]), 1,
		      "left out: both functions still master after the refused kexec");
	dma_copy(0, 0x4100, "after the refused kexec");
	dma_copy(1, 0x4101, "after the refused kexec");
	close(s);
	kho_expect_eq(__iommu_map(vmm.iommu, &probe), 0,
		      "left out: once the session is closed the container maps again");
	kho_expect_eq(__iommu_unmap(vmm.iommu, &probe, NULL), 0, "and unmaps");
}

static int cmd_before(void)
{
	unsigned int i, dom[NR_FUNCS] = {}, pages[NR_FUNCS] = {};
	unsigned int run[NR_FUNCS] = { 1, 2 };
	int luo = kho_luo_fd(), s;

	ksft_print_header();
	VFIO_ASSERT_GE(luo, 0);
	kho_expect_eq(kho_iommu_group_of(bdfs[0]) >= 0 &&
		      kho_iommu_group_of(bdfs[0]) == kho_iommu_group_of(bdfs[1]),
		      1, "%s and %s share one IOMMU group", bdfs[0], bdfs[1]);
	for (i = 0; i < NR_FUNCS; i++)
		give_reach(bdfs[i]);
	sibling_not_owned(luo);
	bridged_group_refused(luo);

	vmm.memfd = memfd_mapped(&vmm.mem);
	vmm.st = (struct group_state *)(vmm.mem + STATE_OFFSET);
	*vmm.st = (struct group_state){ .magic = STATE_MAGIC };
	vmm.group_fd = open_group(bdfs[0], &vmm.iommu, bdfs, NR_FUNCS,
				  vmm.device);
	vmm.region = (struct dma_region){ .vaddr = vmm.mem, .iova = IOVA,
					  .size = MEMFD_SIZE };
	iommu_map(vmm.iommu, &vmm.region);
	for (i = 0; i < NR_FUNCS; i++)
		dma_copy(i, 0x4000 + i, "before the live update");
	sibling_left_out(luo);

	s = luo_create_session(luo, SESSION);
	kho_expect_eq(s < 0 ? s : 0, 0, "session created");
	VFIO_ASSERT_GE(s, 0);
	for (i = 0; i < NR_FUNCS; i++)
		memset(vmm.mem + KICKED(i), 0, COPY_SIZE);
	kho_expect_eq(luo_session_preserve_fd(s, vmm.memfd, TOKEN_MEMFD), 0,
		      "memfd preserved");
	kho_expect_eq(luo_session_preserve_fd(s, vmm.iommu->container_fd,
					      TOKEN_CONTAINER), 0,
		      "the group's container preserved");
	for (i = 0; i < NR_FUNCS; i++)
		kho_expect_eq(luo_session_preserve_fd(s, vmm.device[i]->fd,
						      TOKEN_DEVICE + i), 0,
			      "%s: device file preserved", bdfs[i]);
	kho_expect_eq(kho_debugfs_lines(VFIO_CONTAINERS, "out ", "devices=2 "),
		      1, "debugfs: the container hands both functions over");
	for (i = 0; i < NR_FUNCS; i++)
		kho_expect_eq(kho_iommu_out_record(bdfs[i], &dom[i], &pages[i],
						   &run[i]), 0,
			      "%s: its IOMMU record is listed", bdfs[i]);
	kho_expect_eq(dom[1], dom[0], "both records: one domain ID");
	kho_expect_eq(run[1], run[0], "both records: one run of table pages");
	kho_expect_eq(kho_klog_count("DMAR: [DMA ", NULL) +
		      kho_klog_count("DMAR: DRHD: handling fault", NULL), 0,
		      "no DMAR fault logged by this kernel");
	kho_expect_eq(kho_luo_hold(), 0, "a child holds the session across the kexec");
	return kho_judged();
}

/* Each edu's copy of its buffer started, then the kexec */
static int cmd_kick_kexec(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < NR_FUNCS; i++) {
		err = kho_edu_kick(bdfs[i], IOVA + KICKED(i), COPY_SIZE);
		if (err) {
			fprintf(stderr, "%s: kick: %s\n", bdfs[i], strerror(-err));
			return 1;
		}
	}
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	fprintf(stderr, "reboot(KEXEC): %s\n", strerror(errno));
	return 1;
}

static int cmd_after(void)
{
	long pins = kho_pins_held();
	long locked = kho_proc_value("/proc/self/status", "VmLck");
	char prefix[32], path[32];
	int s, fd, group_fd;
	unsigned int i;

	ksft_print_header();
	for (i = 0; i < NR_FUNCS; i++) {
		snprintf(prefix, sizeof(prefix), "in %s ", bdfs[i]);
		kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, prefix, "kept"), 1,
			      "%s: its translation kept by the new kernel", bdfs[i]);
		kho_expect_eq(kho_debugfs_lines(PCI_FUNCTIONS, prefix, "claimed"),
			      1, "%s: claimed by the PCI part", bdfs[i]);
		kho_expect_eq(kho_bus_master(bdfs[i]), 1,
			      "%s: still masters DMA after the kexec", bdfs[i]);
	}
	s = luo_retrieve_session(kho_luo_fd(), SESSION);
	kho_expect_eq(s < 0 ? s : 0, 0, "session retrieved");
	VFIO_ASSERT_GE(s, 0);
	vmm.memfd = luo_session_retrieve_fd(s, TOKEN_MEMFD);
	fd = luo_session_retrieve_fd(s, TOKEN_CONTAINER);
	kho_expect_eq(vmm.memfd < 0 ? vmm.memfd : fd < 0 ? fd : 0, 0,
		      "memfd and container retrieved");
	VFIO_ASSERT_GE(vmm.memfd, 0);
	VFIO_ASSERT_GE(fd, 0);
	vmm.iommu = kho_vfio_wrap_container(fd);
	vmm.mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vmm.memfd, 0);
	VFIO_ASSERT_NE(vmm.mem, MAP_FAILED);
	vmm.st = (struct group_state *)(vmm.mem + STATE_OFFSET);
	VFIO_ASSERT_EQ(vmm.st->magic, STATE_MAGIC);
	for (i = 0; i < NR_FUNCS; i++) {
		kho_expect_eq(kho_pattern_bytes(vmm.mem + DST(i), COPY_SIZE,
						vmm.st->seed[i]), COPY_SIZE,
			      "%s: the page it copied before the kexec is intact",
			      bdfs[i]);
		kho_expect_eq(kho_pattern_bytes(vmm.mem + KICKED(i), COPY_SIZE,
						vmm.st->seed[i]), COPY_SIZE,
			      "%s: the copy kicked at the kexec landed in the memfd",
			      bdfs[i]);
	}
	kho_expect_eq(kho_vfio_update_vaddr(fd, IOVA, MEMFD_SIZE, vmm.mem), 0,
		      "the mapping gets the memfd's new address");
	vmm.region = (struct dma_region){ .vaddr = vmm.mem, .iova = IOVA,
					  .size = MEMFD_SIZE };
	list_add(&vmm.region.link, &vmm.iommu->dma_regions);
	for (i = 0; i < NR_FUNCS; i++) {
		fd = luo_session_retrieve_fd(s, TOKEN_DEVICE + i);
		kho_expect_eq(fd < 0 ? fd : 0, 0, "%s: device file retrieved",
			      bdfs[i]);
		VFIO_ASSERT_GE(fd, 0);
		vmm.device[i] = kho_vfio_wrap_device(bdfs[i], vmm.iommu, fd,
						     bar0_at(i));
	}
	for (i = 0; i < NR_FUNCS; i++) {
		dma_copy(i, 0x4200 + i, "after the live update");
		snprintf(prefix, sizeof(prefix), "in %s ", bdfs[i]);
		kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, prefix, "table=in-place"),
			      1, "%s: goes on with its kept table, adopted in place",
			      bdfs[i]);
	}
	kho_expect_eq(kho_proc_value("/proc/self/status", "VmLck") - locked,
		      MEMFD_SIZE >> 10,
		      "the VMM is charged for the mapping it got back (VmLck, KiB)");
	kho_expect_eq(luo_session_finish(s), 0, "session finished");
	close(s);

	kho_expect_eq(__iommu_unmap(vmm.iommu, &vmm.region, NULL), 0,
		      "the mapping unmapped");
	close_group(-1, vmm.iommu, vmm.device, NR_FUNCS);
	munmap(vmm.mem, MEMFD_SIZE);
	close(vmm.memfd);
	kho_expect_eq(kho_pins_held() - pins, 0,
		      "every page pinned for the handover is unpinned");
	kho_expect_eq(kho_proc_value("/proc/self/status", "VmLck") - locked, 0,
		      "no memory left locked for the VMM");
	kho_expect_eq(kho_debugfs_lines(VFIO_CONTAINERS, "", NULL), 0,
		      "debugfs: nothing left of the handover");
	snprintf(path, sizeof(path), "/dev/vfio/%ld", kho_iommu_group_of(bdfs[0]));
	group_fd = open(path, O_RDWR);
	kho_expect_eq(group_fd < 0 ? -errno : 0, 0,
		      "the group opens again: the handover's hold on it is gone");
	if (group_fd >= 0)
		close(group_fd);
	kho_expect_eq(kho_klog_count("DMAR: [DMA ", NULL) +
		      kho_klog_count("DMAR: DRHD: handling fault", NULL), 0,
		      "no DMAR fault logged by this kernel");
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
