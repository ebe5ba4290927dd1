// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_multi - a VMM with several devices through two live updates in
 * a row: two igbs in one type1 container (one IOMMU domain, its table
 * handed over once), an edu in a container of its own, both containers in
 * one LUO session, another edu in a second session; every device doing
 * DMA before and after each kexec, and each edu during it.
 *
 *   start	old kernel: the igbs at 00:04.0 and 00:06.0 share a container,
 *		the edu at 00:05.0 has one, all in session kho-multi-a; the
 *		edu at 00:0a.0 has one in kho-multi-b. Each device gets a
 *		4 MiB memfd mapped at an IOVA of its own in its container,
 *		copies a page by DMA, and the memfds, containers and device
 *		files are preserved. A child holds both sessions across the
 *		kexec. Before that, misuse: the second igb's file in another
 *		session than its container is refused; a kexec with it left
 *		out of its container's session is refused, and nothing
 *		changes.
 *   kick-kexec	after start or again: each edu is told to copy its buffer
 *		(the page it copied last) into its memfd, and the kexec
 *		follows at once. edu's DMA fires about 100 ms after the
 *		kick: in the next kernel, through the kept translation.
 *   again	the next kernel: every memfd, container and device file comes
 *		back, the shared container once with both igbs, whose kept
 *		translation is one table adopted once; no device reset (the
 *		igbs' ring base registers), the data each copied before
 *		intact, each edu's copy kicked at the kexec landed; each
 *		mapping gets its new address and each device
 *		copies again; both sessions finish. Then everything is
 *		preserved again, in two new sessions, for the next kexec.
 *   end	the kernel after that: the VMM holding kho-multi-a (the igbs
 *		and the edu at 00:05.0) gets it back, each device copies
 *		again, and the VMM is killed: its death finishes the
 *		session, every pin goes, each device opens from scratch.
 *		kho-multi-b comes back as in "again", then its mapping is
 *		unmapped and every file closed: the pages pinned and the
 *		memory locked for the VMM are all given back.
 *
 * What a stage needs from the one before travels in the last page of each
 * device's memfd, which travels in the LUO session. One KTAP line per
 * check; the exit status says whether all passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/reboot.h>

#include <linux/sizes.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "kho_ktap.h"
#include "kho_luo.h"
#include "kho_sysfs.h"
#include "kho_vfio.h"

#define MEMFD_SIZE	SZ_4M
#define SRC_OFFSET	SZ_2M
#define DST_OFFSET	(SZ_2M + SZ_1M)
#define KICKED_OFFSET	(DST_OFFSET + SZ_64K)	/* edu's copy across the kexec */
#define COPY_SIZE	4096		/* what edu's buffer holds */
#define STATE_OFFSET	(MEMFD_SIZE - 4096)
#define STATE_MAGIC	0x4b484f4d554c5449ULL	/* "KHOMULTI" */
#define VFIO_CONTAINERS	"/sys/kernel/debug/kho_devices/vfio/containers"

#define IOMMU_DEVICES	"/sys/kernel/debug/kho_devices/iommu/devices"
#define LEFT_OUT_LOG	"its container is preserved without the device"

enum { TOKEN_MEMFD, TOKEN_CONTAINER, TOKEN_DEVICE, NR_TOKENS };

static const struct member {
	const char *session;
	const char *bdf;
	bool igb;		/* else an edu */
	unsigned int container;
} members[] = {
	{ "kho-multi-a", "0000:00:04.0", true, 0 },
	{ "kho-multi-a", "0000:00:06.0", true, 0 },
	{ "kho-multi-a", "0000:00:05.0", false, 1 },
	{ "kho-multi-b", "0000:00:0a.0", false, 2 },
};

#define NR_MEMBERS	ARRAY_SIZE(members)
#define NR_CONTAINERS	3

/* Each container's library object, shared by its members */
static struct iommu *containers[NR_CONTAINERS];

static const char *const sessions[] = { "kho-multi-a", "kho-multi-b" };

#define NR_SESSIONS	ARRAY_SIZE(sessions)

/* Kept in the last page of the member's memfd */
struct member_state {
	uint64_t magic;
	uint64_t seed;		/* of the last page copied */
	uint64_t tx_ring;	/* an igb's ring base: reset clears it */
	uint32_t updates;	/* live updates gone through */
	int32_t msi;		/* the igb test driver's state */
	uint64_t max_memcpy_size;
	uint64_t max_memcpy_count;
};

static struct member_rt {
	int memfd;
	uint8_t *mem;
	struct vfio_pci_device *device;
	struct dma_region region;	/* an edu's; an igb's is its driver's */
	struct member_state *st;
} rt[NR_MEMBERS];

/* Each member's IOVA and BAR0 address differ: one VMM, several devices. */
static uint64_t member_iova(unsigned int i)
{
	return 0x10000000000ULL + (uint64_t)i * SZ_1G;
}

static void *member_bar0(unsigned int i)
{
	return (void *)(KHO_VFIO_BAR0_VADDR + (uint64_t)i * SZ_256M);
}

/* A memfd's and a device's by member, a container's by container */
static int member_token(unsigned int i, int what)
{
	if (what == TOKEN_CONTAINER)
		return 1000 + members[i].container;
	return 1 + i * NR_TOKENS + what;
}

/* Is member @i the first of its container (which it sets up, or gets)? */
static bool first_of_container(unsigned int i)
{
	unsigned int j;

	for (j = 0; j < i; j++)
		if (members[j].container == members[i].container)
			return false;
	return true;
}

/* The member copies a page of a new pattern from SRC to DST by DMA. */
static void dma_copy(unsigned int i, uint64_t seed, const char *when)
{
	struct member_rt *m = &rt[i];
	uint64_t iova = member_iova(i);
	uint32_t *bar0 = m->device->bars[0].vaddr;
	int ret;

	kho_fill_pattern(m->mem + SRC_OFFSET, COPY_SIZE, seed);
	memset(m->mem + DST_OFFSET, 0, COPY_SIZE);
	if (members[i].igb) {
		ret = vfio_pci_driver_memcpy(m->device, iova + SRC_OFFSET,
					     iova + DST_OFFSET, COPY_SIZE);
	} else {
		kho_edu_dma(bar0, iova + SRC_OFFSET, EDU_BUFFER, COPY_SIZE,
			    EDU_DMA_START);
		ret = kho_edu_wait(bar0);
		if (!ret) {
			kho_edu_dma(bar0, EDU_BUFFER, iova + DST_OFFSET,
				    COPY_SIZE, EDU_DMA_START | EDU_DMA_TO_RAM);
			ret = kho_edu_wait(bar0);
		}
	}
	kho_expect_eq(ret, 0, "%s %s: the device copies a page by DMA",
		      members[i].bdf, when);
	kho_expect_eq(kho_pattern_bytes(m->mem + DST_OFFSET, COPY_SIZE, seed),
		      COPY_SIZE, "%s %s: the copy is right", members[i].bdf,
		      when);
	m->st->seed = seed;
}

/* edu has no DMA reach the policy knows: it is given one, in each kernel */
static void give_reach(const char *bdf, const char *when)
{
	char path[96];

	snprintf(path, sizeof(path),
		 "/sys/bus/pci/devices/%s/kho_dma_reach_bits", bdf);
	kho_expect_eq(kho_write_file(path, "64"), 0,
		      "%s: given a 64-bit DMA reach%s", bdf, when);
}

/* Old kernel: the member's memfd, container and device, from scratch */
static void set_up(unsigned int i)
{
	const struct member *mb = &members[i];
	struct member_rt *m = &rt[i];
	struct dma_region *region;

	if (!mb->igb)
		give_reach(mb->bdf, "");
	m->memfd = memfd_create(mb->bdf, 0);
	VFIO_ASSERT_GE(m->memfd, 0);
	VFIO_ASSERT_EQ(ftruncate(m->memfd, MEMFD_SIZE), 0);
	m->mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      m->memfd, 0);
	VFIO_ASSERT_NE(m->mem, MAP_FAILED);
	m->st = (struct member_state *)(m->mem + STATE_OFFSET);
	if (first_of_container(i))
		containers[mb->container] = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	m->device = vfio_pci_device_init(mb->bdf, containers[mb->container]);
	kho_vfio_map_bar0_at(m->device, member_bar0(i));
	region = mb->igb ? &m->device->driver.region : &m->region;
	*region = (struct dma_region){ .vaddr = m->mem, .iova = member_iova(i),
				       .size = MEMFD_SIZE };
	iommu_map(m->device->iommu, region);
	*m->st = (struct member_state){ .magic = STATE_MAGIC };
	if (mb->igb) {
		vfio_pci_driver_init(m->device);
		m->st->msi = m->device->driver.msi;
		m->st->max_memcpy_size = m->device->driver.max_memcpy_size;
		m->st->max_memcpy_count = m->device->driver.max_memcpy_count;
		m->st->tx_ring = kho_igb_tx_ring(mb->bdf);
		kho_expect_eq(!!m->st->tx_ring, 1,
			      "%s: its ring base register is set (a reset clears it)",
			      mb->bdf);
	} else {
		vfio_pci_cmd_set(m->device, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	}
}

static const char *const token_name[] = { "memfd", "container", "device" };

/*
 * Every member of @name into a new session, which is returned: the memfds
 * first (a container names those behind its mappings), then each container
 * once, then the devices.
 */
static int preserve_session(const char *name)
{
	int luo = kho_luo_fd(), s, fd[NR_TOKENS], t;
	unsigned int i;

	s = luo_create_session(luo, name);
	kho_expect_eq(s < 0 ? s : 0, 0, "session %s created", name);
	for (t = 0; t < NR_TOKENS && s >= 0; t++) {
		for (i = 0; i < NR_MEMBERS; i++) {
			if (strcmp(members[i].session, name) ||
			    (t == TOKEN_CONTAINER && !first_of_container(i)))
				continue;
			fd[TOKEN_MEMFD] = rt[i].memfd;
			fd[TOKEN_CONTAINER] = rt[i].device->iommu->container_fd;
			fd[TOKEN_DEVICE] = rt[i].device->fd;
			kho_expect_eq(luo_session_preserve_fd(s, fd[t],
							      member_token(i, t)),
				      0, "%s: %s preserved in %s", members[i].bdf,
				      token_name[t], name);
		}
	}
	return s;
}

/*
 * The devices of one container are in one IOMMU domain: their records
 * carry one domain ID and name one run of table pages, handed over once.
 */
static void check_one_run(const char *a, const char *b)
{
	unsigned int dom[2] = {}, pages[2] = {}, run[2] = { 1, 2 };

	kho_expect_eq(kho_iommu_out_record(a, &dom[0], &pages[0], &run[0]), 0,
		      "%s: its IOMMU record is listed", a);
	kho_expect_eq(kho_iommu_out_record(b, &dom[1], &pages[1], &run[1]), 0,
		      "%s: its IOMMU record is listed", b);
	kho_expect_eq(dom[1], dom[0], "%s and %s: one domain ID", a, b);
	kho_expect_eq(run[1], run[0], "%s and %s: one run of table pages", a, b);
	kho_expect_eq(pages[1], pages[0], "%s and %s: as many table pages", a, b);
}

/*
 * DMAR faults this kernel logged. The scenario lets the console carry
 * faults (upstream vfio_pci_driver_test makes some on purpose, after the
 * last stage), so each stage checks its own kernel's log.
 */
static void no_dmar_fault(void)
{
	kho_expect_eq(kho_klog_count("DMAR: [DMA ", NULL) +
		      kho_klog_count("DMAR: DRHD: handling fault", NULL), 0,
		      "no DMAR fault logged by this kernel");
}

/* Both sessions preserved, and held by a child across the kexec */
static void preserve_all(void)
{
	unsigned int i;

	for (i = 0; i < NR_MEMBERS; i++) {
		rt[i].st->updates++;
		memset(rt[i].mem + KICKED_OFFSET, 0, COPY_SIZE);
	}
	for (i = 0; i < NR_SESSIONS; i++)
		preserve_session(sessions[i]);
	kho_expect_eq(kho_debugfs_lines(VFIO_CONTAINERS, "out ", NULL),
		      NR_CONTAINERS, "debugfs lists every container as handed over");
	kho_expect_eq(kho_debugfs_lines(VFIO_CONTAINERS, "out ", "devices=2 "),
		      1, "debugfs: the igbs' container hands both over");
	kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, "out ", NULL),
		      NR_MEMBERS, "every device's translation is recorded");
	check_one_run(members[0].bdf, members[1].bdf);
	no_dmar_fault();
	kho_expect_eq(kho_luo_hold(), 0, "a child holds the sessions across the kexec");
}

