// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the PCI handover format (drivers/pci/pci_kho.c): a good
 * handover round-trips; truncated, oversized, wrong-version and corrupt
 * ones are refused with their errno; entries are validated field by
 * field; an identity mismatch is reported.
 */
#include <kunit/test.h>
#include <linux/kho/abi/pci.h>
#include <linux/kho_devices.h>
#include <linux/libfdt.h>
#include <linux/pci.h>
#include <linux/pci_kho.h>
#include <linux/sizes.h>

#include "pci_kho_format.h"

#define FDT_BUF_SIZE	1024
#define GOOD_ARRAY	(SZ_4G + SZ_2M)

/* igb at 0000:02:00.0 behind a root port at 0000:00:1c.0 */
static void pci_kho_good_function(struct pci_kho_function_ser *f)
{
	memset(f, 0, sizeof(*f));
	f->addr.segment = 0;
	f->addr.bus = 2;
	f->addr.devfn = PCI_DEVFN(0, 0);
	f->hdr_type = PCI_HEADER_TYPE_NORMAL;
	f->vendor = 0x8086;
	f->device = 0x10c9;
	f->subsystem_vendor = 0x8086;
	f->subsystem_device = 0xa03c;
	f->revision = 1;
	f->class = 0x020000;
	f->command = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	f->bars[0] = 0xfeb00000;
	strscpy(f->driver, "vfio-pci", sizeof(f->driver));
	f->nr_bridges = 1;
	f->bridges[0] = (struct pci_kho_bridge_ser) {
		.vendor = 0x8086, .device = 0x7c02, .bus = 0,
		.devfn = PCI_DEVFN(0x1c, 0), .primary = 0, .secondary = 2,
		.subordinate = 2, .command = PCI_COMMAND_MASTER,
	};
}

static void pci_kho_test_fdt_round_trip(struct kunit *test)
{
	void *fdt = kunit_kzalloc(test, FDT_BUF_SIZE, GFP_KERNEL);
	phys_addr_t phys = 0;
	u32 nr = 0;

	KUNIT_ASSERT_NOT_NULL(test, fdt);
	KUNIT_ASSERT_EQ(test, pci_kho_fdt_build(fdt, FDT_BUF_SIZE, GOOD_ARRAY, 3), 0);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, FDT_BUF_SIZE, &phys, &nr), 0);
	KUNIT_EXPECT_EQ(test, nr, 3);
	KUNIT_EXPECT_EQ(test, phys, (phys_addr_t)GOOD_ARRAY);

	/* No function at all is a valid, empty handover. */
	KUNIT_ASSERT_EQ(test, pci_kho_fdt_build(fdt, FDT_BUF_SIZE, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, FDT_BUF_SIZE, &phys, &nr), 0);
	KUNIT_EXPECT_EQ(test, nr, 0);
	KUNIT_EXPECT_EQ(test, phys, 0);
}

static void pci_kho_test_fdt_build_limits(struct kunit *test)
{
	void *fdt = kunit_kzalloc(test, FDT_BUF_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fdt);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_build(fdt, FDT_BUF_SIZE, GOOD_ARRAY,
						PCI_KHO_MAX_FUNCTIONS + 1), -E2BIG);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_build(fdt, 64, GOOD_ARRAY, 1), -ENOSPC);
}

static void pci_kho_test_fdt_truncated(struct kunit *test)
{
	void *fdt = kunit_kzalloc(test, FDT_BUF_SIZE, GFP_KERNEL);
	phys_addr_t phys;
	u32 nr;

	KUNIT_ASSERT_NOT_NULL(test, fdt);
	KUNIT_ASSERT_EQ(test, pci_kho_fdt_build(fdt, FDT_BUF_SIZE, GOOD_ARRAY, 1), 0);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, fdt_totalsize(fdt) - 1,
						&phys, &nr), -EINVAL);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, 8, &phys, &nr), -EINVAL);
	memset(fdt, 0xa5, 16);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, FDT_BUF_SIZE, &phys, &nr),
			-EINVAL);
}

/* An FDT made by hand, to forge what a buggy or older kernel could send. */
static void *pci_kho_forge(struct kunit *test, const char *compat,
			   u32 entry_size, u32 nr, u64 phys, bool with_phys)
{
	void *fdt = kunit_kzalloc(test, FDT_BUF_SIZE, GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, fdt);
	err = fdt_create(fdt, FDT_BUF_SIZE);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	if (compat)
		err = err ?: fdt_property_string(fdt, "compatible", compat);
	err = err ?: fdt_property_u32(fdt, PCI_KHO_PROP_NR_FUNCTIONS, nr);
	err = err ?: fdt_property_u32(fdt, PCI_KHO_PROP_FUNCTION_SIZE, entry_size);
	if (with_phys)
		err = err ?: fdt_property_u64(fdt, PCI_KHO_PROP_FUNCTIONS, phys);
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	KUNIT_ASSERT_EQ(test, err, 0);
	return fdt;
}

