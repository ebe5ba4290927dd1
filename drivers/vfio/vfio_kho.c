// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho - VFIO type1 containers and vfio-pci device files carried
 * through a kexec-based live update while the device keeps doing DMA.
 */

/**
 * DOC: VFIO live update
 *
 * Two LUO file handlers let a VMM put its VFIO container file and its
 * vfio-pci device file (group/container mode) into a LUO session, next to
 * the memfd that backs the container's mappings, and get them back after
 * the kexec.
 *
 * Old kernel. Preserve the memfds first, then the container, then the
 * device, all in one session:
 *
 * - the container (%VFIO_KHO_CONTAINER_COMPATIBLE) must use type1 v2 and hold
 *   exactly one group with one PCI device. Every mapping must be a shared
 *   mapping of a memfd preserved in the same session (-EINVAL for anything
 *   else, -ENOENT for a memfd that is not in the session). From then on
 *   the container is frozen: map, unmap and group attach fail with -EBUSY;
 * - the device (%VFIO_KHO_DEVICE_COMPATIBLE) needs its container preserved
 *   in the same session (-ENOENT otherwise). It goes through the DMA policy
 *   and is handed to pci_kho (function state, no reset, bus mastering
 *   kept) and iommu_kho (translation kept, domain frozen).
 *
 * Closing the session before the kexec (or the VMM dying) unpreserves
 * both: the container thaws and the device is an ordinary one again.
 *
 * New kernel. The container is retrieved with its session (LUO's
 * retrieve_with_session), before userspace can get any file of it, and
 * that rebuilds both: a container file with type1 that has taken over
 * the adopted IOMMU domain (the kept page table as it is, same domain ID,
 * the context entry untouched) and every mapping with its IOVA, size and
 * permissions but no user address; the group attached through an
 * internal group file. The memfds behind the mappings are retrieved at the
 * same time (liveupdate_get_file_incoming()) and type1 pins, through them,
 * every page the kept translation maps, refusing a memfd that does not
 * hold those pages: from then on the pages cannot be truncated, migrated
 * or swapped out under the device, yet nothing is charged to the VMM's
 * locked memory. Retrieving the device opens the device file as
 * VFIO_GROUP_GET_DEVICE_FD would, without reset. The VMM then gives each
 * mapping its new user address with VFIO_IOMMU_MAP_DMA and
 * %VFIO_DMA_MAP_FLAG_VADDR; type1 checks that it maps the very same pages
 * and charges them to the VMM's locked memory, the pins becoming the
 * VMM's.
 * The session cannot finish (-EBUSY) before both files are retrieved and
 * every mapping has its address. Finish releases the PCI claim (resets
 * work again) and frees the handover blocks: the container and device are
 * ordinary ones from then on.
 *
 * A handover block that does not validate, a device that pci_kho did not
 * keep or that vfio-pci does not drive, or an adoption that fails is
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
 * ``version``, ``mapping``, ``short-mapping``, ``memfd-offset`` or
 * ``memfd-token`` to
 * ``kho_devices/vfio/forge`` damages every outgoing container block
 * (unknown version; first mapping one page longer, or shorter, than what
 * the IOMMU maps; second mapping one page further into its memfd; first
 * mapping's memfd token one no file has),
 * each with a checksum that matches, so that the next kernel must refuse
 * it on its fields; ``scribble`` changes the first mapping's permissions
 * as a stray write would, leaving the checksum as it was.
 *
 * Limits of this version: one group with one device per container, type1
 * only (not iommufd), VT-d legacy mode (iommu_kho).
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
 * @pdev: the device of its group, referenced
 * @device_ser: the handover block of its device, once the device's file is
 *	preserved too (same session)
 */
struct vfio_kho_out_container {
	struct list_head node;
	struct vfio_container *container;
	struct file *file;
	struct vfio_kho_container_ser *ser;
	struct pci_dev *pdev;
	struct vfio_kho_device_ser *device_ser;
};

static LIST_HEAD(vfio_kho_out);

