// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho - VFIO type1 containers and their device files carried
 * through a kexec-based live update while the device keeps doing DMA.
 */

/**
 * DOC: VFIO live update
 *
 * Two LUO file handlers let a VMM put its VFIO container file and its
 * device files (group/container mode) into a LUO session, next to
 * the memfds that back the container's mappings, and get them back after
 * the kexec.
 *
 * Old kernel. Preserve the memfds first, then the container, then the
 * device, all in one session:
 *
 * - the container (%VFIO_KHO_CONTAINER_COMPATIBLE) must use type1 v2 and hold
 *   one to %VFIO_KHO_MAX_DEVICES PCI functions in all, in groups of one or
 *   several functions, all in one IOMMU domain; a group goes as a whole
 *   (the policy refuses a function whose group holds a device the
 *   container does not). Every mapping must be a shared
 *   mapping of a memfd preserved in the same session (-EINVAL for anything
 *   else, -ENOENT for a memfd that is not in the session). From then on
 *   the container is frozen: map, unmap and group attach fail with -EBUSY;
 * - each device (%VFIO_KHO_DEVICE_COMPATIBLE) needs its container preserved
 *   in the same session (-ENOENT otherwise), and the kexec needs every
 *   device of the container preserved. Its driver hands the device's own
 *   state over (struct vfio_device_kho_ops; for a PCI function, through
 *   pci_kho: function state, no reset, bus mastering kept) and iommu_kho
 *   its translation (kept, domain frozen). A device whose driver sets no
 *   kho_ops, or that is not a PCI function (the handover names functions
 *   by PCI address), is refused with -EOPNOTSUPP.
 *
 * Closing the session before the kexec (or the VMM dying) unpreserves
 * both: the container thaws and the device is an ordinary one again.
 *
 * New kernel. The container is retrieved with its session (LUO's
 * retrieve_with_session), before userspace can get any file of it, and
 * that rebuilds both: a container file with type1 that has taken over
 * the adopted IOMMU domain (the kept page table as it is, same domain ID,
 * the context entries untouched) and every mapping with its IOVA, size and
 * permissions but no user address; the first group attached through an
 * internal group file (one per group, however many functions it holds),
 * the others joining the domain it adopted. The
 * memfds behind the mappings are retrieved at the same time
 * (liveupdate_get_file_incoming()) and type1 pins, through them,
 * every page the kept translation maps, refusing a memfd that does not
 * hold those pages: from then on the pages cannot be truncated, migrated
 * or swapped out under the device, yet nothing is charged to the VMM's
 * locked memory. Retrieving the device opens the device file as
 * VFIO_GROUP_GET_DEVICE_FD would, without reset. The VMM then gives each
 * mapping its new user address with VFIO_IOMMU_MAP_DMA and
 * %VFIO_DMA_MAP_FLAG_VADDR; type1 checks that it maps the very same pages
 * and charges them to the VMM's locked memory, the pins becoming the
 * VMM's.
 * The session cannot finish (-EBUSY) before the container and each of its
 * devices are retrieved and every mapping has its address. Finish tells
 * each device's driver (the PCI claim ends: resets work again) and frees
 * the handover blocks: the container and device are ordinary ones from
 * then on.
 *
 * A handover block that does not validate, a device that pci_kho did not
 * keep or whose VFIO driver cannot take it over, or an adoption that fails is
 * refused with a log line naming the device: the retrieve fails with the
 * errno and the device's bus mastering is turned off.
 *
 * debugfs ``kho_devices/vfio/containers`` lists the containers preserved
 * by this kernel (``out``) and those rebuilt from the previous one
 * (``in``), with their mappings, the pages pinned for the handover
 * that no VMM has been charged for yet (``handover_pins``) and how long
 * the rebuild took (``memfds_us``: retrieving the memfds; ``rebuild_us``:
 * adopting the translation and pinning).
 *
 * With CONFIG_KHO_DEVICES_TEST_HOOKS (vfio_kho_test.c), writing
 * ``version``, ``mapping``, ``short-mapping``, ``memfd-offset``,
 * ``memfd-token`` or ``read-only`` to
 * ``kho_devices/vfio/forge`` damages every outgoing container block
 * (unknown version; first mapping one page longer, or shorter, than what
 * the IOMMU maps; second mapping one page further into its memfd; first
 * mapping's memfd token one no file has; first mapping read-only where
 * the IOMMU lets the device write), each with a checksum that matches,
 * so that the next kernel must refuse it on its fields; ``scribble``
 * changes the first mapping's permissions as a stray write would,
 * leaving the checksum as it was.
 *
 * Limits of this version: type1 only (not iommufd), VT-d legacy mode
 * (iommu_kho), at most one DMA alias per function (iommu_kho_check_device()).
 */

#define pr_fmt(fmt) "vfio_kho: " fmt

#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/iommu_kho.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/vfio.h>
#include <linux/kho_devices.h>
#include <linux/kho_dma_policy.h>
#include <linux/ktime.h>
#include <linux/liveupdate.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci_kho.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio.h"
#include "vfio_kho_format.h"

/* Serializes both handlers and the two lists below. */
static DEFINE_MUTEX(vfio_kho_lock);

/**
 * struct vfio_kho_out_container - a container preserved in this kernel
 * @node: in vfio_kho_out
 * @container: the container, frozen
 * @file: its file (LUO holds a reference)
 * @ser: its handover block
 * @devs: every device of its groups, referenced, as @ser names them
 * @device_sers: the handover block of each device, once the device's file
 *	is preserved too (same session)
 */
struct vfio_kho_out_container {
	struct list_head node;
	struct vfio_container *container;
	struct file *file;
	struct vfio_kho_container_ser *ser;
	struct device *devs[VFIO_KHO_MAX_DEVICES];
	struct vfio_kho_device_ser *device_sers[VFIO_KHO_MAX_DEVICES];
};

