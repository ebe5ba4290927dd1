// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_pci_handover - libFuzzer target for drivers/pci/pci_kho_format.c,
 * built unchanged in userspace: the checks the next kernel applies to the
 * PCI handover (include/linux/kho/abi/pci.h) before it acts on a function
 * the previous kernel kept running.
 *
 * Input: two bytes of FDT length, the FDT, one byte choosing a field of
 * the function record to change (mod 14), one byte to change it with, then
 * a struct pci_kho_function_ser (zero-filled if the input is shorter). The
 * FDT and the record sit in buffers of exactly their size, so that
 * AddressSanitizer catches any read past them (libfdt itself is Debian's,
 * not instrumented; FDTs that could make its 1.6.1 loop for ever, see
 * kho_fuzz_fdt_overflows(), are left out).
 *
 * Oracles, FDT layer: only the documented errnos; an accepted layout has
 * at most PCI_KHO_MAX_FUNCTIONS functions and, if any, a page-aligned
 * array at or above 4 GiB (else address 0); the same verdict with bytes
 * past the FDT; pci_kho_fdt_build() of it parses back the same, fails
 * with -ENOSPC one byte short, and under another compatible string is
 * refused with -EPROTONOSUPPORT.
 * Oracles, function record: pci_kho_function_validate() returns 0 or
 * -EINVAL; an accepted record has a normal header, a valid vendor, a
 * 24-bit class, zeroed reserved fields, a NUL-terminated driver that
 * pci_kho_driver_supported() allows ("" or "vfio-pci"), at most
 * PCI_KHO_MAX_BRIDGES bridges, unused bridge slots all zero, and a
 * consistent chain (valid vendor, primary < secondary <= subordinate, each
 * bridge's secondary the next one's bus, the last one's the function's).
 * pci_kho_function_check_identity() of a record with itself is 0; with one
 * identity field changed -ESTALE; with a state field (command, a BAR, a
 * bridge, the driver) changed still 0.
 *
 * KHO_FUZZ_VERBOSE=1 in the environment prints the verdicts.
 *
 * Seed writer (kho_fuzz_write_seeds(), run by seeds_main.c): FDTs made
 * with pci_kho_fdt_build() for 0 to 3 functions, and valid records with 0
 * to 2 bridges.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kho/abi/kho_devices.h>
#include <linux/kho/abi/pci.h>
#include <linux/libfdt.h>
#include <linux/pci_regs.h>

#include "pci/pci_kho_format.h"
#include "kho_fuzz.h"

#define PAGE		KHO_DEVICES_PAGE_SIZE
#define MIN_PHYS	KHO_DEVICES_MIN_PHYS
#define NR_FIELDS	14	/* 10 identity fields, then 4 state fields */

static bool verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = !!getenv("KHO_FUZZ_VERBOSE");
	return v;
}

/* The FDT top layer */

static void fuzz_fdt(const uint8_t *fdt, size_t len)
{
	phys_addr_t functions, functions2;
	uint8_t out[512], *big;
	u32 nr, nr2;
	int err;

	if (kho_fuzz_fdt_overflows(fdt, len))
		return;
	err = pci_kho_fdt_parse(fdt, len, &functions, &nr);
	if (verbose())
		fprintf(stderr, "fdt: %d\n", err);
	assert(!err || err == -EINVAL || err == -EPROTONOSUPPORT ||
	       err == -EPROTO || err == -E2BIG || err == -ERANGE);
	if (err)
		return;
	assert(nr <= PCI_KHO_MAX_FUNCTIONS);
	if (nr)
		assert(!(functions & (PAGE - 1)) && functions >= MIN_PHYS);
	else
		assert(!functions);

	/* Bytes past the FDT do not matter. */
	big = malloc(len + 64);
	if (!big)
		abort();
	memcpy(big, fdt, len);
	memset(big + len, 0xa5, 64);
	assert(!pci_kho_fdt_parse(big, len + 64, &functions2, &nr2));
	assert(functions2 == functions && nr2 == nr);
	free(big);

	/* Round trip, in a buffer of the right size and one byte short */
	assert(!pci_kho_fdt_build(out, sizeof(out), functions, nr));
	assert(!pci_kho_fdt_parse(out, fdt_totalsize(out), &functions2, &nr2));
	assert(functions2 == functions && nr2 == nr);
	assert(pci_kho_fdt_build(out, fdt_totalsize(out) - 1, functions, nr) ==
	       -ENOSPC);

	/* Another version of the ABI */
	assert(!pci_kho_fdt_build_compatible(out, sizeof(out), "pci-kho-v99",
					     functions, nr));
	assert(pci_kho_fdt_parse(out, sizeof(out), &functions2, &nr2) ==
	       -EPROTONOSUPPORT);
}

