// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the IOMMU handover (drivers/iommu/iommu_kho.c): the FDT
 * top layer round-trips and wrong-version, wrong-size, oversized, low and
 * truncated ones are refused; walking a VT-d second-stage table finds
 * every page once and refuses bad levels, bad pointers, loops, large pages
 * where the format has none and pages outside the allowed set.
 */
#include <kunit/test.h>
#include <linux/iommu_kho.h>
#include <linux/kho/abi/iommu.h>
#include <linux/kho_devices.h>
#include <linux/libfdt.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>

#define FDT_BUF_SIZE	1024
#define NR_TEST_PAGES	6
#define PTE_RW		(BIT_ULL(0) | BIT_ULL(1))
#define PTE_LARGE	BIT_ULL(7)

static void iommu_kho_test_fdt_round_trip(struct kunit *test)
{
	struct iommu_kho_layout in = {
		.devices = SZ_4G, .nr_devices = 2,
		.pages = SZ_4G + SZ_1M, .nr_pages = 9,
	}, out = {};
	void *fdt = kunit_kzalloc(test, FDT_BUF_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fdt);
	KUNIT_ASSERT_EQ(test, iommu_kho_fdt_build(fdt, FDT_BUF_SIZE, &in), 0);
	KUNIT_EXPECT_EQ(test, iommu_kho_fdt_parse(fdt, FDT_BUF_SIZE, &out), 0);
	KUNIT_EXPECT_EQ(test, out.devices, in.devices);
	KUNIT_EXPECT_EQ(test, out.nr_devices, in.nr_devices);
	KUNIT_EXPECT_EQ(test, out.pages, in.pages);
	KUNIT_EXPECT_EQ(test, out.nr_pages, in.nr_pages);

	/* Truncated: the header says more than there is. */
	KUNIT_EXPECT_EQ(test, iommu_kho_fdt_parse(fdt, fdt_totalsize(fdt) - 1, &out),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, iommu_kho_fdt_parse(fdt, 8, &out), -EINVAL);

	/* Over the ABI's limits, on either side. */
	in.nr_pages = IOMMU_KHO_MAX_PAGES + 1;
	KUNIT_EXPECT_EQ(test, iommu_kho_fdt_build(fdt, FDT_BUF_SIZE, &in), -EINVAL);
}

/* An FDT with every property, whose values the caller chooses. */
static void *iommu_kho_test_fdt(struct kunit *test, const char *compat,
				u32 dev_size, u32 nr_devices, u64 devices)
{
	void *fdt = kunit_kzalloc(test, FDT_BUF_SIZE, GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, fdt);
	err = fdt_create(fdt, FDT_BUF_SIZE);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, "compatible", compat);
	err = err ?: fdt_property_u32(fdt, IOMMU_KHO_PROP_NR_DEVICES, nr_devices);
	err = err ?: fdt_property_u32(fdt, IOMMU_KHO_PROP_DEVICE_SIZE, dev_size);
	err = err ?: fdt_property_u64(fdt, IOMMU_KHO_PROP_DEVICES, devices);
	err = err ?: fdt_property_u32(fdt, IOMMU_KHO_PROP_NR_PAGES, 1);
	err = err ?: fdt_property_u64(fdt, IOMMU_KHO_PROP_PAGES, SZ_8G);
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	KUNIT_ASSERT_EQ(test, err, 0);
	return fdt;
}

static int iommu_kho_test_parse(struct kunit *test, const char *compat,
				u32 dev_size, u32 nr_devices, u64 devices)
{
	struct iommu_kho_layout l;

	return iommu_kho_fdt_parse(iommu_kho_test_fdt(test, compat, dev_size,
						      nr_devices, devices),
				   FDT_BUF_SIZE, &l);
}

static void iommu_kho_test_fdt_refused(struct kunit *test)
{
	const char *good = IOMMU_KHO_COMPATIBLE;
	const u32 size = sizeof(struct iommu_kho_device_ser);

	KUNIT_EXPECT_EQ(test, iommu_kho_test_parse(test, good, size, 1, SZ_4G), 0);
	KUNIT_EXPECT_EQ(test, iommu_kho_test_parse(test, "iommu-kho-vtd-legacy-v0",
						   size, 1, SZ_4G),
			-EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, iommu_kho_test_parse(test, good, size + 8, 1, SZ_4G),
			-EPROTO);
	KUNIT_EXPECT_EQ(test, iommu_kho_test_parse(test, good, size,
						   IOMMU_KHO_MAX_DEVICES + 1, SZ_4G),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, iommu_kho_test_parse(test, good, size, 1, SZ_2G),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, iommu_kho_test_parse(test, good, size, 1, SZ_4G + 8),
			-ERANGE);
}

