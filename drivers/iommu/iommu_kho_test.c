// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu_kho_test - test hooks of the IOMMU part (CONFIG_KHO_DEVICES_TEST_HOOKS)
 */

/**
 * DOC: IOMMU part test hooks
 *
 * Two debugfs files under ``kho_devices/iommu/`` for the selftests, in a
 * kernel built with ``CONFIG_KHO_DEVICES_TEST_HOOKS`` only: ``forge``
 * damages the outgoing handover as a broken or malicious previous kernel
 * would, so that the next kernel's refusals can be tested, and ``adopt``
 * adopts a kept translation without VFIO. They reach into iommu_kho.c's
 * records and lock, so this file is included by iommu_kho.c, not built
 * on its own (as drm/xe includes its KUnit tests).
 */

/*
 * forge (test hook): damage the outgoing handover on purpose.
 * "compatible" gives it an unknown version; "page BDF" drops the last
 * page-table page from the device's record, so that its table leads
 * outside the recorded pages; "root BDF" records another root table
 * (both with checksums that match); "scribble BDF" changes the record's
 * domain ID as a stray write would (its checksum no longer matches).
 */
static int iommu_kho_test_forge(const char *what, struct device *dev)
{
	struct iommu_kho_device_ser *r;
	int i;

	guard(mutex)(&iommu_kho_lock);
	if (!iommu_kho_out)
		return -ENOENT;
	if (!strcmp(what, "compatible")) {
		fdt_setprop_inplace(iommu_kho_out->fdt, 0, "compatible",
				    "iommu-kho-vtd-forged-v0", 24);
		return 0;
	}
	i = dev ? iommu_kho_find_out(dev) : -1;
	if (i < 0)
		return -ENODEV;
	r = &iommu_kho_out->devices[i];
	if (!strcmp(what, "scribble")) {
		/* as a stray write would: the checksum is not updated */
		r->domain_id ^= 0x100;
		return 0;
	}
	if (!strcmp(what, "page") && r->nr_pages > 1)
		r->nr_pages--;
	else if (!strcmp(what, "root"))
		r->root_table += PAGE_SIZE;
	else
		return -EINVAL;
	/* as a kernel that wrote it so would: the checksum matches */
	iommu_kho_outgoing_sync_fdt(iommu_kho_out);
	return 0;
}

static struct kho_devices_forge iommu_kho_test_forger = {
	.part = "IOMMU",
	.damage = iommu_kho_test_forge,
};

/*
 * adopt (test hook): "BDF" makes a new domain for the kept translation of
 * that device and attaches it, which makes the kept table the domain's
 * own. The domain stays attached until reboot.
 */
static ssize_t iommu_kho_test_adopt_write(struct file *file,
					  const char __user *ubuf, size_t len,
					  loff_t *ppos)
{
	struct iommu_domain *domain;
	struct pci_dev *pdev;
	struct device *dev;
	char buf[32];
	int err;

	err = kho_devices_test_input(ubuf, len, buf, sizeof(buf));
	if (err)
		return err;
	dev = bus_find_device_by_name(&pci_bus_type, NULL, strim(buf));
	if (!dev)
		return -ENODEV;
	pdev = to_pci_dev(dev);
	domain = iommu_kho_adopt_domain(&pdev->dev, NULL, NULL, NULL);
	err = PTR_ERR_OR_ZERO(domain);
	if (!err) {
		err = iommu_attach_device(domain, &pdev->dev);
		if (err)
			iommu_domain_free(domain);
		else
			pci_info(pdev, "test hook: adopted domain attached\n");
	}
	pci_dev_put(pdev);
	return err ?: len;
}

static const struct file_operations iommu_kho_test_adopt_fops = {
	.owner = THIS_MODULE,
	.write = iommu_kho_test_adopt_write,
};

/* The hooks' files, in the IOMMU part's debugfs directory @dir */
static void __init iommu_kho_test_hooks_init(struct dentry *dir)
{
	kho_devices_test_forge_file(dir, &iommu_kho_test_forger);
	debugfs_create_file("adopt", 0200, dir, NULL, &iommu_kho_test_adopt_fops);
}