static void pci_kho_test_fdt_forged(struct kunit *test)
{
	const u32 size = sizeof(struct pci_kho_function_ser);
	phys_addr_t phys;
	void *fdt;
	u32 nr;

	fdt = pci_kho_forge(test, PCI_KHO_COMPATIBLE, size, 1, GOOD_ARRAY, true);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, FDT_BUF_SIZE, &phys, &nr), 0);

	fdt = pci_kho_forge(test, "pci-kho-v99", size, 1, GOOD_ARRAY, true);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, FDT_BUF_SIZE, &phys, &nr),
			-EPROTONOSUPPORT);
	fdt = pci_kho_forge(test, NULL, size, 1, GOOD_ARRAY, true);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, FDT_BUF_SIZE, &phys, &nr),
			-EINVAL);
	fdt = pci_kho_forge(test, PCI_KHO_COMPATIBLE, size + 4, 1, GOOD_ARRAY, true);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, FDT_BUF_SIZE, &phys, &nr),
			-EPROTO);
	fdt = pci_kho_forge(test, PCI_KHO_COMPATIBLE, size,
			    PCI_KHO_MAX_FUNCTIONS + 1, GOOD_ARRAY, true);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, FDT_BUF_SIZE, &phys, &nr),
			-E2BIG);
	fdt = pci_kho_forge(test, PCI_KHO_COMPATIBLE, size, 1, 0, false);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, FDT_BUF_SIZE, &phys, &nr),
			-EINVAL);
	fdt = pci_kho_forge(test, PCI_KHO_COMPATIBLE, size, 1, SZ_1G, true);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, FDT_BUF_SIZE, &phys, &nr),
			-ERANGE);
	fdt = pci_kho_forge(test, PCI_KHO_COMPATIBLE, size, 1,
			    GOOD_ARRAY + 8, true);
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, FDT_BUF_SIZE, &phys, &nr),
			-ERANGE);
}

static void pci_kho_test_function_validate(struct kunit *test)
{
	struct pci_kho_function_ser f;

	pci_kho_good_function(&f);
	KUNIT_EXPECT_EQ(test, pci_kho_function_validate(&f), 0);
	f.nr_bridges = 0;
	f.bridges[0] = (struct pci_kho_bridge_ser){};
	f.addr.bus = 0;
	KUNIT_EXPECT_EQ(test, pci_kho_function_validate(&f), 0);

#define EXPECT_INVALID(what) do {					\
		pci_kho_good_function(&f);				\
		what;							\
		KUNIT_EXPECT_EQ_MSG(test, pci_kho_function_validate(&f), \
				    -EINVAL, #what);			\
	} while (0)

	EXPECT_INVALID(f.hdr_type = PCI_HEADER_TYPE_BRIDGE);
	EXPECT_INVALID(f.nr_bridges = PCI_KHO_MAX_BRIDGES + 1);
	EXPECT_INVALID(f.vendor = 0xffff);
	EXPECT_INVALID(f.vendor = 0);
	EXPECT_INVALID(f.class = 0x1020000);
	EXPECT_INVALID(f.reserved = 1);
	EXPECT_INVALID(f.addr.reserved = 1);
	EXPECT_INVALID(f.reserved2 = 1);
	EXPECT_INVALID(memset(f.driver, 'x', sizeof(f.driver)));
	EXPECT_INVALID(strscpy(f.driver, "igb", sizeof(f.driver)));
	EXPECT_INVALID(f.bridges[0].reserved = 1);
	EXPECT_INVALID(f.bridges[0].secondary = 3);
	EXPECT_INVALID(f.bridges[0].subordinate = 1);
	EXPECT_INVALID(f.bridges[0].primary = 2);
	EXPECT_INVALID(f.bridges[1].bus = 7);
	EXPECT_INVALID(f.addr.bus = 5);
#undef EXPECT_INVALID
}

