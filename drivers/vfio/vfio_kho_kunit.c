// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the checks of the VFIO handover blocks
 * (drivers/vfio/vfio_kho_format.c), against a model of the previous
 * kernel's memory.
 */

#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kho/abi/vfio.h>
#include <linux/kho_devices.h>
#include <linux/limits.h>
#include <linux/overflow.h>
#include <linux/sizes.h>

#include "vfio_kho_format.h"

#define TEST_PHYS	(SZ_4G + SZ_2M)
#define TEST_MAPPINGS	3

/* A block at TEST_PHYS, of which the first @preserved bytes are preserved */
struct vfio_kho_test_mem {
	struct vfio_kho_container_ser *ser;
	size_t preserved;
};

static bool vfio_kho_test_preserved(u64 phys, u64 size, void *ctx)
{
	struct vfio_kho_test_mem *m = ctx;

	return phys >= TEST_PHYS && size <= m->preserved &&
	       phys - TEST_PHYS <= m->preserved - size;
}

static const void *vfio_kho_test_map(u64 phys, void *ctx)
{
	struct vfio_kho_test_mem *m = ctx;

	return (const u8 *)m->ser + (phys - TEST_PHYS);
}

static int vfio_kho_test_check(struct vfio_kho_test_mem *m)
{
	const struct kho_devices_memory mem = {
		.preserved = vfio_kho_test_preserved,
		.map = vfio_kho_test_map,
		.ctx = m,
	};
	const struct vfio_kho_container_ser *ser;

	return vfio_kho_container_check(TEST_PHYS, &mem, &ser);
}

/* Three mappings of 1 MiB, 4 MiB and 4 KiB, sealed */
static struct vfio_kho_test_mem *vfio_kho_test_block(struct kunit *test)
{
	size_t size = struct_size_t(struct vfio_kho_container_ser, mappings,
				    TEST_MAPPINGS);
	struct vfio_kho_test_mem *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct vfio_kho_container_ser *ser;
	static const u64 iova[] = { 0, SZ_1G, SZ_2G };
	static const u64 len[] = { SZ_1M, SZ_4M, SZ_4K };
	int i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	ser = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ser);
	ser->version = VFIO_KHO_VERSION;
	ser->mapping_size = sizeof(ser->mappings[0]);
	ser->nr_mappings = TEST_MAPPINGS;
	ser->nr_devices = 1;
	ser->devices[0].bus = 4;
	for (i = 0; i < TEST_MAPPINGS; i++) {
		ser->mappings[i].iova = iova[i];
		ser->mappings[i].size = len[i];
		ser->mappings[i].memfd_token = 7;
		ser->mappings[i].memfd_offset = iova[i];
		ser->mappings[i].prot = 3;
	}
	vfio_kho_container_seal(ser);
	m->ser = ser;
	m->preserved = size;
	return m;
}

static void vfio_kho_test_container_good(struct kunit *test)
{
	struct vfio_kho_test_mem *m = vfio_kho_test_block(test);

	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), 0);
}

static void vfio_kho_test_container_refused(struct kunit *test)
{
	struct vfio_kho_test_mem *m = vfio_kho_test_block(test);
	struct vfio_kho_container_ser *ser = m->ser;

	/* Not preserved: the header, then the mappings */
	m->preserved = sizeof(*ser) - 1;
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EFAULT);
	m->preserved = struct_size(ser, mappings, TEST_MAPPINGS) - 1;
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EFAULT);
	m->preserved++;

	/* Any byte changed after the seal */
	ser->mappings[2].prot ^= 2;
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EBADMSG);
	ser->mappings[2].prot ^= 2;
	ser->devices[0].devfn ^= 1;
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EBADMSG);
	ser->devices[0].devfn ^= 1;
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), 0);

	/* Sealed, but out of the format's rules */
	ser->devices[0].reserved = 1;
	vfio_kho_container_seal(ser);
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EINVAL);
	ser->devices[0].reserved = 0;
	/* no device, too many, one twice, one past the count */
	ser->nr_devices = 0;
	vfio_kho_container_seal(ser);
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EINVAL);
	ser->nr_devices = VFIO_KHO_MAX_DEVICES + 1;
	vfio_kho_container_seal(ser);
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EINVAL);
	ser->nr_devices = 2;
	ser->devices[1] = ser->devices[0];
	vfio_kho_container_seal(ser);
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EINVAL);
	ser->devices[1].devfn = 8;
	vfio_kho_container_seal(ser);
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), 0);
	ser->devices[2].devfn = 16;
	vfio_kho_container_seal(ser);
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EINVAL);
	memset(&ser->devices[1], 0, 2 * sizeof(ser->devices[0]));
	ser->nr_devices = 1;
	ser->mappings[1].iova = SZ_1M - SZ_4K;	/* overlaps the first */
	vfio_kho_container_seal(ser);
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EINVAL);
	ser->mappings[1].iova = SZ_1G;
	ser->mappings[1].memfd_offset = U64_MAX & ~(u64)(SZ_4K - 1);
	vfio_kho_container_seal(ser);
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EINVAL);
}