static LIST_HEAD(vfio_kho_out);

/**
 * struct vfio_kho_in_device - a device of a container rebuilt in this kernel
 * @pdev: the device, referenced
 * @group_file: the internal group file (a reference for each function of
 *	the group), until the device file holds the group
 * @device: the VFIO device (registration reference) until its file is open
 * @opened: the device file was handed out
 * @ser: the device's handover block, from its retrieve to its finish
 */
struct vfio_kho_in_device {
	struct pci_dev *pdev;
	struct file *group_file;
	struct vfio_device *device;
	bool opened;
	const struct vfio_kho_device_ser *ser;
};

/**
 * struct vfio_kho_in_container - a container rebuilt in this kernel
 * @node: in vfio_kho_in
 * @phys: physical address of its handover block
 * @ser: the block
 * @file: the container file (a reference of ours until finish)
 * @devs: its devices, as @ser names them
 * @err: the errno the handover was refused with, 0 if it was not
 * @memfds_us: time spent retrieving the memfds behind it (debugfs)
 * @rebuild_us: time spent adopting its translation and pinning (debugfs)
 */
struct vfio_kho_in_container {
	struct list_head node;
	phys_addr_t phys;
	const struct vfio_kho_container_ser *ser;
	struct file *file;
	struct vfio_kho_in_device devs[VFIO_KHO_MAX_DEVICES];
	int err;
	u64 memfds_us;
	u64 rebuild_us;
};

static LIST_HEAD(vfio_kho_in);

/*
 * Can @device go through a live update? Its driver must take part
 * (kho_ops), and the handover names devices by PCI address.
 */
static bool vfio_kho_supported(const struct vfio_device *device)
{
	return device->ops->kho_ops && dev_is_pci(device->dev);
}

/* How the handover names a device: by its PCI address */
static struct kho_devices_pci_addr vfio_kho_addr(struct device *dev)
{
	return pci_kho_addr(to_pci_dev(dev));
}

/*
 * Add the devices of @group to @vdevs, which holds *@nr of @room already,
 * each with a registration reference: only devices whose driver can hand
 * them over (kho_ops) and that the handover can name (PCI functions).
 */
static int vfio_kho_group_devices(struct vfio_group *group,
				  struct vfio_device **vdevs, u32 room, u32 *nr)
{
	struct vfio_device *device;

	guard(mutex)(&group->device_lock);
	list_for_each_entry(device, &group->device_list, group_next) {
		if (!vfio_kho_supported(device)) {
			dev_warn(device->dev, "container not preserved: the device's VFIO driver (%s) cannot hand it over\n",
				 device->ops->name ?: dev_driver_string(device->dev));
			return -EOPNOTSUPP;
		}
		if (*nr == room) {
			dev_warn(device->dev, "container not preserved: its groups hold more than %u devices\n",
				 room);
			return -E2BIG;
		}
		if (!vfio_device_try_get_registration(device)) {
			dev_warn(device->dev, "container not preserved: the device is being removed\n");
			return -ENODEV;
		}
		vdevs[(*nr)++] = device;
	}
	return 0;
}

/* Old kernel: the container */

static bool vfio_kho_container_can_preserve(struct liveupdate_file_handler *fh,
					    struct file *file)
{
	return vfio_container_from_file(file);
}

static int vfio_kho_fill_mappings(struct liveupdate_file_op_args *args,
				  struct device *dev,
				  struct vfio_kho_container_ser *ser,
				  const struct vfio_kho_range *ranges, u32 nr)
{
	u32 i;
	int err;

	for (i = 0; i < nr; i++) {
		struct vfio_kho_mapping_ser *m = &ser->mappings[i];

		err = liveupdate_get_token_outgoing(args, ranges[i].file,
						    &m->memfd_token);
		if (err) {
			dev_warn(dev, "live update refused: the memfd mapped at IOVA %#llx is not preserved in the container's session\n",
				 ranges[i].iova);
			return err;
		}
		m->iova = ranges[i].iova;
		m->size = ranges[i].size;
		m->memfd_offset = ranges[i].offset;
		m->prot = (ranges[i].prot & IOMMU_READ ? 1 : 0) |
			  (ranges[i].prot & IOMMU_WRITE ? 2 : 0);
	}
	return 0;
}

/*
 * Every device of the container's groups (@vdevs, with a registration
 * reference each, and @devs), which must all be able to follow it:
 * nothing partial, a container is not frozen for a device that cannot
 * (IOMMU unit, mode and aliases; its driver, which judges it with the
 * container's devices handed over together).
 */
static int vfio_kho_container_devices(struct vfio_group **groups,
				      u32 nr_groups, struct vfio_device **vdevs,
				      struct device **devs, u32 *nr)
{
	u32 i;
	int err = 0;

	*nr = 0;
	for (i = 0; i < nr_groups && !err; i++)
		err = vfio_kho_group_devices(groups[i], vdevs,
					     VFIO_KHO_MAX_DEVICES, nr);
	if (err)
		return err;
	for (i = 0; i < *nr; i++)
		devs[i] = vdevs[i]->dev;
	for (i = 0; i < *nr; i++) {
		err = iommu_kho_check_device(devs[i]);
		if (!err)
			err = vdevs[i]->ops->kho_ops->check(vdevs[i], devs, *nr);
		if (err) {
			dev_warn(devs[i], "container not preserved: its device cannot be handed over (%pe)\n",
				 ERR_PTR(err));
			return err;
		}
	}
	return 0;
}

