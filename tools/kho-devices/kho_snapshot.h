/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kho_snapshot - read a handover snapshot of the KHO device suite (debugfs
 * kho_devices/<part>/{outgoing,incoming}, include/linux/kho_devices.h)
 * and judge it with the next kernel's own checks.
 */
#ifndef KHO_SNAPSHOT_H
#define KHO_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KHO_SNAP_TEXT	128

/* One device (PCI function) a part hands over or received */
struct kho_snap_device {
	char bdf[20];
	char verdict[KHO_SNAP_TEXT];	/* "ok" or "refused: why" */
	/* pci */
	unsigned int vendor, device, class, command, nr_bridges;
	char driver[33];
	/* iommu */
	uint64_t unit, top_table;
	unsigned int domain, levels, translation_type;
	uint32_t table_pages;
	bool tables_released;		/* incoming: adopted, table a domain's */
	char alias[20];			/* its DMA alias's address, "" if none */
	/* iommu: what the kept table maps; vfio: filled from iommu's */
	bool leaves_known;
	uint64_t leaves[3];		/* 4 KiB, 2 MiB, 1 GiB pages */
	uint64_t leaf_bytes;
	/* vfio */
	uint64_t container;		/* physical address of the block */
	uint32_t mappings, memfds;
	uint64_t mapped_bytes;
	bool device_block;
};

/* What one snapshot says */
struct kho_snap_report {
	char part[8];			/* pci, iommu, vfio */
	char direction[12];		/* outgoing, incoming */
	char state[16];
	char format[64];		/* the handover's compatible string(s) */
	char verdict[KHO_SNAP_TEXT];	/* the whole handover: "ok", "refused: why" */
	uint64_t preserved_bytes;
	uint64_t metadata_bytes;	/* bytes of the snapshot's memory */
	int error;			/* errno the part refused it with */
	unsigned int nr_devices;
	unsigned int nr_refused;	/* devices whose verdict is not "ok" */
	struct kho_snap_device *devices;
};

int kho_snap_inspect(const void *buf, size_t len, struct kho_snap_report *r,
		     char *why, size_t why_len);
void kho_snap_report_free(struct kho_snap_report *r);
bool kho_snap_fdt_sane(const void *fdt, size_t len);

#endif /* KHO_SNAPSHOT_H */
