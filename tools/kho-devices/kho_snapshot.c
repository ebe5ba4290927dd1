// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_snapshot - read a handover snapshot and judge it as the next kernel
 * would.
 *
 * DOC: handover snapshot reader
 *
 * A snapshot (include/linux/kho_devices.h) is an FDT naming a part, a
 * direction and pieces of handed-over memory by physical address. This
 * file checks its structure before libfdt reads it (Debian's libfdt 1.6.1
 * can loop on a property length that overflows), builds a model of the
 * memory it carries, and follows the handover from its root through the
 * part's own format code (kernel/kho_devices_format.c and
 * the *_kho_format.c file of the part, built unchanged), which only
 * reads memory the model says is there: what the next kernel would
 * refuse, this refuses with the same reason.
 *
 * A snapshot that is not one (bad FDT, missing or malformed property,
 * overlapping memory) is malformed: kho_snap_inspect() fails with a
 * message. A well-formed snapshot of a handover the next kernel would
 * refuse is read, and its verdicts say why.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <linux/iommu_kho.h>
#include <linux/kho/abi/iommu.h>
#include <linux/kho/abi/kho_devices.h>
#include <linux/kho/abi/pci.h>
#include <linux/kho/abi/vfio.h>
#include <linux/kho_devices.h>

#include "pci/pci_kho_format.h"
#include "vfio/vfio_kho_format.h"

#include "kho_snapshot.h"

#define PAGE		KHO_DEVICES_PAGE_SIZE
#define FDT_TAG_SIZE	4U

/* One piece of handed-over memory, copied so that u64 reads are aligned */
struct kho_snap_mem {
	const char *role;
	uint64_t phys;
	uint8_t *data;
	size_t len;
	int error;
};

struct kho_snap {
	const void *fdt;
	const char *part, *direction, *state;
	bool has_handover;
	uint64_t handover, refused_records, released_records;
	struct kho_snap_mem *mem;
	unsigned int nr_mem;
};

static int kho_snap_fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/**
 * kho_snap_fdt_sane() - may libfdt walk this FDT?
 * @fdt: the FDT
 * @len: bytes available at @fdt
 *
 * Walks the structure block once: every tag, node name and property lies
 * inside it, every property name inside the strings block, nodes nest
 * and the block ends with FDT_END. Version 17 or later only.
 *
 * Return: true if libfdt's own walks stay within the FDT.
 */
bool kho_snap_fdt_sane(const void *fdt, size_t len)
{
	const uint8_t *p = fdt;
	size_t off_struct, size_struct, off_strings, size_strings, pos = 0;
	size_t total, name_len;
	uint32_t tag, prop_len, name_off;
	int depth = 0;

	if (len < sizeof(struct fdt_header) || fdt_magic(fdt) != FDT_MAGIC ||
	    fdt_version(fdt) < 17 || fdt_last_comp_version(fdt) > 17)
		return false;
	total = fdt_totalsize(fdt);
	off_struct = fdt_off_dt_struct(fdt);
	size_struct = fdt_size_dt_struct(fdt);
	off_strings = fdt_off_dt_strings(fdt);
	size_strings = fdt_size_dt_strings(fdt);
	if (total > len || total > INT32_MAX || off_struct > total ||
	    size_struct > total - off_struct || off_strings > total ||
	    size_strings > total - off_strings || off_struct % 4 ||
	    fdt_off_mem_rsvmap(fdt) > total || fdt_check_header(fdt))
		return false;
	p += off_struct;
	for (;;) {
		if (size_struct - pos < FDT_TAG_SIZE)
			return false;
		tag = be32(p + pos);
		pos += FDT_TAG_SIZE;
		switch (tag) {
		case FDT_BEGIN_NODE:
			name_len = strnlen((const char *)p + pos,
					   size_struct - pos);
			if (name_len == size_struct - pos)
				return false;
			pos += name_len + 1;
			depth++;
			break;
		case FDT_END_NODE:
			if (--depth < 0)
				return false;
			break;
		case FDT_PROP:
			if (size_struct - pos < 8 || !depth)
				return false;
			prop_len = be32(p + pos);
			name_off = be32(p + pos + 4);
			pos += 8;
			if (prop_len > size_struct - pos ||
			    name_off >= size_strings ||
			    !memchr((const char *)fdt + off_strings + name_off,
				    0, size_strings - name_off))
				return false;
			pos += prop_len;
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			return !depth;
		default:
			return false;
		}
		pos = (pos + 3) & ~(size_t)3;
		if (pos > size_struct)
			return false;
	}
}

