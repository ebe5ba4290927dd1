// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_kho - PCI functions that keep running across a kexec-based live update.
 */

/**
 * DOC: PCI functions across a live update
 *
 * This file owns the PCI part of the handover: which functions (and which
 * bridges above them) the next kernel must recognise and leave alone, in
 * the format of include/linux/kho/abi/pci.h.
 *
 * What is here today is the handover format and its checks: building and
 * parsing the FDT top layer, validating each &struct pci_kho_function_ser,
 * and comparing a recorded identity with the function found at the same
 * address. Every field that comes from the previous kernel is checked
 * before it is used; a mismatch is an error code, never a crash.
 *
 * Not here yet (the rest of the PCI issue): the LUO FLB that carries this
 * state, the preserve call, keeping bus mastering at kexec, recognising the
 * functions during enumeration and quiescing the ones that do not match.
 */

#define pr_fmt(fmt) "pci_kho: " fmt

#include <linux/kho/abi/pci.h>
#include <linux/kho_dma_policy.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/pci_kho.h>
#include <linux/string.h>

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
	int err;

	if (nr > PCI_KHO_MAX_FUNCTIONS)
		return -E2BIG;
	err = fdt_create(fdt, size);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, "compatible", PCI_KHO_COMPATIBLE);
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

static int pci_kho_fdt_get_u32(const void *fdt, const char *name, u32 *val)
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
	const fdt64_t *phys;
	const char *compat;
	u32 entry_size;
	int len;

	if (size < sizeof(struct fdt_header) || fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > size)
		return -EINVAL;
	compat = fdt_getprop(fdt, 0, "compatible", &len);
	if (!compat || len < 1 || compat[len - 1])
		return -EINVAL;
	if (strcmp(compat, PCI_KHO_COMPATIBLE))
		return -EPROTONOSUPPORT;
	if (pci_kho_fdt_get_u32(fdt, PCI_KHO_PROP_FUNCTION_SIZE, &entry_size) ||
	    pci_kho_fdt_get_u32(fdt, PCI_KHO_PROP_NR_FUNCTIONS, nr))
		return -EINVAL;
	if (entry_size != sizeof(struct pci_kho_function_ser))
		return -EPROTO;
	if (*nr > PCI_KHO_MAX_FUNCTIONS)
		return -E2BIG;
	*functions = 0;
	if (!*nr)
		return 0;
	phys = fdt_getprop(fdt, 0, PCI_KHO_PROP_FUNCTIONS, &len);
	if (!phys || len != sizeof(*phys))
		return -EINVAL;
	*functions = fdt64_to_cpu(*phys);
	if (!PAGE_ALIGNED(*functions) || *functions < KHO_DMA_MIN_PHYS)
		return -ERANGE;
	return 0;
}

static bool pci_kho_zeroed(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
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
	    !pci_kho_zeroed(f->reserved, sizeof(f->reserved)) || f->reserved2 ||
	    strnlen(f->driver, sizeof(f->driver)) == sizeof(f->driver))
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
		next_bus = i + 1 < f->nr_bridges ? f->bridges[i + 1].bus : f->bus;
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
	if (recorded->segment != found->segment ||
	    recorded->bus != found->bus || recorded->devfn != found->devfn ||
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
