// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI config space and BAR0 registers through sysfs, and the kernel log,
 * for the selftests. Each call returns 0 or a negative errno unless said.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/compiler.h>
#include <linux/pci_regs.h>

#include "../vfio/lib/drivers/igb/e1000_regs.h"
#include "kho_sysfs.h"

#define BAR0_MAP_SIZE	0x10000

static int kho_open_sysfs(const char *bdf, const char *file, int flags)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, file);
	return open(path, flags);
}

int kho_config_read(const char *bdf, uint8_t *cfg, size_t len)
{
	int fd = kho_open_sysfs(bdf, "config", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, cfg, len, 0);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* Whether @bdf has bus mastering on (false if its config is unreadable). */
bool kho_bus_master(const char *bdf)
{
	uint8_t cfg[8];

	return !kho_config_read(bdf, cfg, sizeof(cfg)) &&
	       (cfg[PCI_COMMAND] & PCI_COMMAND_MASTER);
}

int kho_config_write16(const char *bdf, unsigned int off, uint16_t val)
{
	int fd = kho_open_sysfs(bdf, "config", O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pwrite(fd, &val, sizeof(val), off);
	close(fd);
	return n == sizeof(val) ? 0 : -EIO;
}

static uint32_t *kho_bar0_map(const char *bdf, int prot, int *err)
{
	int fd = kho_open_sysfs(bdf, "resource0",
				(prot & PROT_WRITE ? O_RDWR : O_RDONLY) | O_SYNC);
	void *bar;

	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	bar = mmap(NULL, BAR0_MAP_SIZE, prot, MAP_SHARED, fd, 0);
	*err = bar == MAP_FAILED ? -errno : 0;
	close(fd);
	return bar == MAP_FAILED ? NULL : bar;
}

int kho_bar0_read32(const char *bdf, uint32_t reg, uint32_t *val)
{
	uint32_t *bar;
	int err;

	bar = kho_bar0_map(bdf, PROT_READ, &err);
	if (!bar)
		return err;
	*val = READ_ONCE(bar[reg / 4]);
	munmap(bar, BAR0_MAP_SIZE);
	return 0;
}

int kho_bar0_write32(const char *bdf, uint32_t reg, uint32_t val)
{
	uint32_t *bar;
	int err;

	bar = kho_bar0_map(bdf, PROT_READ | PROT_WRITE, &err);
	if (!bar)
		return err;
	WRITE_ONCE(bar[reg / 4], val);
	munmap(bar, BAR0_MAP_SIZE);
	return 0;
}

/* Write @text to the file at @path (sysfs, debugfs): 0 or -errno. */
int kho_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err = -errno;
	close(fd);
	return err;
}

/* The name of the driver bound to @bdf into @name, "" if none. */
void kho_driver_of(const char *bdf, char *name, size_t len)
{
	char path[96], target[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = 0;
	snprintf(name, len, "%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : "");
}

/* Give @bdf to vfio-pci, from whichever driver has it: 0 or -errno. */
int kho_bind_vfio(const char *bdf)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
	kho_write_file(path, bdf);	/* -ENOENT: no driver */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	return kho_write_file(path, "vfio-pci") ?:
	       kho_write_file("/sys/bus/pci/drivers_probe", bdf);
}

/* Kernel log lines holding @a and, unless NULL, @b; -1 if unreadable. */
int kho_klog_count(const char *a, const char *b)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0), n = 0;
	char *buf, *line, *save;

	if (len <= 0)
		return -1;
	buf = calloc(1, len + 1);
	if (!buf)
		return -1;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	for (line = len > 0 ? strtok_r(buf, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		n += strstr(line, a) && (!b || strstr(line, b));
	free(buf);
	return len < 0 ? -1 : n;
}

/*
 * DMA faults the VT-d driver logged for @bdf, or for any device (NULL,
 * which also counts faults it could not attribute); -1 if unreadable.
 */
int kho_dmar_faults(const char *bdf)
{
	int attributed = kho_klog_count("DMAR: [DMA ", bdf);
	int any = bdf ? 0 : kho_klog_count("DMAR: DRHD: handling fault", NULL);

	return attributed < 0 || any < 0 ? -1 : attributed + any;
}

/*
 * Start edu's DMA engine: @count bytes from @src to @dst, @cmd being
 * EDU_DMA_START with EDU_DMA_TO_RAM or not. Its registers take 8-byte
 * writes only: a 4-byte write to the upper half is ignored.
 */
void kho_edu_dma(void *bar0, uint64_t src, uint64_t dst, uint64_t count,
		 uint32_t cmd)
{
	char *r = bar0;

	WRITE_ONCE(*(uint64_t *)(r + EDU_DMA_SRC), src);
	WRITE_ONCE(*(uint64_t *)(r + EDU_DMA_DST), dst);
	WRITE_ONCE(*(uint64_t *)(r + EDU_DMA_COUNT), count);
	WRITE_ONCE(*(uint64_t *)(r + EDU_DMA_CMD), (uint64_t)cmd);
}

/*
 * Wait for edu's DMA engine to be done with the transfer started last
 * (EDU_DMA_START clears): 0, or -ETIMEDOUT after about two seconds.
 */
int kho_edu_wait(void *bar0)
{
	uint32_t *cmd = (uint32_t *)((char *)bar0 + EDU_DMA_CMD);
	int i;

	for (i = 0; i < 2000 && (READ_ONCE(*cmd) & EDU_DMA_START); i++)
		usleep(1000);
	return READ_ONCE(*cmd) & EDU_DMA_START ? -ETIMEDOUT : 0;
}

/*
 * The bytes of a pattern a device copies and a later check compares with:
 * the same @seed gives the same bytes in every program and every kernel.
 *
 * The igb copies a KiB at a time as one Ethernet frame, so bytes 12-13 of
 * each KiB are the frame's EtherType. QEMU's igb parses a frame whose
 * EtherType says IPv4, IPv6 or VLAN and silently does not send it when the
 * random header behind is not valid: the copy then never completes. Byte
 * 12 of each KiB is therefore 0x04, which makes bytes 12-13 an 802.3
 * length (0x0400-0x04ff), never an EtherType.
 */
void kho_fill_pattern(uint8_t *p, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		p[i] = i % 1024 == 12 ? 0x04 : seed >> 56;
	}
}

/* The value after @key in a /proc file ("KEY: N" or "KEY N"), or -1. */
long kho_proc_value(const char *path, const char *key)
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

/*
 * A counter of /proc/vmstat, folded first (vm.stat_refresh): per-CPU
 * deltas not yet added up would make two readings differ by a few either
 * way. -1 if it cannot be folded or read.
 */
long kho_vmstat(const char *key)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	if (fd < 0)
		return -1;
	if (write(fd, "1", 1) != 1) {
		close(fd);
		return -1;
	}
	close(fd);
	return kho_proc_value("/proc/vmstat", key);
}

