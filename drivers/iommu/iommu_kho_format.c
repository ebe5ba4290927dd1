// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu_kho_format - the IOMMU handover's format: written in the old
 * kernel, read and checked in the next one.
 */

/**
 * DOC: IOMMU handover format
 *
 * This file owns the pure part of the IOMMU handover
 * (include/linux/kho/abi/iommu.h): the FDT top layer, the walk over a
 * VT-d second-stage page table, and the checks every device record must
 * pass before the next kernel reads any page it names. It touches memory
 * of the previous kernel only through the &struct kho_devices_memory the
 * caller passes, which says what is preserved and maps it.
 *
 * It uses nothing but libfdt and the kernel's basic helpers, and compiles
 * unchanged in userspace, where the fuzzers of
 * tools/testing/selftests/vfio_kho/fuzz run it against a model of memory.
 */

#include <linux/bits.h>
#include <linux/bsearch.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/iommu_kho.h>
#include <linux/kho/abi/iommu.h>
#include <linux/kho/abi/kho_devices.h>
#include <linux/kho_devices.h>
#include <linux/libfdt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/types.h>

/* Second-stage page-table entries */
#define IOMMU_KHO_SL_PRESENT	(BIT_ULL(0) | BIT_ULL(1))
#define IOMMU_KHO_SL_PAGE_SIZE	BIT_ULL(7)
#define IOMMU_KHO_SL_ENTRIES	512
#define IOMMU_KHO_PAGE_SHIFT	12

/* Walking a second-stage page table */

struct iommu_kho_walk {
	const u64 *(*map)(phys_addr_t phys, void *ctx);
	int (*leaf)(u64 iova, u64 pte, u64 size, void *ctx);
	void *ctx;
	u64 *pages;
	u32 nr;
	u32 max;
};

static int iommu_kho_walk_level(struct iommu_kho_walk *w, phys_addr_t table,
				unsigned int level, u64 iova)
{
	unsigned int shift = IOMMU_KHO_PAGE_SHIFT + 9 * (level - 1);
	const u64 *ptes;
	unsigned int i;
	int err;

	if (table & ~IOMMU_KHO_SL_ADDR)
		return -EINVAL;
	if (w->nr == w->max)
		return -E2BIG;
	cond_resched();		/* a big table has millions of entries */
	ptes = w->map(table, w->ctx);
	if (!ptes)
		return -EFAULT;
	w->pages[w->nr++] = table;
	for (i = 0; i < IOMMU_KHO_SL_ENTRIES; i++) {
		u64 pte = READ_ONCE(ptes[i]);
		u64 va = iova + ((u64)i << shift);

		if (!(pte & IOMMU_KHO_SL_PRESENT))
			continue;
		if (level == 1 || (pte & IOMMU_KHO_SL_PAGE_SIZE)) {
			/* 4 KiB, 2 MiB and 1 GiB leaves only */
			if (level > 3)
				return -EINVAL;
			err = w->leaf ? w->leaf(va, pte, BIT_ULL(shift), w->ctx) : 0;
		} else {
			err = iommu_kho_walk_level(w, pte & IOMMU_KHO_SL_ADDR,
						   level - 1, va);
		}
		if (err)
			return err;
	}
	return 0;
}

static int iommu_kho_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int iommu_kho_walk(struct iommu_kho_walk *w, phys_addr_t top,
			  unsigned int levels)
{
	u32 i;
	int err;

	if (levels < 3 || levels > 5)
		return -EINVAL;
	err = iommu_kho_walk_level(w, top, levels, 0);
	if (err)
		return err;
	sort(w->pages, w->nr, sizeof(*w->pages), iommu_kho_cmp_u64, NULL);
	for (i = 1; i < w->nr; i++)
		if (w->pages[i] == w->pages[i - 1])
			return -ELOOP;
	return 0;
}

/**
 * iommu_kho_collect_tables() - list every page of a VT-d second-stage table
 * @top: physical address of the top table page
 * @levels: number of levels, 3 to 5
 * @map: gives the kernel address of a table page, or NULL if it may not
 *	be read (not RAM, not in the preserved set...)
 * @ctx: passed to @map
 * @pages: filled with the physical address of each page, sorted
 * @max: room in @pages
 * @nr: set to the number of pages
 *
 * Return: 0; -EINVAL for a bad level count, a misaligned pointer or a
 * large page where the format has none; -EFAULT if @map refuses a page;
 * -E2BIG if there are more than @max pages; -ELOOP if a page is reached
 * twice (a loop, or tables shared between branches).
 */
int iommu_kho_collect_tables(phys_addr_t top, unsigned int levels,
			     const u64 *(*map)(phys_addr_t phys, void *ctx),
			     void *ctx, u64 *pages, u32 max, u32 *nr)
{
	struct iommu_kho_walk w = {
		.map = map, .ctx = ctx, .pages = pages, .max = max,
	};
	int err;

	*nr = 0;
	err = iommu_kho_walk(&w, top, levels);
	if (!err)
		*nr = w.nr;
	return err;
}