static void pci_kho_test_identity(struct kunit *test)
{
	struct pci_kho_function_ser recorded, found;

	pci_kho_good_function(&recorded);
	found = recorded;
	KUNIT_EXPECT_EQ(test, pci_kho_function_check_identity(&recorded, &found), 0);
	/* State may differ: that is what the handover is for. */
	found.command = 0;
	found.bars[0] = 0;
	KUNIT_EXPECT_EQ(test, pci_kho_function_check_identity(&recorded, &found), 0);

#define EXPECT_STALE(what) do {						\
		found = recorded;					\
		what;							\
		KUNIT_EXPECT_EQ_MSG(test,				\
			pci_kho_function_check_identity(&recorded, &found), \
			-ESTALE, #what);				\
	} while (0)

	EXPECT_STALE(found.device = 0x10d3);
	EXPECT_STALE(found.revision = 2);
	EXPECT_STALE(found.class = 0x010802);
	EXPECT_STALE(found.subsystem_device = 0);
	EXPECT_STALE(found.addr.devfn = PCI_DEVFN(0, 1));
	EXPECT_STALE(found.hdr_type = PCI_HEADER_TYPE_BRIDGE);
#undef EXPECT_STALE
}

/* The records' checksum, as the PCI part writes and checks it */
static void pci_kho_test_checksum(struct kunit *test)
{
	void *fdt = kunit_kzalloc(test, FDT_BUF_SIZE, GFP_KERNEL);
	struct pci_kho_function_ser f[2];
	const u8 *bytes = (const u8 *)f;
	phys_addr_t phys;
	size_t i;
	u32 nr;

	KUNIT_ASSERT_NOT_NULL(test, fdt);
	pci_kho_good_function(&f[0]);
	pci_kho_good_function(&f[1]);
	f[1].addr.devfn = PCI_DEVFN(0, 1);
	KUNIT_ASSERT_EQ(test, pci_kho_fdt_build(fdt, FDT_BUF_SIZE, GOOD_ARRAY, 2), 0);
	/* No checksum property: refused as malformed */
	KUNIT_EXPECT_EQ(test, kho_devices_fdt_check_crc(fdt, PCI_KHO_PROP_FUNCTIONS_CRC,
							f, sizeof(f)), -EINVAL);
	KUNIT_ASSERT_EQ(test, kho_devices_fdt_set_crc(fdt, FDT_BUF_SIZE,
						      PCI_KHO_PROP_FUNCTIONS_CRC,
						      kho_devices_crc(f, sizeof(f))), 0);
	/* The layer itself still parses */
	KUNIT_EXPECT_EQ(test, pci_kho_fdt_parse(fdt, FDT_BUF_SIZE, &phys, &nr), 0);
	KUNIT_EXPECT_EQ(test, nr, 2);
	KUNIT_EXPECT_EQ(test, kho_devices_fdt_check_crc(fdt, PCI_KHO_PROP_FUNCTIONS_CRC,
							f, sizeof(f)), 0);
	/* One bit of any byte changed: refused */
	for (i = 0; i < sizeof(f); i += 7) {
		((u8 *)f)[i] ^= 0x20;
		KUNIT_EXPECT_EQ(test,
				kho_devices_fdt_check_crc(fdt, PCI_KHO_PROP_FUNCTIONS_CRC,
							  bytes, sizeof(f)),
				-EBADMSG);
		((u8 *)f)[i] ^= 0x20;
	}
	/* No room left for the property */
	KUNIT_EXPECT_EQ(test, kho_devices_fdt_set_crc(fdt, fdt_totalsize(fdt),
						      "another-crc32c", 1), -ENOSPC);
	/* The hole of a block's own checksum counts as zero */
	f[0].vendor = 0;
	f[0].device = 0;
	KUNIT_EXPECT_EQ(test, kho_devices_crc_hole(f, sizeof(f), 8),
			kho_devices_crc(f, sizeof(f)));
	f[0].device = 1;
	KUNIT_EXPECT_NE(test, kho_devices_crc_hole(f, sizeof(f), 8),
			kho_devices_crc(f, sizeof(f)));
	KUNIT_EXPECT_EQ(test, kho_devices_crc_hole(f, 6, 4), 0);
}

static struct kunit_case pci_kho_cases[] = {
	KUNIT_CASE(pci_kho_test_fdt_round_trip),
	KUNIT_CASE(pci_kho_test_fdt_build_limits),
	KUNIT_CASE(pci_kho_test_fdt_truncated),
	KUNIT_CASE(pci_kho_test_fdt_forged),
	KUNIT_CASE(pci_kho_test_function_validate),
	KUNIT_CASE(pci_kho_test_identity),
	KUNIT_CASE(pci_kho_test_checksum),
	{}
};

static struct kunit_suite pci_kho_suite = {
	.name = "pci_kho_abi",
	.test_cases = pci_kho_cases,
};

kunit_test_suite(pci_kho_suite);

MODULE_DESCRIPTION("KUnit tests for the PCI live-update handover format");
MODULE_LICENSE("GPL");