/* The model of memory the format code reads through */

static const struct kho_snap_mem *kho_snap_find(const struct kho_snap *s,
						uint64_t phys, uint64_t size)
{
	unsigned int i;

	if (phys + size < phys)
		return NULL;
	for (i = 0; i < s->nr_mem; i++) {
		const struct kho_snap_mem *m = &s->mem[i];

		if (phys >= m->phys && phys - m->phys <= m->len &&
		    size <= m->len - (phys - m->phys))
			return m;
	}
	return NULL;
}

static bool kho_snap_preserved(u64 phys, u64 size, void *ctx)
{
	return kho_snap_find(ctx, phys, size);
}

static const void *kho_snap_map(u64 phys, void *ctx)
{
	const struct kho_snap_mem *m = kho_snap_find(ctx, phys, 1);

	return m ? m->data + (phys - m->phys) : NULL;
}

/* A page-table page, read only if the snapshot carries all of it */
static const u64 *kho_snap_map_page(phys_addr_t phys, void *ctx)
{
	const struct kho_snap_mem *m = kho_snap_find(ctx, phys, PAGE);

	return m ? (const u64 *)(m->data + (phys - m->phys)) : NULL;
}

static const char *kho_snap_string(const void *fdt, int node, const char *name)
{
	const char *v;
	int len;

	v = fdt_getprop(fdt, node, name, &len);
	if (!v || len < 1 || v[len - 1] || strlen(v) != (size_t)len - 1)
		return NULL;
	return v;
}

static int kho_snap_u64(const void *fdt, int node, const char *name,
			uint64_t *val)
{
	const fdt64_t *v;
	int len;

	v = fdt_getprop(fdt, node, name, &len);
	if (!v)
		return len == -FDT_ERR_NOTFOUND ? -ENOENT : -EINVAL;
	if (len != sizeof(*v))
		return -EINVAL;
	*val = fdt64_ld(v);
	return 0;
}

static void kho_snap_free(struct kho_snap *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_mem; i++)
		free(s->mem[i].data);
	free(s->mem);
}

static int kho_snap_read_mem(struct kho_snap *s, int node, char *why,
			     size_t why_len)
{
	struct kho_snap_mem *m = &s->mem[s->nr_mem];
	const char *name = fdt_get_name(s->fdt, node, NULL);
	uint64_t error = 0;
	const void *data;
	unsigned int i;
	int len;

	m->role = kho_snap_string(s->fdt, node, "role");
	data = fdt_getprop(s->fdt, node, "data", &len);
	if (!name || strncmp(name, "mem@", 4) || !m->role || !data ||
	    kho_snap_u64(s->fdt, node, "phys", &m->phys))
		return kho_snap_fail(why, why_len,
				     "node %s: not a piece of memory (role, phys and data)",
				     name ? name : "?");
	if (kho_snap_u64(s->fdt, node, "error", &error) == -EINVAL ||
	    error > 4095)
		return kho_snap_fail(why, why_len, "node %s: bad error property",
				     name);
	m->error = -(int)error;
	m->len = len;
	if (m->phys + m->len < m->phys)
		return kho_snap_fail(why, why_len, "node %s: wraps around", name);
	for (i = 0; i < s->nr_mem; i++)
		if (m->phys < s->mem[i].phys + s->mem[i].len &&
		    s->mem[i].phys < m->phys + m->len)
			return kho_snap_fail(why, why_len,
					     "node %s overlaps memory at %#llx",
					     name,
					     (unsigned long long)s->mem[i].phys);
	m->data = malloc(m->len ? m->len : 1);
	if (!m->data)
		return kho_snap_fail(why, why_len, "out of memory");
	memcpy(m->data, data, m->len);
	s->nr_mem++;
	return 0;
}