static int vfio_kho_container_preserve(struct liveupdate_file_op_args *args)
{
	struct vfio_container *container = vfio_container_from_file(args->file);
	struct vfio_group *groups[VFIO_KHO_MAX_DEVICES];
	struct vfio_device *vdevs[VFIO_KHO_MAX_DEVICES];
	struct device *devs[VFIO_KHO_MAX_DEVICES];
	struct vfio_kho_container_ser *ser = NULL;
	struct vfio_kho_out_container *out;
	struct vfio_kho_range *ranges;
	u32 nr, nr_groups, nr_devs = 0, i;
	struct device *dev;
	int err;

	guard(mutex)(&vfio_kho_lock);
	/* A refusal below logs the rule it applies; this says what it did. */
	err = vfio_container_kho_freeze(container, groups, ARRAY_SIZE(groups),
					&nr_groups, &ranges, &nr);
	if (err == -EBUSY)
		pr_warn("container not preserved: it is preserved already\n");
	else if (err)
		pr_warn("container not preserved (%pe)\n", ERR_PTR(err));
	if (err)
		return err;
	err = vfio_kho_container_devices(groups, nr_groups, vdevs, devs,
					 &nr_devs);
	if (err)
		goto out_thaw;
	dev = devs[0];
	if (nr > VFIO_KHO_MAX_MAPPINGS) {
		dev_warn(dev, "live update refused: %u mappings, at most %u\n",
			 nr, VFIO_KHO_MAX_MAPPINGS);
		err = -E2BIG;
		goto out_thaw;
	}
	ser = kho_alloc_preserve(struct_size(ser, mappings, nr));
	if (IS_ERR(ser)) {
		err = PTR_ERR(ser);
		ser = NULL;
		goto out_thaw;
	}
	ser->version = VFIO_KHO_VERSION;
	ser->mapping_size = sizeof(ser->mappings[0]);
	ser->nr_mappings = nr;
	ser->nr_devices = nr_devs;
	for (i = 0; i < nr_devs; i++)
		ser->devices[i] = vfio_kho_addr(devs[i]);
	err = vfio_kho_fill_mappings(args, dev, ser, ranges, nr);
	if (err)
		goto out_thaw;
	vfio_kho_container_seal(ser);
	out = kzalloc_obj(*out);
	if (!out) {
		err = -ENOMEM;
		goto out_thaw;
	}
	out->container = container;
	out->file = args->file;
	out->ser = ser;
	for (i = 0; i < nr_devs; i++)
		out->devs[i] = get_device(devs[i]);
	list_add(&out->node, &vfio_kho_out);
	args->serialized_data = virt_to_phys(ser);
	args->private_data = out;
	dev_dbg(dev, "container preserved: %u device(s) in %u group(s), %u mapping(s), frozen until the kexec\n",
		nr_devs, nr_groups, nr);
	goto out_put;

out_thaw:
	vfio_container_kho_thaw(container);
	if (ser)
		kho_unpreserve_free(ser);
out_put:
	for (i = 0; i < nr_devs; i++)
		vfio_device_put_registration(vdevs[i]);
	for (i = 0; i < nr; i++)
		fput(ranges[i].file);
	kvfree(ranges);
	return err;
}

static void vfio_kho_container_unpreserve(struct liveupdate_file_op_args *args)
{
	struct vfio_kho_out_container *out = args->private_data;
	u32 i;

	guard(mutex)(&vfio_kho_lock);
	list_del(&out->node);
	vfio_container_kho_thaw(out->container);
	for (i = 0; i < out->ser->nr_devices; i++)
		put_device(out->devs[i]);
	kho_unpreserve_free(out->ser);
	kfree(out);
}

/*
 * The kexec is near. A container goes only with all its devices: frozen
 * without one it would hand over mappings that the device uses, and the
 * next kernel would reset the device under them. Refusing the freeze
 * refuses the kexec; the VMM closes the session or preserves the device.
 */
static int vfio_kho_container_freeze(struct liveupdate_file_op_args *args)
{
	struct vfio_kho_out_container *out = args->private_data;
	u32 i;

	guard(mutex)(&vfio_kho_lock);
	for (i = 0; i < out->ser->nr_devices; i++) {
		if (out->device_sers[i])
			continue;
		dev_warn(out->devs[i], "live update refused: its container is preserved without the device\n");
		return -ENOENT;
	}
	return 0;
}

/* New kernel: the container and the device are rebuilt together */

/* A block of the previous kernel, if @size bytes at @phys are preserved. */
static const void *vfio_kho_block(phys_addr_t phys, size_t size)
{
	return kho_is_preserved(phys, size) ? phys_to_virt(phys) : NULL;
}

static bool vfio_kho_preserved(u64 phys, u64 size, void *ctx)
{
	return kho_is_preserved(phys, size);
}

static const void *vfio_kho_map(u64 phys, void *ctx)
{
	return phys_to_virt(phys);
}

/* The previous kernel's memory, as the block checks reach it */
static const struct kho_devices_memory vfio_kho_memory = {
	.preserved = vfio_kho_preserved,
	.map = vfio_kho_map,
};

/*
 * A refused handover: the device must not go on writing anywhere. Only a
 * function the PCI part kept is stopped: a damaged block may name any
 * address, and whatever else sits there is none of ours.
 */
static void vfio_kho_quiesce(const struct kho_devices_pci_addr *addr, int err,
			     const char *why)
{
	struct pci_dev *pdev;

	if (pci_kho_find_claimed(addr, &pdev)) {
		pr_err("%s: live update refused: %s (%pe); no kept function there: stopped already or never kept\n",
		       kho_devices_pci_name(addr).str, why, ERR_PTR(err));
		return;
	}
	pci_kho_quiesce(pdev, err, why);
	pci_dev_put(pdev);
}

/**
 * struct vfio_kho_in_ranges - a handed-over container's mappings
 * @ranges: one per mapping, with the memfd behind it (referenced) once
 *	retrieved
 * @nr: the number of mappings
 * @err: 0, or why the memfd of mapping @failed could not be retrieved
 * @failed: see @err
 */
