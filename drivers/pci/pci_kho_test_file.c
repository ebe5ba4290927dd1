// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_kho_test_file - a LUO file that carries one PCI function, for the selftests.
 */

/**
 * DOC: PCI handover test file
 *
 * Some selftests carry a bare PCI function through a live update, with or
 * without its IOMMU translation but without VFIO, to test the PCI and
 * IOMMU parts on their own. This file gives them a LUO file that does,
 * built only with CONFIG_KHO_DEVICES_TEST_HOOKS:
 *
 * - open ``kho_devices/pci/hold`` in debugfs and write ``BDF [DRIVER]
 *   [iommu]`` to it: that open file now stands for the function;
 * - preserve the file in a LUO session: pci_kho_preserve() is called with
 *   DRIVER (none when omitted or ``-``), with its checks and errnos, and
 *   with ``iommu`` iommu_kho_preserve_device() too, which keeps the
 *   translation the function has now (a VFIO container's, for instance);
 *   closing the session before the kexec unpreserves it;
 * - in the next kernel, retrieving the file gives a file that stands for
 *   the claimed function, or fails with the errno of
 *   pci_kho_find_claimed() (-ESTALE for a refused function); reading it
 *   gives ``BDF claimed`` or ``BDF released``; finishing the session
 *   releases the claim.
 */

#define pr_fmt(fmt) "pci_kho_test_file: " fmt

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/iommu_kho.h>
#include <linux/kho_dma_policy.h>
#include <linux/liveupdate.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci_kho.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#define PCI_KHO_TEST_COMPATIBLE	"pci-kho-test-v2"

/**
 * struct pci_kho_test_file - what one open test file stands for
 * @lock: protects the fields below
 * @pdev: the function, referenced; NULL until a BDF is written
 * @driver: the driver the next kernel must bind it to, "" for none
 * @iommu: keep its IOMMU translation too
 */
struct pci_kho_test_file {
	struct mutex lock;	/* protects the fields below */
	struct pci_dev *pdev;
	char driver[32];
	bool iommu;
};

static const struct file_operations pci_kho_test_fops;

static struct pci_kho_test_file *pci_kho_test_file_alloc(struct pci_dev *pdev)
{
	struct pci_kho_test_file *tf = kzalloc_obj(*tf);

	if (!tf)
		return NULL;
	mutex_init(&tf->lock);
	tf->pdev = pdev;
	return tf;
}

static int pci_kho_test_open(struct inode *inode, struct file *file)
{
	file->private_data = pci_kho_test_file_alloc(NULL);
	return file->private_data ? 0 : -ENOMEM;
}

static int pci_kho_test_release(struct inode *inode, struct file *file)
{
	struct pci_kho_test_file *tf = file->private_data;

	pci_dev_put(tf->pdev);
	kfree(tf);
	return 0;
}

/* The function named "DDDD:BB:DD.F", referenced, or NULL. */
static struct pci_dev *pci_kho_test_get_function(const char *bdf)
{
	struct device *dev = bus_find_device_by_name(&pci_bus_type, NULL, bdf);

	return dev ? to_pci_dev(dev) : NULL;
}

static ssize_t pci_kho_test_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	struct pci_kho_test_file *tf = file->private_data;
	char buf[64], bdf[16], driver[32] = "", opt[8] = "";
	struct pci_dev *pdev;
	int n, err;

	err = kho_devices_test_input(ubuf, len, buf, sizeof(buf));
	if (err)
		return err;
	n = sscanf(buf, "%15s %31s %7s", bdf, driver, opt);
	if (n < 1 || (opt[0] && strcmp(opt, "iommu")))
		return -EINVAL;
	if (!strcmp(driver, "-"))
		driver[0] = 0;
	pdev = pci_kho_test_get_function(bdf);
	if (!pdev)
		return -ENODEV;
	guard(mutex)(&tf->lock);
	if (tf->pdev) {
		pci_dev_put(pdev);
		return -EBUSY;
	}
	tf->pdev = pdev;
	strscpy(tf->driver, driver);
	tf->iommu = !strcmp(opt, "iommu");
	return len;
}

