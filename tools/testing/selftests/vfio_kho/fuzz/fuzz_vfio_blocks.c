// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_vfio_blocks - libFuzzer target for drivers/vfio/vfio_kho_format.c,
 * built unchanged in userspace: the checks the next kernel applies to the
 * container and device blocks of the VFIO handover
 * (include/linux/kho/abi/vfio.h) before it uses any of their fields.
 *
 * Input: two bytes whose top bit says whether to seal the blocks (give
 * them their checksums, as the old kernel does; without it a block passes
 * only if its checksum is already right) and whose other bits say how
 * many bytes at the end of the memory are not preserved, eight bytes of
 * the container block's offset from the start of the memory (signed: the
 * block may start anywhere, below or past it), a struct
 * vfio_kho_device_ser, then the memory: the rest of the input, at
 * physical address MEM_BASE (above 4 GiB). Missing bytes read as zero.
 * Only the preserved part of the memory sits in the model, in a buffer of
 * exactly its size, so that AddressSanitizer catches any read past it; the
 * device block sits in one of its own.
 *
 * Oracles: memory is reached only through the model, whose map() aborts
 * outside the preserved range; vfio_kho_container_check() returns 0,
 * -EFAULT, -EBADMSG or -EINVAL; an accepted block matches its checksum;
 * *serp is NULL exactly when the header is not preserved, and then the
 * error is -EFAULT; an accepted container has the
 * whole block with its nr_mappings mappings in the preserved range, the
 * known version, mapping size and a count within VFIO_KHO_MAX_MAPPINGS,
 * and mappings that are not empty, page aligned (IOVA, size and memfd
 * offset), do not wrap (IOVA or memfd offset), are sorted without
 * overlap, have prot 1 to 3 and zeroed reserved fields.
 * vfio_kho_device_check() of the device block, against the accepted
 * container (or NULL) and against NULL, accepts exactly the known version
 * with its checksum, zeroed reserved field and the container's device
 * address.
 *
 * KHO_FUZZ_VERBOSE=1 in the environment prints the verdicts.
 *
 * Seed writer (kho_fuzz_write_seeds(), run by seeds_main.c): valid
 * containers with one to three mappings (also ending at the top of the
 * IOVA and memfd spaces) and their device, and a few refused variants.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kho/abi/kho_devices.h>
#include <linux/kho/abi/vfio.h>
#include <linux/kho_devices.h>

#include "vfio/vfio_kho_format.h"
#include "kho_fuzz.h"

#define PAGE		KHO_DEVICES_PAGE_SIZE
#define MEM_BASE	(KHO_DEVICES_MIN_PHYS + 0x40000000ULL)

#define u128	unsigned __int128

struct model {
	const uint8_t *mem;
	u64 size;		/* preserved: [MEM_BASE, MEM_BASE + size) */
};

static bool verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = !!getenv("KHO_FUZZ_VERBOSE");
	return v;
}

/* Is [@phys, @phys + @size) inside the preserved memory? */
static bool model_inside(const struct model *m, u64 phys, u128 size)
{
	return phys >= MEM_BASE && phys - MEM_BASE <= m->size &&
	       size <= m->size - (phys - MEM_BASE);
}

static bool model_preserved(u64 phys, u64 size, void *ctx)
{
	return size && model_inside(ctx, phys, size);
}

/* The oracle "only preserved memory is read": anything else fails the run. */
static const void *model_map(u64 phys, void *ctx)
{
	struct model *m = ctx;

	if (phys < MEM_BASE || phys - MEM_BASE >= m->size)
		kho_fuzz_fail("map() of 0x%llx, outside [0x%llx, +0x%llx)",
			      (unsigned long long)phys, MEM_BASE,
			      (unsigned long long)m->size);
	return m->mem + (phys - MEM_BASE);
}

/* The container block's checksum, computed here the plain way */
static u32 container_crc(const struct vfio_kho_container_ser *ser)
{
	size_t size = sizeof(*ser) + ser->nr_mappings * sizeof(ser->mappings[0]);
	struct vfio_kho_container_ser *copy = malloc(size);
	u32 crc;

	if (!copy)
		abort();
	memcpy(copy, ser, size);
	copy->crc32c = 0;
	crc = kho_devices_crc(copy, size);
	free(copy);
	return crc;
}

