/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI functions that keep running across a kexec-based live update. See
 * drivers/pci/pci_kho.c and include/linux/kho/abi/pci.h.
 */
#ifndef _LINUX_PCI_KHO_H
#define _LINUX_PCI_KHO_H

#include <linux/types.h>

struct pci_kho_function_ser;

int pci_kho_fdt_build(void *fdt, size_t size, phys_addr_t functions, u32 nr);
int pci_kho_fdt_parse(const void *fdt, size_t size, phys_addr_t *functions,
		      u32 *nr);
int pci_kho_function_validate(const struct pci_kho_function_ser *f);
int pci_kho_function_check_identity(const struct pci_kho_function_ser *recorded,
				    const struct pci_kho_function_ser *found);

#endif /* _LINUX_PCI_KHO_H */
