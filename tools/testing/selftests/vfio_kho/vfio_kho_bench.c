// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_bench - what a live update costs a VMM that owns a device, next
 * to what starting the device over costs on the same memory (make bench).
 *
 *   vfio_kho_bench before BDF MIB 4k|2m   old kernel
 *   vfio_kho_bench after BDF MIB 4k|2m    new kernel
 *   vfio_kho_bench cpu                    anywhere (the host too)
 *
 * Old kernel: MIB MiB of memfd guest memory, in 4 KiB pages or 2 MiB
 * shmem THP folios, faulted in; the device opened (vfio-pci resets it)
 * and the whole memfd mapped and pinned through a type1 container: that
 * is the start-over a VMM has without the suite. One function reset alone
 * (VFIO_DEVICE_RESET) is timed apart: the part of starting over that is
 * a fixed wait, not work. Then one DMA, and the memfd, the container and
 * the device preserved in a LUO session.
 *
 * New kernel: the memfd, the container and the device retrieved, the
 * mapping given its new address (VFIO_DMA_MAP_FLAG_VADDR) and the first
 * DMA through the same IOVA, not reset.
 *
 * cpu: the fixed loops that "before" times in the guest (arithmetic,
 * memory reads); harness/bench.sh runs them on the host
 * after each run, and each ratio says how much slower that kind of work
 * is in the guest than on the host (TCG translates the guest's code and
 * each memory access; a sleep is not slowed down).
 *
 * Each figure is printed as "bench KEY VALUE"; harness/bench-report.py
 * turns the runs into the table. The TSC, which a kexec does not reset,
 * times the kexec itself: harness/guest/kho-tsc.c notes it just before
 * "kexec -e". A step that fails prints "bench error STEP: ERRNO" and the
 * program exits 1: the bench reports it instead of a figure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <linux/compiler.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "kho_clock.h"
#include "kho_sysfs.h"
#include "kho_vfio.h"

#define SESSION_NAME		"kho-bench"
#define TOKEN_MEMFD		1
#define TOKEN_CONTAINER		2
#define TOKEN_DEVICE		3

#define DMA_IOVA		0x10000000000ULL	/* 1 TiB */
#define SZ_2M			(2UL << 20)
#define SRC_OFFSET		(2UL << 20)
#define DST_OFFSET		(3UL << 20)
#define COPY_SIZE		(64UL << 10)
#define STATE_MAGIC		0x4b484f42454e4348ULL	/* "KHOBENCH" */
#define THP_SHMEM		"/sys/kernel/mm/transparent_hugepage/shmem_enabled"
#define VFIO_CONTAINERS		"/sys/kernel/debug/kho_devices/vfio/containers"
#define IOMMU_DEVICES		"/sys/kernel/debug/kho_devices/iommu/devices"

/* Kept at the end of the memfd, so it travels with the preserved memory. */
struct bench_state {
	uint64_t magic;
	uint64_t seed;
	int32_t msi;
	uint64_t max_memcpy_size;
	uint64_t max_memcpy_count;
};

static uint64_t mem_size;

