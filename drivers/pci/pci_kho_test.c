// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_kho_test - test hook of the PCI part (CONFIG_KHO_DEVICES_TEST_HOOKS)
 */

/**
 * DOC: PCI part test hook
 *
 * ``kho_devices/pci/forge`` in debugfs, in a kernel built with
 * ``CONFIG_KHO_DEVICES_TEST_HOOKS`` only, damages the outgoing handover as
 * a broken or malicious previous kernel would, so that the next kernel's
 * refusals can be tested: ``identity BDF`` makes the record of a preserved
 * function name another device, ``missing BDF`` moves it to an empty slot
 * (both with a checksum that matches), ``scribble BDF`` changes a byte of
 * it as a stray write would (the checksum no longer matches),
 * ``compatible`` gives the whole handover an unknown version. It reaches
 * into pci_kho.c's records and lock, so this file is included by
 * pci_kho.c, not built on its own, as the other parts' hooks are.
 */

static int pci_kho_test_forge(const char *what, struct device *dev)
{
	struct pci_dev *pdev = dev ? to_pci_dev(dev) : NULL;
	struct pci_kho_function_ser *f;
	int i;

	guard(mutex)(&pci_kho_lock);
	if (!strcmp(what, "compatible")) {
		if (!pci_kho_out)
			return -ENOENT;
		/* in place: a later preserve or unpreserve writes it again */
		return fdt_setprop_inplace(pci_kho_out->fdt, 0, "compatible",
					   "pci-kho-v0", sizeof("pci-kho-v0")) ?
			-EINVAL : 0;
	}
	if (!pdev)
		return -EINVAL;
	i = pci_kho_outgoing_find(pdev);
	if (i < 0)
		return -ENOENT;
	f = &pci_kho_out->functions[i];
	if (!strcmp(what, "scribble")) {
		/* as a stray write would: the checksum is not updated */
		f->bars[5] ^= 0x10;
		pci_warn(pdev, "test hook: handover record changed in memory\n");
		return 0;
	}
	if (!strcmp(what, "identity")) {
		f->device ^= 0x8000;
		pci_warn(pdev, "test hook: handover record forged to name device %04x\n",
			 f->device);
	} else if (!strcmp(what, "missing")) {
		f->addr.devfn = PCI_DEVFN(0x1e, 7);
		pci_warn(pdev, "test hook: handover record moved to slot 1e.7\n");
	} else {
		return -EINVAL;
	}
	/* as a kernel that wrote it so would: the checksum matches */
	pci_kho_outgoing_sync_fdt(pci_kho_out);
	return 0;
}

static struct kho_devices_forge pci_kho_test_forger = {
	.part = "PCI",
	.damage = pci_kho_test_forge,
};

/* The hook's file, in the PCI part's debugfs directory @dir */
static void __init pci_kho_test_hooks_init(struct dentry *dir)
{
	kho_devices_test_forge_file(dir, &pci_kho_test_forger);
}