struct vfio_kho_in_ranges {
	struct vfio_kho_range *ranges;
	u32 nr;
	int err;
	u32 failed;
};

/*
 * The mappings of a container block that validated, each with the memfd
 * behind it, retrieved now if the VMM has not yet. Called before
 * vfio_kho_lock is taken: retrieving a memfd takes its LUO file's lock.
 */
static void vfio_kho_in_ranges_get(struct liveupdate_file_op_args *args,
				   const struct vfio_kho_container_ser *ser,
				   struct vfio_kho_in_ranges *r)
{
	const struct vfio_kho_mapping_ser *m;
	u32 i;

	*r = (struct vfio_kho_in_ranges){};
	r->ranges = kvcalloc(max(ser->nr_mappings, 1U), sizeof(*r->ranges),
			     GFP_KERNEL);
	if (!r->ranges) {
		r->err = -ENOMEM;
		return;
	}
	for (i = 0; i < ser->nr_mappings && !r->err; i++, r->nr++) {
		m = &ser->mappings[i];
		r->err = liveupdate_get_file_incoming(args, m->memfd_token,
						      &r->ranges[i].file);
		r->failed = i;
		r->ranges[i].iova = m->iova;
		r->ranges[i].size = m->size;
		r->ranges[i].offset = m->memfd_offset;
		r->ranges[i].prot = (m->prot & 1 ? IOMMU_READ : 0) |
				    (m->prot & 2 ? IOMMU_WRITE : 0);
	}
}

static void vfio_kho_in_ranges_put(struct vfio_kho_in_ranges *r)
{
	u32 i;

	for (i = 0; i < r->nr; i++)
		if (r->ranges[i].file)
			fput(r->ranges[i].file);
	kvfree(r->ranges);
}

/* Does a device before @i in @in's block sit in the group of device @i? */
static struct vfio_kho_in_device *
vfio_kho_in_group_seen(struct vfio_kho_in_container *in, u32 i)
{
	u32 j;

	for (j = 0; j < i; j++)
		if (in->devs[j].device->group == in->devs[i].device->group)
			return &in->devs[j];
	return NULL;
}

/*
 * Hand the mappings and their memfds to the IOMMU driver, which takes the
 * kept translation over with the first device's group and pins the memfd
 * pages it maps; the other groups join the domain it adopted, each once.
 */
static int vfio_kho_adopt(struct vfio_kho_in_container *in,
			  const struct vfio_kho_in_ranges *r)
{
	const struct vfio_kho_mapping_ser *m = &in->ser->mappings[r->failed];
	struct vfio_container *container = vfio_container_from_file(in->file);
	struct vfio_group *group;
	u32 i;
	int err;

	if (r->err) {
		if (in->ser->nr_mappings)
			pci_warn(in->devs[0].pdev, "live update refused: no memfd with token %llu behind IOVA %#llx (%pe)\n",
				 m->memfd_token, m->iova, ERR_PTR(r->err));
		return r->err;
	}
	for (i = 0, err = 0; i < in->ser->nr_devices && !err; i++) {
		if (vfio_kho_in_group_seen(in, i))
			continue;	/* attached with its whole group */
		group = in->devs[i].device->group;
		mutex_lock(&group->group_lock);
		err = i ? vfio_container_kho_join(container, group) :
			  vfio_container_kho_adopt(container, group, r->ranges,
						   r->nr);
		mutex_unlock(&group->group_lock);
		if (err && i)
			pci_warn(in->devs[i].pdev, "live update refused: the device's group cannot join the container's adopted domain (%pe)\n",
				 ERR_PTR(err));
	}
	return err;
}

static void vfio_kho_in_release(struct vfio_kho_in_container *in)
{
	struct vfio_kho_in_device *d;

	/* The groups first: they hold the container */
	for (d = in->devs; d < in->devs + ARRAY_SIZE(in->devs); d++) {
		if (d->group_file)
			fput(d->group_file);
		d->group_file = NULL;
	}
	if (in->file)
		fput(in->file);
	in->file = NULL;
	for (d = in->devs; d < in->devs + ARRAY_SIZE(in->devs); d++) {
		if (d->device)
			vfio_device_put_registration(d->device);
		pci_dev_put(d->pdev);
		d->device = NULL;
		d->pdev = NULL;
	}
}

/* Quiesce every device a refused container block names. */
static void vfio_kho_quiesce_all(const struct vfio_kho_container_ser *ser,
				 int err, const char *why)
{
	u32 i;

	for (i = 0; i < min(ser->nr_devices, VFIO_KHO_MAX_DEVICES); i++)
		vfio_kho_quiesce(&ser->devices[i], err, why);
}

/*
 * A group goes as a whole: the block must name every function VFIO has in
 * @group, else the adoption would attach one that nobody handed over.
 */
static bool vfio_kho_in_names_group(const struct vfio_kho_container_ser *ser,
				    struct vfio_group *group)
{
	struct vfio_device *device;
	struct kho_devices_pci_addr addr;

	guard(mutex)(&group->device_lock);
	list_for_each_entry(device, &group->device_list, group_next) {
		if (!dev_is_pci(device->dev))
			return false;
		addr = vfio_kho_addr(device->dev);
		if (vfio_kho_container_device(ser, &addr) < 0)
			return false;
	}
	return true;
}

/*
 * Find device @i of @in's block and open its group, once for all the
 * functions of a group; NULL or why not
 */