/**
 * struct vfio_kho_in_container - a container rebuilt in this kernel
 * @node: in vfio_kho_in
 * @phys: physical address of its handover block
 * @ser: the block
 * @pdev: its device, referenced
 * @file: the container file (a reference of ours until finish)
 * @group_file: the internal group file, until the device file holds it
 * @device: the VFIO device (registration reference) until its file is open
 * @device_opened: the device file was handed out
 * @device_ser: the device's handover block, from its retrieve to its finish
 * @err: the errno the handover was refused with, 0 if it was not
 * @memfds_us: time spent retrieving the memfds behind it (debugfs)
 * @rebuild_us: time spent adopting its translation and pinning (debugfs)
 */
struct vfio_kho_in_container {
	struct list_head node;
	phys_addr_t phys;
	const struct vfio_kho_container_ser *ser;
	struct pci_dev *pdev;
	struct file *file;
	struct file *group_file;
	struct vfio_device *device;
	bool device_opened;
	const struct vfio_kho_device_ser *device_ser;
	int err;
	u64 memfds_us;
	u64 rebuild_us;
};

static LIST_HEAD(vfio_kho_in);

static struct pci_dev *vfio_kho_group_pci_dev(struct vfio_group *group)
{
	struct vfio_device *device;

	guard(mutex)(&group->device_lock);
	if (!list_is_singular(&group->device_list))
		return NULL;
	device = list_first_entry(&group->device_list, struct vfio_device,
				  group_next);
	return dev_is_pci(device->dev) ? to_pci_dev(device->dev) : NULL;
}

/* Old kernel: the container */

static bool vfio_kho_container_can_preserve(struct liveupdate_file_handler *fh,
					    struct file *file)
{
	return vfio_container_from_file(file);
}