/* Read the snapshot's root and memory; -1 with @why if it is not one. */
static int kho_snap_read(const void *buf, size_t len, struct kho_snap *s,
			 char *why, size_t why_len)
{
	const char *compat;
	unsigned int n = 0;
	int node, err;

	memset(s, 0, sizeof(*s));
	if (!kho_snap_fdt_sane(buf, len))
		return kho_snap_fail(why, why_len,
				     "not a snapshot: malformed or truncated FDT (%zu bytes)",
				     len);
	s->fdt = buf;
	compat = kho_snap_string(buf, 0, "compatible");
	if (!compat || strcmp(compat, KHO_DEVICES_SNAPSHOT_COMPATIBLE))
		return kho_snap_fail(why, why_len,
				     "not a snapshot: compatible is \"%s\", not \"%s\"",
				     compat ? compat : "",
				     KHO_DEVICES_SNAPSHOT_COMPATIBLE);
	s->part = kho_snap_string(buf, 0, "part");
	s->direction = kho_snap_string(buf, 0, "direction");
	s->state = kho_snap_string(buf, 0, "state");
	if (!s->part || !s->direction || !s->state ||
	    (strcmp(s->part, "pci") && strcmp(s->part, "iommu") &&
	     strcmp(s->part, "vfio")) ||
	    (strcmp(s->direction, "outgoing") &&
	     strcmp(s->direction, "incoming")))
		return kho_snap_fail(why, why_len,
				     "snapshot without a known part, direction and state");
	err = kho_snap_u64(buf, 0, "handover", &s->handover);
	if (err == -EINVAL)
		return kho_snap_fail(why, why_len, "malformed handover property");
	s->has_handover = !err;
	if (kho_snap_u64(buf, 0, "refused-records", &s->refused_records) == -EINVAL ||
	    kho_snap_u64(buf, 0, "released-records", &s->released_records) == -EINVAL)
		return kho_snap_fail(why, why_len, "malformed record bitmap");
	fdt_for_each_subnode(node, buf, 0)
		n++;
	if (node != -FDT_ERR_NOTFOUND)
		return kho_snap_fail(why, why_len, "malformed node list");
	s->mem = calloc(n ? n : 1, sizeof(*s->mem));
	if (!s->mem)
		return kho_snap_fail(why, why_len, "out of memory");
	fdt_for_each_subnode(node, buf, 0)
		if (kho_snap_read_mem(s, node, why, why_len))
			return -1;
	return 0;
}

static const struct kho_snap_mem *kho_snap_role(const struct kho_snap *s,
						uint64_t phys, const char *role)
{
	const struct kho_snap_mem *m = kho_snap_find(s, phys, 1);

	return m && m->phys == phys && !strcmp(m->role, role) ? m : NULL;
}

static void kho_snap_bdf(char *bdf, const struct kho_devices_pci_addr *addr)
{
	snprintf(bdf, sizeof(((struct kho_snap_device *)0)->bdf), "%s",
		 kho_devices_pci_name(addr).str);
}

static struct kho_snap_device *kho_snap_add_device(struct kho_snap_report *r)
{
	struct kho_snap_device *d;

	d = realloc(r->devices, (r->nr_devices + 1) * sizeof(*d));
	if (!d)
		abort();
	r->devices = d;
	d += r->nr_devices++;
	memset(d, 0, sizeof(*d));
	snprintf(d->verdict, sizeof(d->verdict), "ok");
	return d;
}

