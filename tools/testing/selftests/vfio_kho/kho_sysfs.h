/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI config space and BAR0 registers through sysfs: what the selftests
 * look at without opening the device with VFIO (which would reset it);
 * sysfs and debugfs files, and the kernel log.
 */
#ifndef KHO_SYSFS_H
#define KHO_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int kho_config_read(const char *bdf, uint8_t *cfg, size_t len);
bool kho_bus_master(const char *bdf);
int kho_config_write16(const char *bdf, unsigned int off, uint16_t val);
int kho_bar0_read32(const char *bdf, uint32_t reg, uint32_t *val);
int kho_bar0_write32(const char *bdf, uint32_t reg, uint32_t val);
int kho_write_file(const char *path, const char *text);
void kho_driver_of(const char *bdf, char *name, size_t len);
int kho_bind_vfio(const char *bdf);
int kho_klog_count(const char *a, const char *b);
int kho_dmar_faults(const char *bdf);
long long kho_debugfs_value(const char *path, const char *tag,
			    const char *key);
void kho_fill_pattern(uint8_t *p, size_t len, uint64_t seed);
long kho_proc_value(const char *path, const char *key);
long kho_vmstat(const char *key);
long kho_pins_held(void);
int kho_debugfs_lines(const char *path, const char *prefix, const char *text);
void kho_debugfs_line(const char *path, const char *prefix, char *line,
		      size_t len);
size_t kho_pattern_bytes(const uint8_t *p, size_t len, uint64_t seed);
long kho_iommu_group_of(const char *bdf);
uint64_t kho_igb_tx_ring(const char *bdf);
int kho_iommu_out_record(const char *bdf, unsigned int *domain,
			 unsigned int *pages, unsigned int *run);

/* QEMU's edu device (docs/specs/edu.rst): its DMA engine */
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_START	0x1
#define EDU_DMA_TO_RAM	0x2
#define EDU_BUFFER	0x40000

void kho_edu_dma(void *bar0, uint64_t src, uint64_t dst, uint64_t count,
		 uint32_t cmd);
int kho_edu_kick(const char *bdf, uint64_t dst, uint64_t count);
int kho_edu_wait(void *bar0);

#endif /* KHO_SYSFS_H */
