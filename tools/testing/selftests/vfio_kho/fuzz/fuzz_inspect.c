// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_inspect - libFuzzer target for the reader of kho-inspect
 * (tools/kho-devices/kho_snapshot.c), built with Debian's libfdt as the
 * tool is: the input is a handover snapshot as debugfs shows it
 * (include/linux/kho_devices.h), in a buffer of exactly its size.
 *
 * Oracles: no input makes the reader hang (libFuzzer's timeout), read
 * out of bounds or misaligned (AddressSanitizer, UBSan); a malformed
 * snapshot is refused with a message; a read one has a known part and
 * direction, at most as many refused devices as devices, each with a
 * verdict "ok" or "refused: ...", and leaf counts that add up to the
 * bytes they map.
 *
 * Seed writer (kho_fuzz_write_seeds(), run by seeds_main.c): a snapshot
 * of each part in each direction made with the kernel's own writers
 * (kho_devices_snapshot_*() and each part's FDT and block builders),
 * with sound records, and one with a record changed after its checksum.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/iommu_kho.h>
#include <linux/kho/abi/iommu.h>
#include <linux/kho/abi/kho_devices.h>
#include <linux/kho/abi/pci.h>
#include <linux/kho/abi/vfio.h>
#include <linux/kho_devices.h>
#include <linux/libfdt.h>

#include "pci/pci_kho_format.h"
#include "vfio/vfio_kho_format.h"

#include "kho_fuzz.h"
#include "kho_snapshot.h"

#define PAGE		KHO_DEVICES_PAGE_SIZE
#define MIN_PHYS	KHO_DEVICES_MIN_PHYS
#define SNAP_SIZE	(64 * 1024)

static bool verdict_ok(const char *v)
{
	return !strcmp(v, "ok") || !strncmp(v, "refused: ", 9);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kho_snap_report r;
	uint8_t *buf = malloc(size ? size : 1);
	char why[256] = "";
	unsigned int i;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	if (kho_snap_inspect(buf, size, &r, why, sizeof(why))) {
		if (!why[0])
			kho_fuzz_fail("a malformed snapshot without a message");
		free(buf);
		return 0;
	}
	if ((strcmp(r.part, "pci") && strcmp(r.part, "iommu") &&
	     strcmp(r.part, "vfio")) ||
	    (strcmp(r.direction, "outgoing") && strcmp(r.direction, "incoming")))
		kho_fuzz_fail("read a snapshot of part '%s', direction '%s'",
			      r.part, r.direction);
	if (r.nr_refused > r.nr_devices || !verdict_ok(r.verdict))
		kho_fuzz_fail("%u refused of %u devices, verdict '%s'",
			      r.nr_refused, r.nr_devices, r.verdict);
	for (i = 0; i < r.nr_devices; i++) {
		const struct kho_snap_device *d = &r.devices[i];

		if (!verdict_ok(d->verdict))
			kho_fuzz_fail("device verdict '%s'", d->verdict);
		if (d->leaves_known &&
		    d->leaves[0] * 4096 + d->leaves[1] * (2ULL << 20) +
		    d->leaves[2] * (1ULL << 30) != d->leaf_bytes)
			kho_fuzz_fail("leaves do not add up to %llu bytes",
				      (unsigned long long)d->leaf_bytes);
	}
	kho_snap_report_free(&r);
	free(buf);
	return 0;
}

/* The seed writer */

static void save(const char *dir, const char *name, const void *snap)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(snap, 1, fdt_totalsize(snap), f) != fdt_totalsize(snap) ||
	    fclose(f))
		kho_fuzz_fail("cannot write %s", path);
}

static void check(int err, const char *what)
{
	if (err)
		kho_fuzz_fail("seed: %s failed (%d)", what, err);
}

/*
 * Each seed reads back as written, @verdict for the whole handover and @nr
 * sound devices: the reader's own unit test.
 */