/**
 * iommu_kho_walk_leaves() - call @leaf for every mapping of a checked table
 * @top: physical address of the top table page
 * @levels: number of levels, 3 to 5
 * @map: as for iommu_kho_collect_tables()
 * @leaf: called with the IOVA, the entry and the size of each leaf; a
 *	non-zero return stops the walk and is returned
 * @ctx: passed to @map and @leaf
 * @pages: room for the table's pages, @max entries
 * @max: room in @pages
 *
 * Return: 0, the first non-zero return of @leaf, or an error of
 * iommu_kho_collect_tables().
 */
int iommu_kho_walk_leaves(phys_addr_t top, unsigned int levels,
			  const u64 *(*map)(phys_addr_t phys, void *ctx),
			  int (*leaf)(u64 iova, u64 pte, u64 size, void *ctx),
			  void *ctx, u64 *pages, u32 max)
{
	struct iommu_kho_walk w = {
		.map = map, .leaf = leaf, .ctx = ctx, .pages = pages,
		.max = max,
	};

	return iommu_kho_walk(&w, top, levels);
}

/* The handover: FDT top layer */

/**
 * iommu_kho_fdt_build() - write the FDT top layer of the IOMMU handover
 * @fdt: buffer for the FDT
 * @size: size of @fdt in bytes
 * @l: where the arrays are and how many entries they have
 *
 * Return: 0, or -EINVAL if @fdt is too small or @l exceeds the ABI's limits.
 */
int iommu_kho_fdt_build(void *fdt, size_t size, const struct iommu_kho_layout *l)
{
	int err;

	if (l->nr_devices > IOMMU_KHO_MAX_DEVICES ||
	    l->nr_pages > IOMMU_KHO_MAX_PAGES)
		return -EINVAL;
	err = fdt_create(fdt, size);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, "compatible", IOMMU_KHO_COMPATIBLE);
	err = err ?: fdt_property_u32(fdt, IOMMU_KHO_PROP_NR_DEVICES, l->nr_devices);
	err = err ?: fdt_property_u32(fdt, IOMMU_KHO_PROP_DEVICE_SIZE,
				      sizeof(struct iommu_kho_device_ser));
	err = err ?: fdt_property_u64(fdt, IOMMU_KHO_PROP_DEVICES, l->devices);
	err = err ?: fdt_property_u32(fdt, IOMMU_KHO_PROP_NR_PAGES, l->nr_pages);
	err = err ?: fdt_property_u64(fdt, IOMMU_KHO_PROP_PAGES, l->pages);
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	return err ? -EINVAL : 0;
}

/**
 * iommu_kho_fdt_parse() - read and check the FDT top layer of the handover
 * @fdt: the FDT
 * @size: bytes available at @fdt
 * @l: filled with the arrays' addresses and sizes
 *
 * Return: 0; -EINVAL for a corrupt FDT or a missing property;
 * -EPROTONOSUPPORT for an unknown compatible string; -EPROTO if the record
 * size differs; -E2BIG for counts above the ABI's limits; -ERANGE for
 * arrays below 4 GiB or not page aligned.
 */
int iommu_kho_fdt_parse(const void *fdt, size_t size, struct iommu_kho_layout *l)
{
	u32 dev_size;
	u64 devices, pages;
	int err;

	err = kho_devices_fdt_open(fdt, size, IOMMU_KHO_COMPATIBLE);
	if (err)
		return err;
	if (kho_devices_fdt_u32(fdt, IOMMU_KHO_PROP_DEVICE_SIZE, &dev_size) ||
	    kho_devices_fdt_u32(fdt, IOMMU_KHO_PROP_NR_DEVICES, &l->nr_devices) ||
	    kho_devices_fdt_u32(fdt, IOMMU_KHO_PROP_NR_PAGES, &l->nr_pages) ||
	    kho_devices_fdt_u64(fdt, IOMMU_KHO_PROP_DEVICES, &devices) ||
	    kho_devices_fdt_u64(fdt, IOMMU_KHO_PROP_PAGES, &pages))
		return -EINVAL;
	if (dev_size != sizeof(struct iommu_kho_device_ser))
		return -EPROTO;
	if (l->nr_devices > IOMMU_KHO_MAX_DEVICES ||
	    l->nr_pages > IOMMU_KHO_MAX_PAGES)
		return -E2BIG;
	if ((devices | pages) & (KHO_DEVICES_PAGE_SIZE - 1) ||
	    devices < KHO_DEVICES_MIN_PHYS || pages < KHO_DEVICES_MIN_PHYS)
		return -ERANGE;
	l->devices = devices;
	l->pages = pages;
	return 0;
}