static const char *vfio_kho_in_device_get(struct vfio_kho_in_container *in,
					  u32 i, int *err)
{
	struct vfio_kho_in_device *d = &in->devs[i], *seen;

	*err = pci_kho_find_claimed(&in->ser->devices[i], &d->pdev);
	if (*err)
		return "the PCI part did not keep the device";
	d->device = vfio_device_kho_find(&d->pdev->dev);
	if (!d->device) {
		*err = -ENODEV;
		return "no VFIO driver drives the device";
	}
	if (!d->device->ops->kho_ops) {
		*err = -EOPNOTSUPP;
		return "the device's VFIO driver cannot take it over";
	}
	seen = vfio_kho_in_group_seen(in, i);
	if (seen) {
		d->group_file = get_file(seen->group_file);
		return NULL;
	}
	if (!vfio_kho_in_names_group(in->ser, d->device->group)) {
		*err = -EINVAL;
		return "the container's block does not name every function of the device's group";
	}
	d->group_file = vfio_group_kho_open(d->device->group);
	if (IS_ERR(d->group_file)) {
		*err = PTR_ERR(d->group_file);
		d->group_file = NULL;
		return "its group is in use";
	}
	return NULL;
}

static void vfio_kho_in_free(struct vfio_kho_in_container *in)
{
	vfio_kho_in_release(in);
	kfree(in);
}

/*
 * Rebuild the container whose block is at @phys, with its device and the
 * mappings in @ranges (NULL: the block does not validate, @invalid says
 * why), or refuse it:
 * the device is quiesced and the refusal listed in debugfs.
 * LUO calls the container's .retrieve() once and keeps its errno, which
 * the device's .retrieve() gets too.
 */
static struct vfio_kho_in_container *
vfio_kho_in_get(phys_addr_t phys, const struct vfio_kho_container_ser *ser,
		const struct vfio_kho_in_ranges *ranges, int invalid)
{
	struct vfio_kho_in_container *in;
	const char *why = NULL;
	int err;
	u32 i;

	lockdep_assert_held(&vfio_kho_lock);
	in = kzalloc_obj(*in);
	if (!in)
		return ERR_PTR(-ENOMEM);
	in->phys = phys;
	in->ser = ser;
	if (!ranges) {
		err = invalid ?: -EINVAL;
		why = err == -EBADMSG ?
		      "the container's handover block does not match its checksum" :
		      "the container's handover block does not validate";
		goto out_refuse;
	}
	for (i = 0; i < ser->nr_devices && !why; i++)
		why = vfio_kho_in_device_get(in, i, &err);
	if (why)
		goto out_free;
	in->file = vfio_container_kho_file();
	if (IS_ERR(in->file)) {
		err = PTR_ERR(in->file);
		in->file = NULL;
		why = "no container file";
		goto out_free;
	}
	err = vfio_kho_adopt(in, ranges);
	if (err) {
		why = "the container could not take the kept translation over";
		goto out_free;
	}
	list_add(&in->node, &vfio_kho_in);
	pci_dbg(in->devs[0].pdev, "container rebuilt: %u device(s), %u mapping(s) waiting for their user address\n",
		ser->nr_devices, ser->nr_mappings);
	return in;

out_free:
	vfio_kho_in_release(in);
out_refuse:
	if (ser)
		vfio_kho_quiesce_all(ser, err, why);
	else
		pr_err("live update refused: a container block at %pa is not preserved memory\n",
		       &phys);
	in->err = err;
	list_add(&in->node, &vfio_kho_in);
	return ERR_PTR(err);
}

static struct vfio_kho_in_container *vfio_kho_in_find(phys_addr_t phys)
{
	struct vfio_kho_in_container *in;

	list_for_each_entry(in, &vfio_kho_in, node)
		if (in->phys == phys)
			return in;
	return NULL;
}

static int vfio_kho_container_retrieve(struct liveupdate_file_op_args *args)
{
	const struct vfio_kho_container_ser *ser;
	struct vfio_kho_in_ranges ranges = {};
	struct vfio_kho_in_container *in;
	u64 t0, t1;
	int invalid;

	invalid = vfio_kho_container_check(args->serialized_data,
					   &vfio_kho_memory, &ser);
	t0 = ktime_get_ns();
	if (!invalid)
		vfio_kho_in_ranges_get(args, ser, &ranges);
	t1 = ktime_get_ns();
	scoped_guard(mutex, &vfio_kho_lock) {
		in = vfio_kho_in_get(args->serialized_data, ser,
				     invalid ? NULL : &ranges, invalid);
		if (!IS_ERR(in)) {
			args->file = get_file(in->file);
			in->memfds_us = div_u64(t1 - t0, NSEC_PER_USEC);
			in->rebuild_us = div_u64(ktime_get_ns() - t1,
						 NSEC_PER_USEC);
		}
	}
	vfio_kho_in_ranges_put(&ranges);
	return PTR_ERR_OR_ZERO(in);
}

static bool vfio_kho_container_can_finish(struct liveupdate_file_op_args *args)
{
	struct vfio_kho_in_container *in;
	u32 i;

	if (args->retrieve_status < 0)
		return true;	/* refused: the device is quiesced */
	guard(mutex)(&vfio_kho_lock);
	in = vfio_kho_in_find(args->serialized_data);
	if (in && in->err)
		return true;	/* refused: the device is quiesced */
	for (i = 0; in && i < in->ser->nr_devices; i++)
		if (!in->devs[i].opened)
			break;
	if (!in || i < in->ser->nr_devices) {
		pr_warn("session cannot finish: retrieve the container and each of its devices first\n");
		return false;
	}
	if (vfio_container_kho_pending(vfio_container_from_file(in->file),
				       NULL)) {
		pci_warn(in->devs[0].pdev, "session cannot finish: a mapping has no user address yet (VFIO_DMA_MAP_FLAG_VADDR)\n");
		return false;
	}
	return true;
}

static void vfio_kho_container_finish(struct liveupdate_file_op_args *args)
{
	struct vfio_kho_in_container *in;

	scoped_guard(mutex, &vfio_kho_lock) {
		in = vfio_kho_in_find(args->serialized_data);
		if (in)
			list_del(&in->node);
	}
	if (in)
		vfio_kho_in_free(in);
	if (vfio_kho_block(args->serialized_data,
			   sizeof(struct vfio_kho_container_ser)))
		kho_restore_free(phys_to_virt(args->serialized_data));
}