static void expect(const void *snap, const char *verdict, unsigned int nr,
		   uint64_t bytes)
{
	struct kho_snap_report r;
	char why[256];
	const struct kho_snap_device *d;

	if (kho_snap_inspect(snap, fdt_totalsize(snap), &r, why, sizeof(why)))
		kho_fuzz_fail("seed: malformed: %s", why);
	d = r.devices;
	if (r.nr_devices != nr || strncmp(r.verdict, verdict, strlen(verdict)) ||
	    (nr && strcmp(d->verdict, "ok")) ||
	    (nr && strcmp(d->bdf, "0000:00:05.0")))
		kho_fuzz_fail("seed %s: %u devices, verdict '%s', device '%s' '%s'",
			      r.part, r.nr_devices, r.verdict,
			      r.nr_devices ? d->bdf : "",
			      r.nr_devices ? d->verdict : "");
	if (!strcmp(r.part, "iommu") &&
	    (!d->leaves_known || d->leaves[0] != 2 || d->leaves[1] != 1 ||
	     d->leaf_bytes != bytes || d->table_pages != 3))
		kho_fuzz_fail("seed iommu: leaves %llu %llu, %llu bytes",
			      (unsigned long long)d->leaves[0],
			      (unsigned long long)d->leaves[1],
			      (unsigned long long)d->leaf_bytes);
	if (!strcmp(r.part, "vfio") &&
	    (d->mappings != 2 || d->mapped_bytes != bytes || d->memfds != 1 ||
	     !d->device_block))
		kho_fuzz_fail("seed vfio: %u mappings, %llu bytes", d->mappings,
			      (unsigned long long)d->mapped_bytes);
	kho_snap_report_free(&r);
}

static void seed_pci(const char *dir, void *snap, const char *direction,
		     bool scribble)
{
	struct pci_kho_function_ser f = {
		.addr.devfn = 0x28, .vendor = 0x1234, .device = 0x11e8,
		.class = 0x00ff00, .command = 0x0106, .driver = "vfio-pci",
	};
	uint8_t fdt[PAGE];
	char name[64];

	check(pci_kho_fdt_build(fdt, PAGE, MIN_PHYS + PAGE, 1), "pci fdt");
	check(kho_devices_fdt_set_crc(fdt, PAGE, PCI_KHO_PROP_FUNCTIONS_CRC,
				      kho_devices_crc(&f, sizeof(f))), "pci crc");
	if (scribble)
		f.bars[5] ^= 0x10;
	check(kho_devices_snapshot_begin(snap, SNAP_SIZE, "pci", direction,
					 "preserved"), "begin");
	check(kho_devices_snapshot_u64(snap, "handover", MIN_PHYS), "root");
	check(kho_devices_snapshot_u64(snap, "preserved-bytes", 2 * PAGE), "bytes");
	check(kho_devices_snapshot_mem(snap, "fdt", MIN_PHYS, fdt, PAGE, 0), "fdt");
	check(kho_devices_snapshot_mem(snap, "functions", MIN_PHYS + PAGE, &f,
				       sizeof(f), 0), "functions");
	check(kho_devices_snapshot_end(snap), "end");
	snprintf(name, sizeof(name), "pci-%s%s", direction,
		 scribble ? "-scribbled" : "");
	/* a record changed in memory refuses the whole handover */
	expect(snap, scribble ? "refused: its records do not match" : "ok",
	       !scribble, 0);
	save(dir, name, snap);
}

