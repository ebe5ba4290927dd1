// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_iommu_handover - libFuzzer target for drivers/iommu/iommu_kho_format.c,
 * built unchanged in userspace: the checks the next kernel applies to the
 * IOMMU handover (include/linux/kho/abi/iommu.h) before it reads any page
 * the previous kernel named.
 *
 * Input: two bytes of FDT length, the FDT, then a model of memory and the
 * records of a handover against it:
 *   3 bytes	preserved flags of the 18 model pages (bit i for page i)
 *   1 byte	number of page-table entry writes; each: page (1 byte), slot
 *		(2), flags (1) and an address, ORed into the entry
 *   1 byte	entries of the page list (mod 33); each an address
 *   1 byte	number of records (mod 7); each: top_table (an address),
 *		levels (1), translation_type (1), domain_id (2), addr.reserved (2),
 *		first_page and nr_pages (a byte, or after a byte >= 0xf0 the
 *		next 4), unit_reg_base, root_table and context_table
 *		(addresses), alias_context_table (an address), alias.segment,
 *		alias.bus, alias.devfn and alias.reserved (1 byte each)
 * An address is a byte: bits 0-4 a page index, bits 5-7 its use: 0-3 the
 * page, 4 the page misaligned, 5 the page with a bit above the VT-d
 * address field, 6 the index times 4 KiB (below 4 GiB), 7 the next 8 bytes
 * as is. Indices 0-15 are model pages at 4 GiB + i * 4 KiB, 16-17 model
 * pages just below 4 GiB, 18-31 pages above 4 GiB that are not modelled.
 * Missing bytes read as zero. The FDT, the page list, the records and
 * each model page sit in buffers of exactly their size, so that
 * AddressSanitizer catches any read past them (libfdt itself is Debian's,
 * not instrumented; FDTs that could make its 1.6.1 loop for ever, see
 * kho_fuzz_fdt_overflows(), are left out).
 *
 * Oracles, FDT layer: only the documented errnos; an accepted layout has
 * counts within IOMMU_KHO_MAX_*, page-aligned addresses at or above 4 GiB,
 * the same verdict with bytes past the FDT, and comes back unchanged
 * through iommu_kho_fdt_build() and a second parse.
 * Oracles, records: memory is reached only through the model, whose map()
 * aborts on anything not preserved; every reason is NULL or a non-empty
 * string; an accepted record has its fields in range (levels 3 to 5, a
 * known translation type, a usable domain ID, page-aligned unit and table
 * addresses, reserved zero) and a run of at least one page inside the
 * list, strictly ascending, at or above 4 GiB, preserved, with its top
 * table in it; no page belongs to two accepted records; a second check
 * gives the same verdicts. The first record's table is also walked over
 * every preserved page by iommu_kho_collect_tables() and
 * iommu_kho_walk_leaves(): only documented errnos, both agree, the pages
 * come back sorted, unique and preserved, and the leaves are 4 KiB, 2 MiB
 * or 1 GiB, aligned, in ascending order and within the table's reach.
 *
 * KHO_FUZZ_VERBOSE=1 in the environment prints the verdicts.
 *
 * Seed writer (kho_fuzz_write_seeds(), run by seeds_main.c): handovers
 * made with iommu_kho_fdt_build() and valid 3- and 4-level tables over
 * model pages for one to three records, and a few refused variants.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/iommu_kho.h>
#include <linux/kho/abi/iommu.h>
#include <linux/kho/abi/kho_devices.h>
#include <linux/kho_devices.h>
#include <linux/libfdt.h>

#include "kho_fuzz.h"

#define PAGE		KHO_DEVICES_PAGE_SIZE
#define MIN_PHYS	KHO_DEVICES_MIN_PHYS
#define MODEL_HIGH	16	/* model pages 0-15 at 4 GiB + i * 4 KiB */
#define MODEL_PAGES	18	/* 16-17 just below 4 GiB */
#define MAX_LIST	32
#define MAX_RECS	6