/* A table made of kernel pages; only they may be read by the walk. */
struct iommu_kho_test_table {
	u64 *page[NR_TEST_PAGES];
	unsigned int readable;		/* pages 0..readable-1 may be read */
};

static u64 iommu_kho_test_phys(struct iommu_kho_test_table *t, int i)
{
	return virt_to_phys(t->page[i]);
}

static const u64 *iommu_kho_test_map(phys_addr_t phys, void *ctx)
{
	struct iommu_kho_test_table *t = ctx;
	unsigned int i;

	for (i = 0; i < t->readable; i++)
		if (virt_to_phys(t->page[i]) == phys)
			return t->page[i];
	return NULL;
}

/*
 * A 3-level table: page 0 (top) -> page 1 (level 2) -> pages 2 and 3
 * (level 1, leaves), and a 2 MiB large page in page 1.
 */
static struct iommu_kho_test_table *iommu_kho_test_table(struct kunit *test)
{
	struct iommu_kho_test_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	for (i = 0; i < NR_TEST_PAGES; i++) {
		t->page[i] = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, t->page[i]);
		KUNIT_ASSERT_TRUE(test, PAGE_ALIGNED(t->page[i]));
	}
	t->readable = 4;
	t->page[0][5] = iommu_kho_test_phys(t, 1) | PTE_RW;
	t->page[1][0] = iommu_kho_test_phys(t, 2) | PTE_RW;
	t->page[1][7] = iommu_kho_test_phys(t, 3) | BIT_ULL(0);
	t->page[1][9] = SZ_1G | PTE_LARGE | PTE_RW;
	t->page[2][0] = SZ_8G | PTE_RW;
	t->page[3][511] = (SZ_8G + SZ_4K) | PTE_RW;
	return t;
}

static int iommu_kho_test_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int iommu_kho_test_walk(struct iommu_kho_test_table *t, u64 top,
			       unsigned int levels, u64 *pages, u32 max, u32 *nr)
{
	return iommu_kho_collect_tables(top, levels, iommu_kho_test_map, t,
					pages, max, nr);
}

static void iommu_kho_test_walk_good(struct kunit *test)
{
	struct iommu_kho_test_table *t = iommu_kho_test_table(test);
	u64 pages[8], expect[4];
	u32 nr, i;

	KUNIT_ASSERT_EQ(test, iommu_kho_test_walk(t, iommu_kho_test_phys(t, 0),
						  3, pages, 8, &nr), 0);
	KUNIT_ASSERT_EQ(test, nr, 4);
	for (i = 0; i < 4; i++)
		expect[i] = iommu_kho_test_phys(t, i);
	sort(expect, 4, sizeof(u64), iommu_kho_test_cmp, NULL);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, pages[i], expect[i]);

	/* Not present entries are skipped, however they look otherwise. */
	t->page[0][6] = 0xdead000;
	KUNIT_EXPECT_EQ(test, iommu_kho_test_walk(t, iommu_kho_test_phys(t, 0),
						  3, pages, 8, &nr), 0);
	KUNIT_EXPECT_EQ(test, nr, 4);
}