static ssize_t pci_kho_test_read(struct file *file, char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	struct pci_kho_test_file *tf = file->private_data;
	char buf[64];
	int n;

	scoped_guard(mutex, &tf->lock) {
		if (!tf->pdev)
			n = scnprintf(buf, sizeof(buf), "none\n");
		else
			n = scnprintf(buf, sizeof(buf), "%s %s\n",
				      pci_name(tf->pdev),
				      pci_kho_is_preserved(tf->pdev) ?
				      "claimed" : "released");
	}
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations pci_kho_test_fops = {
	.owner = THIS_MODULE,
	.open = pci_kho_test_open,
	.release = pci_kho_test_release,
	.read = pci_kho_test_read,
	.write = pci_kho_test_write,
};

/* LUO file handler */

#ifdef CONFIG_IOMMU_KHO
static int pci_kho_test_preserve_iommu(struct pci_dev *pdev)
{
	return iommu_kho_preserve_device(&pdev->dev);
}

static void pci_kho_test_unpreserve_iommu(struct pci_dev *pdev)
{
	iommu_kho_unpreserve_device(&pdev->dev);
}

static int pci_kho_test_register_iommu(struct liveupdate_file_handler *fh)
{
	return iommu_kho_register_flb(fh);
}
#else
static int pci_kho_test_preserve_iommu(struct pci_dev *pdev)
{
	return -EOPNOTSUPP;
}

static void pci_kho_test_unpreserve_iommu(struct pci_dev *pdev)
{
}

static int pci_kho_test_register_iommu(struct liveupdate_file_handler *fh)
{
	return 0;
}
#endif

/* The file's serialized data is the function's address, as handovers name it */
static_assert(sizeof(struct kho_devices_pci_addr) == sizeof(u64));

static u64 pci_kho_test_encode(struct pci_dev *pdev)
{
	struct kho_devices_pci_addr addr = pci_kho_addr(pdev);
	u64 data;

	memcpy(&data, &addr, sizeof(data));
	return data;
}

static struct kho_devices_pci_addr pci_kho_test_decode(u64 data)
{
	struct kho_devices_pci_addr addr;

	memcpy(&addr, &data, sizeof(addr));
	return addr;
}

static bool pci_kho_test_can_preserve(struct liveupdate_file_handler *handler,
				      struct file *file)
{
	return file->f_op == &pci_kho_test_fops;
}

static int pci_kho_test_preserve(struct liveupdate_file_op_args *args)
{
	struct pci_kho_test_file *tf = args->file->private_data;
	int err;

	guard(mutex)(&tf->lock);
	if (!tf->pdev)
		return -EINVAL;
	err = pci_kho_preserve(tf->pdev, tf->driver, NULL, 0);
	if (err)
		return err;
	if (tf->iommu) {
		err = pci_kho_test_preserve_iommu(tf->pdev);
		if (err) {
			pci_kho_unpreserve(tf->pdev);
			return err;
		}
		pci_kho_set_translated(tf->pdev);
	}
	args->serialized_data = pci_kho_test_encode(tf->pdev);
	args->private_data = pci_dev_get(tf->pdev);
	return 0;
}

static void pci_kho_test_unpreserve(struct liveupdate_file_op_args *args)
{
	struct pci_dev *pdev = args->private_data;

	pci_kho_test_unpreserve_iommu(pdev);
	pci_kho_unpreserve(pdev);
	pci_dev_put(pdev);
}

/* The kexec is near: is the function staying, will the next kernel take it? */
static int pci_kho_test_freeze(struct liveupdate_file_op_args *args)
{
	struct pci_dev *pdev = args->private_data;
	int err = pci_kho_check_staying(pdev);

	return err ?: kho_dma_check_next_kernel(&pdev->dev);
}

static int pci_kho_test_retrieve(struct liveupdate_file_op_args *args)
{
	struct kho_devices_pci_addr addr =
		pci_kho_test_decode(args->serialized_data);
	struct pci_kho_test_file *tf;
	struct pci_dev *pdev;
	struct file *file;
	int err;

	err = pci_kho_find_claimed(&addr, &pdev);
	if (err)
		return err;
	tf = pci_kho_test_file_alloc(pdev);
	if (!tf) {
		pci_dev_put(pdev);
		return -ENOMEM;
	}
	file = anon_inode_getfile("[pci_kho_test]", &pci_kho_test_fops, tf,
				  O_RDWR);
	if (IS_ERR(file)) {
		pci_dev_put(pdev);
		kfree(tf);
		return PTR_ERR(file);
	}
	/* Readable at any offset, like the debugfs file it replaces */
	file->f_mode |= FMODE_PREAD;
	args->file = file;
	return 0;
}

static void pci_kho_test_finish(struct liveupdate_file_op_args *args)
{
	struct kho_devices_pci_addr addr =
		pci_kho_test_decode(args->serialized_data);
	struct pci_dev *pdev;

	pdev = pci_get_domain_bus_and_slot(addr.segment, addr.bus, addr.devfn);
	if (!pdev)
		return;
	pci_kho_release(pdev);
	pci_dev_put(pdev);
}

static const struct liveupdate_file_ops pci_kho_test_file_ops = {
	.can_preserve = pci_kho_test_can_preserve,
	.preserve = pci_kho_test_preserve,
	.unpreserve = pci_kho_test_unpreserve,
	.freeze = pci_kho_test_freeze,
	.retrieve = pci_kho_test_retrieve,
	.finish = pci_kho_test_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_file_handler pci_kho_test_handler = {
	.ops = &pci_kho_test_file_ops,
	.compatible = PCI_KHO_TEST_COMPATIBLE,
};

static int __init pci_kho_test_init(void)
{
	struct dentry *dir = pci_kho_debugfs_root();
	int err;

	err = liveupdate_register_file_handler(&pci_kho_test_handler);
	if (err) {
		pr_info("not available: %pe\n", ERR_PTR(err));
		return 0;
	}
	err = pci_kho_register_flb(&pci_kho_test_handler);
	err = err ?: pci_kho_test_register_iommu(&pci_kho_test_handler);
	if (err) {
		pr_err("cannot depend on the PCI handover: %pe\n", ERR_PTR(err));
		liveupdate_unregister_file_handler(&pci_kho_test_handler);
		return 0;
	}
	if (IS_ERR_OR_NULL(dir))
		return 0;
	debugfs_create_file_unsafe("hold", 0600, dir, NULL, &pci_kho_test_fops);
	return 0;
}
late_initcall(pci_kho_test_init);
