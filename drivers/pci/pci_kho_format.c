// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_kho_format - the PCI handover's format: written in the old kernel,
 * read and checked in the next one.
 */

/**
 * DOC: PCI handover format
 *
 * This file owns the pure part of the PCI handover
 * (include/linux/kho/abi/pci.h): the FDT top layer, the checks each
 * function record must pass before the next kernel acts on it, and the
 * comparison of a record with what the function found at its address
 * says of itself. It reads no device and no memory but what it is given.
 *
 * It uses nothing but libfdt and the kernel's basic helpers, and compiles
 * unchanged in userspace, where the fuzzers of
 * tools/testing/selftests/vfio_kho/fuzz run it.
 */

#include <linux/errno.h>
#include <linux/kho/abi/kho_devices.h>
#include <linux/kho/abi/pci.h>
#include <linux/kho_devices.h>
#include <linux/libfdt.h>
#include <linux/pci_regs.h>
#include <linux/string.h>
#include <linux/types.h>

#include "pci_kho_format.h"

/**
 * pci_kho_fdt_build_compatible() - write the FDT top layer under a given name
 * @fdt: buffer for the FDT
 * @size: size of @fdt in bytes
 * @compatible: the compatible string to write (the test file writes its own)
 * @functions: physical address of the &struct pci_kho_function_ser array
 * @nr: number of entries in it
 *
 * Return: as pci_kho_fdt_build().
 */
int pci_kho_fdt_build_compatible(void *fdt, size_t size, const char *compatible,
				 phys_addr_t functions, u32 nr)
{
	int err;

	if (nr > PCI_KHO_MAX_FUNCTIONS)
		return -E2BIG;
	err = fdt_create(fdt, size);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, "compatible", compatible);
	err = err ?: fdt_property_u32(fdt, PCI_KHO_PROP_NR_FUNCTIONS, nr);
	err = err ?: fdt_property_u32(fdt, PCI_KHO_PROP_FUNCTION_SIZE,
				      sizeof(struct pci_kho_function_ser));
	if (nr)
		err = err ?: fdt_property_u64(fdt, PCI_KHO_PROP_FUNCTIONS,
					      functions);
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	if (err == -FDT_ERR_NOSPACE)
		return -ENOSPC;
	return err ? -EINVAL : 0;
}

/**
 * pci_kho_fdt_build() - write the FDT top layer of the PCI handover
 * @fdt: buffer for the FDT
 * @size: size of @fdt in bytes
 * @functions: physical address of the &struct pci_kho_function_ser array
 * @nr: number of entries in it
 *
 * Return: 0, -E2BIG if @nr is above %PCI_KHO_MAX_FUNCTIONS, -ENOSPC if
 * @fdt is too small, -EINVAL for any other libfdt error.
 */
int pci_kho_fdt_build(void *fdt, size_t size, phys_addr_t functions, u32 nr)
{
	return pci_kho_fdt_build_compatible(fdt, size, PCI_KHO_COMPATIBLE,
					    functions, nr);
}

/**
 * pci_kho_fdt_parse() - read and check the FDT top layer of the PCI handover
 * @fdt: the FDT handed over by the previous kernel
 * @size: bytes available at @fdt
 * @functions: set to the physical address of the function array
 * @nr: set to the number of functions
 *
 * Return: 0; -EINVAL for a corrupt or truncated FDT or a missing or
 * malformed property; -EPROTONOSUPPORT for a compatible string this kernel
 * does not know; -EPROTO if the entry size differs from this kernel's;
 * -E2BIG for too many functions; -ERANGE if the array is not in memory a
 * device handover may use (page aligned, at or above 4 GiB).
 */
