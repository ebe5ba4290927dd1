// SPDX-License-Identifier: GPL-2.0-only
/*
 * abi_forge - every field of every handover record, changed after the old
 * kernel wrote it, is refused by the next kernel's checks.
 *
 * The fields come from the ABI headers (include/linux/kho/abi/), listed by
 * gen_abi_fields.py at build time, not by hand: a field added to a record
 * is covered without touching this file. For each record kind, a sound
 * handover is built with the kernel's own builders (the PCI function
 * array, the IOMMU device array, the VFIO container and device blocks);
 * then each field of each record in it is changed (one bit flipped; all
 * bits set), as a stray write or a bug between the two kernels would, and
 * the pure checks the next kernel runs (kernel/kho_devices_format.c and
 * the parts' *_kho_format.c, built unchanged) must refuse the handover.
 * The sound handover must be accepted first: the control that the checks
 * can say yes.
 *
 * A second pass re-seals each change (a kernel that wrote the wrong value
 * itself, checksum matching) and reports as diagnostics which fields the
 * field checks alone refuse; those the next kernel judges against the
 * live device or IOMMU unit, or does not act on, are accepted there.
 *
 * Output is KTAP, one line per check; the exit status says whether all
 * passed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>
#include <linux/iommu_kho.h>
#include <linux/kho/abi/iommu.h>
#include <linux/kho/abi/pci.h>
#include <linux/kho/abi/vfio.h>
#include <linux/kho_devices.h>

#include "pci/pci_kho_format.h"
#include "vfio/vfio_kho_format.h"

struct abi_field {
	const char *name;
	size_t offset;
	size_t size;
};

#include "abi_fields.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define FDT_SIZE	4096
#define PHYS_BASE	0x400000000ULL		/* 16 GiB: where the model's memory is */
#define PAGE		4096

static int checks, failed, resealed_refused, resealed_accepted;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed += !ok;
}

/* The two ways a field is damaged: one bit, or every bit */
static int damage(void *rec, const struct abi_field *f, int how)
{
	uint8_t *p = (uint8_t *)rec + f->offset;
	size_t i;

	if (how == 0) {
		p[0] ^= 0x01;
		return 1;
	}
	for (i = 0; i < f->size; i++)
		if (p[i] != 0xff)
			break;
	if (i == f->size)
		return 0;	/* already all ones: nothing to change */
	memset(p, 0xff, f->size);
	return 1;
}

static const char *const how_name[] = { "one bit flipped", "all bits set" };

/* Memory of the previous kernel: one buffer at PHYS_BASE */
struct model {
	uint8_t *mem;
	size_t size;
};

static bool model_preserved(u64 phys, u64 size, void *ctx)
{
	struct model *m = ctx;

	return phys >= PHYS_BASE && size <= m->size &&
	       phys - PHYS_BASE <= m->size - size;
}

static const void *model_map(u64 phys, void *ctx)
{
	struct model *m = ctx;

	if (!model_preserved(phys, 1, ctx))
		abort();	/* a check read memory it had not checked */
	return m->mem + (phys - PHYS_BASE);
}

/* PCI: the FDT layer, the array's checksum, then each record's fields */

static void pci_good(struct pci_kho_function_ser *f, int i)
{
	memset(f, 0, sizeof(*f));
	f->addr.bus = 2;
	f->addr.devfn = i;
	f->hdr_type = 0;
	f->vendor = 0x8086;
	f->device = 0x10c9;
	f->subsystem_vendor = 0x8086;
	f->subsystem_device = 0xa03c;
	f->revision = 1;
	f->class = 0x020000;
	f->command = 0x6;
	f->bars[0] = 0xfeb00000;
	strcpy(f->driver, "vfio-pci");
	f->nr_bridges = 1;
	f->bridges[0].vendor = 0x8086;
	f->bridges[0].device = 0x7c02;
	f->bridges[0].devfn = 0xe0;
	f->bridges[0].secondary = 2;
	f->bridges[0].subordinate = 2;
}