/* The records */

struct iommu_kho_record_map {
	const struct kho_devices_memory *mem;
	const u64 *run;
	u32 nr;
};

/* A page of the record's own run, and preserved: only then is it read. */
static const u64 *iommu_kho_map_recorded(phys_addr_t phys, void *ctx)
{
	struct iommu_kho_record_map *m = ctx;

	if (!bsearch(&phys, m->run, m->nr, sizeof(u64), iommu_kho_cmp_u64))
		return NULL;
	return m->mem->map(phys, m->mem->ctx);
}

/* Check one record against the pages it names; NULL if it is sound. */
static const char *iommu_kho_check_record(const struct iommu_kho_device_ser *r,
					  const u64 *page_list, u32 nr_pages,
					  const struct kho_devices_memory *mem)
{
	struct iommu_kho_record_map m = { .mem = mem };
	u64 *found;
	u32 i, nr;
	int err;

	if (r->addr.reserved || r->levels < 3 || r->levels > 5 ||
	    (r->translation_type != IOMMU_KHO_TT_MULTI_LEVEL &&
	     r->translation_type != IOMMU_KHO_TT_DEV_IOTLB) ||
	    !r->nr_pages || r->first_page > nr_pages ||
	    r->nr_pages > nr_pages - r->first_page)
		return "the record is corrupt";
	if (r->domain_id < IOMMU_KHO_MIN_DOMAIN_ID)
		return "its domain ID is one intel-iommu reserves";
	if ((r->unit_reg_base | r->root_table | r->context_table |
	     r->alias_context_table) & (KHO_DEVICES_PAGE_SIZE - 1))
		return "a unit or table address is not page aligned";
	if (r->alias_context_table ?
	    r->alias.reserved || r->alias.segment != r->addr.segment ||
	    kho_devices_pci_addr_eq(&r->alias, &r->addr) :
	    r->alias.segment || r->alias.bus || r->alias.devfn ||
	    r->alias.reserved)
		return "its DMA alias is corrupt";
	m.run = page_list + r->first_page;
	m.nr = r->nr_pages;
	for (i = 1; i < m.nr; i++)
		if (m.run[i] <= m.run[i - 1])
			return "its page list is not sorted";
	for (i = 0; i < m.nr; i++) {
		if (m.run[i] < KHO_DEVICES_MIN_PHYS)
			return "a page-table page is below 4 GiB";
		if (!mem->preserved(m.run[i], KHO_DEVICES_PAGE_SIZE, mem->ctx))
			return "a page-table page is not preserved memory";
	}
	found = kvmalloc_array(m.nr, sizeof(u64), GFP_KERNEL);
	if (!found)
		return "out of memory";
	err = iommu_kho_collect_tables(r->top_table, r->levels,
				       iommu_kho_map_recorded, &m, found, m.nr,
				       &nr);
	if (!err && nr != m.nr)
		err = -ENODATA;
	kvfree(found);
	switch (err) {
	case 0:
		return NULL;
	case -EFAULT:
		return "its page table leads outside the preserved pages";
	case -ELOOP:
		return "its page table has a loop";
	case -ENODATA:
		return "its page table does not use every recorded page";
	default:
		return "its page table is malformed";
	}
}

/* Do two records name one domain's table (its devices share it)? */
static bool iommu_kho_same_run(const struct iommu_kho_device_ser *a,
			       const struct iommu_kho_device_ser *b)
{
	return a->first_page == b->first_page && a->nr_pages == b->nr_pages &&
	       a->top_table == b->top_table && a->levels == b->levels;
}

/* The first sound record that names the run of record @i (maybe @i) */
static u32 iommu_kho_run_sharer(const struct iommu_kho_device_ser *recs,
				u32 i, const char **reasons)
{
	u32 j;

	for (j = 0; j < i; j++)
		if (!reasons[j] && iommu_kho_same_run(&recs[j], &recs[i]))
			return j;
	return i;
}

struct iommu_kho_page_owner {
	u64 page;
	u32 dev;
};

static int iommu_kho_cmp_page_owner(const void *a, const void *b)
{
	const struct iommu_kho_page_owner *x = a, *y = b;

	return x->page < y->page ? -1 : x->page > y->page;
}

/*
 * Each kept page-table page belongs to one run of the page list: it is
 * restored once and freed once. Records that name the same run (devices
 * of one domain) count once; records that claim the same page through
 * different runs are all refused, and with them those that share a
 * refused record's run.
 */