int pci_kho_fdt_parse(const void *fdt, size_t size, phys_addr_t *functions,
		      u32 *nr)
{
	u32 entry_size;
	u64 phys;
	int err;

	err = kho_devices_fdt_open(fdt, size, PCI_KHO_COMPATIBLE);
	if (err)
		return err;
	if (kho_devices_fdt_u32(fdt, PCI_KHO_PROP_FUNCTION_SIZE, &entry_size) ||
	    kho_devices_fdt_u32(fdt, PCI_KHO_PROP_NR_FUNCTIONS, nr))
		return -EINVAL;
	if (entry_size != sizeof(struct pci_kho_function_ser))
		return -EPROTO;
	if (*nr > PCI_KHO_MAX_FUNCTIONS)
		return -E2BIG;
	*functions = 0;
	if (!*nr)
		return 0;
	if (kho_devices_fdt_u64(fdt, PCI_KHO_PROP_FUNCTIONS, &phys))
		return -EINVAL;
	*functions = phys;
	if (*functions & (KHO_DEVICES_PAGE_SIZE - 1) ||
	    *functions < KHO_DEVICES_MIN_PHYS)
		return -ERANGE;
	return 0;
}

static bool pci_kho_zeroed(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

/**
 * pci_kho_driver_supported() - may the next kernel bind a kept function to it?
 * @driver: a driver name, "" for none
 *
 * A recorded name becomes the function's driver_override in the next
 * kernel, so nothing but vfio-pci (or no driver) is accepted.
 *
 * Return: true for "vfio-pci" and "".
 */
bool pci_kho_driver_supported(const char *driver)
{
	return !driver[0] || !strcmp(driver, "vfio-pci");
}

/**
 * pci_kho_function_validate() - check one entry handed over by the previous kernel
 * @f: the entry
 *
 * Return: 0 if every field is in range and every reserved field is zero,
 * -EINVAL otherwise.
 */
int pci_kho_function_validate(const struct pci_kho_function_ser *f)
{
	unsigned int i;
	u8 next_bus;

	if (f->hdr_type != PCI_HEADER_TYPE_NORMAL ||
	    f->nr_bridges > PCI_KHO_MAX_BRIDGES ||
	    f->vendor == 0xffff || !f->vendor || f->class >> 24 ||
	    f->addr.reserved || f->reserved || f->reserved2 ||
	    strnlen(f->driver, sizeof(f->driver)) == sizeof(f->driver) ||
	    !pci_kho_driver_supported(f->driver))
		return -EINVAL;
	for (i = 0; i < PCI_KHO_MAX_BRIDGES; i++) {
		const struct pci_kho_bridge_ser *b = &f->bridges[i];

		if (i >= f->nr_bridges) {
			if (!pci_kho_zeroed(b, sizeof(*b)))
				return -EINVAL;
			continue;
		}
		if (b->reserved || b->secondary > b->subordinate ||
		    b->primary >= b->secondary || b->vendor == 0xffff ||
		    !b->vendor)
			return -EINVAL;
		/* Each bridge leads to the next one, the last to the function. */
		next_bus = i + 1 < f->nr_bridges ? f->bridges[i + 1].bus :
			   f->addr.bus;
		if (b->secondary != next_bus)
			return -EINVAL;
	}
	return 0;
}

/**
 * pci_kho_function_check_identity() - is the function found the one recorded?
 * @recorded: the entry handed over by the previous kernel
 * @found: the same fields read from the function now at that address
 *
 * Compares address, vendor, device, subsystem, revision, class and header
 * type. BARs, command and bridges are state, not identity.
 *
 * Return: 0 if they match, -ESTALE if another function sits there.
 */
int pci_kho_function_check_identity(const struct pci_kho_function_ser *recorded,
				    const struct pci_kho_function_ser *found)
{
	if (!kho_devices_pci_addr_eq(&recorded->addr, &found->addr) ||
	    recorded->vendor != found->vendor ||
	    recorded->device != found->device ||
	    recorded->subsystem_vendor != found->subsystem_vendor ||
	    recorded->subsystem_device != found->subsystem_device ||
	    recorded->revision != found->revision ||
	    recorded->class != found->class ||
	    recorded->hdr_type != found->hdr_type)
		return -ESTALE;
	return 0;
}
