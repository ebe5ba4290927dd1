// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_devices_format - what the handovers of the KHO device suite share:
 * the checksum that guards each of their records.
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
 * Pure code: it compiles unchanged in userspace for the fuzzers.
 */

#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/kho_devices.h>
#include <linux/libfdt.h>
#include <linux/string.h>
#include <linux/types.h>

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