static void iommu_kho_refuse_overlaps(const struct iommu_kho_device_ser *recs,
				      u32 nr, const u64 *page_list,
				      u32 nr_pages, const char **reasons)
{
	static const char overlap[] = "its page-table pages overlap another record's";
	struct iommu_kho_page_owner *all;
	u64 total = 0;
	u32 i, j, n = 0;

	/* Each accepted run lies inside the list; together they may not. */
	for (i = 0; i < nr; i++)
		if (!reasons[i])
			total += recs[i].nr_pages;
	all = kvmalloc_array(total ?: 1, sizeof(*all), GFP_KERNEL);
	for (i = 0; i < nr; i++) {
		if (reasons[i] || iommu_kho_run_sharer(recs, i, reasons) < i)
			continue;
		if (!all) {
			reasons[i] = "out of memory";
			continue;
		}
		for (j = 0; j < recs[i].nr_pages; j++)
			all[n++] = (struct iommu_kho_page_owner) {
				.page = page_list[recs[i].first_page + j],
				.dev = i,
			};
	}
	if (!all)
		return;
	sort(all, n, sizeof(*all), iommu_kho_cmp_page_owner, NULL);
	for (i = 1; i < n; i++) {
		if (all[i].page != all[i - 1].page)
			continue;
		reasons[all[i].dev] = overlap;
		reasons[all[i - 1].dev] = overlap;
	}
	kvfree(all);
	for (i = 0; i < nr; i++)
		for (j = 0; j < i && !reasons[i]; j++)
			if (reasons[j] == overlap &&
			    iommu_kho_same_run(&recs[j], &recs[i]))
				reasons[i] = overlap;
}

/*
 * On one unit, a domain ID names one table and a table has one domain ID:
 * records of one unit that break either rule are all refused (the same ID
 * and table is a domain shared by several devices).
 */
static void iommu_kho_refuse_shared_ids(const struct iommu_kho_device_ser *recs,
					u32 nr, const char **reasons)
{
	static const char shared[] = "its domain ID is another table's on the unit";
	static const char other_id[] = "its table has another domain ID on the unit";
	bool same_id, same_table;
	u32 i, j;

	for (i = 0; i < nr; i++) {
		for (j = i + 1; j < nr; j++) {
			same_id = recs[i].domain_id == recs[j].domain_id;
			same_table = recs[i].top_table == recs[j].top_table;
			if (recs[i].unit_reg_base != recs[j].unit_reg_base ||
			    same_id == same_table)
				continue;
			reasons[i] = same_id ? shared : other_id;
			reasons[j] = reasons[i];
		}
	}
}

/**
 * iommu_kho_check_records() - check every device record of a handover
 * @recs: the records, @nr of them
 * @nr: number of records
 * @page_list: the handover's page array, @nr_pages entries, already read
 *	from memory checked to be preserved
 * @nr_pages: number of entries in @page_list
 * @mem: what is preserved memory of the previous kernel, and its mapping
 * @reasons: set for each record: NULL if it is sound, else why not
 *
 * A record is sound when its fields are in range (a DMA alias, if it has
 * one, another function of its segment), its page run lies inside
 * @page_list, is sorted, at or above 4 GiB and preserved, its table walks
 * within that run and uses all of it, no other sound record claims any of
 * its pages through another run (the devices of one domain name the same
 * run), and no other record of its unit carries its domain ID with another
 * table or its table with another domain ID. No page is read before it is
 * known to be preserved.
 */
void iommu_kho_check_records(const struct iommu_kho_device_ser *recs, u32 nr,
			     const u64 *page_list, u32 nr_pages,
			     const struct kho_devices_memory *mem,
			     const char **reasons)
{
	u32 i;

	for (i = 0; i < nr; i++)
		reasons[i] = iommu_kho_check_record(&recs[i], page_list,
						    nr_pages, mem);
	iommu_kho_refuse_overlaps(recs, nr, page_list, nr_pages, reasons);
	iommu_kho_refuse_shared_ids(recs, nr, reasons);
}

/**
 * iommu_kho_check_entry() - is the entry found at boot the recorded one?
 * @entry: what the IOMMU driver found in its kept tables for the device
 * @nr_domain_ids: number of domain IDs the device's unit has
 * @rec: the device's record, found sound by iommu_kho_check_records()
 *
 * Return: NULL if @entry points to the recorded table with the recorded
 * levels and domain ID, is a translated type and the ID is one the unit
 * has; else why not.
 */
const char *iommu_kho_check_entry(const struct iommu_kho_entry *entry,
				  u32 nr_domain_ids,
				  const struct iommu_kho_device_ser *rec)
{
	if (entry->top_table != rec->top_table ||
	    entry->domain_id != rec->domain_id || entry->levels != rec->levels)
		return "its context entry differs from the record";
	if (entry->translation_type != IOMMU_KHO_TT_MULTI_LEVEL &&
	    entry->translation_type != IOMMU_KHO_TT_DEV_IOTLB)
		return "its context entry is not a translated type";
	if (rec->domain_id >= nr_domain_ids)
		return "its domain ID is beyond the unit's";
	return NULL;
}