static void iommu_kho_test_walk_refused(struct kunit *test)
{
	struct iommu_kho_test_table *t = iommu_kho_test_table(test);
	u64 top = iommu_kho_test_phys(t, 0), pages[8];
	u32 nr;

	/* Wrong number of levels */
	KUNIT_EXPECT_EQ(test, iommu_kho_test_walk(t, top, 2, pages, 8, &nr), -EINVAL);
	KUNIT_EXPECT_EQ(test, iommu_kho_test_walk(t, top, 6, pages, 8, &nr), -EINVAL);
	/* Misaligned top */
	KUNIT_EXPECT_EQ(test, iommu_kho_test_walk(t, top + 8, 3, pages, 8, &nr),
			-EINVAL);
	/* More pages than room */
	KUNIT_EXPECT_EQ(test, iommu_kho_test_walk(t, top, 3, pages, 3, &nr), -E2BIG);
	KUNIT_EXPECT_EQ(test, nr, 0);

	/* A page outside the allowed set */
	t->page[1][20] = iommu_kho_test_phys(t, 4) | PTE_RW;
	KUNIT_EXPECT_EQ(test, iommu_kho_test_walk(t, top, 3, pages, 8, &nr), -EFAULT);
	t->readable = 5;
	KUNIT_EXPECT_EQ(test, iommu_kho_test_walk(t, top, 3, pages, 8, &nr), 0);
	KUNIT_EXPECT_EQ(test, nr, 5);
	t->page[1][20] = 0;

	/* A pointer into RAM that is not a table: outside the set too */
	t->page[0][7] = SZ_8G | PTE_RW;
	KUNIT_EXPECT_EQ(test, iommu_kho_test_walk(t, top, 3, pages, 8, &nr), -EFAULT);
	t->page[0][7] = 0;

	/* A loop back to the top */
	t->page[1][30] = top | PTE_RW;
	KUNIT_EXPECT_EQ(test, iommu_kho_test_walk(t, top, 3, pages, 8, &nr), -ELOOP);
	t->page[1][30] = 0;

	/* Two branches sharing a table */
	t->page[0][8] = iommu_kho_test_phys(t, 1) | PTE_RW;
	KUNIT_EXPECT_EQ(test, iommu_kho_test_walk(t, top, 3, pages, 8, &nr), -ELOOP);
	t->page[0][8] = 0;

	/* A large page at level 4, where VT-d has none */
	t->page[5][0] = top | PTE_RW;
	t->page[5][1] = SZ_512G | PTE_LARGE | PTE_RW;
	t->readable = 6;
	KUNIT_EXPECT_EQ(test, iommu_kho_test_walk(t, iommu_kho_test_phys(t, 5), 4,
						  pages, 8, &nr), -EINVAL);
	t->page[5][1] = 0;
	KUNIT_EXPECT_EQ(test, iommu_kho_test_walk(t, iommu_kho_test_phys(t, 5), 4,
						  pages, 8, &nr), 0);
	KUNIT_EXPECT_EQ(test, nr, 5);
}

/* Preserved memory at made-up addresses above 4 GiB, a page each */
#define NR_MODEL_PAGES	6
#define MODEL_PHYS(i)	(SZ_16G + (u64)(i) * SZ_4K)

struct iommu_kho_test_model {
	u64 *page[NR_MODEL_PAGES];
};

static bool iommu_kho_test_model_preserved(u64 phys, u64 size, void *ctx)
{
	return phys >= MODEL_PHYS(0) && size <= NR_MODEL_PAGES * SZ_4K &&
	       phys - MODEL_PHYS(0) <= NR_MODEL_PAGES * SZ_4K - size;
}

static const void *iommu_kho_test_model_map(u64 phys, void *ctx)
{
	struct iommu_kho_test_model *m = ctx;

	return m->page[(phys - MODEL_PHYS(0)) / SZ_4K];
}

/*
 * Found by fuzz_iommu_handover: records that share pages claim more pages
 * than the list holds, and the overlap check only looked at as many as
 * the list holds, so that the third record's pages, shared with the
 * first's, went unseen and both were accepted.
 */
static void iommu_kho_test_records_overlap(struct kunit *test)
{
	struct iommu_kho_test_model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	const struct kho_devices_memory mem = {
		.preserved = iommu_kho_test_model_preserved,
		.map = iommu_kho_test_model_map,
		.ctx = m,
	};
	struct iommu_kho_device_ser recs[3] = {};
	u64 list[NR_MODEL_PAGES];
	const char *reasons[3];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	for (i = 0; i < NR_MODEL_PAGES; i++) {
		m->page[i] = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m->page[i]);
		/* the list names the first three pages twice */
		list[i] = MODEL_PHYS(i % 3);
	}
	/* top -> level 2 -> level 1 with one 4 KiB leaf */
	m->page[0][0] = MODEL_PHYS(1) | PTE_RW;
	m->page[1][0] = MODEL_PHYS(2) | PTE_RW;
	m->page[2][0] = SZ_8G | PTE_RW;
	/* 0 and 2 share a domain (one run); 1 claims its pages through another */
	for (i = 0; i < 3; i++) {
		recs[i].top_table = MODEL_PHYS(0);
		recs[i].levels = 3;
		recs[i].domain_id = 5;
		recs[i].nr_pages = 3;
		recs[i].unit_reg_base = SZ_4K * i;
	}
	recs[1].first_page = 3;

	/* One record alone is sound */
	iommu_kho_check_records(recs, 1, list, NR_MODEL_PAGES, &mem, reasons);
	KUNIT_EXPECT_NULL(test, reasons[0]);
	/* Unless the reserved part of its device's address is not zero */
	recs[0].addr.reserved = 1;
	iommu_kho_check_records(recs, 1, list, NR_MODEL_PAGES, &mem, reasons);
	KUNIT_EXPECT_STREQ(test, reasons[0] ?: "accepted", "the record is corrupt");
	recs[0].addr.reserved = 0;
	/* Two naming one run: one domain's devices, both sound */
	recs[1] = recs[2];
	iommu_kho_check_records(recs, 2, list, NR_MODEL_PAGES, &mem, reasons);
	KUNIT_EXPECT_NULL(test, reasons[0]);
	KUNIT_EXPECT_NULL(test, reasons[1]);
	recs[1].first_page = 3;
	recs[1].unit_reg_base = SZ_4K;
	/*
	 * One claiming the same pages through another run: every one
	 * refused, the one that shares the first's run with it
	 */
	iommu_kho_check_records(recs, 3, list, NR_MODEL_PAGES, &mem, reasons);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_STREQ(test, reasons[i] ?: "accepted",
				   "its page-table pages overlap another record's");
}