static void check_accepted(const struct model *m, u64 phys,
			   const struct vfio_kho_container_ser *ser)
{
	const struct vfio_kho_mapping_ser *p, *q;
	u32 i;

	assert(model_inside(m, phys, sizeof(*ser) +
			    (u128)ser->nr_mappings * sizeof(*p)));
	assert(ser->version == VFIO_KHO_VERSION);
	assert(ser->mapping_size == sizeof(*p));
	assert(container_crc(ser) == ser->crc32c);
	assert(ser->nr_mappings <= VFIO_KHO_MAX_MAPPINGS && !ser->reserved);
	assert(ser->nr_devices >= 1 && ser->nr_devices <= VFIO_KHO_MAX_DEVICES);
	for (i = 0; i < VFIO_KHO_MAX_DEVICES; i++) {
		const struct kho_devices_pci_addr *a = &ser->devices[i];
		u32 j;

		assert(!a->reserved);
		if (i >= ser->nr_devices) {
			assert(!a->segment && !a->bus && !a->devfn);
			continue;
		}
		for (j = 0; j < i; j++)
			if (ser->devices[j].segment == a->segment &&
			    ser->devices[j].bus == a->bus &&
			    ser->devices[j].devfn == a->devfn)
				kho_fuzz_fail("device %u named twice", i);
	}
	for (i = 0; i < ser->nr_mappings; i++) {
		p = &ser->mappings[i];
		assert(p->size && !((p->iova | p->size | p->memfd_offset) &
				    (PAGE - 1)));
		assert((u128)p->iova + p->size <= (u128)1 << 64);
		assert((u128)p->memfd_offset + p->size <= (u128)1 << 64);
		assert(p->prot >= 1 && p->prot <= 3 && !p->reserved);
		if (!i)
			continue;
		q = &ser->mappings[i - 1];
		if ((u128)q->iova + q->size > p->iova)
			kho_fuzz_fail("mapping %u (0x%llx) overlaps or precedes 0x%llx+0x%llx",
				      i, (unsigned long long)p->iova,
				      (unsigned long long)q->iova,
				      (unsigned long long)q->size);
	}
}

/* Does the container name the device, looked up the plain way? */
static bool named(const struct vfio_kho_container_ser *ser,
		  const struct kho_devices_pci_addr *addr)
{
	u32 i;

	for (i = 0; i < ser->nr_devices; i++)
		if (ser->devices[i].segment == addr->segment &&
		    ser->devices[i].bus == addr->bus &&
		    ser->devices[i].devfn == addr->devfn)
			return true;
	return false;
}

/* The device block's checksum, computed here the plain way */
static u32 device_crc(const struct vfio_kho_device_ser *dev)
{
	struct vfio_kho_device_ser copy = *dev;

	copy.crc32c = 0;
	return kho_devices_crc(&copy, sizeof(copy));
}

/*
 * As the old kernel does once it wrote them: the container block, if its
 * header and mappings lie in the memory, and the device block.
 */
static void seal_blocks(struct model *m, u64 phys,
			struct vfio_kho_device_ser *dev)
{
	struct vfio_kho_container_ser *c;