static const struct liveupdate_file_ops vfio_kho_container_ops = {
	.can_preserve = vfio_kho_container_can_preserve,
	.preserve = vfio_kho_container_preserve,
	.unpreserve = vfio_kho_container_unpreserve,
	.freeze = vfio_kho_container_freeze,
	.retrieve = vfio_kho_container_retrieve,
	.can_finish = vfio_kho_container_can_finish,
	.finish = vfio_kho_container_finish,
	.owner = THIS_MODULE,
};

/*
 * Retrieved with its session, before userspace can get the memfds behind
 * its mappings: their pages are pinned before anybody can truncate them,
 * and reclaim cannot take them, while the device still writes to them.
 */
static struct liveupdate_file_handler vfio_kho_container_handler = {
	.ops = &vfio_kho_container_ops,
	.compatible = VFIO_KHO_CONTAINER_COMPATIBLE,
	.retrieve_with_session = true,
};

/* The device file */

static struct vfio_device_file *vfio_kho_device_file(struct file *file)
{
	struct vfio_device_file *df;

	if (file->f_op != &vfio_device_fops)
		return NULL;
	df = file->private_data;
	/* Group/container mode only, and only once the file is usable */
	if (!df->group || df->iommufd || !smp_load_acquire(&df->access_granted))
		return NULL;
	return vfio_kho_supported(df->device) ? df : NULL;
}

static bool vfio_kho_device_can_preserve(struct liveupdate_file_handler *fh,
					 struct file *file)
{
	return vfio_kho_device_file(file);
}

static struct vfio_kho_out_container *
vfio_kho_out_find(struct vfio_container *container)
{
	struct vfio_kho_out_container *out;

	list_for_each_entry(out, &vfio_kho_out, node)
		if (out->container == container)
			return out;
	return NULL;
}

/**
 * struct vfio_kho_out_device - a device file preserved in this kernel
 * @vdev: the device (the preserved file, which LUO holds, holds it)
 * @ser: its handover block
 * @container: its container, preserved in the same session
 * @index: where the container's block names it
 */
struct vfio_kho_out_device {
	struct vfio_device *vdev;
	struct vfio_kho_device_ser *ser;
	struct vfio_kho_out_container *container;
	u32 index;
};

/* Where @out's block names @dev, or -ENOENT */
static int vfio_kho_out_index(const struct vfio_kho_out_container *out,
			      const struct device *dev)
{
	u32 i;

	for (i = 0; i < out->ser->nr_devices; i++)
		if (out->devs[i] == dev)
			return i;
	return -ENOENT;
}

/**
 * vfio_kho_device_removing() - a device's driver is being unbound
 * @device: the VFIO device whose unregistration waits for its users
 *
 * vfio_unregister_group_dev() calls this before it waits for the files
 * open on @device to be closed. When a live update preserved the device,
 * one of them is held by a LUO session until the VMM closes it, so the
 * removal waits for that, with the device lock held; its driver then
 * refuses the kexec (kho_ops->removing) rather than let it wait for the
 * same lock at shutdown.
 */
void vfio_kho_device_removing(struct vfio_device *device)
{
	if (device->ops->kho_ops)
		device->ops->kho_ops->removing(device);
}

static int vfio_kho_device_preserve(struct liveupdate_file_op_args *args)
{
	struct vfio_device_file *df = vfio_kho_device_file(args->file);
	struct vfio_device *vdev = df->device;
	const struct vfio_device_kho_ops *ops = vdev->ops->kho_ops;
	struct vfio_kho_out_container *out_container;
	struct vfio_kho_out_device *out;
	struct vfio_kho_device_ser *ser;
	int err, index = -ENOENT;
	u64 token;

	guard(mutex)(&vfio_kho_lock);
	scoped_guard(mutex, &df->group->group_lock)
		out_container = vfio_kho_out_find(df->group->container);
	err = out_container ? liveupdate_get_token_outgoing(args,
							    out_container->file,
							    &token) : -ENOENT;
	if (!err)
		index = vfio_kho_out_index(out_container, vdev->dev);
	if (err || index < 0) {
		dev_warn(vdev->dev, "live update refused: preserve the device's container first, in the same session\n");
		return -ENOENT;
	}
	if (out_container->device_sers[index]) {
		dev_warn(vdev->dev, "live update refused: another file of the device is preserved already\n");
		return -EBUSY;
	}

	out = kzalloc_obj(*out);
	if (!out)
		return -ENOMEM;
	ser = kho_alloc_preserve(sizeof(*ser));
	if (IS_ERR(ser)) {
		kfree(out);
		return PTR_ERR(ser);
	}
	/* The device's own state first, then its translation */
	err = ops->preserve(vdev, out_container->devs,
			    out_container->ser->nr_devices);
	if (err)
		goto out_free;
	err = iommu_kho_preserve_device(vdev->dev);
	if (err) {
		ops->unpreserve(vdev);
		goto out_free;
	}
	ops->translated(vdev);
	ser->version = VFIO_KHO_VERSION;
	ser->addr = vfio_kho_addr(vdev->dev);
	ser->container = virt_to_phys(out_container->ser);
	ser->container_token = token;
	vfio_kho_device_seal(ser);
	out->vdev = vdev;
	out->ser = ser;
	out->container = out_container;
	out->index = index;
	out_container->device_sers[index] = ser;
	args->serialized_data = virt_to_phys(ser);
	args->private_data = out;
	dev_dbg(vdev->dev, "device preserved with its container (token %llu)\n",
		token);
	return 0;

out_free:
	kho_unpreserve_free(ser);
	kfree(out);
	return err;
}