/*
 * Devices of one domain: on one unit they carry one domain ID; on two
 * units each has its own.
 */
static void iommu_kho_test_records_one_domain(struct kunit *test)
{
	struct iommu_kho_test_model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	const struct kho_devices_memory mem = {
		.preserved = iommu_kho_test_model_preserved,
		.map = iommu_kho_test_model_map,
		.ctx = m,
	};
	struct iommu_kho_device_ser recs[2] = {};
	u64 list[NR_MODEL_PAGES];
	const char *reasons[2];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	for (i = 0; i < NR_MODEL_PAGES; i++) {
		m->page[i] = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m->page[i]);
		list[i] = MODEL_PHYS(i);
	}
	m->page[0][0] = MODEL_PHYS(1) | PTE_RW;
	m->page[1][0] = MODEL_PHYS(2) | PTE_RW;
	m->page[2][0] = SZ_8G | PTE_RW;
	for (i = 0; i < 2; i++) {
		recs[i].top_table = MODEL_PHYS(0);
		recs[i].levels = 3;
		recs[i].domain_id = 5;
		recs[i].nr_pages = 3;
		recs[i].addr.devfn = 8 * (i + 4);
	}
	iommu_kho_check_records(recs, 2, list, NR_MODEL_PAGES, &mem, reasons);
	KUNIT_EXPECT_NULL(test, reasons[0]);
	KUNIT_EXPECT_NULL(test, reasons[1]);
	/* One unit, one table, two IDs */
	recs[1].domain_id = 6;
	iommu_kho_check_records(recs, 2, list, NR_MODEL_PAGES, &mem, reasons);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_STREQ(test, reasons[i] ?: "accepted",
				   "its table has another domain ID on the unit");
	/* Two units: an ID each */
	recs[1].unit_reg_base = SZ_4K;
	iommu_kho_check_records(recs, 2, list, NR_MODEL_PAGES, &mem, reasons);
	KUNIT_EXPECT_NULL(test, reasons[0]);
	KUNIT_EXPECT_NULL(test, reasons[1]);
	/* A short run is another run, refused alone */
	recs[1].nr_pages = 2;
	iommu_kho_check_records(recs, 2, list, NR_MODEL_PAGES, &mem, reasons);
	KUNIT_EXPECT_NULL(test, reasons[0]);
	KUNIT_EXPECT_NOT_NULL(test, reasons[1]);
}

/* Two tables of three pages each, 0-2 and 3-5, in the model's memory */
static struct iommu_kho_test_model *
iommu_kho_test_two_tables(struct kunit *test, u64 *list)
{
	struct iommu_kho_test_model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	int i;

	if (!m)
		return NULL;
	for (i = 0; i < NR_MODEL_PAGES; i++) {
		m->page[i] = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
		if (!m->page[i])
			return NULL;
		list[i] = MODEL_PHYS(i);
	}
	for (i = 0; i < NR_MODEL_PAGES; i += 3) {
		m->page[i][0] = MODEL_PHYS(i + 1) | PTE_RW;
		m->page[i + 1][0] = MODEL_PHYS(i + 2) | PTE_RW;
		m->page[i + 2][0] = SZ_8G | PTE_RW;
	}
	return m;
}

/*
 * A domain ID names one table on its unit: two records of one unit with
 * the same ID and different tables are both refused (the next kernel
 * would otherwise keep two tables under one ID, and the IOTLB mixes them).
 */
