/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI config space and BAR0 registers through sysfs: what the selftests
 * look at without opening the device with VFIO (which would reset it).
 */
#ifndef KHO_SYSFS_H
#define KHO_SYSFS_H

#include <stddef.h>
#include <stdint.h>

int kho_config_read(const char *bdf, uint8_t *cfg, size_t len);
int kho_config_write16(const char *bdf, unsigned int off, uint16_t val);
int kho_bar0_read32(const char *bdf, uint32_t reg, uint32_t *val);
int kho_bar0_write32(const char *bdf, uint32_t reg, uint32_t val);
int kho_klog_count(const char *a, const char *b);

#endif /* KHO_SYSFS_H */