/*
 * Misuse, in sessions closed again: the second igb's device file in
 * another session than its container is refused; closing the sessions
 * gives everything back (the container maps again).
 */
static void misuse_two_sessions(void)
{
	int luo = kho_luo_fd(), s, s2;
	struct dma_region probe = {
		.vaddr = rt[0].mem, .iova = member_iova(NR_MEMBERS),
		.size = SZ_4K,
	};

	s = luo_create_session(luo, "kho-multi-misuse");
	s2 = luo_create_session(luo, "kho-multi-misuse-2");
	VFIO_ASSERT_GE(s, 0);
	VFIO_ASSERT_GE(s2, 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, rt[0].memfd, 1), 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, rt[1].memfd, 2), 0);
	kho_expect_eq(luo_session_preserve_fd(s, containers[0]->container_fd, 3),
		      0, "misuse: the igbs' container preserved");
	kho_expect_eq(__iommu_map(containers[0], &probe), -EBUSY,
		      "misuse: a preserved container is frozen (map -EBUSY)");
	kho_expect_eq(luo_session_preserve_fd(s, rt[0].device->fd, 4), 0,
		      "misuse: the first igb preserved with it");
	kho_expect_eq(luo_session_preserve_fd(s2, rt[1].device->fd, 5), -ENOENT,
		      "misuse: the second igb in another session than its container: -ENOENT");
	close(s2);
	close(s);
	kho_expect_eq(__iommu_map(containers[0], &probe), 0,
		      "misuse: once the sessions are closed the container maps again");
	kho_expect_eq(__iommu_unmap(containers[0], &probe, NULL), 0,
		      "misuse: and unmaps");
}

