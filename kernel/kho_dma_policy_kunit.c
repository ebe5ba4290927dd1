// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for kernel/kho_dma_policy.c: every device rule accepts a good
 * device and refuses each way of breaking it with the documented errno and
 * reason; the memory rule refuses anything below 4 GiB; the next-kernel
 * check reads a bzImage's note and command line as the next kernel will.
 */
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/kho/abi/image.h>
/* The parts' ABI headers come later in the series than this file. */
#if __has_include("linux/kho/abi/iommu.h")
#include <linux/kho/abi/iommu.h>
#endif
#if __has_include("linux/kho/abi/pci.h")
#include <linux/kho/abi/pci.h>
#endif
#if __has_include("linux/kho/abi/vfio.h")
#include <linux/kho/abi/vfio.h>
#endif
#include <linux/kho_dma_policy.h>
#include <linux/kho_next_kernel.h>
#include <linux/sizes.h>
#include <linux/string.h>

/* A device that qualifies: 64-bit reach, alone in its group, 8 GiB of RAM. */
static void kho_dma_good_facts(struct kho_dma_facts *f)
{
	*f = (struct kho_dma_facts) {
		.is_pci = true,
		.is_endpoint = true,
		.is_present = true,
		.has_iommu = true,
		.reach_source = KHO_DMA_REACH_TABLE,
		.dma_reach = DMA_BIT_MASK(64),
		.ram_end = SZ_8G - 1,
	};
}

static void kho_dma_test_good_device(struct kunit *test)
{
	enum kho_dma_rule rule = KHO_DMA_RULE_COUNT;
	struct kho_dma_facts f;

	kho_dma_good_facts(&f);
	KUNIT_EXPECT_EQ(test, kho_dma_policy_evaluate(&f, &rule), 0);
	KUNIT_EXPECT_EQ(test, rule, KHO_DMA_RULE_COUNT);

	/* Reach exactly up to the last byte of RAM is enough. */
	f.reach_source = KHO_DMA_REACH_DRIVER;
	f.dma_reach = SZ_8G - 1;
	KUNIT_EXPECT_EQ(test, kho_dma_policy_evaluate(&f, NULL), 0);

	/* Group members that are all handed over too. */
	f.group_others = 2;
	f.group_others_preserved = 2;
	KUNIT_EXPECT_EQ(test, kho_dma_policy_evaluate(&f, NULL), 0);
}

struct kho_dma_bad_case {
	const char *name;
	void (*breakit)(struct kho_dma_facts *f);
	enum kho_dma_rule rule;
	int err;
};

static void not_pci(struct kho_dma_facts *f)
{
	f->is_pci = false;
}

static void bridge(struct kho_dma_facts *f)
{
	f->is_endpoint = false;
}

static void virtfn(struct kho_dma_facts *f)
{
	f->is_virtfn = true;
}

static void gone(struct kho_dma_facts *f)
{
	f->is_present = false;
}

static void no_iommu(struct kho_dma_facts *f)
{
	f->has_iommu = false;
}

static void untrusted(struct kho_dma_facts *f)
{
	f->untrusted = true;
}

static void external(struct kho_dma_facts *f)
{
	f->external_facing = true;
}

static void swiotlb(struct kho_dma_facts *f)
{
	f->swiotlb_active = true;
}

static void bounce(struct kho_dma_facts *f)
{
	f->forced_bounce = true;
}

static void pool(struct kho_dma_facts *f)
{
	f->restricted_pool = true;
}

static void reach_unknown(struct kho_dma_facts *f)
{
	f->reach_source = KHO_DMA_REACH_UNKNOWN;
	f->dma_reach = 0;
}

static void reach_zero(struct kho_dma_facts *f)
{
	f->reach_source = KHO_DMA_REACH_DECLARED;
	f->dma_reach = 0;
}

static void reach_32bit(struct kho_dma_facts *f)
{
	f->reach_source = KHO_DMA_REACH_DRIVER;
	f->dma_reach = DMA_BIT_MASK(32);
}