/* The function record */

static bool zeroed(const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

static void check_accepted(const struct pci_kho_function_ser *f)
{
	unsigned int i;

	assert(f->hdr_type == PCI_HEADER_TYPE_NORMAL);
	assert(f->vendor && f->vendor != 0xffff);
	assert(!(f->class >> 24));
	assert(!f->addr.reserved && !f->reserved && !f->reserved2);
	assert(memchr(f->driver, 0, sizeof(f->driver)));
	assert(pci_kho_driver_supported(f->driver));
	assert(!f->driver[0] || !strcmp(f->driver, "vfio-pci"));
	assert(f->nr_bridges <= PCI_KHO_MAX_BRIDGES);
	for (i = f->nr_bridges; i < PCI_KHO_MAX_BRIDGES; i++)
		assert(zeroed(&f->bridges[i], sizeof(f->bridges[i])));
	for (i = 0; i < f->nr_bridges; i++) {
		const struct pci_kho_bridge_ser *b = &f->bridges[i];

		assert(!b->reserved && b->vendor && b->vendor != 0xffff);
		assert(b->primary < b->secondary);
		assert(b->secondary <= b->subordinate);
		if (i + 1 < f->nr_bridges)
			assert(b->secondary == f->bridges[i + 1].bus);
		else
			assert(b->secondary == f->addr.bus);
	}
}

/* Change field @field (0-9 identity, 10-13 state) of @f by @x, not zero */
static bool change_field(struct pci_kho_function_ser *f, unsigned int field,
			 u8 x)
{
	switch (field) {
	case 0:
		f->addr.segment ^= x;
		break;
	case 1:
		f->addr.bus ^= x;
		break;
	case 2:
		f->addr.devfn ^= x;
		break;
	case 3:
		f->vendor ^= x;
		break;
	case 4:
		f->device ^= x;
		break;
	case 5:
		f->subsystem_vendor ^= x;
		break;
	case 6:
		f->subsystem_device ^= x;
		break;
	case 7:
		f->revision ^= x;
		break;
	case 8:
		f->class ^= x;
		break;
	case 9:
		f->hdr_type ^= x;
		break;
	case 10:
		f->command ^= x;
		break;
	case 11:
		f->bars[x % 6] ^= x;
		break;
	case 12:
		((uint8_t *)f->bridges)[x % sizeof(f->bridges)] ^= x;
		break;
	default:
		f->driver[x % sizeof(f->driver)] ^= x;
		break;
	}
	return field < 10;
}

static void fuzz_function(struct kho_fuzz_in *in)
{
	unsigned int field = kho_fuzz_get(in, 1) % NR_FIELDS;
	u8 x = kho_fuzz_get(in, 1) | 1;
	struct pci_kho_function_ser *f, *g;
	char driver[PCI_KHO_DRIVER_NAME_LEN + 1];
	size_t len = sizeof(*f);
	bool identity;
	uint8_t *p;
	int err;

	p = kho_fuzz_take(in, &len);
	f = malloc(sizeof(*f));
	g = malloc(sizeof(*g));
	if (!f || !g)
		abort();
	memset(f, 0, sizeof(*f));
	memcpy(f, p, len);
	free(p);

	err = pci_kho_function_validate(f);
	if (verbose())
		fprintf(stderr, "function: %d\n", err);
	assert(!err || err == -EINVAL);
	if (!err)
		check_accepted(f);

	memcpy(driver, f->driver, sizeof(f->driver));
	driver[sizeof(f->driver)] = 0;
	assert(pci_kho_driver_supported(driver) ==
	       (!driver[0] || !strcmp(driver, "vfio-pci")));

	assert(!pci_kho_function_check_identity(f, f));
	memcpy(g, f, sizeof(*g));
	identity = change_field(g, field, x);
	assert(pci_kho_function_check_identity(f, g) == (identity ? -ESTALE : 0));
	assert(pci_kho_function_check_identity(g, f) == (identity ? -ESTALE : 0));
	free(g);
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kho_fuzz_in in = { data, size };
	size_t len = kho_fuzz_get(&in, 2);
	uint8_t *fdt;

	fdt = kho_fuzz_take(&in, &len);
	fuzz_fdt(fdt, len);
	free(fdt);
	fuzz_function(&in);
	return 0;
}

/* Seeds: the encoding above, written */

/* A function behind @nr_bridges bridges (0 to 2), bound to @driver */
static void seed_function(struct pci_kho_function_ser *f,
			  unsigned int nr_bridges, const char *driver)
{
	static const struct pci_kho_bridge_ser bridges[2] = {
		{ .vendor = 0x8086, .device = 0x29c0, .bus = 0, .devfn = 0x08,
		  .primary = 0, .secondary = 1, .subordinate = 3,
		  .command = 0x0407 },
		{ .vendor = 0x1b36, .device = 0x000c, .bus = 1, .devfn = 0x00,
		  .primary = 1, .secondary = 3, .subordinate = 3,
		  .command = 0x0407, .bridge_control = 0x0010 },
	};

	memset(f, 0, sizeof(*f));
	f->addr.segment = 0;
	f->addr.bus = nr_bridges ? 3 : 0;
	f->addr.devfn = 0x20;
	f->hdr_type = PCI_HEADER_TYPE_NORMAL;
	f->nr_bridges = nr_bridges;
	f->vendor = 0x1234;
	f->device = 0x11e8;
	f->subsystem_vendor = 0x1af4;
	f->subsystem_device = 0x1100;
	f->revision = 0x10;
	f->class = 0x00ff00;
	f->command = 0x0406;
	f->bars[0] = 0xfea00000;
	f->bars[2] = 0x0000c001;
	snprintf(f->driver, sizeof(f->driver), "%s", driver);
	if (nr_bridges == 1) {
		f->bridges[0] = bridges[0];
		f->bridges[0].secondary = f->addr.bus;
	} else if (nr_bridges == 2) {
		memcpy(f->bridges, bridges, sizeof(bridges));
	}
}

static void write_seed(const char *dir, const char *name, u32 nr_functions,
		       u8 field, unsigned int nr_bridges, const char *driver)
{
	struct pci_kho_function_ser f;
	struct kho_fuzz_out o = {};
	uint8_t fdt[512];

	if (pci_kho_fdt_build(fdt, sizeof(fdt), MIN_PHYS + 0x200000,
			      nr_functions))
		kho_fuzz_fail("pci_kho_fdt_build");
	kho_fuzz_put(&o, fdt_totalsize(fdt), 2);
	kho_fuzz_put_bytes(&o, fdt, fdt_totalsize(fdt));
	kho_fuzz_put(&o, field, 1);
	kho_fuzz_put(&o, 0x40, 1);
	seed_function(&f, nr_bridges, driver);
	if (pci_kho_function_validate(&f))
		kho_fuzz_fail("seed %s: invalid function", name);
	kho_fuzz_put_bytes(&o, &f, sizeof(f));
	kho_fuzz_save(&o, dir, name);
}

int kho_fuzz_write_seeds(const char *dir)
{
	write_seed(dir, "seed-0-bridges", 1, 1, 0, "vfio-pci");
	write_seed(dir, "seed-1-bridge", 3, 8, 1, "");
	write_seed(dir, "seed-2-bridges", 0, 12, 2, "vfio-pci");
	write_seed(dir, "seed-2-bridges-no-driver", 256, 5, 2, "");
	return 0;
}