/*
 * Misuse: the igbs' container and the first igb preserved, the second igb
 * left out. The kexec is refused with -ENOENT and a line naming the igb
 * left out, and nothing changes: both igbs still master and copy, and
 * closing the session thaws the container.
 */
static void misuse_device_left_out(void)
{
	int luo = kho_luo_fd(), s, logged, ret;
	struct dma_region probe = {
		.vaddr = rt[0].mem, .iova = member_iova(NR_MEMBERS),
		.size = SZ_4K,
	};

	logged = kho_klog_count(LEFT_OUT_LOG, members[1].bdf);
	s = luo_create_session(luo, "kho-multi-left-out");
	VFIO_ASSERT_GE(s, 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, rt[0].memfd, 1), 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, rt[1].memfd, 2), 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, containers[0]->container_fd, 3), 0);
	VFIO_ASSERT_EQ(luo_session_preserve_fd(s, rt[0].device->fd, 4), 0);
	ret = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		      LINUX_REBOOT_CMD_KEXEC, NULL);
	kho_expect_eq(ret ? -errno : 0, -ENOENT,
		      "misuse: a kexec with the second igb left out of its container's session: -ENOENT");
	kho_expect_eq(kho_klog_count(LEFT_OUT_LOG, members[1].bdf) - logged, 1,
		      "misuse: the refusal names the igb left out");
	kho_expect_eq(kho_bus_master(members[0].bdf) && kho_bus_master(members[1].bdf),
		      1, "misuse: both igbs still master after the refused kexec");
	dma_copy(0, 0x1100, "after the refused kexec");
	dma_copy(1, 0x1101, "after the refused kexec");
	close(s);
	kho_expect_eq(__iommu_map(containers[0], &probe), 0,
		      "misuse: once the session is closed the container maps again");
	kho_expect_eq(__iommu_unmap(containers[0], &probe, NULL), 0,
		      "misuse: and unmaps");
}

