/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI functions that keep running across a kexec-based live update. See
 * drivers/pci/pci_kho.c and include/linux/kho/abi/pci.h.
 */
#ifndef _LINUX_PCI_KHO_H
#define _LINUX_PCI_KHO_H

#include <linux/errno.h>
#include <linux/kho/abi/kho_devices.h>
#include <linux/pci.h>
#include <linux/types.h>

struct attribute_group;
struct dentry;
struct liveupdate_file_handler;
struct pci_kho_function_ser;

/**
 * pci_kho_addr() - where a function sits, as every handover names it
 * @pdev: the PCI function
 *
 * Return: its segment, bus and devfn.
 */
static inline struct kho_devices_pci_addr pci_kho_addr(const struct pci_dev *pdev)
{
	return (struct kho_devices_pci_addr){
		.segment = pci_domain_nr(pdev->bus),
		.bus = pdev->bus->number,
		.devfn = pdev->devfn,
	};
}

#ifdef CONFIG_PCI_KHO
/**
 * pci_kho_is_preserved() - is this function or bridge kept for a live update?
 * @pdev: the PCI function
 *
 * True for a function handed over to the next kernel, one kept from the
 * previous kernel and not released yet, and every bridge above them. The
 * PCI core does not reset them, put them in a low-power state or, at
 * kexec, turn their bus mastering off.
 *
 * Return: true if it is kept.
 */
static inline bool pci_kho_is_preserved(const struct pci_dev *pdev)
{
	return pdev->kho_preserved;
}

extern const struct attribute_group pci_kho_attr_group;

int pci_kho_register_flb(struct liveupdate_file_handler *fh);
int pci_kho_preserve(struct pci_dev *pdev, const char *driver,
		     struct pci_dev *const *peers, unsigned int nr_peers);
void pci_kho_unpreserve(struct pci_dev *pdev);
int pci_kho_dma_check(struct pci_dev *pdev, struct pci_dev *const *peers,
		      unsigned int nr_peers);
void pci_kho_set_translated(struct pci_dev *pdev);
void pci_kho_removing(struct pci_dev *pdev);
int pci_kho_check_staying(struct pci_dev *pdev);
int pci_kho_find_claimed(const struct kho_devices_pci_addr *addr,
			 struct pci_dev **pdevp);
void pci_kho_release(struct pci_dev *pdev);
void pci_kho_device_found(struct pci_dev *pdev);
int pci_kho_check_reset(struct pci_dev *pdev);
bool pci_kho_keeps_mastering(struct pci_dev *pdev);
void pci_kho_quiesce(struct pci_dev *pdev, int err, const char *why);
struct dentry *pci_kho_debugfs_root(void);
#else
static inline bool pci_kho_is_preserved(const struct pci_dev *pdev)
{
	return false;
}

static inline void pci_kho_device_found(struct pci_dev *pdev)
{
}

static inline int pci_kho_check_reset(struct pci_dev *pdev)
{
	return 0;
}

static inline bool pci_kho_keeps_mastering(struct pci_dev *pdev)
{
	return false;
}

/* Without the PCI part nothing is kept: only stop the function's DMA. */
static inline void pci_kho_quiesce(struct pci_dev *pdev, int err,
				   const char *why)
{
	u16 cmd;

	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (PCI_POSSIBLE_ERROR(cmd) || !(cmd & PCI_COMMAND_MASTER))
		return;
	pci_write_config_word(pdev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
	pci_err(pdev, "live update refused: %s; bus mastering turned off\n",
		why);
}
#endif /* CONFIG_PCI_KHO */

#endif /* _LINUX_PCI_KHO_H */
