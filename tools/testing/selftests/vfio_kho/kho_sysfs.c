// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI config space and BAR0 registers through sysfs, for the selftests.
 * Each call returns 0 or a negative errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/compiler.h>

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
