// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_pci_kho - vfio-pci's side of a live update of its device file
 */

/**
 * DOC: vfio-pci live update
 *
 * VFIO core carries a device file through a kexec-based live update
 * (drivers/vfio/vfio_kho.c), with the IOMMU translation of its container.
 * For a function vfio-pci drives, what the device keeps beyond its
 * translation is its PCI state: bus mastering, BARs, bus numbers and
 * registers, no reset, the bridges above it. The PCI part (pci_kho) hands
 * that over; vfio_pci_core_kho_ops, which vfio-pci sets in its
 * vfio_device_ops, passes each step of the device file's handover to it:
 *
 * - check: the DMA policy's verdict on the function, the other functions
 *   of its container counting as handed over with it (its IOMMU group goes
 *   as a whole);
 * - preserve: the function's record, with vfio-pci as the driver the next
 *   kernel binds it to; translated, once its translation is kept too: only
 *   then does it keep mastering DMA through the kexec;
 * - unpreserve, freeze (is the function still there and staying?),
 *   removing (its driver is being unbound while a session holds its file);
 * - finish, in the next kernel: the PCI part's claim ends, resets work
 *   again.
 *
 * What vfio-pci core does differently for a function the PCI part kept
 * (no reset or idle at open, bus mastering kept) is in vfio_pci_core.c.
 */

#include <linux/pci.h>
#include <linux/pci_kho.h>
#include <linux/slab.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

static struct pci_dev *vfio_pci_kho_pdev(struct vfio_device *vdev)
{
	return to_pci_dev(vdev->dev);
}

/*
 * Ask the PCI part to judge (@preserve false) or to preserve the function,
 * with the PCI functions behind @peers handed over together with it. VFIO
 * core gives only devices whose driver sets kho_ops, and vfio-pci's are
 * PCI functions; any other device is left out.
 */
static int vfio_pci_kho_with_peers(struct vfio_device *vdev,
				   struct device *const *peers,
				   unsigned int nr_peers, bool preserve)
{
	struct pci_dev *pdev = vfio_pci_kho_pdev(vdev);
	struct pci_dev **pdevs;
	unsigned int i, nr;
	int err;

	pdevs = kcalloc(nr_peers ?: 1, sizeof(*pdevs), GFP_KERNEL);
	if (!pdevs)
		return -ENOMEM;
	for (nr = 0, i = 0; i < nr_peers; i++)
		if (dev_is_pci(peers[i]))
			pdevs[nr++] = to_pci_dev(peers[i]);
	/*
	 * The driver bound now is the one the next kernel binds the function
	 * to; the PCI part refuses a driver it cannot bind that way.
	 */
	if (preserve)
		err = pci_kho_preserve(pdev, dev_driver_string(&pdev->dev),
				       pdevs, nr);
	else
		err = pci_kho_dma_check(pdev, pdevs, nr);
	kfree(pdevs);
	return err;
}

static int vfio_pci_kho_check(struct vfio_device *vdev,
			      struct device *const *peers,
			      unsigned int nr_peers)
{
	return vfio_pci_kho_with_peers(vdev, peers, nr_peers, false);
}

static int vfio_pci_kho_preserve(struct vfio_device *vdev,
				 struct device *const *peers,
				 unsigned int nr_peers)
{
	return vfio_pci_kho_with_peers(vdev, peers, nr_peers, true);
}

static void vfio_pci_kho_translated(struct vfio_device *vdev)
{
	pci_kho_set_translated(vfio_pci_kho_pdev(vdev));
}

static void vfio_pci_kho_unpreserve(struct vfio_device *vdev)
{
	pci_kho_unpreserve(vfio_pci_kho_pdev(vdev));
}

static int vfio_pci_kho_freeze(struct vfio_device *vdev)
{
	return pci_kho_check_staying(vfio_pci_kho_pdev(vdev));
}

static void vfio_pci_kho_removing(struct vfio_device *vdev)
{
	pci_kho_removing(vfio_pci_kho_pdev(vdev));
}

static void vfio_pci_kho_finish(struct vfio_device *vdev)
{
	pci_kho_release(vfio_pci_kho_pdev(vdev));
}

const struct vfio_device_kho_ops vfio_pci_core_kho_ops = {
	.check = vfio_pci_kho_check,
	.preserve = vfio_pci_kho_preserve,
	.translated = vfio_pci_kho_translated,
	.unpreserve = vfio_pci_kho_unpreserve,
	.freeze = vfio_pci_kho_freeze,
	.removing = vfio_pci_kho_removing,
	.finish = vfio_pci_kho_finish,
};
EXPORT_SYMBOL_GPL(vfio_pci_core_kho_ops);