static int cmd_start(void)
{
	unsigned int i;

	ksft_print_header();
	for (i = 0; i < NR_MEMBERS; i++) {
		set_up(i);
		dma_copy(i, 0x1000 + i, "before the first live update");
	}
	misuse_two_sessions();
	misuse_device_left_out();
	preserve_all();
	return kho_judged();
}

/* New kernel: member @i back from session @s, with its new vaddr */
static void restore(unsigned int i, int s)
{
	const struct member *mb = &members[i];
	struct member_rt *m = &rt[i];
	int fd[NR_TOKENS], t;

	for (t = 0; t < NR_TOKENS; t++) {
		if (t == TOKEN_CONTAINER && !first_of_container(i)) {
			fd[t] = containers[mb->container]->container_fd;
			continue;
		}
		fd[t] = luo_session_retrieve_fd(s, member_token(i, t));
		kho_expect_eq(fd[t] < 0 ? fd[t] : 0, 0, "%s: %s retrieved",
			      mb->bdf, token_name[t]);
	}
	VFIO_ASSERT_GE(fd[TOKEN_MEMFD], 0);
	VFIO_ASSERT_GE(fd[TOKEN_CONTAINER], 0);
	VFIO_ASSERT_GE(fd[TOKEN_DEVICE], 0);
	m->memfd = fd[TOKEN_MEMFD];
	m->mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      m->memfd, 0);
	VFIO_ASSERT_NE(m->mem, MAP_FAILED);
	m->st = (struct member_state *)(m->mem + STATE_OFFSET);
	VFIO_ASSERT_EQ(m->st->magic, STATE_MAGIC);
	kho_expect_eq(kho_pattern_bytes(m->mem + DST_OFFSET, COPY_SIZE, m->st->seed),
		      COPY_SIZE, "%s: the page it copied before the kexec is intact",
		      mb->bdf);
	if (mb->igb)
		kho_expect_eq(kho_igb_tx_ring(mb->bdf), m->st->tx_ring,
			      "%s: not reset (its ring base register is kept)",
			      mb->bdf);
	else
		kho_expect_eq(kho_pattern_bytes(m->mem + KICKED_OFFSET,
						COPY_SIZE, m->st->seed),
			      COPY_SIZE,
			      "%s: the copy kicked at the kexec landed in the memfd",
			      mb->bdf);
	kho_expect_eq(kho_vfio_update_vaddr(fd[TOKEN_CONTAINER], member_iova(i),
					    MEMFD_SIZE, m->mem), 0,
		      "%s: the mapping gets the memfd's new address", mb->bdf);
	if (first_of_container(i))
		containers[mb->container] =
			kho_vfio_wrap_container(fd[TOKEN_CONTAINER]);
	m->device = kho_vfio_wrap_device(mb->bdf, containers[mb->container],
					 fd[TOKEN_DEVICE], member_bar0(i));
	if (mb->igb) {
		kho_vfio_resume_driver(m->device, m->mem, member_iova(i),
				       MEMFD_SIZE, m->st->msi,
				       m->st->max_memcpy_size,
				       m->st->max_memcpy_count);
	} else {
		m->region = (struct dma_region){ .vaddr = m->mem,
						 .iova = member_iova(i),
						 .size = MEMFD_SIZE };
		list_add(&m->region.link, &m->device->iommu->dma_regions);
	}
}