struct model {
	u64 *page[MODEL_PAGES];
	bool preserved[MODEL_PAGES];
};

static struct model model;

static bool verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = !!getenv("KHO_FUZZ_VERBOSE");
	return v;
}

/* The physical address of page index @idx (0 to 31) */
static u64 page_phys(unsigned int idx)
{
	if (idx >= MODEL_HIGH && idx < MODEL_PAGES)
		return MIN_PHYS - (idx - MODEL_HIGH + 1) * PAGE;
	return MIN_PHYS + idx * PAGE;
}

/* The model page that holds @phys, or -1 */
static int model_index(u64 phys)
{
	int i;

	for (i = 0; i < MODEL_PAGES; i++)
		if (page_phys(i) == (phys & ~(PAGE - 1)))
			return i;
	return -1;
}

/* Preserved: every page of the range is a model page flagged preserved. */
static bool model_preserved(u64 phys, u64 size, void *ctx)
{
	struct model *m = ctx;
	u64 a, last;
	int i;

	if (!size || phys + size - 1 < phys)
		return false;
	last = (phys + size - 1) & ~(PAGE - 1);
	for (a = phys & ~(PAGE - 1); ; a += PAGE) {
		i = model_index(a);
		if (i < 0 || !m->preserved[i])
			return false;
		if (a == last)
			return true;
	}
}

/* The oracle "only preserved memory is read": anything else fails the run. */
static const void *model_map(u64 phys, void *ctx)
{
	struct model *m = ctx;
	int i = model_index(phys);

	if (i < 0 || !m->preserved[i])
		kho_fuzz_fail("map() of 0x%llx, which is not preserved",
			      (unsigned long long)phys);
	return (const uint8_t *)m->page[i] + (phys & (PAGE - 1));
}

/* A direct walk over the model */

struct walk {
	struct model *m;
	unsigned int levels;
	u64 next;		/* lowest IOVA the next leaf may have */
};

/* What a caller of the walk passes: preserved model pages, else NULL */
static const u64 *walk_map(phys_addr_t phys, void *ctx)
{
	struct walk *w = ctx;
	int i = model_index(phys);

	if (phys & (PAGE - 1))
		kho_fuzz_fail("the walk maps misaligned 0x%llx",
			      (unsigned long long)phys);
	if (i < 0 || !w->m->preserved[i])
		return NULL;
	return w->m->page[i];
}

static int walk_leaf(u64 iova, u64 pte, u64 size, void *ctx)
{
	struct walk *w = ctx;

	assert(size == 1ULL << 12 || size == 1ULL << 21 || size == 1ULL << 30);
	assert(!(iova & (size - 1)));
	assert(iova >= w->next);
	assert(iova + size <= 1ULL << (12 + 9 * w->levels));
	assert(pte & 3);
	w->next = iova + size;
	return 0;
}

static void fuzz_walk(const struct iommu_kho_device_ser *r)
{
	struct walk w = { .m = &model, .levels = r->levels };
	u64 *pages = malloc(MODEL_PAGES * sizeof(*pages));
	u32 i, nr;
	int err, err2;

	if (!pages)
		abort();
	err = iommu_kho_collect_tables(r->top_table, r->levels, walk_map, &w,
				       pages, MODEL_PAGES, &nr);
	assert(!err || err == -EINVAL || err == -EFAULT || err == -E2BIG ||
	       err == -ELOOP);
	assert(!err || !nr);
	if (!err) {
		assert(nr >= 1 && nr <= MODEL_PAGES);
		for (i = 0; i < nr; i++) {
			assert(!i || pages[i] > pages[i - 1]);
			assert(model_preserved(pages[i], PAGE, &model));
		}
	}
	err2 = iommu_kho_walk_leaves(r->top_table, r->levels, walk_map,
				     walk_leaf, &w, pages, MODEL_PAGES);
	assert(err2 == err);
	free(pages);
}