static void reach_one_short(struct kho_dma_facts *f)
{
	f->reach_source = KHO_DMA_REACH_DECLARED;
	f->dma_reach = f->ram_end - 1;
}

static void edu_default(struct kho_dma_facts *f)
{
	f->reach_source = KHO_DMA_REACH_TABLE;
	f->dma_reach = DMA_BIT_MASK(28);
}

static void shared_group(struct kho_dma_facts *f)
{
	f->group_others = 1;
}

static void half_preserved_group(struct kho_dma_facts *f)
{
	f->group_others = 3;
	f->group_others_preserved = 2;
}

static const struct kho_dma_bad_case kho_dma_bad_cases[] = {
	{ "not a PCI function", not_pci, KHO_DMA_RULE_PCI_FUNCTION, -ENODEV },
	{ "bridge", bridge, KHO_DMA_RULE_ENDPOINT, -EINVAL },
	{ "SR-IOV VF", virtfn, KHO_DMA_RULE_NOT_VF, -EOPNOTSUPP },
	{ "surprise-removed", gone, KHO_DMA_RULE_PRESENT, -ENODEV },
	{ "no IOMMU", no_iommu, KHO_DMA_RULE_IOMMU, -ENXIO },
	{ "untrusted", untrusted, KHO_DMA_RULE_TRUSTED, -EPERM },
	{ "external-facing", external, KHO_DMA_RULE_TRUSTED, -EPERM },
	{ "swiotlb active", swiotlb, KHO_DMA_RULE_NO_SWIOTLB, -EXDEV },
	{ "forced bounce", bounce, KHO_DMA_RULE_NO_FORCED_BOUNCE, -EXDEV },
	{ "restricted pool", pool, KHO_DMA_RULE_NO_RESTRICTED_POOL, -EXDEV },
	{ "reach unknown", reach_unknown, KHO_DMA_RULE_REACH_KNOWN, -ENODATA },
	{ "reach declared as 0", reach_zero, KHO_DMA_RULE_REACH_KNOWN, -ENODATA },
	{ "32-bit driver mask", reach_32bit, KHO_DMA_RULE_REACH_COVERS_RAM, -EDOM },
	{ "reach one byte short", reach_one_short, KHO_DMA_RULE_REACH_COVERS_RAM, -EDOM },
	{ "edu's 28-bit default", edu_default, KHO_DMA_RULE_REACH_COVERS_RAM, -EDOM },
	{ "shares its group", shared_group, KHO_DMA_RULE_GROUP, -EBUSY },
	{ "group partly handed over", half_preserved_group, KHO_DMA_RULE_GROUP, -EBUSY },
};

static void kho_dma_bad_case_desc(const struct kho_dma_bad_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kho_dma_bad, kho_dma_bad_cases, kho_dma_bad_case_desc);

static void kho_dma_test_bad_device(struct kunit *test)
{
	const struct kho_dma_bad_case *c = test->param_value;
	enum kho_dma_rule rule = KHO_DMA_RULE_COUNT;
	struct kho_dma_facts f;

	kho_dma_good_facts(&f);
	c->breakit(&f);
	KUNIT_EXPECT_EQ(test, kho_dma_policy_evaluate(&f, &rule), c->err);
	KUNIT_EXPECT_EQ(test, rule, c->rule);
	KUNIT_EXPECT_EQ(test, kho_dma_rule_errno(c->rule), c->err);
	KUNIT_EXPECT_NOT_NULL(test, strstr(kho_dma_rule_reason(rule), " "));
}

static void kho_dma_test_reasons_distinct(struct kunit *test)
{
	enum kho_dma_rule a, b;

	for (a = 0; a < KHO_DMA_RULE_COUNT; a++) {
		KUNIT_EXPECT_LT(test, kho_dma_rule_errno(a), 0);
		for (b = a + 1; b < KHO_DMA_RULE_COUNT; b++)
			KUNIT_EXPECT_STRNEQ(test, kho_dma_rule_reason(a),
					    kho_dma_rule_reason(b));
	}
	KUNIT_EXPECT_EQ(test, kho_dma_rule_errno(KHO_DMA_RULE_COUNT), -EINVAL);
}