/*
 * Session @j back: each of its members checked, given its new vaddr and
 * copying again, going on with its kept table adopted in place. Returns
 * the session, not finished.
 */
static int restore_session(unsigned int j)
{
	int s = luo_retrieve_session(kho_luo_fd(), sessions[j]);
	char when[64], prefix[32];
	unsigned int i;

	kho_expect_eq(s < 0 ? s : 0, 0, "session %s retrieved", sessions[j]);
	VFIO_ASSERT_GE(s, 0);
	for (i = 0; i < NR_MEMBERS; i++)
		if (!strcmp(members[i].session, sessions[j]))
			restore(i, s);
	for (i = 0; i < NR_MEMBERS; i++) {
		if (strcmp(members[i].session, sessions[j]))
			continue;
		snprintf(when, sizeof(when), "after live update %u",
			 rt[i].st->updates);
		dma_copy(i, 0x2000 + rt[i].st->updates * 0x10 + i, when);
		snprintf(prefix, sizeof(prefix), "in %s ", members[i].bdf);
		kho_expect_eq(kho_debugfs_lines(IOMMU_DEVICES, prefix, "table=in-place"),
			      1, "%s: goes on with its kept table, adopted in place",
			      members[i].bdf);
	}
	return s;
}

/* Both sessions back, every member checked and copying again, finished */
static void restore_all(void)
{
	int s[NR_SESSIONS];
	unsigned int j;

	for (j = 0; j < NR_SESSIONS; j++)
		s[j] = restore_session(j);
	kho_expect_eq(kho_debugfs_lines(VFIO_CONTAINERS, "in ", NULL),
		      NR_CONTAINERS, "debugfs lists every container as rebuilt");
	for (j = 0; j < NR_SESSIONS; j++) {
		kho_expect_eq(luo_session_finish(s[j]), 0, "session %s finished",
			      sessions[j]);
		close(s[j]);
	}
	kho_expect_eq(kho_debugfs_lines(VFIO_CONTAINERS, "", NULL), 0,
		      "debugfs: nothing left of the handover once finished");
}

static int cmd_again(void)
{
	unsigned int i;

	ksft_print_header();
	restore_all();
	for (i = 0; i < NR_MEMBERS; i++)
		if (!members[i].igb)
			give_reach(members[i].bdf, " again");
	preserve_all();
	return kho_judged();
}

