/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PCI handover's format (drivers/pci/pci_kho_format.c): pure code, also
 * built in userspace by the fuzzers.
 */
#ifndef _DRIVERS_PCI_PCI_KHO_FORMAT_H
#define _DRIVERS_PCI_PCI_KHO_FORMAT_H

#include <linux/types.h>

struct pci_kho_function_ser;

int pci_kho_fdt_build(void *fdt, size_t size, phys_addr_t functions, u32 nr);
int pci_kho_fdt_build_compatible(void *fdt, size_t size, const char *compatible,
				 phys_addr_t functions, u32 nr);
int pci_kho_fdt_parse(const void *fdt, size_t size, phys_addr_t *functions,
		      u32 *nr);
bool pci_kho_driver_supported(const char *driver);
int pci_kho_function_validate(const struct pci_kho_function_ser *f);
int pci_kho_function_check_identity(const struct pci_kho_function_ser *recorded,
				    const struct pci_kho_function_ser *found);

#endif /* _DRIVERS_PCI_PCI_KHO_FORMAT_H */
