// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_devices_format - what the handovers of the KHO device suite share:
 * the checksum that guards each of their records, the FDT property
 * helpers, and the writer of their debugfs snapshots.
 */

/**
 * DOC: handover checksums
 *
 * Every record a device handover carries (the PCI function array, the
 * IOMMU device and page arrays, the VFIO container and device blocks) is
 * guarded by a CRC-32C the old kernel computes once the record is final
 * and the next kernel checks before it reads any field. A record a bug or
 * a stray DMA changed in memory between the two kernels is then refused
 * as a whole, whatever field was hit, and the devices it names are
 * quiesced: the field checks of each part (pci_kho_format.c,
 * iommu_kho_format.c, vfio_kho_format.c) still run after it, against a
 * previous kernel that wrote a consistent but wrong record.
 *
 * The arrays' checksums travel as u32 properties of their part's FDT; a
 * block without an FDT carries its own in a field, counted as zero.
 *
 * The kho_devices_snapshot_*() helpers write the snapshot of a handover
 * that each part shows in debugfs (include/linux/kho_devices.h) for
 * kho-inspect.
 *
 * Pure code: it compiles unchanged in userspace for the fuzzers and for
 * kho-inspect.
 */

#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/kho_devices.h>
#include <linux/libfdt.h>
#include <linux/limits.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include <linux/types.h>

/**
 * kho_devices_pci_name() - how logs and debugfs name a function of a handover
 * @addr: where it sits
 *
 * Return: "SSSS:BB:DD.F", as the PCI core names devices; use the ``str``
 * of the result within the expression that calls this.
 */
struct kho_devices_pci_name_buf kho_devices_pci_name(const struct kho_devices_pci_addr *addr)
{
	struct kho_devices_pci_name_buf name;

	snprintf(name.str, sizeof(name.str), "%04x:%02x:%02x.%u",
		 addr->segment, addr->bus, addr->devfn >> 3, addr->devfn & 7u);
	return name;
}

/**
 * kho_devices_crc() - the checksum of a handover record
 * @p: the record
 * @len: its size in bytes
 *
 * Return: CRC-32C of @len bytes at @p, seeded with all ones.
 */
u32 kho_devices_crc(const void *p, size_t len)
{
	return crc32c(~0U, p, len);
}

/**
 * kho_devices_crc_hole() - the checksum of a record that carries its own
 * @p: the record
 * @len: its size in bytes
 * @hole: offset of its u32 checksum field, counted as zero
 *
 * Return: as kho_devices_crc() with the four bytes at @hole zero, or 0 if
 * the field is not inside the record.
 */
u32 kho_devices_crc_hole(const void *p, size_t len, size_t hole)
{
	static const u8 zero[sizeof(u32)];
	const u8 *b = p;
	u32 crc;

	if (hole > len || len - hole < sizeof(u32))
		return 0;
	crc = crc32c(~0U, b, hole);
	crc = crc32c(crc, zero, sizeof(zero));
	return crc32c(crc, b + hole + sizeof(u32), len - hole - sizeof(u32));
}

/**
 * kho_devices_fdt_open() - check an FDT top layer and its compatible string
 * @fdt: the FDT
 * @size: bytes available at @fdt
 * @compatible: the string this kernel reads
 *
 * Return: 0; -EINVAL for a corrupt or truncated FDT or a missing or
 * malformed compatible string; -EPROTONOSUPPORT for another string.
 */
int kho_devices_fdt_open(const void *fdt, size_t size, const char *compatible)
{
	const char *compat;
	int len;

	if (size < sizeof(struct fdt_header) || fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > size)
		return -EINVAL;
	compat = fdt_getprop(fdt, 0, "compatible", &len);
	if (!compat || len < 1 || compat[len - 1])
		return -EINVAL;
	return strcmp(compat, compatible) ? -EPROTONOSUPPORT : 0;
}

/**
 * kho_devices_fdt_u32() - read a u32 property of an FDT's root node
 * @fdt: an FDT checked with kho_devices_fdt_open()
 * @name: the property
 * @val: set to its value
 *
 * Return: 0, or -EINVAL if it is missing or not 4 bytes long.
 */
int kho_devices_fdt_u32(const void *fdt, const char *name, u32 *val)
{
	const fdt32_t *p;
	int len;

	p = fdt_getprop(fdt, 0, name, &len);
	if (!p || len != sizeof(*p))
		return -EINVAL;
	*val = fdt32_to_cpu(*p);
	return 0;
}

/**
 * kho_devices_fdt_u64() - read a u64 property of an FDT's root node
 * @fdt: an FDT checked with kho_devices_fdt_open()
 * @name: the property
 * @val: set to its value
 *
 * Return: 0, or -EINVAL if it is missing or not 8 bytes long.
 */
int kho_devices_fdt_u64(const void *fdt, const char *name, u64 *val)
{
	const fdt64_t *p;
	int len;

	p = fdt_getprop(fdt, 0, name, &len);
	if (!p || len != sizeof(*p))
		return -EINVAL;
	*val = fdt64_ld(p);	/* 4-byte aligned only */
	return 0;
}