/* The FDT top layer */

static bool same_layout(const struct iommu_kho_layout *a,
			const struct iommu_kho_layout *b)
{
	return a->devices == b->devices && a->nr_devices == b->nr_devices &&
	       a->pages == b->pages && a->nr_pages == b->nr_pages;
}

static void fuzz_fdt(const uint8_t *fdt, size_t len)
{
	struct iommu_kho_layout l, l2;
	uint8_t out[512], *big;
	int err;

	if (kho_fuzz_fdt_overflows(fdt, len))
		return;
	err = iommu_kho_fdt_parse(fdt, len, &l);
	if (verbose())
		fprintf(stderr, "fdt: %d\n", err);
	assert(!err || err == -EINVAL || err == -EPROTONOSUPPORT ||
	       err == -EPROTO || err == -E2BIG || err == -ERANGE);
	if (err)
		return;
	assert(l.nr_devices <= IOMMU_KHO_MAX_DEVICES);
	assert(l.nr_pages <= IOMMU_KHO_MAX_PAGES);
	assert(!((l.devices | l.pages) & (PAGE - 1)));
	assert(l.devices >= MIN_PHYS && l.pages >= MIN_PHYS);

	/* Bytes past the FDT do not matter. */
	big = malloc(len + 64);
	if (!big)
		abort();
	memcpy(big, fdt, len);
	memset(big + len, 0xa5, 64);
	assert(!iommu_kho_fdt_parse(big, len + 64, &l2) && same_layout(&l, &l2));
	free(big);

	/* Round trip */
	assert(!iommu_kho_fdt_build(out, sizeof(out), &l));
	assert(!iommu_kho_fdt_parse(out, fdt_totalsize(out), &l2));
	assert(same_layout(&l, &l2));
}

/* The records */

static u64 get_addr(struct kho_fuzz_in *in)
{
	unsigned int v = kho_fuzz_get(in, 1), idx = v & 31;

	switch (v >> 5) {
	case 4:
		return page_phys(idx) + 8 * (idx + 1);
	case 5:
		return page_phys(idx) | BIT_ULL(52 + idx % 12);
	case 6:
		return idx * PAGE;
	case 7:
		return kho_fuzz_get(in, 8);
	default:
		return page_phys(idx);
	}
}

static u32 get_count(struct kho_fuzz_in *in)
{
	u32 v = kho_fuzz_get(in, 1);

	return v < 0xf0 ? v : kho_fuzz_get(in, 4);
}