/*
 * Found by fuzz_vfio_blocks: a mapping that ends exactly at 2^64 made the
 * end of the previous mapping 0, so that the next one could start below
 * it (unsorted, overlapping) and still be accepted.
 */
static void vfio_kho_test_container_top_of_iova(struct kunit *test)
{
	struct vfio_kho_test_mem *m = vfio_kho_test_block(test);
	struct vfio_kho_container_ser *ser = m->ser;

	ser->mappings[1].iova = -(u64)SZ_4M;	/* ends at 2^64 */
	ser->mappings[2].iova = SZ_2G;		/* below it */
	vfio_kho_container_seal(ser);
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EINVAL);
	ser->mappings[2].iova = -(u64)SZ_4M;	/* the same range again */
	vfio_kho_container_seal(ser);
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), -EINVAL);
	/* Alone at the top, it is fine */
	ser->nr_mappings = 2;
	vfio_kho_container_seal(ser);
	KUNIT_EXPECT_EQ(test, vfio_kho_test_check(m), 0);
}

static void vfio_kho_test_device(struct kunit *test)
{
	struct vfio_kho_test_mem *m = vfio_kho_test_block(test);
	struct vfio_kho_device_ser dev = {
		.version = VFIO_KHO_VERSION,
		.addr.bus = 4,
		.container = TEST_PHYS,
		.container_token = 9,
	};

	vfio_kho_device_seal(&dev);
	KUNIT_EXPECT_EQ(test, vfio_kho_device_check(&dev, NULL), 0);
	KUNIT_EXPECT_EQ(test, vfio_kho_device_check(&dev, m->ser), 0);
	dev.container_token++;
	KUNIT_EXPECT_EQ(test, vfio_kho_device_check(&dev, NULL), -EBADMSG);
	vfio_kho_device_seal(&dev);
	KUNIT_EXPECT_EQ(test, vfio_kho_device_check(&dev, NULL), 0);
	dev.addr.bus = 5;		/* another device than the container's */
	vfio_kho_device_seal(&dev);
	KUNIT_EXPECT_EQ(test, vfio_kho_device_check(&dev, m->ser), -EINVAL);
	dev.addr.bus = 4;
	dev.addr.reserved = 1;
	vfio_kho_device_seal(&dev);
	KUNIT_EXPECT_EQ(test, vfio_kho_device_check(&dev, NULL), -EINVAL);
	dev.addr.reserved = 0;
	dev.version = VFIO_KHO_VERSION + 1;
	vfio_kho_device_seal(&dev);
	KUNIT_EXPECT_EQ(test, vfio_kho_device_check(&dev, NULL), -EINVAL);
}

static struct kunit_case vfio_kho_test_cases[] = {
	KUNIT_CASE(vfio_kho_test_container_good),
	KUNIT_CASE(vfio_kho_test_container_refused),
	KUNIT_CASE(vfio_kho_test_container_top_of_iova),
	KUNIT_CASE(vfio_kho_test_device),
	{}
};

static struct kunit_suite vfio_kho_test_suite = {
	.name = "vfio_kho",
	.test_cases = vfio_kho_test_cases,
};

kunit_test_suite(vfio_kho_test_suite);
