// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_dma_policy_test - test hooks of the policy (CONFIG_KHO_DEVICES_TEST_HOOKS)
 */

/**
 * DOC: policy test hooks
 *
 * Two debugfs files under ``kho_devices/policy/``, in a kernel built with
 * ``CONFIG_KHO_DEVICES_TEST_HOOKS`` only: ``preserve_test`` makes a
 * preservation request for a device as a part would, so that the memory
 * rule can be tested without a driver, and ``next_kernel_ignore`` lets a
 * kexec happen that the policy would refuse, so that the next kernel's
 * side can be tested. They use kho_dma_policy.c's internals, so this file
 * is included by kho_dma_policy.c, not built on its own.
 */

/*
 * preserve_test: "preserve BDF HIGH LOW" allocates HIGH pages above 4 GiB
 * and LOW pages below, and hands them over for device BDF in one request;
 * "release" takes back and frees what the last successful request kept.
 * The write returns the request's errno.
 */
static DEFINE_MUTEX(kho_dma_test_lock);
static struct kho_dma_range *kho_dma_test_ranges;
static unsigned int kho_dma_test_nr;

static void kho_dma_test_free(struct kho_dma_range *ranges, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		__free_page(phys_to_page(ranges[i].phys));
	kfree(ranges);
}

/* A page below 4 GiB, or (@high) one at or above, if the page allocator has one. */
static struct page *kho_dma_test_alloc(bool high)
{
	struct page *page = NULL, *rejects[64];
	unsigned int i, nr_rejects = 0;

	if (!high)
		return alloc_page(GFP_KERNEL | GFP_DMA32);
	while (nr_rejects < ARRAY_SIZE(rejects)) {
		page = alloc_page(GFP_KERNEL);
		if (!page || page_to_phys(page) >= KHO_DMA_MIN_PHYS)
			break;
		rejects[nr_rejects++] = page;
		page = NULL;
	}
	for (i = 0; i < nr_rejects; i++)
		__free_page(rejects[i]);
	return page;
}

static int kho_dma_test_preserve(const char *bdf, unsigned int high,
				 unsigned int low)
{
	struct kho_dma_range *ranges;
	struct device *dev;
	unsigned int i, nr = high + low;
	int err;

	if (!nr || nr > 1024 || kho_dma_test_ranges)
		return -EINVAL;
	dev = bus_find_device_by_name(&pci_bus_type, NULL, bdf);
	if (!dev)
		return -ENODEV;
	ranges = kcalloc(nr, sizeof(*ranges), GFP_KERNEL);
	err = -ENOMEM;
	if (!ranges)
		goto out_put;
	for (i = 0; i < nr; i++) {
		struct page *page = kho_dma_test_alloc(i < high);

		if (!page) {
			kho_dma_test_free(ranges, i);
			goto out_put;
		}
		ranges[i].phys = page_to_phys(page);
		ranges[i].size = PAGE_SIZE;
	}
	err = kho_dma_preserve_ranges(dev, ranges, nr);
	if (err) {
		kho_dma_test_free(ranges, nr);
	} else {
		kho_dma_test_ranges = ranges;
		kho_dma_test_nr = nr;
	}
out_put:
	put_device(dev);
	return err;
}

/**
 * kho_devices_test_input() - the text written to a test hook's debugfs file
 * @ubuf: the user buffer the file's write() was given
 * @len: its length
 * @buf: where the text goes, NUL-terminated
 * @size: the size of @buf
 *
 * For the test hooks of every part (CONFIG_KHO_DEVICES_TEST_HOOKS).
 *
 * Return: 0, -EINVAL if the text and its NUL do not fit in @buf, or
 * -EFAULT.
 */