static void vfio_kho_device_unpreserve(struct liveupdate_file_op_args *args)
{
	struct vfio_kho_out_device *out = args->private_data;

	guard(mutex)(&vfio_kho_lock);
	out->container->device_sers[out->index] = NULL;
	iommu_kho_unpreserve_device(out->vdev->dev);
	out->vdev->ops->kho_ops->unpreserve(out->vdev);
	kho_unpreserve_free(out->ser);
	kfree(out);
}

/*
 * The kexec is near: is the device staying, and will the next kernel keep
 * its translation? A refusal here refuses the kexec; nothing has been
 * shut down yet, and the device goes on with its translation.
 */
static int vfio_kho_device_freeze(struct liveupdate_file_op_args *args)
{
	struct vfio_kho_out_device *out = args->private_data;
	int err = out->vdev->ops->kho_ops->freeze(out->vdev);

	return err ?: kho_dma_check_next_kernel(out->vdev->dev);
}

static int vfio_kho_device_retrieve(struct liveupdate_file_op_args *args)
{
	const struct vfio_kho_device_ser *ser =
		vfio_kho_block(args->serialized_data, sizeof(*ser));
	struct vfio_kho_in_container *in;
	struct file *container_file, *file;
	struct vfio_kho_in_device *d;
	int err, index = -ENOENT;

	if (!ser) {
		pr_err("live update refused: a device block at %#llx is not preserved memory\n",
		       args->serialized_data);
		return -EINVAL;
	}
	err = vfio_kho_device_check(ser, NULL);
	if (err) {
		vfio_kho_quiesce(&ser->addr, err,
				 err == -EBADMSG ?
				 "the device's handover block does not match its checksum" :
				 "the device's handover block does not validate");
		return err;
	}
	/*
	 * The container comes first (retrieved now if the VMM has not yet):
	 * it rebuilds the device's group and domain. A container that was
	 * refused quiesced the function its block names; this block, sound
	 * on its own, names the device for sure (the container's may have
	 * been damaged anywhere).
	 */
	err = liveupdate_get_file_incoming(args, ser->container_token,
					   &container_file);
	if (err) {
		vfio_kho_quiesce(&ser->addr, err,
				 err == -ENOENT || err == -ELOOP ?
				 "the device's container is not in its session" :
				 "the device's container was refused");
		return err;
	}
	guard(mutex)(&vfio_kho_lock);
	/* The container by token must be the one the block names, ours. */
	in = vfio_kho_in_find(ser->container);
	if (in && (in->err || in->file != container_file))
		in = NULL;
	fput(container_file);
	if (in && !vfio_kho_device_check(ser, in->ser))
		index = vfio_kho_container_device(in->ser, &ser->addr);
	if (index < 0 || in->devs[index].opened) {
		vfio_kho_quiesce(&ser->addr, -EINVAL,
				 "the device's handover block names another container");
		return -EINVAL;
	}
	d = &in->devs[index];
	file = vfio_device_kho_open_file(d->device);
	if (IS_ERR(file)) {
		pci_warn(d->pdev, "device file not opened: %pe\n", file);
		return PTR_ERR(file);
	}
	/* The device file holds the registration and the group file now. */
	d->device = NULL;
	fput(d->group_file);
	d->group_file = NULL;
	d->opened = true;
	d->ser = ser;
	args->file = file;
	pci_info(d->pdev, "device file retrieved, no reset\n");
	return 0;
}

static bool vfio_kho_device_can_finish(struct liveupdate_file_op_args *args)
{
	if (!args->retrieve_status)
		pr_warn("session cannot finish: a VFIO device file was not retrieved\n");
	return args->retrieve_status;
}

static void vfio_kho_device_finish(struct liveupdate_file_op_args *args)
{
	const struct vfio_kho_device_ser *ser =
		vfio_kho_block(args->serialized_data, sizeof(*ser));
	struct vfio_kho_in_container *in;
	struct vfio_device *vdev;
	u32 i;

	if (!ser)
		return;
	scoped_guard(mutex, &vfio_kho_lock)
		list_for_each_entry(in, &vfio_kho_in, node)
			for (i = 0; i < ARRAY_SIZE(in->devs); i++)
				if (in->devs[i].ser == ser)
					in->devs[i].ser = NULL;
	/*
	 * A device whose file was retrieved goes back to its driver; one
	 * that was refused is quiesced, and what the PCI part still claims
	 * ends with its own finish.
	 */
	if (args->retrieve_status > 0 && args->file) {
		vdev = ((struct vfio_device_file *)args->file->private_data)->device;
		vdev->ops->kho_ops->finish(vdev);
	}
	kho_restore_free((void *)ser);
}