static void iommu_kho_test_records_shared_id(struct kunit *test)
{
	struct iommu_kho_device_ser recs[2] = {};
	struct kho_devices_memory mem = {
		.preserved = iommu_kho_test_model_preserved,
		.map = iommu_kho_test_model_map,
	};
	u64 list[NR_MODEL_PAGES];
	const char *reasons[2];
	int i;

	mem.ctx = iommu_kho_test_two_tables(test, list);
	KUNIT_ASSERT_NOT_NULL(test, mem.ctx);
	for (i = 0; i < 2; i++) {
		recs[i].top_table = MODEL_PHYS(3 * i);
		recs[i].first_page = 3 * i;
		recs[i].nr_pages = 3;
		recs[i].levels = 3;
		recs[i].domain_id = 5 + i;
	}
	iommu_kho_check_records(recs, 2, list, NR_MODEL_PAGES, &mem, reasons);
	KUNIT_EXPECT_NULL(test, reasons[0]);
	KUNIT_EXPECT_NULL(test, reasons[1]);

	recs[1].domain_id = 5;
	iommu_kho_check_records(recs, 2, list, NR_MODEL_PAGES, &mem, reasons);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_STREQ(test, reasons[i] ?: "accepted",
				   "its domain ID is another table's on the unit");

	/* The same ID on another unit is another domain */
	recs[1].unit_reg_base = SZ_4K;
	iommu_kho_check_records(recs, 2, list, NR_MODEL_PAGES, &mem, reasons);
	KUNIT_EXPECT_NULL(test, reasons[0]);
	KUNIT_EXPECT_NULL(test, reasons[1]);
}

/* The entry the IOMMU driver finds at boot must be the recorded one */
static void iommu_kho_test_check_entry(struct kunit *test)
{
	const struct iommu_kho_device_ser rec = {
		.top_table = SZ_16G,
		.domain_id = 5,
		.levels = 4,
		.translation_type = IOMMU_KHO_TT_MULTI_LEVEL,
	};
	const char *differs = "its context entry differs from the record";
	struct iommu_kho_entry e = {
		.top_table = SZ_16G,
		.domain_id = 5,
		.levels = 4,
		.translation_type = IOMMU_KHO_TT_DEV_IOTLB,
	};

	KUNIT_EXPECT_NULL(test, iommu_kho_check_entry(&e, 256, &rec));
	KUNIT_EXPECT_STREQ(test, iommu_kho_check_entry(&e, 5, &rec) ?: "accepted",
			   "its domain ID is beyond the unit's");
	e.translation_type = 2;		/* pass-through */
	KUNIT_EXPECT_STREQ(test, iommu_kho_check_entry(&e, 256, &rec) ?: "accepted",
			   "its context entry is not a translated type");
	e.translation_type = IOMMU_KHO_TT_MULTI_LEVEL;
	e.domain_id = 6;
	KUNIT_EXPECT_STREQ(test, iommu_kho_check_entry(&e, 256, &rec) ?: "accepted",
			   differs);
	e.domain_id = 5;
	e.levels = 3;
	KUNIT_EXPECT_STREQ(test, iommu_kho_check_entry(&e, 256, &rec) ?: "accepted",
			   differs);
	e.levels = 4;
	e.top_table += SZ_4K;
	KUNIT_EXPECT_STREQ(test, iommu_kho_check_entry(&e, 256, &rec) ?: "accepted",
			   differs);
}

static struct kunit_case iommu_kho_test_cases[] = {
	KUNIT_CASE(iommu_kho_test_fdt_round_trip),
	KUNIT_CASE(iommu_kho_test_fdt_refused),
	KUNIT_CASE(iommu_kho_test_walk_good),
	KUNIT_CASE(iommu_kho_test_walk_refused),
	KUNIT_CASE(iommu_kho_test_records_overlap),
	KUNIT_CASE(iommu_kho_test_records_one_domain),
	KUNIT_CASE(iommu_kho_test_records_shared_id),
	KUNIT_CASE(iommu_kho_test_check_entry),
	{}
};

static struct kunit_suite iommu_kho_test_suite = {
	.name = "iommu_kho",
	.test_cases = iommu_kho_test_cases,
};

kunit_test_suite(iommu_kho_test_suite);

MODULE_DESCRIPTION("KUnit tests for the IOMMU handover format and table walk");
MODULE_LICENSE("GPL");
