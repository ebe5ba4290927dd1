// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_test - test hook of the VFIO part (CONFIG_KHO_DEVICES_TEST_HOOKS)
 */

/**
 * DOC: VFIO part test hook
 *
 * ``kho_devices/vfio/forge``, in a kernel built with
 * ``CONFIG_KHO_DEVICES_TEST_HOOKS`` only, damages every outgoing container
 * block as a broken previous kernel would (see vfio_kho.c), so that the
 * next kernel's refusals can be tested. It reaches into vfio_kho.c's list
 * of outgoing containers and its lock, so this file is included by
 * vfio_kho.c, not built on its own.
 */

static ssize_t vfio_kho_forge_write(struct file *file, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct vfio_kho_out_container *out;
	char buf[16];
	int err;

	err = kho_devices_test_input(ubuf, len, buf, sizeof(buf));
	if (err)
		return err;
	guard(mutex)(&vfio_kho_lock);
	if (list_empty(&vfio_kho_out))
		return -ENOENT;
	list_for_each_entry(out, &vfio_kho_out, node) {
		if (sysfs_streq(buf, "scribble") && out->ser->nr_mappings) {
			/* as a stray write would: the checksum is not updated */
			out->ser->mappings[0].prot ^= 2;
			pr_warn("test hook: container block changed in memory\n");
			continue;
		}
		if (sysfs_streq(buf, "version"))
			out->ser->version = 0xdead;
		else if (sysfs_streq(buf, "mapping") && out->ser->nr_mappings)
			out->ser->mappings[0].size += PAGE_SIZE;
		else if (sysfs_streq(buf, "short-mapping") &&
			 out->ser->nr_mappings &&
			 out->ser->mappings[0].size > PAGE_SIZE)
			out->ser->mappings[0].size -= PAGE_SIZE;
		else if (sysfs_streq(buf, "memfd-offset") &&
			 out->ser->nr_mappings > 1)
			out->ser->mappings[1].memfd_offset += PAGE_SIZE;
		else if (sysfs_streq(buf, "memfd-token") && out->ser->nr_mappings)
			out->ser->mappings[0].memfd_token = U64_MAX;
		else
			return -EINVAL;
		/* as a kernel that wrote it so would: the checksum matches */
		vfio_kho_container_seal(out->ser);
		pr_warn("test hook: container block damaged (%s)\n", strim(buf));
	}
	return len;
}

static const struct file_operations vfio_kho_forge_fops = {
	.owner = THIS_MODULE,
	.write = vfio_kho_forge_write,
};

/* The hook's file, in the VFIO part's debugfs directory @dir */
static void __init vfio_kho_test_hooks_init(struct dentry *dir)
{
	debugfs_create_file("forge", 0200, dir, NULL, &vfio_kho_forge_fops);
}