static int vfio_kho_fill_mappings(struct liveupdate_file_op_args *args,
				  struct pci_dev *pdev,
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
			pci_warn(pdev, "live update refused: the memfd mapped at IOVA %#llx is not preserved in the container's session\n",
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

static int vfio_kho_container_preserve(struct liveupdate_file_op_args *args)
{
	struct vfio_container *container = vfio_container_from_file(args->file);
	struct vfio_kho_container_ser *ser = NULL;
	struct vfio_kho_out_container *out;
	struct vfio_kho_range *ranges;
	struct vfio_group *group;
	struct pci_dev *pdev;
	u32 nr, i;
	int err;

	guard(mutex)(&vfio_kho_lock);
	/* A refusal below logs the rule it applies; this says what it did. */
	err = vfio_container_kho_freeze(container, &group, &ranges, &nr);
	if (err == -EBUSY)
		pr_warn("container not preserved: it is preserved already\n");
	else if (err)
		pr_warn("container not preserved (%pe)\n", ERR_PTR(err));
	if (err)
		return err;
	pdev = vfio_kho_group_pci_dev(group);
	if (!pdev) {
		pr_warn("container not preserved: its group must hold exactly one PCI device\n");
		err = -EOPNOTSUPP;
		goto out_thaw;
	}
	/*
	 * Nothing partial: a container is not frozen for a device that
	 * cannot follow it (policy, IOMMU unit and mode).
	 */
	err = pci_kho_dma_check(pdev);
	if (!err)
		err = iommu_kho_check_device(&pdev->dev);
	if (err) {
		pci_warn(pdev, "container not preserved: its device cannot be handed over (%pe)\n",
			 ERR_PTR(err));
		goto out_thaw;
	}
	if (nr > VFIO_KHO_MAX_MAPPINGS) {
		pci_warn(pdev, "live update refused: %u mappings, at most %u\n",
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
	ser->device = pci_kho_addr(pdev);
	err = vfio_kho_fill_mappings(args, pdev, ser, ranges, nr);
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
	out->pdev = pci_dev_get(pdev);
	list_add(&out->node, &vfio_kho_out);
	args->serialized_data = virt_to_phys(ser);
	args->private_data = out;
	pci_dbg(pdev, "container preserved: %u mapping(s), frozen until the kexec\n",
		nr);
	goto out_put;

out_thaw:
	vfio_container_kho_thaw(container);
	if (ser)
		kho_unpreserve_free(ser);
out_put:
	for (i = 0; i < nr; i++)
		fput(ranges[i].file);
	kvfree(ranges);
	return err;
}

static void vfio_kho_container_unpreserve(struct liveupdate_file_op_args *args)
{
	struct vfio_kho_out_container *out = args->private_data;

	guard(mutex)(&vfio_kho_lock);
	list_del(&out->node);
	vfio_container_kho_thaw(out->container);
	kho_unpreserve_free(out->ser);
	pci_dev_put(out->pdev);
	kfree(out);
}

/*
 * The kexec is near. A container goes only with its device: frozen on
 * its own it would hand over mappings that nothing uses, and its device
 * would be reset by the next kernel under them. Refusing the freeze
 * refuses the kexec; the VMM closes the session or preserves the device.
 */
static int vfio_kho_container_freeze(struct liveupdate_file_op_args *args)
{
	struct vfio_kho_out_container *out = args->private_data;

	guard(mutex)(&vfio_kho_lock);
	if (out->device_ser)
		return 0;
	pci_warn(out->pdev, "live update refused: its container is preserved without the device\n");
	return -ENOENT;
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

/*
 * Hand the mappings and their memfds to the IOMMU driver, which takes the
 * kept translation over and pins the memfd pages it maps.
 */
static int vfio_kho_adopt(struct vfio_kho_in_container *in,
			  const struct vfio_kho_in_ranges *r)
{
	const struct vfio_kho_mapping_ser *m = &in->ser->mappings[r->failed];
	struct vfio_group *group = in->device->group;
	int err;

	if (r->err) {
		if (in->ser->nr_mappings)
			pci_warn(in->pdev, "live update refused: no memfd with token %llu behind IOVA %#llx (%pe)\n",
				 m->memfd_token, m->iova, ERR_PTR(r->err));
		return r->err;
	}
	mutex_lock(&group->group_lock);
	err = vfio_container_kho_adopt(vfio_container_from_file(in->file),
				       group, r->ranges, r->nr);
	mutex_unlock(&group->group_lock);
	return err;
}

static void vfio_kho_in_release(struct vfio_kho_in_container *in)
{
	if (in->group_file)
		fput(in->group_file);
	if (in->file)
		fput(in->file);
	if (in->device)
		vfio_device_put_registration(in->device);
	pci_dev_put(in->pdev);
	in->group_file = NULL;
	in->file = NULL;
	in->device = NULL;
	in->pdev = NULL;
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
	const char *why;
	int err;

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
	err = pci_kho_find_claimed(&ser->device, &in->pdev);
	if (err) {
		why = "the PCI part did not keep the device";
		goto out_free;
	}
	in->device = vfio_device_kho_find(&in->pdev->dev);
	if (!in->device) {
		err = -ENODEV;
		why = "no VFIO driver drives the device";
		goto out_free;
	}
	in->file = vfio_container_kho_file();
	if (IS_ERR(in->file)) {
		err = PTR_ERR(in->file);
		in->file = NULL;
		why = "no container file";
		goto out_free;
	}
	in->group_file = vfio_group_kho_open(in->device->group);
	if (IS_ERR(in->group_file)) {
		err = PTR_ERR(in->group_file);
		in->group_file = NULL;
		why = "its group is in use";
		goto out_free;
	}
	err = vfio_kho_adopt(in, ranges);
	if (err) {
		why = "the container could not take the kept translation over";
		goto out_free;
	}
	list_add(&in->node, &vfio_kho_in);
	pci_dbg(in->pdev, "container rebuilt: %u mapping(s) waiting for their user address\n",
		ser->nr_mappings);
	return in;

out_free:
	vfio_kho_in_release(in);
out_refuse:
	if (ser)
		vfio_kho_quiesce(&ser->device, err, why);
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

	if (args->retrieve_status < 0)
		return true;	/* refused: the device is quiesced */
	guard(mutex)(&vfio_kho_lock);
	in = vfio_kho_in_find(args->serialized_data);
	if (in && in->err)
		return true;	/* refused: the device is quiesced */
	if (!in || !in->device_opened) {
		pr_warn("session cannot finish: retrieve the container and its device first\n");
		return false;
	}
	if (vfio_container_kho_pending(vfio_container_from_file(in->file),
				       NULL)) {
		pci_warn(in->pdev, "session cannot finish: a mapping has no user address yet (VFIO_DMA_MAP_FLAG_VADDR)\n");
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
	return dev_is_pci(df->device->dev) ? df : NULL;
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
 * @pdev: the device, referenced
 * @ser: its handover block
 * @container: its container, preserved in the same session
 */
struct vfio_kho_out_device {
	struct pci_dev *pdev;
	struct vfio_kho_device_ser *ser;
	struct vfio_kho_out_container *container;
};

/**
 * vfio_kho_device_removing() - a device's driver is being unbound
 * @device: the VFIO device whose unregistration waits for its users
 *
 * vfio_unregister_group_dev() calls this before it waits for the files
 * open on @device to be closed. When a live update preserved the device,
 * one of them is held by a LUO session until the VMM closes it, so the
 * removal waits for that, with the device lock held; the PCI part then
 * refuses the kexec (pci_kho_removing()) rather than let it wait for the
 * same lock at shutdown.
 */
void vfio_kho_device_removing(struct vfio_device *device)
{
	if (dev_is_pci(device->dev))
		pci_kho_removing(to_pci_dev(device->dev));
}

static int vfio_kho_device_preserve(struct liveupdate_file_op_args *args)
{
	struct vfio_device_file *df = vfio_kho_device_file(args->file);
	struct pci_dev *pdev = to_pci_dev(df->device->dev);
	struct vfio_kho_out_container *out_container;
	struct vfio_kho_out_device *out;
	struct vfio_kho_device_ser *ser;
	u64 token;
	int err;

	guard(mutex)(&vfio_kho_lock);
	scoped_guard(mutex, &df->group->group_lock)
		out_container = vfio_kho_out_find(df->group->container);
	err = out_container ? liveupdate_get_token_outgoing(args,
							    out_container->file,
							    &token) : -ENOENT;
	if (err) {
		pci_warn(pdev, "live update refused: preserve the device's container first, in the same session\n");
		return -ENOENT;
	}

	out = kzalloc_obj(*out);
	if (!out)
		return -ENOMEM;
	ser = kho_alloc_preserve(sizeof(*ser));
	if (IS_ERR(ser)) {
		kfree(out);
		return PTR_ERR(ser);
	}
	/*
	 * The driver bound now is the one the next kernel binds the function
	 * to; the PCI part refuses a driver it cannot bind that way.
	 */
	err = pci_kho_preserve(pdev, dev_driver_string(&pdev->dev));
	if (err)
		goto out_free;
	err = iommu_kho_preserve_device(&pdev->dev);
	if (err) {
		pci_kho_unpreserve(pdev);
		goto out_free;
	}
	pci_kho_set_translated(pdev);
	ser->version = VFIO_KHO_VERSION;
	ser->addr = pci_kho_addr(pdev);
	ser->container = virt_to_phys(out_container->ser);
	ser->container_token = token;
	vfio_kho_device_seal(ser);
	out->pdev = pci_dev_get(pdev);
	out->ser = ser;
	out->container = out_container;
	out_container->device_ser = ser;
	args->serialized_data = virt_to_phys(ser);
	args->private_data = out;
	pci_dbg(pdev, "device preserved with its container (token %llu)\n",
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
	out->container->device_ser = NULL;
	iommu_kho_unpreserve_device(&out->pdev->dev);
	pci_kho_unpreserve(out->pdev);
	kho_unpreserve_free(out->ser);
	pci_dev_put(out->pdev);
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

	int err = pci_kho_check_staying(out->pdev);

	return err ?: kho_dma_check_next_kernel(&out->pdev->dev);
}

static int vfio_kho_device_retrieve(struct liveupdate_file_op_args *args)
{
	const struct vfio_kho_device_ser *ser =
		vfio_kho_block(args->serialized_data, sizeof(*ser));
	struct vfio_kho_in_container *in;
	struct file *container_file, *file;
	int err;

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
	if (!in || vfio_kho_device_check(ser, in->ser) || in->device_opened) {
		vfio_kho_quiesce(&ser->addr, -EINVAL,
				 "the device's handover block names another container");
		return -EINVAL;
	}
	file = vfio_device_kho_open_file(in->device);
	if (IS_ERR(file)) {
		pci_warn(in->pdev, "device file not opened: %pe\n", file);
		return PTR_ERR(file);
	}
	/* The device file holds the registration and the group file now. */
	in->device = NULL;
	fput(in->group_file);
	in->group_file = NULL;
	in->device_opened = true;
	in->device_ser = ser;
	args->file = file;
	pci_info(in->pdev, "device file retrieved, no reset\n");
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
	struct pci_dev *pdev;

	if (!ser)
		return;
	scoped_guard(mutex, &vfio_kho_lock)
		list_for_each_entry(in, &vfio_kho_in, node)
			if (in->device_ser == ser)
				in->device_ser = NULL;
	pdev = pci_get_domain_bus_and_slot(ser->addr.segment, ser->addr.bus,
					   ser->addr.devfn);
	if (pdev) {
		pci_kho_release(pdev);
		pci_dev_put(pdev);
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
	u64 bytes, pins;
	bool pending;
	u32 i;

	guard(mutex)(&vfio_kho_lock);
	list_for_each_entry(out, &vfio_kho_out, node) {
		ser = out->ser;
		for (bytes = 0, i = 0; i < ser->nr_mappings; i++)
			bytes += ser->mappings[i].size;
		seq_printf(m, "out %s mappings=%u bytes=%llu metadata_bytes=%zu frozen\n",
			   kho_devices_pci_name(&ser->device).str,
			   ser->nr_mappings, bytes,
			   struct_size(ser, mappings, ser->nr_mappings));
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
				   kho_devices_pci_name(&ser->device).str,
				   ERR_PTR(in->err));
			continue;
		}
		pending = vfio_container_kho_pending(vfio_container_from_file(in->file),
						     &pins);
		seq_printf(m, "in %s mappings=%u device=%s vaddr=%s handover_pins=%llu memfds_us=%llu rebuild_us=%llu\n",
			   pci_name(in->pdev), ser->nr_mappings,
			   in->device_opened ? "retrieved" : "waiting",
			   pending ? "waiting" : "done", pins, in->memfds_us,
			   in->rebuild_us);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfio_kho_containers);

/* debugfs: kho_devices/vfio/outgoing and incoming */

static int vfio_kho_snapshot_out(void *buf, size_t size)
{
	struct vfio_kho_out_container *out;
	u64 bytes = 0;
	size_t len;
	int err;

	list_for_each_entry(out, &vfio_kho_out, node) {
		bytes += PAGE_ALIGN(struct_size(out->ser, mappings,
						out->ser->nr_mappings));
		if (out->device_ser)
			bytes += PAGE_ALIGN(sizeof(*out->device_ser));
	}
	err = kho_devices_snapshot_begin(buf, size, "vfio", "outgoing",
					 bytes ? "preserved" : "none");
	err = err ?: kho_devices_snapshot_u64(buf, "preserved-bytes", bytes);
	list_for_each_entry(out, &vfio_kho_out, node) {
		len = struct_size(out->ser, mappings, out->ser->nr_mappings);
		err = err ?: kho_devices_snapshot_mem(buf, "container",
						      virt_to_phys(out->ser),
						      out->ser, len, 0);
		if (out->device_ser)
			err = err ?: kho_devices_snapshot_mem(buf, "device",
							      virt_to_phys(out->device_ser),
							      out->device_ser,
							      sizeof(*out->device_ser),
							      0);
	}
	return err;
}

static int vfio_kho_snapshot_in(void *buf, size_t size)
{
	const struct vfio_kho_in_container *in;
	size_t len;
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
		if (in->device_ser)
			err = err ?: kho_devices_snapshot_mem(buf, "device",
							      virt_to_phys((void *)in->device_ser),
							      in->device_ser,
							      sizeof(*in->device_ser),
							      0);
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