static void kho_snap_refuse(char *verdict, const char *fmt, ...)
{
	char reason[KHO_SNAP_TEXT - 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(verdict, KHO_SNAP_TEXT, "refused: %s", reason);
}

/* The part's FDT top layer: the handover's root */
static const void *kho_snap_top(struct kho_snap *s, struct kho_snap_report *r)
{
	const struct kho_snap_mem *m = kho_snap_role(s, s->handover, "fdt");
	const char *compat;

	if (!m || !kho_snap_preserved(s->handover, PAGE, s)) {
		kho_snap_refuse(r->verdict, "its FDT is not preserved memory");
		return NULL;
	}
	if (!kho_snap_fdt_sane(m->data, m->len)) {
		kho_snap_refuse(r->verdict, "corrupt FDT");
		return NULL;
	}
	compat = kho_snap_string(m->data, 0, "compatible");
	snprintf(r->format, sizeof(r->format), "%s", compat ? compat : "?");
	return m->data;
}

static const char *kho_snap_fdt_reason(int err)
{
	switch (err) {
	case -EPROTONOSUPPORT:
		return "unknown version";
	case -EPROTO:
		return "record size differs";
	case -E2BIG:
		return "too many records";
	case -ERANGE:
		return "records below 4 GiB or not page aligned";
	default:
		return "corrupt FDT";
	}
}

static void kho_snap_pci(struct kho_snap *s, struct kho_snap_report *r)
{
	const struct kho_devices_memory mem = {
		kho_snap_preserved, kho_snap_map, s,
	};
	const struct pci_kho_function_ser *f;
	const void *fdt = kho_snap_top(s, r);
	phys_addr_t functions;
	u32 nr, i;
	int err;

	if (!fdt)
		return;
	err = pci_kho_fdt_parse(fdt, PAGE, &functions, &nr);
	if (err) {
		kho_snap_refuse(r->verdict, "%s", kho_snap_fdt_reason(err));
		return;
	}
	if (!nr)
		return;
	if (!mem.preserved(functions, (u64)nr * sizeof(*f), s)) {
		kho_snap_refuse(r->verdict, "its %u records are not in preserved memory", nr);
		return;
	}
	f = mem.map(functions, s);
	if (kho_devices_fdt_check_crc(fdt, PCI_KHO_PROP_FUNCTIONS_CRC, f,
				      nr * sizeof(*f))) {
		kho_snap_refuse(r->verdict, "its records do not match their checksum");
		return;
	}
	for (i = 0; i < nr; i++, f++) {
		struct kho_snap_device *d = kho_snap_add_device(r);

		kho_snap_bdf(d->bdf, &f->addr);
		d->vendor = f->vendor;
		d->device = f->device;
		d->class = f->class;
		d->command = f->command;
		d->nr_bridges = f->nr_bridges;
		memcpy(d->driver, f->driver, sizeof(f->driver));
		d->driver[sizeof(f->driver)] = 0;
		if (pci_kho_function_validate(f))
			kho_snap_refuse(d->verdict, "the record does not validate");
	}
}

static int kho_snap_count_leaf(struct kho_snap_device *d, u64 size)
{
	d->leaves[size >= (1ULL << 30) ? 2 : size >= (1ULL << 21) ? 1 : 0]++;
	d->leaf_bytes += size;
	return 0;
}

/* iommu_kho_walk_leaves() passes one context to map and leaf */
struct kho_snap_walk {
	struct kho_snap *s;
	struct kho_snap_device *d;
};

static const u64 *kho_snap_walk_map(phys_addr_t phys, void *ctx)
{
	return kho_snap_map_page(phys, ((struct kho_snap_walk *)ctx)->s);
}

static int kho_snap_walk_leaf(u64 iova, u64 pte, u64 size, void *ctx)
{
	return kho_snap_count_leaf(((struct kho_snap_walk *)ctx)->d, size);
}

/* Count what a sound record's table maps, by page size */
static void kho_snap_walk(struct kho_snap *s, struct kho_snap_device *d,
			  const struct iommu_kho_device_ser *rec)
{
	struct kho_snap_walk w = { s, d };
	u64 *pages = calloc(rec->nr_pages ? rec->nr_pages : 1, sizeof(u64));

	if (!pages)
		abort();
	d->leaves_known = !iommu_kho_walk_leaves(rec->top_table, rec->levels,
						 kho_snap_walk_map,
						 kho_snap_walk_leaf, &w, pages,
						 rec->nr_pages);
	free(pages);
	if (!d->leaves_known) {
		memset(d->leaves, 0, sizeof(d->leaves));
		d->leaf_bytes = 0;
	}
}

static void kho_snap_iommu(struct kho_snap *s, struct kho_snap_report *r)
{
	const struct kho_devices_memory mem = {
		kho_snap_preserved, kho_snap_map, s,
	};
	const struct iommu_kho_device_ser *recs;
	struct iommu_kho_layout l;
	const char **reasons;
	const u64 *page_list;
	const void *fdt = kho_snap_top(s, r);
	bool incoming = !strcmp(s->direction, "incoming");
	u32 i;
	int err;

	if (!fdt)
		return;
	err = iommu_kho_fdt_parse(fdt, PAGE, &l);
	if (err) {
		kho_snap_refuse(r->verdict, "%s", kho_snap_fdt_reason(err));
		return;
	}
	if (!mem.preserved(l.devices, l.nr_devices ? l.nr_devices * sizeof(*recs) : 1, s) ||
	    !mem.preserved(l.pages, l.nr_pages ? l.nr_pages * sizeof(u64) : 1, s)) {
		kho_snap_refuse(r->verdict, "its arrays are not preserved memory");
		return;
	}
	recs = mem.map(l.devices, s);
	page_list = mem.map(l.pages, s);
	if (kho_devices_fdt_check_crc(fdt, IOMMU_KHO_PROP_DEVICES_CRC, recs,
				      l.nr_devices * sizeof(*recs)) ||
	    kho_devices_fdt_check_crc(fdt, IOMMU_KHO_PROP_PAGES_CRC, page_list,
				      l.nr_pages * sizeof(u64))) {
		kho_snap_refuse(r->verdict, "its records do not match their checksum");
		return;
	}
	reasons = calloc(l.nr_devices ? l.nr_devices : 1, sizeof(*reasons));
	if (!reasons)
		abort();
	iommu_kho_check_records(recs, l.nr_devices, page_list, l.nr_pages,
				&mem, reasons);
	for (i = 0; i < l.nr_devices; i++) {
		const struct iommu_kho_device_ser *rec = &recs[i];
		struct kho_snap_device *d = kho_snap_add_device(r);

		kho_snap_bdf(d->bdf, &rec->addr);
		d->unit = rec->unit_reg_base;
		d->top_table = rec->top_table;
		d->domain = rec->domain_id;
		d->levels = rec->levels;
		d->translation_type = rec->translation_type;
		d->table_pages = rec->nr_pages;
		if (rec->alias_context_table)
			kho_snap_bdf(d->alias, &rec->alias);
		d->tables_released = incoming && i < 64 &&
				     s->released_records >> i & 1;
		if (incoming && i < 64 && s->refused_records >> i & 1)
			kho_snap_refuse(d->verdict,
					"refused by this kernel (kho_devices/iommu/devices says why)");
		else if (reasons[i] && !d->tables_released)
			kho_snap_refuse(d->verdict, "%s", reasons[i]);
		if (!reasons[i])
			kho_snap_walk(s, d, rec);
	}
	free(reasons);
}

static void kho_snap_vfio(struct kho_snap *s, struct kho_snap_report *r)
{
	const struct kho_devices_memory mem = {
		kho_snap_preserved, kho_snap_map, s,
	};
	const struct vfio_kho_container_ser *ser;
	struct kho_snap_device *d;
	unsigned int i, j, k;
	int err;

	snprintf(r->format, sizeof(r->format), "%s %s",
		 VFIO_KHO_CONTAINER_COMPATIBLE, VFIO_KHO_DEVICE_COMPATIBLE);
	for (i = 0; i < s->nr_mem; i++) {
		const struct kho_snap_mem *m = &s->mem[i];

		if (strcmp(m->role, "container"))
			continue;
		d = kho_snap_add_device(r);
		d->container = m->phys;
		err = vfio_kho_container_check(m->phys, &mem, &ser);
		if (!ser) {
			snprintf(d->bdf, sizeof(d->bdf), "?");
			kho_snap_refuse(d->verdict, "its block is not preserved memory");
			continue;
		}
		kho_snap_bdf(d->bdf, &ser->devices[0]);
		if (m->error)
			kho_snap_refuse(d->verdict, "refused by this kernel (%s)",
					strerror(-m->error));
		else if (err)
			kho_snap_refuse(d->verdict, "%s",
					err == -EBADMSG ? "its block does not match its checksum" :
					err == -EFAULT ? "its mappings are not preserved memory" :
					"its block does not validate");
		if (err)
			continue;
		d->mappings = ser->nr_mappings;
		for (j = 0; j < ser->nr_mappings; j++) {
			d->mapped_bytes += ser->mappings[j].size;
			for (k = 0; k < j; k++)
				if (ser->mappings[k].memfd_token ==
				    ser->mappings[j].memfd_token)
					break;
			d->memfds += k == j;
		}
		/* One row per device the container hands over, same mappings */
		for (j = 1; j < ser->nr_devices; j++) {
			struct kho_snap_device *first = d;
			size_t at = first - r->devices;

			d = kho_snap_add_device(r);
			first = &r->devices[at];	/* moved by the realloc */
			*d = *first;
			kho_snap_bdf(d->bdf, &ser->devices[j]);
		}
	}
	/* Each device block names its container, which must name it back. */
	for (i = 0; i < s->nr_mem; i++) {
		const struct kho_snap_mem *m = &s->mem[i];
		const struct vfio_kho_device_ser *dev;
		char bdf[sizeof(d->bdf)];

		if (strcmp(m->role, "device"))
			continue;
		if (m->len < sizeof(*dev)) {
			d = kho_snap_add_device(r);
			snprintf(d->bdf, sizeof(d->bdf), "?");
			kho_snap_refuse(d->verdict, "a device block is truncated");
			continue;
		}
		dev = (const void *)m->data;
		kho_snap_bdf(bdf, &dev->addr);
		for (j = 0; j < r->nr_devices; j++)
			if (r->devices[j].container == dev->container &&
			    !strcmp(r->devices[j].bdf, bdf))
				break;
		if (j == r->nr_devices) {
			d = kho_snap_add_device(r);
			kho_snap_bdf(d->bdf, &dev->addr);
			kho_snap_refuse(d->verdict, "its device block names no container here");
			continue;
		}
		d = &r->devices[j];
		d->device_block = true;
		ser = kho_snap_role(s, dev->container, "container") ?
		      mem.map(dev->container, s) : NULL;
		if (strcmp(d->verdict, "ok"))
			continue;
		if (vfio_kho_device_check(dev, ser))
			kho_snap_refuse(d->verdict, "its device block does not validate");
	}
	for (i = 0; i < r->nr_devices; i++)
		if (!r->devices[i].device_block && !strcmp(r->devices[i].verdict, "ok") &&
		    !strcmp(s->direction, "outgoing"))
			kho_snap_refuse(r->devices[i].verdict,
					"the container is preserved without its device");
}

/**
 * kho_snap_inspect() - read a snapshot and judge the handover it shows
 * @buf: the snapshot, as read from debugfs
 * @len: its size in bytes
 * @r: filled with what it says; free with kho_snap_report_free()
 * @why: set to a message when the snapshot is malformed
 * @why_len: room in @why
 *
 * Return: 0 if the snapshot could be read (its verdicts may still refuse
 * the handover); -1 if it is malformed, with @why set.
 */
int kho_snap_inspect(const void *buf, size_t len, struct kho_snap_report *r,
		     char *why, size_t why_len)
{
	struct kho_snap s;
	uint64_t v;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	snprintf(r->verdict, sizeof(r->verdict), "ok");
	if (kho_snap_read(buf, len, &s, why, why_len)) {
		kho_snap_free(&s);
		return -1;
	}
	snprintf(r->part, sizeof(r->part), "%s", s.part);
	snprintf(r->direction, sizeof(r->direction), "%s", s.direction);
	snprintf(r->state, sizeof(r->state), "%s", s.state);
	if (!kho_snap_u64(buf, 0, "preserved-bytes", &v))
		r->preserved_bytes = v;
	if (!kho_snap_u64(buf, 0, "error", &v) && v <= 4095)
		r->error = -(int)v;
	for (i = 0; i < s.nr_mem; i++)
		r->metadata_bytes += s.mem[i].len;
	if (r->error)
		kho_snap_refuse(r->verdict, "refused by this kernel (%s)",
				strerror(-r->error));
	else if (!strcmp(s.part, "vfio"))
		kho_snap_vfio(&s, r);
	else if (s.has_handover && !strcmp(s.part, "pci"))
		kho_snap_pci(&s, r);
	else if (s.has_handover)
		kho_snap_iommu(&s, r);
	for (i = 0; i < r->nr_devices; i++)
		r->nr_refused += !!strcmp(r->devices[i].verdict, "ok");
	kho_snap_free(&s);
	return 0;
}

/**
 * kho_snap_report_free() - free what kho_snap_inspect() filled in
 * @r: the report
 */
void kho_snap_report_free(struct kho_snap_report *r)
{
	free(r->devices);
	r->devices = NULL;
	r->nr_devices = 0;
}
