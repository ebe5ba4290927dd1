/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Handover ABI of drivers/vfio/vfio_kho.c: a VFIO type1 container and the
 * vfio-pci device in it, carried through a kexec-based live update.
 */
#ifndef _LINUX_KHO_ABI_VFIO_H
#define _LINUX_KHO_ABI_VFIO_H

#include <linux/kho/abi/kho_devices.h>
#include <linux/types.h>

/**
 * DOC: VFIO KHO ABI
 *
 * Both files are LUO files. The serialized data of each is the physical
 * address of one block preserved with kho_alloc_preserve():
 *
 * - the container (LUO compatible %VFIO_KHO_CONTAINER_COMPATIBLE):
 *   &struct vfio_kho_container_ser, which names every device of its groups
 *   (all attached to the container's one IOMMU domain; a group may hold
 *   several functions, which go together),
 *   followed by ``nr_mappings`` &struct vfio_kho_mapping_ser, sorted by
 *   IOVA, not overlapping. Each mapping
 *   says which memfd of the same session backs it (by its LUO token) and
 *   where in that memfd: the next kernel retrieves that memfd and pins the
 *   pages the kept translation maps through it, or refuses the container
 *   if the memfd does not hold them there;
 * - each device (LUO compatible %VFIO_KHO_DEVICE_COMPATIBLE):
 *   &struct vfio_kho_device_ser, which names its container by LUO token;
 *   the next kernel retrieves the container first. A container goes only
 *   with every device it names, in the same session.
 *
 * The IOMMU translation and the PCI function themselves travel in the
 * iommu_kho and pci_kho handovers (include/linux/kho/abi/iommu.h and
 * pci.h). Any change to the layout or meaning of a field requires new
 * compatible strings; the next kernel refuses a version, size or count it
 * does not know, and quiesces the device.
 */

#define VFIO_KHO_CONTAINER_COMPATIBLE	"vfio-type1-container-v4"
#define VFIO_KHO_DEVICE_COMPATIBLE	"vfio-pci-device-v4"

/* The version field of both blocks. */
#define VFIO_KHO_VERSION		4
/* Most mappings one container may hand over. */
#define VFIO_KHO_MAX_MAPPINGS		65535
/* Most devices one container may hand over, its groups' functions in all. */
#define VFIO_KHO_MAX_DEVICES		8

/**
 * struct vfio_kho_mapping_ser - one DMA mapping of the container
 * @iova: first IOVA, page aligned
 * @size: size in bytes, page aligned, not zero
 * @memfd_token: LUO token of the memfd that backs it, in the same session
 * @memfd_offset: offset in that memfd of the page mapped at @iova
 * @prot: bit 0 readable, bit 1 writable by the device
 * @reserved: zero
 */
struct vfio_kho_mapping_ser {
	__u64 iova;
	__u64 size;
	__u64 memfd_token;
	__u64 memfd_offset;
	__u32 prot;
	__u32 reserved;
} __packed;

/**
 * struct vfio_kho_container_ser - a type1 container and its devices
 * @version: %VFIO_KHO_VERSION
 * @mapping_size: sizeof(&struct vfio_kho_mapping_ser)
 * @nr_mappings: number of mappings that follow
 * @crc32c: CRC-32C of the whole block, mappings included, seeded with all
 *	ones, this field counted as zero
 * @nr_devices: number of devices, 1 to %VFIO_KHO_MAX_DEVICES
 * @reserved: zero
 * @devices: where each sits, all different: the functions of the group
 *	that joined the container first, then those of the next group, and
 *	so on; the entries past @nr_devices are zero
 * @mappings: the mappings
 */
struct vfio_kho_container_ser {
	__u32 version;
	__u32 mapping_size;
	__u32 nr_mappings;
	__u32 crc32c;
	__u32 nr_devices;
	__u32 reserved;
	struct kho_devices_pci_addr devices[VFIO_KHO_MAX_DEVICES];
	struct vfio_kho_mapping_ser mappings[];
} __packed;

/**
 * struct vfio_kho_device_ser - a vfio-pci device file
 * @version: %VFIO_KHO_VERSION
 * @crc32c: CRC-32C of the block, seeded with all ones, this field counted
 *	as zero
 * @addr: where the device sits
 * @container: physical address of its container's block (cross-checked
 *	against the block of the container found by @container_token)
 * @container_token: LUO token of the container, in the same session
 */
struct vfio_kho_device_ser {
	__u32 version;
	__u32 crc32c;
	struct kho_devices_pci_addr addr;
	__u64 container;
	__u64 container_token;
} __packed;

#endif /* _LINUX_KHO_ABI_VFIO_H */