static void kho_dma_test_first_broken_rule_decides(struct kunit *test)
{
	enum kho_dma_rule rule;
	struct kho_dma_facts f;

	kho_dma_good_facts(&f);
	f.is_virtfn = true;
	f.group_others = 1;
	f.dma_reach = DMA_BIT_MASK(32);
	KUNIT_EXPECT_EQ(test, kho_dma_policy_evaluate(&f, &rule), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, rule, KHO_DMA_RULE_NOT_VF);
}

static void kho_dma_test_capability_table(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kho_dma_reach_from_table(0x8086, 0x10c9),
			DMA_BIT_MASK(64));
	KUNIT_EXPECT_EQ(test, kho_dma_reach_from_table(0x1234, 0x11e8),
			DMA_BIT_MASK(28));
	KUNIT_EXPECT_EQ(test, kho_dma_reach_from_table(0x8086, 0x10d3), 0);
	KUNIT_EXPECT_EQ(test, kho_dma_reach_from_table(0xffff, 0xffff), 0);
}

static void kho_dma_test_ranges(struct kunit *test)
{
	const struct kho_dma_range at_4g = { SZ_4G, SZ_64K };
	const struct kho_dma_range below = { SZ_4G - SZ_64K, SZ_4K };
	const struct kho_dma_range straddle = { SZ_4G - SZ_4K, SZ_8K };
	const struct kho_dma_range zero = { 0, SZ_4K };
	const struct kho_dma_range mixed[] = { at_4g, { SZ_8G, SZ_4K }, below };
	const struct kho_dma_range empty = { SZ_8G, 0 };
	const struct kho_dma_range unaligned = { SZ_8G + 1, SZ_4K };
	const struct kho_dma_range odd_size = { SZ_8G, SZ_4K + 1 };
	const struct kho_dma_range wraps = { (phys_addr_t)-SZ_4K, SZ_8K };

	KUNIT_EXPECT_EQ(test, kho_dma_check_ranges(NULL, &at_4g, 1), 0);
	KUNIT_EXPECT_EQ(test, kho_dma_check_ranges(NULL, mixed, 2), 0);
	KUNIT_EXPECT_EQ(test, kho_dma_check_ranges(NULL, &below, 1), -ERANGE);
	KUNIT_EXPECT_EQ(test, kho_dma_check_ranges(NULL, &straddle, 1), -ERANGE);
	KUNIT_EXPECT_EQ(test, kho_dma_check_ranges(NULL, &zero, 1), -ERANGE);
	KUNIT_EXPECT_EQ(test, kho_dma_check_ranges(NULL, mixed, 3), -ERANGE);
	KUNIT_EXPECT_EQ(test, kho_dma_check_ranges(NULL, &empty, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_dma_check_ranges(NULL, &unaligned, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_dma_check_ranges(NULL, &odd_size, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_dma_check_ranges(NULL, &wraps, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_dma_check_ranges(NULL, &at_4g, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_dma_check_ranges(NULL, NULL, 1), -EINVAL);
}

/* A refused request must not leave a single page preserved. */
static void kho_dma_test_refused_preserves_nothing(struct kunit *test)
{
	const struct kho_dma_range mixed[] = {
		{ SZ_8G, SZ_4K }, { SZ_4G - SZ_4K, SZ_4K },
	};
	u64 before = kho_dma_preserved_pages();

	KUNIT_EXPECT_EQ(test, kho_dma_preserve_ranges(NULL, mixed, 2), -ERANGE);
	KUNIT_EXPECT_EQ(test, kho_dma_preserved_pages(), before);
}

/* A minimal bzImage: setup header, kernel_info, and (if @formats) a note. */
#define FAKE_KI		(5 * 512 + 0x100)
#define FAKE_LEN	(FAKE_KI + 0x200)

static void kho_next_put32(u8 *p, u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static u8 *kho_next_fake_image(struct kunit *test, const char *formats,
			       u32 version, u32 flags)
{
	u8 *img = kunit_kzalloc(test, FAKE_LEN, GFP_KERNEL);
	u8 *ki = img + FAKE_KI, *note = ki + 0x20;
	u32 nsize = KHO_DEVICES_NOTE_HEADER_SIZE + strlen(formats ?: "") + 1;

	KUNIT_ASSERT_NOT_NULL(test, img);
	img[0x1f1] = 4;				/* setup_sects */
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;			/* protocol 2.15 */
	img[0x207] = 0x02;
	kho_next_put32(img + 0x268, 0x100);	/* kernel_info_offset */
	memcpy(ki, "LToP", 4);
	if (!formats) {				/* a stock kernel_info */
		kho_next_put32(ki + 4, 0x10);
		kho_next_put32(ki + 8, 0x10);
		return img;
	}
	kho_next_put32(ki + 4, 0x14);
	kho_next_put32(ki + 8, 0x20 + nsize);
	kho_next_put32(ki + KHO_DEVICES_NOTE_KERNEL_INFO_FIELD, 0x20);
	kho_next_put32(note, KHO_DEVICES_NOTE_MAGIC);
	kho_next_put32(note + 4, nsize);
	kho_next_put32(note + 8, version);
	kho_next_put32(note + 12, flags);
	memcpy(note + KHO_DEVICES_NOTE_HEADER_SIZE, formats, strlen(formats) + 1);
	return img;
}

#define ALL_FORMATS "pci-kho-v2 iommu-kho-vtd-legacy-v2"
#define GOOD_CMDLINE "console=ttyS0 kho=on liveupdate=on intel_iommu=on"

static int kho_next_judge(struct kunit *test, const u8 *img, size_t len,
			  const char *cmdline)
{
	const char *why = NULL;
	int err;

	err = kho_next_kernel_judge(img, len, cmdline,
				    cmdline ? strlen(cmdline) + 1 : 0,
				    ALL_FORMATS, &why);
	if (err)
		KUNIT_EXPECT_NOT_NULL(test, why);
	return err;
}

static const char *kho_next_judge_why(const u8 *img, const char *cmdline)
{
	const char *why = NULL;

	kho_next_kernel_judge(img, FAKE_LEN, cmdline, strlen(cmdline) + 1,
			      ALL_FORMATS, &why);
	return why;
}

static void kho_next_test_judge(struct kunit *test)
{
	u8 *img = kho_next_fake_image(test, ALL_FORMATS " vfio-pci-device-v2",
				      KHO_DEVICES_NOTE_VERSION, 0);
	u8 *stock = kho_next_fake_image(test, NULL, 0, 0);
	u8 *v2 = kho_next_fake_image(test, ALL_FORMATS, 2, 0);
	u8 *fewer = kho_next_fake_image(test, "pci-kho-v2",
					KHO_DEVICES_NOTE_VERSION, 0);
	u8 *defaults = kho_next_fake_image(test, ALL_FORMATS,
					   KHO_DEVICES_NOTE_VERSION,
					   KHO_DEVICES_NOTE_KHO_ON |
					   KHO_DEVICES_NOTE_INTEL_IOMMU_ON);

	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, FAKE_LEN, GOOD_CMDLINE), 0);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, stock, FAKE_LEN, GOOD_CMDLINE),
			-ENOEXEC);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, v2, FAKE_LEN, GOOD_CMDLINE),
			-EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, fewer, FAKE_LEN, GOOD_CMDLINE),
			-EPROTONOSUPPORT);
	/* truncated images never read past their end */
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, FAKE_KI + 0x28, GOOD_CMDLINE),
			-ENOEXEC);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, 0x100, GOOD_CMDLINE),
			-ENOEXEC);

	/* the last occurrence wins; "--" ends the kernel's parameters */
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, FAKE_LEN,
					     GOOD_CMDLINE " liveupdate=off"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, FAKE_LEN,
					     "liveupdate=off " GOOD_CMDLINE), 0);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, FAKE_LEN,
					     GOOD_CMDLINE " -- liveupdate=off"), 0);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, FAKE_LEN,
					     GOOD_CMDLINE " kho=0"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, FAKE_LEN,
					     GOOD_CMDLINE " intel_iommu=off"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, FAKE_LEN,
					     GOOD_CMDLINE " iommu=pt,off"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, FAKE_LEN,
					     GOOD_CMDLINE " intel_iommu=on,sm_on"), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test,
			    kho_next_judge_why(img, GOOD_CMDLINE " intel_iommu=on,sm_on"),
			    (const char *)kho_next_kernel_sm_reason);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, FAKE_LEN,
					     GOOD_CMDLINE " intel_iommu=sm_on,sm_off"), 0);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, FAKE_LEN,
					     GOOD_CMDLINE " \"liveupdate=off\""), -EINVAL);
	/* defaults come from the note */
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, img, FAKE_LEN, "liveupdate=on"),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, defaults, FAKE_LEN,
					     "liveupdate=on"), 0);
	KUNIT_EXPECT_EQ(test, kho_next_judge(test, defaults, FAKE_LEN, NULL),
			-EINVAL);
}