static const struct liveupdate_file_ops vfio_kho_device_ops = {
	.can_preserve = vfio_kho_device_can_preserve,
	.preserve = vfio_kho_device_preserve,
	.unpreserve = vfio_kho_device_unpreserve,
	.freeze = vfio_kho_device_freeze,
	.retrieve = vfio_kho_device_retrieve,
	.can_finish = vfio_kho_device_can_finish,
	.finish = vfio_kho_device_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_file_handler vfio_kho_device_handler = {
	.ops = &vfio_kho_device_ops,
	.compatible = VFIO_KHO_DEVICE_COMPATIBLE,
};

/* debugfs: kho_devices/vfio/ */

static int vfio_kho_containers_show(struct seq_file *m, void *unused)
{
	struct vfio_kho_out_container *out;
	struct vfio_kho_in_container *in;
	const struct vfio_kho_container_ser *ser;
	u32 i, opened;
	u64 bytes, pins;
	bool pending;

	guard(mutex)(&vfio_kho_lock);
	list_for_each_entry(out, &vfio_kho_out, node) {
		ser = out->ser;
		for (bytes = 0, i = 0; i < ser->nr_mappings; i++)
			bytes += ser->mappings[i].size;
		seq_printf(m, "out %s mappings=%u bytes=%llu metadata_bytes=%zu devices=%u frozen\n",
			   kho_devices_pci_name(&ser->devices[0]).str,
			   ser->nr_mappings, bytes,
			   struct_size(ser, mappings, ser->nr_mappings),
			   ser->nr_devices);
	}
	list_for_each_entry(in, &vfio_kho_in, node) {
		ser = in->ser;
		if (in->err && !ser) {
			seq_printf(m, "refused %pa %pe\n", &in->phys,
				   ERR_PTR(in->err));
			continue;
		}
		if (in->err) {
			seq_printf(m, "refused %s %pe\n",
				   kho_devices_pci_name(&ser->devices[0]).str,
				   ERR_PTR(in->err));
			continue;
		}
		pending = vfio_container_kho_pending(vfio_container_from_file(in->file),
						     &pins);
		for (opened = 0, i = 0; i < ser->nr_devices; i++)
			opened += in->devs[i].opened;
		seq_printf(m, "in %s mappings=%u device=%s vaddr=%s handover_pins=%llu memfds_us=%llu rebuild_us=%llu devices=%u retrieved=%u\n",
			   pci_name(in->devs[0].pdev), ser->nr_mappings,
			   opened == ser->nr_devices ? "retrieved" : "waiting",
			   pending ? "waiting" : "done", pins, in->memfds_us,
			   in->rebuild_us, ser->nr_devices, opened);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfio_kho_containers);

/* debugfs: kho_devices/vfio/outgoing and incoming */

static int vfio_kho_snapshot_device(void *buf,
				    const struct vfio_kho_device_ser *ser)
{
	if (!ser)
		return 0;
	return kho_devices_snapshot_mem(buf, "device",
					virt_to_phys((void *)ser), ser,
					sizeof(*ser), 0);
}

static int vfio_kho_snapshot_out(void *buf, size_t size)
{
	struct vfio_kho_out_container *out;
	u64 bytes = 0;
	size_t len;
	u32 i;
	int err;

	list_for_each_entry(out, &vfio_kho_out, node) {
		bytes += PAGE_ALIGN(struct_size(out->ser, mappings,
						out->ser->nr_mappings));
		for (i = 0; i < out->ser->nr_devices; i++)
			if (out->device_sers[i])
				bytes += PAGE_ALIGN(sizeof(*out->device_sers[i]));
	}
	err = kho_devices_snapshot_begin(buf, size, "vfio", "outgoing",
					 bytes ? "preserved" : "none");
	err = err ?: kho_devices_snapshot_u64(buf, "preserved-bytes", bytes);
	list_for_each_entry(out, &vfio_kho_out, node) {
		len = struct_size(out->ser, mappings, out->ser->nr_mappings);
		err = err ?: kho_devices_snapshot_mem(buf, "container",
						      virt_to_phys(out->ser),
						      out->ser, len, 0);
		for (i = 0; i < out->ser->nr_devices; i++)
			err = err ?: vfio_kho_snapshot_device(buf,
							      out->device_sers[i]);
	}
	return err;
}

static int vfio_kho_snapshot_in(void *buf, size_t size)
{
	const struct vfio_kho_in_container *in;
	size_t len;
	u32 i;
	int err;

	err = kho_devices_snapshot_begin(buf, size, "vfio", "incoming",
					 list_empty(&vfio_kho_in) ? "none" :
					 "retrieved");
	list_for_each_entry(in, &vfio_kho_in, node) {
		if (!in->ser)
			continue;
		/* A refused block's mappings may not be preserved memory. */
		len = in->err ? sizeof(*in->ser) :
		      struct_size(in->ser, mappings, in->ser->nr_mappings);
		err = err ?: kho_devices_snapshot_mem(buf, "container", in->phys,
						      in->ser, len, in->err);
		for (i = 0; i < ARRAY_SIZE(in->devs); i++)
			err = err ?: vfio_kho_snapshot_device(buf,
							      in->devs[i].ser);
	}
	return err;
}

static const struct kho_devices_snapshot_ops vfio_kho_snapshot_ops = {
	.lock = &vfio_kho_lock,
	.outgoing = vfio_kho_snapshot_out,
	.incoming = vfio_kho_snapshot_in,
};

#ifdef CONFIG_KHO_DEVICES_TEST_HOOKS
/* forge, which reaches into the outgoing containers above */
#include "vfio_kho_test.c"
#else
static inline void vfio_kho_test_hooks_init(struct dentry *dir)
{
}
#endif

static void __init vfio_kho_debugfs_init(void)
{
	struct dentry *root = kho_devices_debugfs_root();
	struct dentry *dir;

	if (IS_ERR_OR_NULL(root))
		return;
	dir = debugfs_create_dir("vfio", root);
	debugfs_create_file("containers", 0400, dir, NULL,
			    &vfio_kho_containers_fops);
	kho_devices_debugfs_snapshots(dir, &vfio_kho_snapshot_ops);
	vfio_kho_test_hooks_init(dir);
}

static int __init vfio_kho_register(struct liveupdate_file_handler *fh)
{
	int err;

	err = liveupdate_register_file_handler(fh);
	if (err)
		return err;
	err = pci_kho_register_flb(fh);
	err = err ?: iommu_kho_register_flb(fh);
	if (err)
		liveupdate_unregister_file_handler(fh);
	return err;
}

static int __init vfio_kho_init(void)
{
	int err;

	err = vfio_kho_register(&vfio_kho_container_handler);
	err = err ?: vfio_kho_register(&vfio_kho_device_handler);
	if (err)
		pr_warn("live update of VFIO files not available: %pe\n",
			ERR_PTR(err));
	vfio_kho_debugfs_init();
	return 0;
}
late_initcall(vfio_kho_init);