	if (model_inside(m, phys, sizeof(*c))) {
		c = (void *)(m->mem + (phys - MEM_BASE));
		if (model_inside(m, phys, sizeof(*c) + (u128)c->nr_mappings *
				 sizeof(c->mappings[0])))
			vfio_kho_container_seal(c);
	}
	vfio_kho_device_seal(dev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kho_devices_memory mem = {
		.preserved = model_preserved, .map = model_map,
	};
	const struct vfio_kho_container_ser *ser = (const void *)1;
	struct kho_fuzz_in in = { data, size };
	struct vfio_kho_device_ser *dev;
	struct model m;
	u64 cut, phys;
	size_t len;
	bool header, seal;
	int err, err_dev, want;

	cut = kho_fuzz_get(&in, 2);
	seal = cut & 0x8000;
	cut &= 0x7fff;
	phys = MEM_BASE + kho_fuzz_get(&in, 8);
	len = sizeof(*dev);
	dev = (void *)kho_fuzz_take(&in, &len);
	if (len < sizeof(*dev)) {
		dev = realloc(dev, sizeof(*dev));
		if (!dev)
			abort();
		memset((uint8_t *)dev + len, 0, sizeof(*dev) - len);
	}
	len = in.len > cut ? in.len - cut : 0;
	m.mem = kho_fuzz_take(&in, &len);
	m.size = len;
	mem.ctx = &m;
	if (seal)
		seal_blocks(&m, phys, dev);

	err = vfio_kho_container_check(phys, &mem, &ser);
	if (verbose())
		fprintf(stderr, "container: %d\n", err);
	assert(!err || err == -EFAULT || err == -EBADMSG || err == -EINVAL);
	header = model_inside(&m, phys, sizeof(*ser));
	assert(!!ser == header);
	if (ser)
		assert(ser == (const void *)(m.mem + (phys - MEM_BASE)));
	else
		assert(err == -EFAULT);
	if (!err)
		check_accepted(&m, phys, ser);

	want = dev->version != VFIO_KHO_VERSION ? -EINVAL :
	       dev->crc32c != device_crc(dev) ? -EBADMSG :
	       dev->addr.reserved ? -EINVAL : 0;
	err_dev = vfio_kho_device_check(dev, NULL);
	assert(err_dev == want);
	if (!err) {
		err_dev = vfio_kho_device_check(dev, ser);
		if (verbose())
			fprintf(stderr, "device: %d\n", err_dev);
		assert(err_dev == (want ?: named(ser, &dev->addr) ? 0 : -EINVAL));
	}
	free((void *)m.mem);
	free(dev);
	return 0;
}

/* Seeds: the encoding above, written */

static const struct vfio_kho_mapping_ser seed_mappings[] = {
	{ .iova = 0x100000, .size = 0x200000, .memfd_token = 1,
	  .memfd_offset = 0, .prot = 3 },
	{ .iova = 0x400000, .size = 0x1000, .memfd_token = 1,
	  .memfd_offset = 0x200000, .prot = 1 },
	{ .iova = 0xfff00000000, .size = 0x1000000, .memfd_token = 2,
	  .memfd_offset = 0x40000000, .prot = 2 },
};

/*
 * Valid too: mappings that end at the top of the IOVA and memfd spaces;
 * with the third one, which comes back to IOVA 0, refused.
 */
static const struct vfio_kho_mapping_ser seed_mappings_top[] = {
	{ .iova = 0x100000, .size = 0x200000, .memfd_token = 1,
	  .memfd_offset = 0xffffffffffe00000, .prot = 3 },
	{ .iova = 0xfffffffffff00000, .size = 0x100000, .memfd_token = 1,
	  .memfd_offset = 0x200000, .prot = 3 },
	{ .iova = 0, .size = 0x400000, .memfd_token = 2, .prot = 1 },
};

/*
 * A container with @nr mappings at @offset in the memory, @cut bytes of
 * its end not preserved, and its device (bus @bus: 3 is the container's
 * only one, 5 the second of three).
 */
static void write_seed(const char *dir, const char *name,
		       const struct vfio_kho_mapping_ser *maps, u32 nr,
		       u64 offset, u16 cut, u8 bus)
{
	struct vfio_kho_container_ser c = {
		.version = VFIO_KHO_VERSION,
		.mapping_size = sizeof(struct vfio_kho_mapping_ser),
		.nr_mappings = nr,
		.nr_devices = 1,
		.devices = { { .segment = 0, .bus = 3, .devfn = 0x20 } },
	};

	/* bus 5: a container of three devices, the device block's second */
	if (bus == 5) {
		c.nr_devices = 3;
		c.devices[1] = (struct kho_devices_pci_addr){ .bus = 5, .devfn = 0x20 };
		c.devices[2] = (struct kho_devices_pci_addr){ .bus = 3, .devfn = 0x30 };
	}
	struct vfio_kho_device_ser d = {
		.version = VFIO_KHO_VERSION,
		.addr = { .segment = 0, .bus = bus, .devfn = 0x20 },
		.container = MEM_BASE + offset,
		.container_token = 7,
	};
	struct kho_fuzz_out o = {};

	kho_fuzz_put(&o, 0x8000 | cut, 2);	/* sealed */
	kho_fuzz_put(&o, offset, 8);
	kho_fuzz_put_bytes(&o, &d, sizeof(d));
	for (; offset; offset--)
		kho_fuzz_put(&o, 0xee, 1);
	kho_fuzz_put_bytes(&o, &c, sizeof(c));
	kho_fuzz_put_bytes(&o, maps, nr * sizeof(*maps));
	kho_fuzz_save(&o, dir, name);
}

int kho_fuzz_write_seeds(const char *dir)
{
	write_seed(dir, "seed-1-mapping", seed_mappings, 1, 0, 0, 3);
	write_seed(dir, "seed-2-mappings", seed_mappings, 2, 0, 0, 3);
	write_seed(dir, "seed-3-mappings", seed_mappings, 3, 64, 0, 3);
	write_seed(dir, "seed-top", seed_mappings_top, 2, 0, 0, 3);
	write_seed(dir, "seed-after-top", seed_mappings_top, 3, 0, 0, 3);
	write_seed(dir, "seed-0-mappings-other-device", seed_mappings, 0, 0, 0,
		   4);
	write_seed(dir, "seed-3-devices", seed_mappings, 2, 0, 0, 5);
	/* the last mapping not preserved: -EFAULT with the header known */
	write_seed(dir, "seed-cut", seed_mappings, 3, 0, 8, 3);
	return 0;
}