static int pci_seal(void *fdt, const struct pci_kho_function_ser *f, u32 nr)
{
	int err = pci_kho_fdt_build(fdt, FDT_SIZE, PHYS_BASE, nr);

	return err ?: kho_devices_fdt_set_crc(fdt, FDT_SIZE,
					      PCI_KHO_PROP_FUNCTIONS_CRC,
					      kho_devices_crc(f, nr * sizeof(*f)));
}

/* What the next kernel checks before it acts on any record */
static int pci_read(const void *fdt, const struct pci_kho_function_ser *f,
		    const struct pci_kho_function_ser *live)
{
	phys_addr_t phys;
	u32 nr, i;
	int err;

	err = pci_kho_fdt_parse(fdt, FDT_SIZE, &phys, &nr);
	err = err ?: kho_devices_fdt_check_crc(fdt, PCI_KHO_PROP_FUNCTIONS_CRC,
					       f, nr * sizeof(*f));
	for (i = 0; !err && i < nr; i++) {
		err = pci_kho_function_validate(&f[i]);
		err = err ?: pci_kho_function_check_identity(&f[i], &live[i]);
	}
	return err;
}

static void pci_forge(void)
{
	struct pci_kho_function_ser f[2], live[2];
	void *fdt = calloc(1, FDT_SIZE);
	unsigned int r, i, how;
	int err;

	for (r = 0; r < 2; r++)
		pci_good(&f[r], r);
	memcpy(live, f, sizeof(f));
	err = pci_seal(fdt, f, 2);
	check(!err && !pci_read(fdt, f, live),
	      "pci: the sound handover is accepted (control)");
	for (r = 0; r < 2; r++) {
		for (i = 0; i < ARRAY_SIZE(pci_kho_function_ser_fields); i++) {
			const struct abi_field *fl = &pci_kho_function_ser_fields[i];

			for (how = 0; how < 2; how++) {
				if (!damage(&f[r], fl, how))
					continue;
				err = pci_read(fdt, f, live);
				check(err == -EBADMSG,
				      "pci_kho_function_ser[%u].%s, %s: refused (%d)",
				      r, fl->name, how_name[how], err);
				pci_seal(fdt, f, 2);
				err = pci_read(fdt, f, live);
				if (err)
					resealed_refused++;
				else
					resealed_accepted++;
				printf("# resealed: pci_kho_function_ser[%u].%s, %s: %s (%d)\n",
				       r, fl->name, how_name[how],
				       err ? "refused by the field checks" :
					     "accepted by the field checks (the live device decides, or it is not acted on)",
				       err);
				memcpy(&f[r], &live[r], sizeof(f[r]));
				pci_seal(fdt, f, 2);
			}
		}
	}
	free(fdt);
}

/* IOMMU: the device array's checksum, then each record against its table */

#define NR_TABLE	3

struct iommu_handover {
	struct iommu_kho_device_ser rec[2];
	u64 pages[2 * NR_TABLE];
	void *fdt;
	struct model mem;
};

static u64 table_phys(int rec, int level)
{
	return PHYS_BASE + (u64)(rec * NR_TABLE + level) * PAGE;
}

static void iommu_good(struct iommu_handover *h)
{
	u64 *t;
	int r, l;

	h->mem.size = 2 * NR_TABLE * PAGE;
	h->mem.mem = calloc(1, h->mem.size);
	for (r = 0; r < 2; r++) {
		/* top -> level 2 -> level 1, one 4 KiB leaf */
		for (l = 0; l < NR_TABLE; l++) {
			t = (u64 *)(h->mem.mem + (r * NR_TABLE + l) * PAGE);
			t[0] = l + 1 < NR_TABLE ? table_phys(r, l + 1) | 3 :
						  (0x200000000ULL | 3);
			h->pages[r * NR_TABLE + l] = table_phys(r, l);
		}
		memset(&h->rec[r], 0, sizeof(h->rec[r]));
		h->rec[r].unit_reg_base = 0xfed90000;
		h->rec[r].root_table = 0x500000000ULL;
		h->rec[r].context_table = 0x500001000ULL;
		h->rec[r].top_table = table_phys(r, 0);
		h->rec[r].addr.bus = 0;
		h->rec[r].addr.devfn = 0x20 + r;
		h->rec[r].domain_id = 3 + r;
		h->rec[r].levels = 3;
		h->rec[r].first_page = r * NR_TABLE;
		h->rec[r].nr_pages = NR_TABLE;
	}
	h->fdt = calloc(1, FDT_SIZE);
}