static void seed_iommu(const char *dir, void *snap, const char *direction)
{
	const u64 present = 3, large = 1 << 7;
	static u64 tables[3][PAGE / 8];
	u64 top = MIN_PHYS + 16 * PAGE, pages[3];
	struct iommu_kho_device_ser rec = {
		.unit_reg_base = 0xfed90000, .root_table = MIN_PHYS + 8 * PAGE,
		.context_table = MIN_PHYS + 9 * PAGE, .top_table = top,
		.addr.devfn = 0x28, .domain_id = 2, .levels = 3, .nr_pages = 3,
	};
	struct iommu_kho_layout l = {
		.devices = MIN_PHYS + PAGE, .nr_devices = 1,
		.pages = MIN_PHYS + 2 * PAGE, .nr_pages = 3,
	};
	uint8_t fdt[PAGE];
	char name[64];
	unsigned int i;

	for (i = 0; i < 3; i++)
		pages[i] = top + i * PAGE;
	memset(tables, 0, sizeof(tables));
	tables[0][0] = pages[1] | present;
	tables[1][0] = pages[2] | present;
	tables[1][1] = (MIN_PHYS + 512 * PAGE) | present | large;	/* 2 MiB */
	tables[2][0] = (MIN_PHYS + 100 * PAGE) | present;		/* 4 KiB */
	tables[2][1] = (MIN_PHYS + 101 * PAGE) | present;
	check(iommu_kho_fdt_build(fdt, PAGE, &l), "iommu fdt");
	check(kho_devices_fdt_set_crc(fdt, PAGE, IOMMU_KHO_PROP_DEVICES_CRC,
				      kho_devices_crc(&rec, sizeof(rec))), "crc");
	check(kho_devices_fdt_set_crc(fdt, PAGE, IOMMU_KHO_PROP_PAGES_CRC,
				      kho_devices_crc(pages, sizeof(pages))), "crc");
	check(kho_devices_snapshot_begin(snap, SNAP_SIZE, "iommu", direction,
					 "preserved"), "begin");
	check(kho_devices_snapshot_u64(snap, "handover", MIN_PHYS), "root");
	check(kho_devices_snapshot_mem(snap, "fdt", MIN_PHYS, fdt, PAGE, 0), "fdt");
	check(kho_devices_snapshot_mem(snap, "devices", l.devices, &rec,
				       sizeof(rec), 0), "devices");
	check(kho_devices_snapshot_mem(snap, "pages", l.pages, pages,
				       sizeof(pages), 0), "pages");
	for (i = 0; i < 3; i++)
		check(kho_devices_snapshot_mem(snap, "table", pages[i], tables[i],
					       PAGE, 0), "table");
	check(kho_devices_snapshot_end(snap), "end");
	snprintf(name, sizeof(name), "iommu-%s", direction);
	expect(snap, "ok", 1, 2 * PAGE + (2 << 20));
	save(dir, name, snap);
}

static void seed_vfio(const char *dir, void *snap, const char *direction)
{
	static const struct vfio_kho_mapping_ser maps[2] = {
		{ .iova = 1ULL << 40, .size = 1 << 20, .memfd_token = 1,
		  .prot = 3 },
		{ .iova = (1ULL << 40) + (4 << 20), .size = 2 << 20,
		  .memfd_token = 1, .memfd_offset = 2 << 20, .prot = 1 },
	};
	uint8_t block[sizeof(struct vfio_kho_container_ser) + sizeof(maps)];
	struct vfio_kho_container_ser *c = (void *)block;
	struct vfio_kho_device_ser dev = {
		.version = VFIO_KHO_VERSION, .addr.devfn = 0x28,
		.container = MIN_PHYS, .container_token = 2,
	};
	char name[64];

	memset(block, 0, sizeof(block));
	c->version = VFIO_KHO_VERSION;
	c->mapping_size = sizeof(maps[0]);
	c->nr_mappings = 2;
	c->nr_devices = 1;
	c->devices[0].devfn = 0x28;
	memcpy(c->mappings, maps, sizeof(maps));
	vfio_kho_container_seal(c);
	vfio_kho_device_seal(&dev);
	check(kho_devices_snapshot_begin(snap, SNAP_SIZE, "vfio", direction,
					 "preserved"), "begin");
	check(kho_devices_snapshot_mem(snap, "container", MIN_PHYS, block,
				       sizeof(block), 0), "container");
	check(kho_devices_snapshot_mem(snap, "device", MIN_PHYS + PAGE, &dev,
				       sizeof(dev), 0), "device");
	check(kho_devices_snapshot_end(snap), "end");
	snprintf(name, sizeof(name), "vfio-%s", direction);
	expect(snap, "ok", 1, 3 << 20);
	save(dir, name, snap);
}

int kho_fuzz_write_seeds(const char *dir)
{
	static const char * const directions[] = { "outgoing", "incoming" };
	void *snap = malloc(SNAP_SIZE);
	unsigned int i;

	if (!snap)
		abort();
	for (i = 0; i < 2; i++) {
		seed_pci(dir, snap, directions[i], false);
		seed_iommu(dir, snap, directions[i]);
		seed_vfio(dir, snap, directions[i]);
	}
	seed_pci(dir, snap, "outgoing", true);
	free(snap);
	return 0;
}