/* Page pins held in the whole system: acquired minus released; -1 on error */
long kho_pins_held(void)
{
	long acquired = kho_vmstat("nr_foll_pin_acquired");

	if (acquired < 0)
		return -1;
	return acquired - kho_proc_value("/proc/vmstat", "nr_foll_pin_released");
}

/*
 * Whether @line starts with @prefix, where a '*' in @prefix stands for one
 * word of @line (any run of characters but space and newline).
 */
static bool kho_line_starts(const char *line, const char *prefix)
{
	while (*prefix) {
		if (*prefix == '*') {
			line += strcspn(line, "\n ");
			prefix++;
		} else if (*line++ != *prefix++) {
			return false;
		}
	}
	return true;
}

/*
 * The lines of a debugfs file that start with @prefix ('*' for any one
 * word, "" for every line) and hold @text (NULL: any), or -errno.
 */
int kho_debugfs_lines(const char *path, const char *prefix, const char *text)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n += kho_line_starts(line, prefix) && (!text || strstr(line, text));
	fclose(f);
	return n;
}

/*
 * The first line of a debugfs file that starts with @prefix ('*' for any
 * one word), without its newline, in @line; "" if there is none.
 */
void kho_debugfs_line(const char *path, const char *prefix, char *line,
		      size_t len)
{
	char buf[512];
	FILE *f = fopen(path, "r");

	line[0] = 0;
	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f))
		if (kho_line_starts(buf, prefix)) {
			snprintf(line, len, "%.*s", (int)strcspn(buf, "\n"), buf);
			break;
		}
	fclose(f);
}

/*
 * The number after @key on the first line of @path that starts with @tag
 * (debugfs lists "tag ... key=VALUE ..."); -1 if there is none.
 */
long long kho_debugfs_value(const char *path, const char *tag,
			    const char *key)
{
	char line[512], *v;
	long long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, tag, strlen(tag)))
			continue;
		v = strstr(line, key);
		if (v)
			val = strtoll(v + strlen(key), NULL, 0);
		break;
	}
	fclose(f);
	return val;
}

/* How many of the first @len bytes of @p hold the pattern of @seed */
size_t kho_pattern_bytes(const uint8_t *p, size_t len, uint64_t seed)
{
	uint8_t want[4096];
	size_t i, n = 0;

	kho_fill_pattern(want, sizeof(want), seed);
	for (i = 0; i < len && i < sizeof(want); i++)
		n += p[i] == want[i];
	return n;
}

/* The IOMMU group number of @bdf, or -1 */
long kho_iommu_group_of(const char *bdf)
{
	char path[96], target[PATH_MAX];
	const char *slash;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	slash = strrchr(target, '/');
	return slash ? strtol(slash + 1, NULL, 10) : -1;
}

/*
 * The outgoing IOMMU record of @bdf in debugfs: its domain ID, how many
 * table pages it names and the first of them (its run). 0 or -ENOENT.
 */
int kho_iommu_out_record(const char *bdf, unsigned int *domain,
			 unsigned int *pages, unsigned int *run)
{
	char line[512], want[64];
	FILE *f = fopen("/sys/kernel/debug/kho_devices/iommu/devices", "r");
	int found = -ENOENT;

	if (!f)
		return -errno;
	snprintf(want, sizeof(want), "out %s preserved ", bdf);
	while (found && fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)) &&
		    sscanf(line + strlen(want), "domain=%u levels=%*u pages=%u run=%u",
			   domain, pages, run) == 3)
			found = 0;
	fclose(f);
	return found;
}

/*
 * Start edu's copy of @count bytes of its buffer to @dst, through the
 * sysfs BAR (no VFIO open, which would reset it). 0 or an errno.
 */
int kho_edu_kick(const char *bdf, uint64_t dst, uint64_t count)
{
	char path[128];
	void *bar0;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return -errno;
	bar0 = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (bar0 == MAP_FAILED)
		return -errno;
	kho_edu_dma(bar0, EDU_BUFFER, dst, count,
		    EDU_DMA_START | EDU_DMA_TO_RAM);
	munmap(bar0, 1 << 20);
	return 0;
}

/*
 * The base of an igb's first transmit ring, read through the sysfs BAR
 * (no VFIO open): the igb test driver sets it, a function reset clears it.
 * 0 if unreadable.
 */
uint64_t kho_igb_tx_ring(const char *bdf)
{
	uint32_t lo = 0, hi = 0;

	kho_bar0_read32(bdf, E1000_TDBAL(0), &lo);
	kho_bar0_read32(bdf, E1000_TDBAH(0), &hi);
	return (uint64_t)hi << 32 | lo;
}
