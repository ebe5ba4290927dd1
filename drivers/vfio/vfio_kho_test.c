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

static int vfio_kho_forge(const char *what, struct device *dev)
{
	struct vfio_kho_out_container *out;

	guard(mutex)(&vfio_kho_lock);
	if (list_empty(&vfio_kho_out))
		return -ENOENT;
	list_for_each_entry(out, &vfio_kho_out, node) {
		if (!strcmp(what, "scribble") && out->ser->nr_mappings) {
			/* as a stray write would: the checksum is not updated */
			out->ser->mappings[0].prot ^= 2;
			pr_warn("test hook: container block changed in memory\n");
			continue;
		}
		if (!strcmp(what, "version"))
			out->ser->version = 0xdead;
		else if (!strcmp(what, "mapping") && out->ser->nr_mappings)
			out->ser->mappings[0].size += PAGE_SIZE;
		else if (!strcmp(what, "short-mapping") &&
			 out->ser->nr_mappings &&
			 out->ser->mappings[0].size > PAGE_SIZE)
			out->ser->mappings[0].size -= PAGE_SIZE;
		else if (!strcmp(what, "memfd-offset") &&
			 out->ser->nr_mappings > 1)
			out->ser->mappings[1].memfd_offset += PAGE_SIZE;
		else if (!strcmp(what, "memfd-token") && out->ser->nr_mappings)
			out->ser->mappings[0].memfd_token = U64_MAX;
		else if (!strcmp(what, "read-only") && out->ser->nr_mappings &&
			 out->ser->mappings[0].prot == 3)
			out->ser->mappings[0].prot = 1;
		else
			return -EINVAL;
		/* as a kernel that wrote it so would: the checksum matches */
		vfio_kho_container_seal(out->ser);
	}
	return 0;
}

static struct kho_devices_forge vfio_kho_forger = {
	.part = "VFIO",
	.damage = vfio_kho_forge,
};

/* The hook's file, in the VFIO part's debugfs directory @dir */
static void __init vfio_kho_test_hooks_init(struct dentry *dir)
{
	kho_devices_test_forge_file(dir, &vfio_kho_forger);
}