static bool same_reason(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Sentinel: a reason iommu_kho_check_records() did not set */
static const char unset[] = "unset";

static void check_accepted(const struct iommu_kho_device_ser *r,
			   const u64 *list, u32 nr_list)
{
	bool top = false;
	const u64 *run;
	u32 j;

	assert(r->levels >= 3 && r->levels <= 5);
	assert(r->translation_type == IOMMU_KHO_TT_MULTI_LEVEL ||
	       r->translation_type == IOMMU_KHO_TT_DEV_IOTLB);
	assert(!r->addr.reserved && r->domain_id >= IOMMU_KHO_MIN_DOMAIN_ID);
	assert(!((r->unit_reg_base | r->root_table | r->context_table |
		  r->alias_context_table) & (PAGE - 1)));
	if (r->alias_context_table)
		assert(!r->alias.reserved &&
		       r->alias.segment == r->addr.segment &&
		       (r->alias.bus != r->addr.bus ||
			r->alias.devfn != r->addr.devfn));
	else
		assert(!r->alias.segment && !r->alias.bus && !r->alias.devfn &&
		       !r->alias.reserved);
	assert(r->nr_pages >= 1);
	assert((u64)r->first_page + r->nr_pages <= nr_list);
	run = list + r->first_page;
	for (j = 0; j < r->nr_pages; j++) {
		assert(!j || run[j] > run[j - 1]);
		assert(run[j] >= MIN_PHYS);
		assert(model_preserved(run[j], PAGE, &model));
		top |= run[j] == r->top_table;
	}
	assert(top);
}

/* Do two records name one domain's run of table pages? */
static bool same_run(const struct iommu_kho_device_ser *a,
		     const struct iommu_kho_device_ser *b)
{
	return a->first_page == b->first_page && a->nr_pages == b->nr_pages &&
	       a->top_table == b->top_table && a->levels == b->levels;
}

/* Do two accepted records share a page? */
static bool share_page(const struct iommu_kho_device_ser *a,
		       const struct iommu_kho_device_ser *b, const u64 *list)
{
	u32 i, j;

	for (i = 0; i < a->nr_pages; i++)
		for (j = 0; j < b->nr_pages; j++)
			if (list[a->first_page + i] == list[b->first_page + j])
				return true;
	return false;
}

static void fuzz_records(struct kho_fuzz_in *in)
{
	const struct kho_devices_memory mem = {
		.preserved = model_preserved, .map = model_map, .ctx = &model,
	};
	struct iommu_kho_device_ser *recs, *r;
	const char **reasons, **again;
	u32 flags, nr_writes, nr_list, nr_recs, i, j;
	u64 *list;

	flags = kho_fuzz_get(in, 3);
	for (i = 0; i < MODEL_PAGES; i++) {
		memset(model.page[i], 0, PAGE);
		model.preserved[i] = flags >> i & 1;
	}
	nr_writes = kho_fuzz_get(in, 1);
	for (i = 0; i < nr_writes && in->len; i++) {
		u32 page = kho_fuzz_get(in, 1) % MODEL_PAGES;
		u32 slot = kho_fuzz_get(in, 2) % 512;
		u64 fl = kho_fuzz_get(in, 1);

		model.page[page][slot] = get_addr(in) | fl;
	}
	nr_list = kho_fuzz_get(in, 1) % (MAX_LIST + 1);
	list = malloc(nr_list ? nr_list * sizeof(*list) : 1);
	if (!list)
		abort();
	for (i = 0; i < nr_list; i++)
		list[i] = get_addr(in);
	nr_recs = kho_fuzz_get(in, 1) % (MAX_RECS + 1);
	recs = calloc(nr_recs ?: 1, sizeof(*recs));
	reasons = malloc((nr_recs ?: 1) * sizeof(*reasons));
	again = malloc((nr_recs ?: 1) * sizeof(*again));
	if (!recs || !reasons || !again)
		abort();
	for (i = 0; i < nr_recs; i++) {
		r = &recs[i];
		r->top_table = get_addr(in);
		r->levels = kho_fuzz_get(in, 1);
		r->translation_type = kho_fuzz_get(in, 1);
		r->domain_id = kho_fuzz_get(in, 2);
		r->addr.reserved = kho_fuzz_get(in, 2);
		r->first_page = get_count(in);
		r->nr_pages = get_count(in);
		r->unit_reg_base = get_addr(in);
		r->root_table = get_addr(in);
		r->context_table = get_addr(in);
		r->alias_context_table = get_addr(in);
		r->alias.segment = kho_fuzz_get(in, 1);
		r->alias.bus = kho_fuzz_get(in, 1);
		r->alias.devfn = kho_fuzz_get(in, 1);
		r->alias.reserved = kho_fuzz_get(in, 1);
		reasons[i] = unset;
		again[i] = unset;
	}

	iommu_kho_check_records(recs, nr_recs, list, nr_list, &mem, reasons);
	for (i = 0; i < nr_recs; i++) {
		assert(reasons[i] != unset);
		if (verbose())
			fprintf(stderr, "record %u: %s\n", i,
				reasons[i] ?: "accepted");
		if (reasons[i]) {
			assert(reasons[i][0]);
			continue;
		}
		check_accepted(&recs[i], list, nr_list);
		for (j = 0; j < i; j++)
			if (!reasons[j] && !same_run(&recs[i], &recs[j]) &&
			    share_page(&recs[i], &recs[j], list))
				kho_fuzz_fail("records %u and %u: a page in two runs, accepted",
					      j, i);
		for (j = 0; j < i; j++)
			if (!reasons[j] &&
			    recs[j].unit_reg_base == recs[i].unit_reg_base &&
			    recs[j].domain_id == recs[i].domain_id &&
			    recs[j].top_table != recs[i].top_table)
				kho_fuzz_fail("records %u and %u: one ID, two tables",
					      j, i);
		for (j = 0; j < i; j++)
			if (!reasons[j] &&
			    recs[j].unit_reg_base == recs[i].unit_reg_base &&
			    recs[j].domain_id != recs[i].domain_id &&
			    recs[j].top_table == recs[i].top_table)
				kho_fuzz_fail("records %u and %u: one table, two IDs",
					      j, i);
	}
	iommu_kho_check_records(recs, nr_recs, list, nr_list, &mem, again);
	for (i = 0; i < nr_recs; i++)
		assert(same_reason(reasons[i], again[i]));

	if (nr_recs)
		fuzz_walk(&recs[0]);
	free(again);
	free(reasons);
	free(recs);
	free(list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kho_fuzz_in in = { data, size };
	size_t len = kho_fuzz_get(&in, 2);
	uint8_t *fdt;
	int i;

	for (i = 0; i < MODEL_PAGES && !model.page[i]; i++) {
		model.page[i] = malloc(PAGE);
		if (!model.page[i])
			abort();
	}
	fdt = kho_fuzz_take(&in, &len);
	fuzz_fdt(fdt, len);
	free(fdt);
	fuzz_records(&in);
	return 0;
}

/* Seeds: the encoding above, written */

struct seed_pte {
	u8 page;
	u16 slot;
	u8 flags;
	u8 addr;	/* an address byte, see the top of the file */
};

struct seed_rec {
	u8 top;
	u8 levels;
	u32 first;
	u32 nr;
};

/* A 3-level table on pages 0-2 with three 4 KiB leaves */
static const struct seed_pte table0[] = {
	{ 0, 0, 3, 1 }, { 1, 0, 3, 2 },
	{ 2, 0, 3, 0xc1 }, { 2, 1, 3, 0xc2 }, { 2, 2, 1, 0xc3 },
};

/* A 3-level table on pages 3-5 with a 4 KiB, a 2 MiB and a 1 GiB leaf */
static const struct seed_pte table1[] = {
	{ 3, 0, 3, 4 }, { 4, 0, 3, 5 }, { 5, 7, 3, 0xc4 },
	{ 4, 1, 0x83, 0xc0 }, { 3, 1, 0x83, 0xc0 },
};

/* A 4-level table on pages 6-9 */
static const struct seed_pte table2[] = {
	{ 6, 0, 3, 7 }, { 7, 511, 3, 8 }, { 8, 3, 3, 9 }, { 9, 0, 3, 0xc5 },
};

/* A 3-level table whose last level sits below 4 GiB (model page 16) */
static const struct seed_pte table_low[] = {
	{ 0, 0, 3, 1 }, { 1, 0, 3, 16 }, { 16, 0, 3, 0xc1 },
};

static const struct seed_rec rec0 = { 0, 3, 0, 3 };
static const struct seed_rec rec1 = { 3, 3, 3, 3 };
static const struct seed_rec rec2 = { 6, 4, 6, 4 };

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct seed_table {
	const struct seed_pte *ptes;
	unsigned int nr;
};

struct seed {
	const char *name;
	u32 preserved;
	struct seed_table tables[3];
	const u8 *list;
	unsigned int nr_list;
	const struct seed_rec *recs[3];
	unsigned int nr_recs;
};

static const u8 list_all[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
static const u8 list_low[] = { 16, 0, 1 };

static void write_seed(const char *dir, const struct seed *s)
{
	struct iommu_kho_layout l = {
		.devices = MIN_PHYS + 0x100000, .nr_devices = s->nr_recs,
		.pages = MIN_PHYS + 0x101000, .nr_pages = s->nr_list,
	};
	struct kho_fuzz_out o = {};
	unsigned int i, j, nr = 0;
	uint8_t fdt[512];

	if (iommu_kho_fdt_build(fdt, sizeof(fdt), &l))
		kho_fuzz_fail("iommu_kho_fdt_build");
	kho_fuzz_put(&o, fdt_totalsize(fdt), 2);
	kho_fuzz_put_bytes(&o, fdt, fdt_totalsize(fdt));
	kho_fuzz_put(&o, s->preserved, 3);
	for (i = 0; i < 3; i++)
		nr += s->tables[i].nr;
	kho_fuzz_put(&o, nr, 1);
	for (i = 0; i < 3; i++) {
		for (j = 0; j < s->tables[i].nr; j++) {
			const struct seed_pte *p = &s->tables[i].ptes[j];

			kho_fuzz_put(&o, p->page, 1);
			kho_fuzz_put(&o, p->slot, 2);
			kho_fuzz_put(&o, p->flags, 1);
			kho_fuzz_put(&o, p->addr, 1);
		}
	}
	kho_fuzz_put(&o, s->nr_list, 1);
	kho_fuzz_put_bytes(&o, s->list, s->nr_list);
	kho_fuzz_put(&o, s->nr_recs, 1);
	for (i = 0; i < s->nr_recs; i++) {
		const struct seed_rec *r = s->recs[i];

		kho_fuzz_put(&o, r->top, 1);
		kho_fuzz_put(&o, r->levels, 1);
		kho_fuzz_put(&o, IOMMU_KHO_TT_MULTI_LEVEL + i % 2, 1);
		kho_fuzz_put(&o, IOMMU_KHO_MIN_DOMAIN_ID + i, 2);
		kho_fuzz_put(&o, 0, 2);			/* reserved */
		kho_fuzz_put(&o, r->first, 1);
		kho_fuzz_put(&o, r->nr, 1);
		kho_fuzz_put(&o, 0xc0 | 0x1e, 1);	/* unit at 120 KiB */
		kho_fuzz_put(&o, 20, 1);		/* root: page 20 */
		kho_fuzz_put(&o, 21 + i, 1);		/* context: page 21+ */
	}
	kho_fuzz_save(&o, dir, s->name);
}

int kho_fuzz_write_seeds(const char *dir)
{
	const struct seed_table t0 = { table0, ARRAY_SIZE(table0) };
	const struct seed_table t1 = { table1, ARRAY_SIZE(table1) };
	const struct seed_table t2 = { table2, ARRAY_SIZE(table2) };
	const struct seed_table tl = { table_low, ARRAY_SIZE(table_low) };
	const struct seed seeds[] = {
		{ "seed-1-record", 0x3ffff, { t0 }, list_all, 3, { &rec0 }, 1 },
		{ "seed-2-records", 0x3ffff, { t0, t1 },
		  list_all, 6, { &rec0, &rec1 }, 2 },
		{ "seed-3-records", 0x3ffff, { t0, t1, t2 },
		  list_all, 10, { &rec0, &rec1, &rec2 }, 3 },
		/* page 4 not preserved: the second record is refused */
		{ "seed-unpreserved", 0x3ffef, { t0, t1, t2 },
		  list_all, 10, { &rec0, &rec1, &rec2 }, 3 },
		/* two records claim the same pages: both are refused */
		{ "seed-overlap", 0x3ffff, { t0, t1 },
		  list_all, 6, { &rec0, &rec1, &rec0 }, 3 },
		/* a page-table page below 4 GiB, preserved */
		{ "seed-below-4g", 0x3ffff, { tl }, list_low, 3, { &rec0 }, 1 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(seeds); i++)
		write_seed(dir, &seeds[i]);
	return 0;
}