static int iommu_seal(struct iommu_handover *h)
{
	struct iommu_kho_layout l = {
		.devices = PHYS_BASE + 0x100000, .nr_devices = 2,
		.pages = PHYS_BASE + 0x200000, .nr_pages = 2 * NR_TABLE,
	};
	int err = iommu_kho_fdt_build(h->fdt, FDT_SIZE, &l);

	err = err ?: kho_devices_fdt_set_crc(h->fdt, FDT_SIZE,
					     IOMMU_KHO_PROP_DEVICES_CRC,
					     kho_devices_crc(h->rec, sizeof(h->rec)));
	return err ?: kho_devices_fdt_set_crc(h->fdt, FDT_SIZE,
					      IOMMU_KHO_PROP_PAGES_CRC,
					      kho_devices_crc(h->pages, sizeof(h->pages)));
}

/* Refused when the arrays do not match their checksums or a record is unsound */
static int iommu_read(struct iommu_handover *h)
{
	const struct kho_devices_memory mem = {
		.preserved = model_preserved, .map = model_map, .ctx = &h->mem,
	};
	struct iommu_kho_layout l;
	const char *reasons[2];
	int err, r;

	err = iommu_kho_fdt_parse(h->fdt, FDT_SIZE, &l);
	err = err ?: kho_devices_fdt_check_crc(h->fdt, IOMMU_KHO_PROP_DEVICES_CRC,
					       h->rec, sizeof(h->rec));
	err = err ?: kho_devices_fdt_check_crc(h->fdt, IOMMU_KHO_PROP_PAGES_CRC,
					       h->pages, sizeof(h->pages));
	if (err)
		return err;
	iommu_kho_check_records(h->rec, 2, h->pages, 2 * NR_TABLE, &mem, reasons);
	for (r = 0; r < 2; r++)
		if (reasons[r])
			return -EINVAL;
	return 0;
}

static void iommu_forge(void)
{
	struct iommu_kho_device_ser good[2];
	struct iommu_handover h;
	unsigned int r, i, how;
	int err;

	iommu_good(&h);
	memcpy(good, h.rec, sizeof(good));
	err = iommu_seal(&h);
	check(!err && !iommu_read(&h), "iommu: the sound handover is accepted (control)");
	for (r = 0; r < 2; r++) {
		for (i = 0; i < ARRAY_SIZE(iommu_kho_device_ser_fields); i++) {
			const struct abi_field *fl = &iommu_kho_device_ser_fields[i];

			for (how = 0; how < 2; how++) {
				if (!damage(&h.rec[r], fl, how))
					continue;
				err = iommu_read(&h);
				check(err == -EBADMSG,
				      "iommu_kho_device_ser[%u].%s, %s: refused (%d)",
				      r, fl->name, how_name[how], err);
				iommu_seal(&h);
				err = iommu_read(&h);
				if (err)
					resealed_refused++;
				else
					resealed_accepted++;
				printf("# resealed: iommu_kho_device_ser[%u].%s, %s: %s\n",
				       r, fl->name, how_name[how],
				       err ? "refused by the record checks" :
					     "accepted by the record checks (the live unit and context entry decide)");
				memcpy(h.rec, good, sizeof(good));
				iommu_seal(&h);
			}
		}
	}
	free(h.fdt);
	free(h.mem.mem);
}

/* VFIO: the container block and the device block, each sealed */

#define NR_MAPPINGS	2

static struct vfio_kho_container_ser *vfio_good_container(size_t *size)
{
	struct vfio_kho_container_ser *c;
	int i;