/* Is @word a whole word of the formats this kernel's note lists? */
static bool kho_next_lists(const char *word)
{
	const char *formats = KHO_DEVICES_FORMATS, *p = formats;
	size_t n = strlen(word);

	while ((p = strstr(p, word))) {
		if ((p == formats || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
		p++;
	}
	return false;
}

/* What this kernel's note lists is what its parts write. */
static void kho_next_test_own_formats(struct kunit *test)
{
#ifdef PCI_KHO_COMPATIBLE
	KUNIT_EXPECT_EQ(test, kho_next_lists(PCI_KHO_COMPATIBLE),
			IS_ENABLED(CONFIG_PCI_KHO));
#endif
#ifdef IOMMU_KHO_COMPATIBLE
	KUNIT_EXPECT_EQ(test, kho_next_lists(IOMMU_KHO_COMPATIBLE),
			IS_ENABLED(CONFIG_IOMMU_KHO));
#endif
#ifdef VFIO_KHO_CONTAINER_COMPATIBLE
	KUNIT_EXPECT_EQ(test, kho_next_lists(VFIO_KHO_CONTAINER_COMPATIBLE),
			IS_ENABLED(CONFIG_VFIO_KHO));
	KUNIT_EXPECT_EQ(test, kho_next_lists(VFIO_KHO_DEVICE_COMPATIBLE),
			IS_ENABLED(CONFIG_VFIO_KHO));
#endif
}

static struct kunit_case kho_dma_policy_cases[] = {
	KUNIT_CASE(kho_next_test_judge),
	KUNIT_CASE(kho_next_test_own_formats),
	KUNIT_CASE(kho_dma_test_good_device),
	KUNIT_CASE_PARAM(kho_dma_test_bad_device, kho_dma_bad_gen_params),
	KUNIT_CASE(kho_dma_test_reasons_distinct),
	KUNIT_CASE(kho_dma_test_first_broken_rule_decides),
	KUNIT_CASE(kho_dma_test_capability_table),
	KUNIT_CASE(kho_dma_test_ranges),
	KUNIT_CASE(kho_dma_test_refused_preserves_nothing),
	{}
};

static struct kunit_suite kho_dma_policy_suite = {
	.name = "kho_dma_policy",
	.test_cases = kho_dma_policy_cases,
};

kunit_test_suite(kho_dma_policy_suite);

MODULE_DESCRIPTION("KUnit tests for the KHO device preservation policy");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