/**
 * kho_devices_fdt_set_crc() - record an array's checksum in an FDT
 * @fdt: a finished FDT in a buffer of @size bytes
 * @size: room in the buffer
 * @name: the property
 * @crc: the checksum
 *
 * Return: 0, or -ENOSPC if the buffer has no room for it.
 */
int kho_devices_fdt_set_crc(void *fdt, size_t size, const char *name, u32 crc)
{
	int err;

	err = fdt_open_into(fdt, fdt, size);
	err = err ?: fdt_setprop_u32(fdt, 0, name, crc);
	err = err ?: fdt_pack(fdt);
	return err ? -ENOSPC : 0;
}

/**
 * kho_devices_fdt_check_crc() - does an array match its checksum?
 * @fdt: an FDT whose header and size were checked
 * @name: the property that holds the array's checksum
 * @array: the array, read from memory checked to be preserved
 * @len: its size in bytes
 *
 * Return: 0; -EINVAL if the property is missing or malformed; -EBADMSG if
 * the array does not match it.
 */
int kho_devices_fdt_check_crc(const void *fdt, const char *name,
			      const void *array, size_t len)
{
	const fdt32_t *p;
	int plen;

	p = fdt_getprop(fdt, 0, name, &plen);
	if (!p || plen != sizeof(*p))
		return -EINVAL;
	return fdt32_to_cpu(*p) == kho_devices_crc(array, len) ? 0 : -EBADMSG;
}

/* Snapshots for debugfs (see include/linux/kho_devices.h) */

static int kho_devices_snapshot_errno(int err)
{
	if (err == -FDT_ERR_NOSPACE)
		return -ENOSPC;
	return err ? -EINVAL : 0;
}

/**
 * kho_devices_snapshot_begin() - start the snapshot of a part's handover
 * @buf: buffer for the snapshot's FDT
 * @size: its size in bytes
 * @part: ``pci``, ``iommu`` or ``vfio``
 * @direction: ``outgoing`` or ``incoming``
 * @state: what the part holds, e.g. ``preserved`` or ``none``
 *
 * Root properties (kho_devices_snapshot_u64()) come next, then the memory
 * (kho_devices_snapshot_mem()), then kho_devices_snapshot_end().
 *
 * Return: 0, -ENOSPC if @buf is too small (retry with a bigger one), or
 * -EINVAL.
 */
int kho_devices_snapshot_begin(void *buf, size_t size, const char *part,
			       const char *direction, const char *state)
{
	int err;

	if (size > INT_MAX)
		return -EINVAL;
	err = fdt_create(buf, size);
	err = err ?: fdt_finish_reservemap(buf);
	err = err ?: fdt_begin_node(buf, "");
	err = err ?: fdt_property_string(buf, "compatible",
					 KHO_DEVICES_SNAPSHOT_COMPATIBLE);
	err = err ?: fdt_property_string(buf, "part", part);
	err = err ?: fdt_property_string(buf, "direction", direction);
	err = err ?: fdt_property_string(buf, "state", state);
	return kho_devices_snapshot_errno(err);
}

/**
 * kho_devices_snapshot_u64() - add a u64 property to a snapshot's root
 * @buf: a snapshot begun with kho_devices_snapshot_begin()
 * @name: the property
 * @val: its value
 *
 * Return: as kho_devices_snapshot_begin().
 */
int kho_devices_snapshot_u64(void *buf, const char *name, u64 val)
{
	return kho_devices_snapshot_errno(fdt_property_u64(buf, name, val));
}

/**
 * kho_devices_snapshot_mem() - add a piece of handed-over memory
 * @buf: a snapshot begun with kho_devices_snapshot_begin()
 * @role: what the memory holds, e.g. ``functions``
 * @phys: its physical address
 * @data: its contents, @len bytes
 * @len: its size in bytes
 * @error: the errno its part refused it with, 0 if it did not
 *
 * Return: as kho_devices_snapshot_begin().
 */
int kho_devices_snapshot_mem(void *buf, const char *role, u64 phys,
			     const void *data, size_t len, int error)
{
	char name[sizeof("mem@") + 16];
	int err;

	if (len > INT_MAX)
		return -EINVAL;
	snprintf(name, sizeof(name), "mem@%llx", (unsigned long long)phys);
	err = fdt_begin_node(buf, name);
	err = err ?: fdt_property_string(buf, "role", role);
	err = err ?: fdt_property_u64(buf, "phys", phys);
	err = err ?: fdt_property(buf, "data", data, len);
	if (error)
		err = err ?: fdt_property_u64(buf, "error", -error);
	err = err ?: fdt_end_node(buf);
	return kho_devices_snapshot_errno(err);
}

/**
 * kho_devices_snapshot_end() - finish a snapshot
 * @buf: a snapshot begun with kho_devices_snapshot_begin()
 *
 * Return: as kho_devices_snapshot_begin(); the snapshot is
 * fdt_totalsize(@buf) bytes long.
 */
int kho_devices_snapshot_end(void *buf)
{
	int err;

	err = fdt_end_node(buf);
	err = err ?: fdt_finish(buf);
	return kho_devices_snapshot_errno(err);
}