int kho_devices_test_input(const char __user *ubuf, size_t len, char *buf,
			   size_t size)
{
	if (len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	return 0;
}
EXPORT_SYMBOL_GPL(kho_devices_test_input);

/* forge: "WHAT [BDF]", for the part's kho_devices_forge */
static ssize_t kho_devices_forge_write(struct file *file,
				       const char __user *ubuf, size_t len,
				       loff_t *ppos)
{
	const struct kho_devices_forge *forge = file->private_data;
	char buf[64], what[16], bdf[16] = "";
	struct device *dev = NULL;
	int err;

	err = kho_devices_test_input(ubuf, len, buf, sizeof(buf));
	if (err)
		return err;
	if (sscanf(buf, "%15s %15s", what, bdf) < 1)
		return -EINVAL;
	if (bdf[0]) {
		dev = bus_find_device_by_name(&pci_bus_type, NULL, bdf);
		if (!dev)
			return -ENODEV;
	}
	err = forge->damage(what, dev);
	put_device(dev);
	if (err)
		return err;
	pr_warn("test hook: %s handover forged (%s%s%s)\n", forge->part, what,
		bdf[0] ? " " : "", bdf);
	return len;
}

static const struct file_operations kho_devices_forge_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = kho_devices_forge_write,
};

/**
 * kho_devices_test_forge_file() - create a part's ``forge`` file in debugfs
 * @dir: the part's debugfs directory
 * @forge: what a write of "WHAT [BDF]" to the file calls
 *
 * For the forge hooks of every part (CONFIG_KHO_DEVICES_TEST_HOOKS): the
 * file parses the order, looks up the PCI device it names (-ENODEV if
 * there is none) and logs a successful forge; the part only says how its
 * handover is damaged.
 */
void kho_devices_test_forge_file(struct dentry *dir,
				 struct kho_devices_forge *forge)
{
	debugfs_create_file("forge", 0200, dir, forge, &kho_devices_forge_fops);
}
EXPORT_SYMBOL_GPL(kho_devices_test_forge_file);

static ssize_t kho_dma_test_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	unsigned int high, low;
	char buf[64], bdf[32];
	int err;

	err = kho_devices_test_input(ubuf, len, buf, sizeof(buf));
	if (err)
		return err;
	err = -EINVAL;		/* unless a command below is understood */
	mutex_lock(&kho_dma_test_lock);
	if (sscanf(buf, "preserve %31s %u %u", bdf, &high, &low) == 3) {
		err = kho_dma_test_preserve(bdf, high, low);
	} else if (sysfs_streq(buf, "release") && kho_dma_test_ranges) {
		kho_dma_unpreserve_ranges(kho_dma_test_ranges, kho_dma_test_nr);
		kho_dma_test_free(kho_dma_test_ranges, kho_dma_test_nr);
		kho_dma_test_ranges = NULL;
		err = 0;
	}
	mutex_unlock(&kho_dma_test_lock);
	return err ? err : len;
}

static const struct file_operations kho_dma_test_fops = {
	.owner = THIS_MODULE,
	.write = kho_dma_test_write,
};

/*
 * next_kernel_ignore: 1 lets a kexec happen although the next kernel
 * cannot take the handover (to test that kernel's side), 0 restores the
 * check.
 */
static int kho_dma_next_kernel_ignore_get(void *data, u64 *val)
{
	*val = READ_ONCE(kho_dma_next_kernel_ignored);
	return 0;
}

static int kho_dma_next_kernel_ignore_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	WRITE_ONCE(kho_dma_next_kernel_ignored, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(kho_dma_next_kernel_ignore_fops,
			 kho_dma_next_kernel_ignore_get,
			 kho_dma_next_kernel_ignore_set, "%llu\n");

/* The hooks' files, in the policy's debugfs directory @dir */
static void __init kho_dma_policy_test_hooks_init(struct dentry *dir)
{
	debugfs_create_file("preserve_test", 0200, dir, NULL,
			    &kho_dma_test_fops);
	debugfs_create_file("next_kernel_ignore", 0600, dir, NULL,
			    &kho_dma_next_kernel_ignore_fops);
}