static void __printf(2, 3) put(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("bench %s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static int fail(const char *step, int err)
{
	put("error", "%s: %s", step, strerror(err < 0 ? -err : err));
	return 1;
}

static int set_shmem_thp(const char *mode)
{
	int fd = open(THP_SHMEM, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, mode, strlen(mode));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* A shared mapping of @memfd at a 2 MiB aligned address (PMD mappable). */
static uint8_t *map_aligned(int memfd)
{
	uint8_t *area, *p;

	area = mmap(NULL, mem_size + SZ_2M, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		return NULL;
	p = (uint8_t *)(((uintptr_t)area + SZ_2M - 1) & ~(SZ_2M - 1));
	if (mmap(p, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 memfd, 0) == MAP_FAILED)
		return NULL;
	return p;
}

/* How the memfd's memory is folded: 2 MiB folios mapped, the rest 4 KiB. */
static void put_folios(const uint8_t *p)
{
	unsigned long start, end, kb, pmd_kb = 0;
	char line[256];
	int in = 0;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = start == (uintptr_t)p;
			continue;
		}
		if (in && sscanf(line, "ShmemPmdMapped: %lu kB", &kb) == 1)
			pmd_kb = kb;
	}
	fclose(f);
	put("folios_2m", "%lu", pmd_kb >> 11);
	put("folios_4k", "%lu", (unsigned long)((mem_size >> 10) - pmd_kb) >> 2);
}

/* Use the loops' result, so that no loop is optimised away */
static void cpu_loop_result(uint64_t sum)
{
	__asm__ __volatile__("" : : "r"(sum));
}

#define CPU_LOOP_ALU		20000000	/* xorshift64 steps */
#define CPU_LOOP_MEM_SIZE	(64UL << 20)	/* bytes read, 64 at a time */

/*
 * Fixed amounts of work of two kinds, each timed: integer arithmetic in
 * registers, and reads spread over 64 MiB. (System calls are not
 * compared: the host may itself be a sandbox where they cost more.)
 */
static void put_cpu_loops(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL, sum = 0;
	uint8_t *buf;
	size_t off;
	double t;
	long i;

	t = kho_clock_ms();
	for (i = 0; i < CPU_LOOP_ALU; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += x;
	}
	put("cpu_alu_ms", "%.1f", kho_clock_ms() - t);

	buf = malloc(CPU_LOOP_MEM_SIZE);
	if (buf) {
		memset(buf, 1, CPU_LOOP_MEM_SIZE);
		t = kho_clock_ms();
		for (off = 0; off < CPU_LOOP_MEM_SIZE; off += 64)
			sum += buf[(off * 4099) & (CPU_LOOP_MEM_SIZE - 1)];
		put("cpu_mem_ms", "%.1f", kho_clock_ms() - t);
		free(buf);
	}
	cpu_loop_result(sum);
}

static int dma_copy(struct vfio_pci_device *device, uint8_t *mem,
		    uint64_t seed)
{
	kho_fill_pattern(mem + SRC_OFFSET, COPY_SIZE, seed);
	memset(mem + DST_OFFSET, 0, COPY_SIZE);
	if (vfio_pci_driver_memcpy(device, DMA_IOVA + SRC_OFFSET,
				   DMA_IOVA + DST_OFFSET, COPY_SIZE))
		return -EIO;
	return memcmp(mem + SRC_OFFSET, mem + DST_OFFSET, COPY_SIZE) ?
	       -EILSEQ : 0;
}

static struct bench_state *state_of(uint8_t *mem)
{
	return (struct bench_state *)(mem + mem_size - 4096);
}

static int before(const char *bdf, int huge)
{
	struct vfio_pci_device *device;
	struct dma_region *region;
	struct bench_state *st;
	int luo_fd, session_fd, memfd, ret;
	struct iommu *iommu;
	uint8_t *mem;
	uint64_t off;
	double t;

	put("tsc_per_ms", "%.1f", kho_tsc_per_ms());
	put_cpu_loops();
	ret = set_shmem_thp(huge ? "always" : "never");
	if (ret)
		return fail("shmem_enabled", ret);
	memfd = memfd_create("kho-bench-guest-ram", 0);
	if (memfd < 0 || ftruncate(memfd, mem_size))
		return fail("memfd", errno);
	mem = map_aligned(memfd);
	if (!mem)
		return fail("mmap", errno);
	t = kho_clock_ms();
	for (off = 0; off < mem_size; off += 4096)
		mem[off] = 1;
	put("populate_ms", "%.1f", kho_clock_ms() - t);
	put_folios(mem);

	/* Start over: open (vfio-pci resets the function), map and pin. */
	t = kho_clock_ms();
	iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	device = vfio_pci_device_init(bdf, iommu);
	put("open_reset_ms", "%.1f", kho_clock_ms() - t);
	t = kho_clock_ms();
	if (ioctl(device->fd, VFIO_DEVICE_RESET))
		return fail("VFIO_DEVICE_RESET", errno);
	put("reset_ms", "%.1f", kho_clock_ms() - t);
	kho_vfio_map_bar0(device);
	region = &device->driver.region;
	region->vaddr = mem;
	region->iova = DMA_IOVA;
	region->size = mem_size;
	t = kho_clock_ms();
	iommu_map(iommu, region);
	put("map_pin_ms", "%.1f", kho_clock_ms() - t);

	vfio_pci_driver_init(device);
	st = state_of(mem);
	st->magic = STATE_MAGIC;
	st->seed = (uint64_t)kho_clock_ms() | 1;
	st->msi = device->driver.msi;
	st->max_memcpy_size = device->driver.max_memcpy_size;
	st->max_memcpy_count = device->driver.max_memcpy_count;
	ret = dma_copy(device, mem, st->seed);
	if (ret)
		return fail("DMA in the old kernel", ret);

	luo_fd = luo_open_device();
	if (luo_fd < 0)
		return fail("open " LUO_DEVICE, luo_fd);
	session_fd = luo_create_session(luo_fd, SESSION_NAME);
	if (session_fd < 0)
		return fail("create session", session_fd);
	t = kho_clock_ms();
	ret = luo_session_preserve_fd(session_fd, memfd, TOKEN_MEMFD);
	if (ret)
		return fail("preserve memfd", ret);
	put("preserve_memfd_ms", "%.1f", kho_clock_ms() - t);
	t = kho_clock_ms();
	ret = luo_session_preserve_fd(session_fd, iommu->container_fd,
				      TOKEN_CONTAINER);
	if (ret)
		return fail("preserve container", ret);
	put("preserve_container_ms", "%.1f", kho_clock_ms() - t);
	t = kho_clock_ms();
	ret = luo_session_preserve_fd(session_fd, device->fd, TOKEN_DEVICE);
	if (ret)
		return fail("preserve device", ret);
	put("preserve_device_ms", "%.1f", kho_clock_ms() - t);

	put("table_pages", "%lld",
	    kho_debugfs_value(IOMMU_DEVICES, "out ", "pages="));
	put("iommu_metadata_bytes", "%lld",
	    kho_debugfs_value(IOMMU_DEVICES, "out ", "metadata_bytes="));
	put("vfio_metadata_bytes", "%lld",
	    kho_debugfs_value(VFIO_CONTAINERS, "out ", "metadata_bytes="));
	put("ready", "1");
	/* Every fd stays open across the kexec, as a VMM's would. */
	daemonize_and_wait();
	return 0;
}

static int after(const char *bdf)
{
	int luo_fd, session_fd, memfd, container, fd, ret;
	uint64_t tsc = __rdtsc();
	long long memfds_us, rebuild_us;
	struct vfio_pci_device *device;
	struct bench_state *st;
	uint8_t *mem;
	double t;

	put("tsc_start", "%llu", (unsigned long long)tsc);
	put("tsc_per_ms_after", "%.1f", kho_tsc_per_ms());
	luo_fd = luo_open_device();
	if (luo_fd < 0)
		return fail("open " LUO_DEVICE, luo_fd);
	/*
	 * The container comes back with its session, and its memfd with it:
	 * the kernel says how long each took (memfds_us, rebuild_us).
	 */
	t = kho_clock_ms();
	session_fd = luo_retrieve_session(luo_fd, SESSION_NAME);
	if (session_fd < 0)
		return fail("retrieve session", session_fd);
	put("session_retrieve_ms", "%.1f", kho_clock_ms() - t);
	memfds_us = kho_debugfs_value(VFIO_CONTAINERS, "in ", "memfds_us=");
	rebuild_us = kho_debugfs_value(VFIO_CONTAINERS, "in ", "rebuild_us=");
	if (memfds_us < 0 || rebuild_us < 0)
		return fail("container rebuilt with its session", ENOENT);

	t = kho_clock_ms();
	memfd = luo_session_retrieve_fd(session_fd, TOKEN_MEMFD);
	if (memfd < 0)
		return fail("retrieve memfd", memfd);
	put("memfd_retrieve_ms", "%.1f", kho_clock_ms() - t + memfds_us / 1e3);
	mem = map_aligned(memfd);
	if (!mem)
		return fail("mmap", errno);
	st = state_of(mem);
	if (st->magic != STATE_MAGIC)
		return fail("memfd contents", EILSEQ);

	t = kho_clock_ms();
	container = luo_session_retrieve_fd(session_fd, TOKEN_CONTAINER);
	if (container < 0)
		return fail("retrieve container", container);
	put("container_retrieve_ms", "%.1f", kho_clock_ms() - t + rebuild_us / 1e3);
	t = kho_clock_ms();
	fd = luo_session_retrieve_fd(session_fd, TOKEN_DEVICE);
	if (fd < 0)
		return fail("retrieve device", fd);
	put("device_retrieve_ms", "%.1f", kho_clock_ms() - t);
	t = kho_clock_ms();
	ret = kho_vfio_update_vaddr(container, DMA_IOVA, mem_size, mem);
	if (ret)
		return fail("VFIO_DMA_MAP_FLAG_VADDR", ret);
	put("vaddr_update_ms", "%.1f", kho_clock_ms() - t);

	t = kho_clock_ms();
	device = kho_vfio_wrap(bdf, container, fd);
	kho_vfio_resume_driver(device, mem, DMA_IOVA, mem_size, st->msi,
			       st->max_memcpy_size, st->max_memcpy_count);
	ret = dma_copy(device, mem, (uint64_t)kho_clock_ms() | 1);
	if (ret)
		return fail("first DMA in the new kernel", ret);
	put("first_dma_ms", "%.1f", kho_clock_ms() - t);

	t = kho_clock_ms();
	ret = luo_session_finish(session_fd);
	if (ret)
		return fail("finish session", ret);
	put("finish_ms", "%.1f", kho_clock_ms() - t);
	put("done", "1");
	return 0;
}

int main(int argc, char **argv)
{
	int huge;

	if (argc == 2 && !strcmp(argv[1], "cpu")) {
		put_cpu_loops();
		return 0;
	}
	if (argc != 5 || (strcmp(argv[4], "4k") && strcmp(argv[4], "2m"))) {
		fprintf(stderr, "usage: %s before|after BDF MIB 4k|2m, or %s cpu\n",
			argv[0], argv[0]);
		return 2;
	}
	mem_size = strtoull(argv[3], NULL, 0) << 20;
	if (mem_size < (16UL << 20))
		return fail("size", EINVAL);
	huge = !strcmp(argv[4], "2m");
	if (!strcmp(argv[1], "before"))
		return before(argv[2], huge);
	if (!strcmp(argv[1], "after"))
		return after(argv[2]);
	fprintf(stderr, "unknown step '%s'\n", argv[1]);
	return 2;
}
