// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_format - the VFIO handover's blocks: checked in the next kernel
 * before any of their fields is used.
 */

/**
 * DOC: VFIO handover format
 *
 * This file owns the checks of the container and device blocks of
 * include/linux/kho/abi/vfio.h. A container block is read only once the
 * &struct kho_devices_memory the caller passes says that its header, and
 * then its whole mapping array, are preserved memory; it names one to
 * %VFIO_KHO_MAX_DEVICES different devices; each mapping must be
 * page aligned, not wrap, be sorted without overlap, and carry only the
 * permissions and the zeroed reserved fields the format allows. Each
 * block carries the checksum of kho_devices_crc_hole(): the old kernel
 * seals it, and the next one refuses a block that does not match.
 *
 * It uses nothing but the kernel's basic helpers, and compiles unchanged
 * in userspace, where the fuzzers of tools/testing/selftests/vfio_kho/fuzz
 * run it against a model of memory.
 */

#include <linux/errno.h>
#include <linux/kho/abi/kho_devices.h>
#include <linux/kho/abi/vfio.h>
#include <linux/kho_devices.h>
#include <linux/overflow.h>
#include <linux/stddef.h>
#include <linux/types.h>

#include "vfio_kho_format.h"

#define VFIO_KHO_PAGE_MASK	(KHO_DEVICES_PAGE_SIZE - 1)
#define VFIO_KHO_CONTAINER_CRC	offsetof(struct vfio_kho_container_ser, crc32c)
#define VFIO_KHO_DEVICE_CRC	offsetof(struct vfio_kho_device_ser, crc32c)

/**
 * vfio_kho_container_seal() - give a finished container block its checksum
 * @ser: the block, its @nr_mappings mappings written
 */
void vfio_kho_container_seal(struct vfio_kho_container_ser *ser)
{
	ser->crc32c = kho_devices_crc_hole(ser, struct_size(ser, mappings,
							    ser->nr_mappings),
					   VFIO_KHO_CONTAINER_CRC);
}

/**
 * vfio_kho_device_seal() - give a finished device block its checksum
 * @ser: the block
 */
void vfio_kho_device_seal(struct vfio_kho_device_ser *ser)
{
	ser->crc32c = kho_devices_crc_hole(ser, sizeof(*ser), VFIO_KHO_DEVICE_CRC);
}

/* 1 to VFIO_KHO_MAX_DEVICES devices, all different, the rest zero */
static int vfio_kho_container_check_devices(const struct vfio_kho_container_ser *ser)
{
	static const struct kho_devices_pci_addr none;
	u32 i, j;

	if (!ser->nr_devices || ser->nr_devices > VFIO_KHO_MAX_DEVICES ||
	    ser->reserved)
		return -EINVAL;
	for (i = 0; i < VFIO_KHO_MAX_DEVICES; i++) {
		const struct kho_devices_pci_addr *a = &ser->devices[i];

		if (i >= ser->nr_devices) {
			if (!kho_devices_pci_addr_eq(a, &none) || a->reserved)
				return -EINVAL;
			continue;
		}
		if (a->reserved)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (kho_devices_pci_addr_eq(&ser->devices[j], a))
				return -EINVAL;
	}
	return 0;
}

/**
 * vfio_kho_container_device() - which of a container's devices is this?
 * @container: a container block checked with vfio_kho_container_check()
 * @addr: where a device sits
 *
 * Return: its index in @container->devices, or -ENOENT.
 */
int vfio_kho_container_device(const struct vfio_kho_container_ser *container,
			      const struct kho_devices_pci_addr *addr)
{
	u32 i;

	for (i = 0; i < container->nr_devices; i++)
		if (kho_devices_pci_addr_eq(&container->devices[i], addr))
			return i;
	return -ENOENT;
}

/**
 * vfio_kho_container_check() - check a container block of the previous kernel
 * @phys: its physical address
 * @mem: what is preserved memory of the previous kernel, and its mapping
 * @serp: set to the block once its header is known to be preserved (else
 *	NULL), so that a refusal can name the device
 *
 * Return: 0 if the block is sound; -EFAULT if its header or its mapping
 * array is not preserved memory; -EBADMSG if it does not match its
 * checksum; -EINVAL for a version, size, count, reserved field or mapping
 * out of the format's rules.
 */
int vfio_kho_container_check(u64 phys, const struct kho_devices_memory *mem,
			     const struct vfio_kho_container_ser **serp)
{
	const struct vfio_kho_container_ser *ser;
	u64 last = 0;	/* last IOVA of the mapping before */
	size_t size;
	u32 i;

	*serp = NULL;
	if (!mem->preserved(phys, sizeof(*ser), mem->ctx))
		return -EFAULT;
	ser = mem->map(phys, mem->ctx);
	*serp = ser;
	if (ser->version != VFIO_KHO_VERSION ||
	    ser->mapping_size != sizeof(ser->mappings[0]) ||
	    ser->nr_mappings > VFIO_KHO_MAX_MAPPINGS ||
	    vfio_kho_container_check_devices(ser))
		return -EINVAL;
	size = struct_size(ser, mappings, ser->nr_mappings);
	if (!mem->preserved(phys, size, mem->ctx))
		return -EFAULT;
	if (ser->crc32c != kho_devices_crc_hole(ser, size, VFIO_KHO_CONTAINER_CRC))
		return -EBADMSG;
	for (i = 0; i < ser->nr_mappings; i++) {
		const struct vfio_kho_mapping_ser *m = &ser->mappings[i];

		if (!m->size || (m->iova | m->size) & VFIO_KHO_PAGE_MASK ||
		    m->iova + m->size - 1 < m->iova || (i && m->iova <= last) ||
		    m->memfd_offset & VFIO_KHO_PAGE_MASK ||
		    m->memfd_offset + m->size - 1 < m->memfd_offset ||
		    !m->prot || m->prot & ~3U || m->reserved)
			return -EINVAL;
		last = m->iova + m->size - 1;
	}
	return 0;
}

/**
 * vfio_kho_device_check() - check a device block against its container's
 * @dev: the device block, known to be preserved memory
 * @container: the block of the container it names, checked with
 *	vfio_kho_container_check(), or NULL if it is not known yet
 *
 * Return: 0; -EBADMSG if it does not match its checksum; -EINVAL for an
 * unknown version, a reserved field not zero or a container that does not
 * name the device.
 */
int vfio_kho_device_check(const struct vfio_kho_device_ser *dev,
			  const struct vfio_kho_container_ser *container)
{
	if (dev->version != VFIO_KHO_VERSION)
		return -EINVAL;
	if (dev->crc32c != kho_devices_crc_hole(dev, sizeof(*dev),
						VFIO_KHO_DEVICE_CRC))
		return -EBADMSG;
	if (dev->addr.reserved)
		return -EINVAL;
	if (container && vfio_kho_container_device(container, &dev->addr) < 0)
		return -EINVAL;
	return 0;
}