	*size = sizeof(*c) + NR_MAPPINGS * sizeof(c->mappings[0]);
	c = calloc(1, *size);
	c->version = VFIO_KHO_VERSION;
	c->mapping_size = sizeof(c->mappings[0]);
	c->nr_mappings = NR_MAPPINGS;
	c->nr_devices = 1;
	c->devices[0].bus = 4;
	for (i = 0; i < NR_MAPPINGS; i++) {
		c->mappings[i].iova = 0x10000000000ULL + i * 0x100000ULL;
		c->mappings[i].size = 0x100000;
		c->mappings[i].memfd_token = 7;
		c->mappings[i].memfd_offset = i * 0x100000ULL;
		c->mappings[i].prot = 3;
	}
	vfio_kho_container_seal(c);
	return c;
}

static int vfio_read_container(struct vfio_kho_container_ser *c, size_t size)
{
	struct model m = { .mem = (uint8_t *)c, .size = size };
	const struct kho_devices_memory mem = {
		.preserved = model_preserved, .map = model_map, .ctx = &m,
	};
	const struct vfio_kho_container_ser *ser;

	return vfio_kho_container_check(PHYS_BASE, &mem, &ser);
}

static void vfio_forge_fields(const char *what, void *block, const void *good,
			      size_t size, const struct abi_field *fields,
			      unsigned int nr, size_t base,
			      int (*read)(void *block, size_t size),
			      void (*seal)(void *block))
{
	unsigned int i, how;
	int err;

	for (i = 0; i < nr; i++) {
		struct abi_field fl = fields[i];

		fl.offset += base;
		for (how = 0; how < 2; how++) {
			if (!damage(block, &fl, how))
				continue;
			err = read(block, size);
			check(err != 0, "%s.%s, %s: refused (%d)", what, fl.name,
			      how_name[how], err);
			seal(block);
			err = read(block, size);
			if (err)
				resealed_refused++;
			else
				resealed_accepted++;
			printf("# resealed: %s.%s, %s: %s (%d)\n", what, fl.name,
			       how_name[how], err ? "refused by the field checks" :
			       "accepted by the field checks (its use decides)", err);
			memcpy(block, good, size);
		}
	}
}

static int container_read(void *block, size_t size)
{
	return vfio_read_container(block, size);
}

/* A kernel seals only the mappings it wrote: a forged count is not resealed */
static void container_seal(void *block)
{
	struct vfio_kho_container_ser *c = block;

	if (c->nr_mappings <= NR_MAPPINGS)
		vfio_kho_container_seal(c);
}

static int device_read(void *block, size_t size)
{
	return vfio_kho_device_check(block, NULL);
}

static void device_seal(void *block)
{
	vfio_kho_device_seal(block);
}

static void vfio_forge(void)
{
	struct vfio_kho_device_ser dev = {
		.version = VFIO_KHO_VERSION, .addr.bus = 4,
		.container = PHYS_BASE, .container_token = 9,
	}, dev_good;
	struct vfio_kho_container_ser *c, *good;
	size_t size;

	c = vfio_good_container(&size);
	good = malloc(size);
	memcpy(good, c, size);
	check(!vfio_read_container(c, size),
	      "vfio: the sound container block is accepted (control)");
	/* the header's fields and those of mappings[0] and [1] */
	vfio_forge_fields("vfio_kho_container_ser", c, good, size,
			  vfio_kho_container_ser_fields,
			  ARRAY_SIZE(vfio_kho_container_ser_fields), 0,
			  container_read, container_seal);
	vfio_kho_device_seal(&dev);
	dev_good = dev;
	check(!vfio_kho_device_check(&dev, c),
	      "vfio: the sound device block is accepted (control)");
	vfio_forge_fields("vfio_kho_device_ser", &dev, &dev_good, sizeof(dev),
			  vfio_kho_device_ser_fields,
			  ARRAY_SIZE(vfio_kho_device_ser_fields), 0,
			  device_read, device_seal);
	free(good);
	free(c);
}

int main(void)
{
	printf("KTAP version 1\n");
	pci_forge();
	iommu_forge();
	vfio_forge();
	printf("# %d resealed changes refused by the field checks, %d left to the live checks\n",
	       resealed_refused, resealed_accepted);
	printf("1..%d\n", checks);
	return failed ? 1 : 0;
}