/*
 * The VMM dies holding session @j: a child gets the session back, gives
 * every mapping its new address, has each device copy by DMA, and is
 * killed. Its death finishes the session: every device of it is an
 * ordinary one again that opens from scratch, and no page pin is left.
 */
static void vmm_dies(unsigned int j)
{
	struct { int pass, fail; } *child;
	long pins = kho_pins_held();
	unsigned int i;
	bool killed;
	int status;
	pid_t pid;

	child = mmap(NULL, sizeof(*child), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	VFIO_ASSERT_NE(child, MAP_FAILED);
	fflush(stdout);
	pid = fork();
	VFIO_ASSERT_GE(pid, 0);
	if (!pid) {
		restore_session(j);
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
	kho_expect_eq(killed, 1, "the VMM holding %s killed before finishing it",
		      sessions[j]);
	kho_expect_eq(luo_retrieve_session(kho_luo_fd(), sessions[j]), -ENOENT,
		      "its death finished %s: gone (-ENOENT)", sessions[j]);
	kho_expect_eq(kho_pins_held() - pins, 0,
		      "every page pin taken for the dead VMM is released");
	for (i = 0; i < NR_MEMBERS; i++) {
		struct iommu *iommu;

		if (strcmp(members[i].session, sessions[j]))
			continue;
		iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
		/* vfio_pci_device_init() exits the program if the open fails */
		vfio_pci_device_cleanup(vfio_pci_device_init(members[i].bdf, iommu));
		iommu_cleanup(iommu);
		kho_expect_eq(1, 1, "%s opens again from scratch", members[i].bdf);
	}
	munmap(child, sizeof(*child));
}

/*
 * The VMM of the first session (two igbs in one container, an edu) dies
 * after its restore; the second session's is restored and then unmaps and
 * closes everything: what it got is all given back.
 */
static int cmd_end(void)
{
	long pins, locked;
	unsigned int i, n = 0;
	int s;

	ksft_print_header();
	pins = kho_pins_held();
	locked = kho_proc_value("/proc/self/status", "VmLck");
	vmm_dies(0);
	s = restore_session(1);
	kho_expect_eq(luo_session_finish(s), 0, "session %s finished", sessions[1]);
	close(s);
	for (i = 0; i < NR_MEMBERS; i++)
		n += !strcmp(members[i].session, sessions[1]);
	kho_expect_eq(kho_proc_value("/proc/self/status", "VmLck") - locked,
		      n * (MEMFD_SIZE >> 10),
		      "the VMM is charged for every mapping it got back (VmLck, KiB)");
	for (i = 0; i < NR_MEMBERS; i++) {
		struct member_rt *m = &rt[i];
		struct dma_region *region = members[i].igb ?
			&m->device->driver.region : &m->region;

		if (strcmp(members[i].session, sessions[1]))
			continue;
		if (members[i].igb)
			vfio_pci_driver_remove(m->device);
		kho_expect_eq(__iommu_unmap(m->device->iommu, region, NULL), 0,
			      "%s: its mapping unmapped", members[i].bdf);
		vfio_pci_device_cleanup(m->device);
		iommu_cleanup(containers[members[i].container]);
		munmap(m->mem, MEMFD_SIZE);
		close(m->memfd);
	}
	kho_expect_eq(kho_pins_held() - pins, 0,
		      "every page pinned for the handover is unpinned");
	kho_expect_eq(kho_proc_value("/proc/self/status", "VmLck") - locked, 0,
		      "no memory left locked for the VMM");
	kho_expect_eq(kho_debugfs_lines(VFIO_CONTAINERS, "", NULL), 0,
		      "debugfs: nothing left of either handover");
	no_dmar_fault();
	return kho_judged();
}

/* Every edu's copy started, then the kexec; returns only if it failed */
static int cmd_kick_kexec(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < NR_MEMBERS; i++) {
		if (members[i].igb)
			continue;
		err = kho_edu_kick(members[i].bdf, member_iova(i) + KICKED_OFFSET,
				   COPY_SIZE);
		if (err) {
			fprintf(stderr, "%s: kick: %s\n", members[i].bdf,
				strerror(-err));
			return 1;
		}
	}
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	fprintf(stderr, "reboot(KEXEC): %s\n", strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "start"))
		return cmd_start();
	if (argc == 2 && !strcmp(argv[1], "again"))
		return cmd_again();
	if (argc == 2 && !strcmp(argv[1], "end"))
		return cmd_end();
	if (argc == 2 && !strcmp(argv[1], "kick-kexec"))
		return cmd_kick_kexec();
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
