// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_kho - PCI functions that keep running across a kexec-based live update.
 */

/**
 * DOC: PCI functions across a live update
 *
 * This file owns the PCI part of the handover: which functions, and which
 * bridges above them, the next kernel must recognise and leave alone.
 *
 * Old kernel. A LUO file handler that carries a device (vfio-pci's, or the
 * test handler of pci_kho_test_file.c) depends on the FLB "pci-kho-v2"
 * (pci_kho_register_flb()). Its preserve callback calls pci_kho_preserve(),
 * which checks the device against the policy (kho_dma_policy), records the
 * function's address, identity, BARs, command register, the bus numbers of
 * every bridge above it and the driver it must be bound to, and marks the
 * function and those bridges ``kho_preserved``. From then on the PCI core
 * refuses to reset them or put them in a low-power state, and
 * pci_device_shutdown() leaves their bus mastering on at kexec.
 * pci_kho_unpreserve() (the session was closed before the kexec) undoes
 * all of it. The records live in pages above 4 GiB preserved with KHO; the
 * FLB's handle is the physical address of an FDT that points to them (see
 * include/linux/kho/abi/pci.h).
 *
 * New kernel. The first PCI function enumerated makes this file retrieve
 * the FLB and check the FDT and every record. Each function is then
 * matched, by address, before the PCI core configures it: if the record is
 * sound, the function has the recorded identity and BARs, and every bridge
 * above it has the recorded identity and bus numbers, the function is
 * *claimed*: it keeps its state, no reset or low-power state is allowed,
 * and it is bound to the recorded driver (driver_override), which must not
 * reset it either. Otherwise it is *refused*: the reason is logged, bus
 * mastering is turned off at once and the function is reset, if it can be,
 * before any driver sees it. When the whole handover is refused (unknown
 * version, corrupt FDT), every endpoint found with bus mastering on is
 * quiesced the same way: after a kexec only the previous kernel's handover
 * leaves bus mastering on. Records whose function never shows up are
 * reported missing at the end of boot.
 *
 * A claim ends with pci_kho_release(), which the owner calls when its LUO
 * file is finished, or with the FLB's finish, when the last file that
 * depends on it is finished. After that the function is an ordinary one.
 *
 * The state of both directions is in debugfs, kho_devices/pci/functions.
 * Every PCI device shows in sysfs what the policy says of it
 * (kho_preservable; for a function that shares its IOMMU group, what it
 * says of the group handed over as a whole) and the DMA reach its owner
 * declared
 * (kho_dma_reach_bits), which it passes to the policy with each question
 * (pci_kho_dma_check()).
 *
 * Not preserved, to be set up again by the owner: MSI and MSI-X (the PCI
 * core disables them during enumeration), saved config state, runtime PM
 * state. Not recorded: BAR sizes, and the PCIe settings that
 * pci_configure_device() writes (MPS, extended tags, LTR...), which the
 * new kernel programs again to the same values on an unchanged topology.
 */

#define pr_fmt(fmt) "pci_kho: " fmt

#include <linux/debugfs.h>
#include <linux/iommu.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/pci.h>
#include <linux/kho_devices.h>
#include <linux/kho_dma_policy.h>
#include <linux/libfdt.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/pci_kho.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "pci.h"
#include "pci_kho_format.h"

/* Reading the records from a live function */

static void pci_kho_read_identity(struct pci_dev *pdev,
				  struct pci_kho_function_ser *f)
{
	f->addr = pci_kho_addr(pdev);
	f->hdr_type = pdev->hdr_type;
	f->vendor = pdev->vendor;
	f->device = pdev->device;
	f->subsystem_vendor = pdev->subsystem_vendor;
	f->subsystem_device = pdev->subsystem_device;
	f->revision = pdev->revision;
	f->class = pdev->class;
}

static void pci_kho_read_bars(struct pci_dev *pdev, u32 *bars)
{
	unsigned int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		pci_read_config_dword(pdev, PCI_BASE_ADDRESS_0 + 4 * i, &bars[i]);
}

static void pci_kho_read_bridge(struct pci_dev *bridge,
				struct pci_kho_bridge_ser *b)
{
	b->vendor = bridge->vendor;
	b->device = bridge->device;
	b->bus = bridge->bus->number;
	b->devfn = bridge->devfn;
	pci_read_config_byte(bridge, PCI_PRIMARY_BUS, &b->primary);
	pci_read_config_byte(bridge, PCI_SECONDARY_BUS, &b->secondary);
	pci_read_config_byte(bridge, PCI_SUBORDINATE_BUS, &b->subordinate);
	pci_read_config_word(bridge, PCI_COMMAND, &b->command);
	pci_read_config_word(bridge, PCI_BRIDGE_CONTROL, &b->bridge_control);
}

/* The bridges above @pdev, the one nearest the root first. */
static int pci_kho_bridge_path(struct pci_dev *pdev,
			       struct pci_dev *path[PCI_KHO_MAX_BRIDGES])
{
	struct pci_dev *up, *rev[PCI_KHO_MAX_BRIDGES];
	unsigned int n = 0, i;

	for (up = pci_upstream_bridge(pdev); up; up = pci_upstream_bridge(up)) {
		if (n == PCI_KHO_MAX_BRIDGES)
			return -E2BIG;
		if (up->hdr_type != PCI_HEADER_TYPE_BRIDGE)
			return -EOPNOTSUPP;
		rev[n++] = up;
	}
	for (i = 0; i < n; i++)
		path[i] = rev[n - 1 - i];
	return n;
}

static int pci_kho_snapshot(struct pci_dev *pdev, const char *driver,
			    struct pci_kho_function_ser *f, const char **why)
{
	struct pci_dev *path[PCI_KHO_MAX_BRIDGES];
	int i, n;

	memset(f, 0, sizeof(*f));
	pci_kho_read_identity(pdev, f);
	pci_read_config_word(pdev, PCI_COMMAND, &f->command);
	pci_kho_read_bars(pdev, f->bars);
	if (strscpy(f->driver, driver, sizeof(f->driver)) < 0) {
		*why = "driver name too long";
		return -ENAMETOOLONG;
	}
	if (!pci_kho_driver_supported(f->driver)) {
		*why = "the next kernel binds a kept function only to vfio-pci, or to nothing";
		return -EINVAL;
	}
	n = pci_kho_bridge_path(pdev, path);
	if (n < 0) {
		*why = n == -E2BIG ? "too many bridges above it" :
				     "a CardBus bridge above it";
		return n;
	}
	f->nr_bridges = n;
	for (i = 0; i < n; i++)
		pci_kho_read_bridge(path[i], &f->bridges[i]);
	if (pci_kho_function_validate(f)) {
		*why = "its config space does not make a valid record";
		return -EINVAL;
	}
	return 0;
}

/* Old kernel: what this kernel hands over */

/**
 * struct pci_kho_outgoing - the handover being prepared
 * @fdt: the FDT top layer, one page preserved with KHO
 * @functions: the records, preserved with KHO, room for all of them
 * @devs: the preserved functions, referenced, in the order of @functions
 * @translated: which of them have their IOMMU translation handed over too
 *	(pci_kho_set_translated()), in the same order
 * @removing: which of them are being removed (pci_kho_removing())
 * @nr: number of records
 */
struct pci_kho_outgoing {
	void *fdt;
	struct pci_kho_function_ser *functions;
	struct pci_dev *devs[PCI_KHO_MAX_FUNCTIONS];
	bool translated[PCI_KHO_MAX_FUNCTIONS];
	bool removing[PCI_KHO_MAX_FUNCTIONS];
	u32 nr;
};

/* New kernel: what the previous kernel handed over */

enum pci_kho_claim {
	PCI_KHO_PENDING,	/* not enumerated yet */
	PCI_KHO_CLAIMED,	/* kept, owned by the handover */
	PCI_KHO_REFUSED,	/* refused and quiesced */
	PCI_KHO_MISSING,	/* never showed up */
	PCI_KHO_RELEASED,	/* claim ended: an ordinary function again */
};

static const char * const pci_kho_claim_names[] = {
	[PCI_KHO_PENDING] = "pending",
	[PCI_KHO_CLAIMED] = "claimed",
	[PCI_KHO_REFUSED] = "refused",
	[PCI_KHO_MISSING] = "missing",
	[PCI_KHO_RELEASED] = "released",
};

/**
 * struct pci_kho_incoming_function - one record and what became of it
 * @rec: the record, in the handed-over array
 * @pdev: the function at the recorded address, once enumerated
 * @state: what became of it
 * @err: why it was refused
 * @reason: the same, for people
 * @valid: the record passed pci_kho_function_validate()
 * @reset_pending: refused, to be reset once it is a registered device
 */
struct pci_kho_incoming_function {
	const struct pci_kho_function_ser *rec;
	struct pci_dev *pdev;
	enum pci_kho_claim state;
	int err;
	const char *reason;
	bool valid;
	bool reset_pending;
};

/**
 * struct pci_kho_incoming - the handover received from the previous kernel
 * @fdt: its FDT top layer
 * @functions: the folio holding the records
 * @refused: why the handover was refused as a whole, 0 if it was not
 * @nr: number of records
 * @fns: one entry per record
 *
 * A refused handover is still a successfully retrieved FLB object, with no
 * records: LUO expects the last file's finish to find its FLB retrieved.
 */
struct pci_kho_incoming {
	struct folio *fdt;
	struct folio *functions;
	int refused;
	u32 nr;
	struct pci_kho_incoming_function fns[] __counted_by(nr);
};

/*
 * pci_kho_lock protects everything below and the kho_preserved bit of every
 * pci_dev. Lock order: pci_kho_lookup_lock, then LUO's FLB locks, then
 * pci_kho_lock; the FLB callbacks take pci_kho_lock and nothing here calls
 * into LUO with it held.
 */
static DEFINE_MUTEX(pci_kho_lock);
static DEFINE_MUTEX(pci_kho_lookup_lock);
static struct pci_kho_outgoing *pci_kho_out;
static struct pci_kho_incoming *pci_kho_in;
static bool pci_kho_in_looked_up;
static bool pci_kho_in_finished;
/* Why the whole incoming handover was refused; 0 if it was not. */
static int pci_kho_in_refused;
/* Functions quiesced because the whole handover was refused. */
static struct {
	struct pci_dev *pdev;
	bool reset_pending;
} pci_kho_quiesced[PCI_KHO_MAX_FUNCTIONS];
static unsigned int pci_kho_nr_quiesced;

static bool pci_kho_is_bridge_of(const struct pci_kho_function_ser *f,
				 struct pci_dev *bridge)
{
	unsigned int i;

	for (i = 0; i < f->nr_bridges; i++)
		if (f->bridges[i].bus == bridge->bus->number &&
		    f->bridges[i].devfn == bridge->devfn &&
		    f->addr.segment == pci_domain_nr(bridge->bus))
			return true;
	return false;
}

/* Is @bridge above a function this kernel hands over or has claimed? */
static bool pci_kho_bridge_in_use(struct pci_dev *bridge)
{
	unsigned int i;

	lockdep_assert_held(&pci_kho_lock);
	if (pci_kho_out)
		for (i = 0; i < pci_kho_out->nr; i++)
			if (pci_kho_is_bridge_of(&pci_kho_out->functions[i], bridge))
				return true;
	if (pci_kho_in)
		for (i = 0; i < pci_kho_in->nr; i++)
			if (pci_kho_in->fns[i].state == PCI_KHO_CLAIMED &&
			    pci_kho_is_bridge_of(pci_kho_in->fns[i].rec, bridge))
				return true;
	return false;
}

/* Mark, or unmark when no longer needed, the bridges above @pdev. */
static void pci_kho_update_bridges(struct pci_dev *pdev)
{
	struct pci_dev *up;

	lockdep_assert_held(&pci_kho_lock);
	for (up = pci_upstream_bridge(pdev); up; up = pci_upstream_bridge(up))
		up->kho_preserved = pci_kho_bridge_in_use(up);
}

static void pci_kho_outgoing_sync_fdt(struct pci_kho_outgoing *out)
{
	int err;

	err = pci_kho_fdt_build(out->fdt, PAGE_SIZE, virt_to_phys(out->functions),
				out->nr);
	if (!err && out->nr)
		err = kho_devices_fdt_set_crc(out->fdt, PAGE_SIZE,
					      PCI_KHO_PROP_FUNCTIONS_CRC,
					      kho_devices_crc(out->functions,
							      out->nr * sizeof(out->functions[0])));
	/* One page holds the FDT with room to spare: this cannot fail. */
	WARN_ON_ONCE(err);
}

static int pci_kho_outgoing_find(struct pci_dev *pdev)
{
	unsigned int i;

	if (!pci_kho_out)
		return -ENOENT;
	for (i = 0; i < pci_kho_out->nr; i++)
		if (pci_kho_out->devs[i] == pdev)
			return i;
	return -ENOENT;
}

/* Is @bridge above @pdev? */
static bool pci_kho_bridge_above(const struct pci_dev *bridge,
				 struct pci_dev *pdev)
{
	struct pci_dev *up;

	for (up = pci_upstream_bridge(pdev); up; up = pci_upstream_bridge(up))
		if (up == bridge)
			return true;
	return false;
}

/*
 * Is @dev handed over, already or with the function @state is about? A
 * bridge is, as the path to a function handed over below it: it shares
 * the functions' IOMMU group when their DMA carries its requester ID (a
 * conventional PCI bridge), and it is kept with them.
 */
static bool pci_kho_dev_preserved(struct device *dev,
				  const struct kho_dma_pci_state *state)
{
	struct pci_dev *pdev;
	unsigned int i;

	if (!dev_is_pci(dev))
		return false;
	pdev = to_pci_dev(dev);
	for (i = 0; i < state->nr_peers; i++)
		if (state->peers[i] == pdev ||
		    pci_kho_bridge_above(pdev, state->peers[i]))
			return true;
	return pci_kho_is_preserved(pdev);
}

/* What only the PCI part knows of @pdev, for the policy */
static struct kho_dma_pci_state pci_kho_dma_state(struct pci_dev *pdev)
{
	return (struct kho_dma_pci_state){
		.declared_reach_bits = READ_ONCE(pdev->kho_dma_reach_bits),
		.preserved = pci_kho_dev_preserved,
	};
}

/**
 * pci_kho_dma_check() - may this function be handed over, says the policy?
 * @pdev: the function, referenced by the caller
 * @peers: the functions handed over together with it, which go with it or
 *	not at all (the caller refuses the kexec without one of them); NULL
 *	if none
 * @nr_peers: how many @peers
 *
 * Asks kho_dma_device_check() with what only the PCI part knows of the
 * function: the DMA reach its owner declared and which functions of its
 * IOMMU group are handed over, already or with it. Walks the IOMMU group:
 * not to be called with pci_kho_lock or iommu_kho_lock held.
 *
 * Return: 0 if the policy lets it go, else the errno of the rule it
 * breaks, logged by the policy.
 */
int pci_kho_dma_check(struct pci_dev *pdev, struct pci_dev *const *peers,
		      unsigned int nr_peers)
{
	struct kho_dma_pci_state state = pci_kho_dma_state(pdev);

	state.peers = peers;
	state.nr_peers = nr_peers;
	return kho_dma_device_check(&pdev->dev, &state, NULL);
}
EXPORT_SYMBOL_GPL(pci_kho_dma_check);

/**
 * pci_kho_preserve() - hand a PCI function over to the next kernel
 * @pdev: the function, an endpoint
 * @driver: the driver the next kernel must bind it to; NULL for the one
 *	bound now, "" for none
 * @peers: the functions of its IOMMU group that the caller hands over with
 *	it and refuses the kexec without (see pci_kho_dma_check()); NULL if
 *	none
 * @nr_peers: how many @peers
 *
 * To be called from the preserve callback of a LUO file handler that
 * depends on the PCI FLB (pci_kho_register_flb()). Checks the device
 * against the preservation policy, records it and the bridges above it,
 * and from then on keeps them from being reset, put in a low-power state
 * or stopped from mastering DMA at kexec.
 *
 * Return: 0; -ENOENT if no LUO file depending on the PCI FLB is being
 * preserved; -EEXIST if it is already preserved; the policy's errno if the
 * device does not qualify; -ENOSPC if %PCI_KHO_MAX_FUNCTIONS functions are
 * already handed over; -E2BIG, -EOPNOTSUPP, -ENAMETOOLONG or -EINVAL if it
 * cannot be described by the handover format. On error nothing is kept
 * and the reason is logged.
 */
int pci_kho_preserve(struct pci_dev *pdev, const char *driver,
		     struct pci_dev *const *peers, unsigned int nr_peers)
{
	struct pci_kho_function_ser rec;
	const char *why = NULL;
	int err;

	/*
	 * The policy walks the IOMMU group (group->mutex), which is taken
	 * before iommu_kho_lock and pci_kho_lock elsewhere: check it first,
	 * without pci_kho_lock.
	 */
	err = pci_kho_dma_check(pdev, peers, nr_peers);
	if (err)
		return err;	/* the policy has logged the rule */
	guard(mutex)(&pci_kho_lock);
	if (!pci_kho_out) {
		pci_warn(pdev, "not preserved: no LUO file that depends on %s is being preserved\n",
			 PCI_KHO_COMPATIBLE);
		return -ENOENT;
	}
	if (pci_kho_outgoing_find(pdev) >= 0) {
		pci_warn(pdev, "not preserved: already handed over\n");
		return -EEXIST;
	}
	if (pci_kho_out->nr == PCI_KHO_MAX_FUNCTIONS) {
		pci_warn(pdev, "not preserved: %u functions are handed over already\n",
			 PCI_KHO_MAX_FUNCTIONS);
		return -ENOSPC;
	}
	if (!driver)
		driver = pdev->driver ? pdev->driver->name : "";
	err = pci_kho_snapshot(pdev, driver, &rec, &why);
	if (err) {
		pci_warn(pdev, "not preserved: %s (%pe)\n", why, ERR_PTR(err));
		return err;
	}
	pci_kho_out->functions[pci_kho_out->nr] = rec;
	pci_kho_out->translated[pci_kho_out->nr] = false;
	pci_kho_out->removing[pci_kho_out->nr] = false;
	pci_kho_out->devs[pci_kho_out->nr++] = pci_dev_get(pdev);
	pci_kho_outgoing_sync_fdt(pci_kho_out);
	pdev->kho_preserved = 1;
	pci_kho_update_bridges(pdev);
	pci_dbg(pdev, "preserved for live update: command %#06x, %u bridge(s) above, next driver %s\n",
		rec.command, rec.nr_bridges, rec.driver[0] ? rec.driver : "none");
	return 0;
}
EXPORT_SYMBOL_GPL(pci_kho_preserve);

static void pci_kho_outgoing_remove(unsigned int i)
{
	struct pci_kho_outgoing *out = pci_kho_out;
	struct pci_dev *pdev = out->devs[i];

	out->nr--;
	out->functions[i] = out->functions[out->nr];
	out->devs[i] = out->devs[out->nr];
	out->translated[i] = out->translated[out->nr];
	out->translated[out->nr] = false;
	out->removing[i] = out->removing[out->nr];
	out->removing[out->nr] = false;
	memset(&out->functions[out->nr], 0, sizeof(out->functions[0]));
	out->devs[out->nr] = NULL;
	pci_kho_outgoing_sync_fdt(out);
	pdev->kho_preserved = 0;
	pci_kho_update_bridges(pdev);
	pci_dev_put(pdev);
}

/**
 * pci_kho_set_translated() - the function's IOMMU translation goes with it
 * @pdev: a function pci_kho_preserve() accepted
 *
 * For the owner that handed the function over, once the IOMMU part kept
 * its translation too (iommu_kho_preserve_device()): only then does the
 * function keep mastering DMA across the kexec (pci_kho_keeps_mastering()).
 */
void pci_kho_set_translated(struct pci_dev *pdev)
{
	int i;

	guard(mutex)(&pci_kho_lock);
	i = pci_kho_outgoing_find(pdev);
	if (i >= 0)
		pci_kho_out->translated[i] = true;
}
EXPORT_SYMBOL_GPL(pci_kho_set_translated);

/**
 * pci_kho_removing() - a preserved function is being removed or unbound
 * @pdev: any PCI function
 *
 * For the driver core's side of a removal that waits for the function's
 * users while holding its device lock (vfio-pci waits for the files open
 * on the device, one of them held by a LUO session). If @pdev is handed
 * over, it is marked, and pci_kho_check_staying() refuses the kexec until
 * the owner unpreserves it: a kexec would wait for the same lock at
 * shutdown forever.
 */
void pci_kho_removing(struct pci_dev *pdev)
{
	int i;

	scoped_guard(mutex, &pci_kho_lock) {
		i = pci_kho_outgoing_find(pdev);
		if (i < 0 || pci_kho_out->removing[i])
			return;
		pci_kho_out->removing[i] = true;
	}
	pci_warn(pdev, "preserved for a live update and being removed: the removal waits until its owner (a LUO session) lets go, and a kexec is refused until then\n");
}
EXPORT_SYMBOL_GPL(pci_kho_removing);

/**
 * pci_kho_check_staying() - may the kexec take this function along?
 * @pdev: a function pci_kho_preserve() accepted
 *
 * For the freeze callback of the LUO file that carries @pdev.
 *
 * Return: 0, or -ENODEV with a log line if the function is being removed
 * (pci_kho_removing()).
 */
int pci_kho_check_staying(struct pci_dev *pdev)
{
	int i;

	scoped_guard(mutex, &pci_kho_lock) {
		i = pci_kho_outgoing_find(pdev);
		if (i < 0 || !pci_kho_out->removing[i])
			return 0;
	}
	pci_warn(pdev, "live update refused: the device is being removed; close its LUO session to let the removal finish\n");
	return -ENODEV;
}
EXPORT_SYMBOL_GPL(pci_kho_check_staying);

/**
 * pci_kho_unpreserve() - stop handing a PCI function over
 * @pdev: a function pci_kho_preserve() accepted
 *
 * To be called from the unpreserve callback of the LUO file that preserved
 * it (the session was closed before the kexec): the function and the
 * bridges that no other preserved function needs behave as usual again.
 */
void pci_kho_unpreserve(struct pci_dev *pdev)
{
	int i;

	guard(mutex)(&pci_kho_lock);
	i = pci_kho_outgoing_find(pdev);
	if (i < 0)
		return;
	pci_kho_outgoing_remove(i);
	pci_dbg(pdev, "no longer preserved for live update\n");
}
EXPORT_SYMBOL_GPL(pci_kho_unpreserve);

/* LUO FLB callbacks */

static int pci_kho_flb_preserve(struct liveupdate_flb_op_args *args)
{
	struct pci_kho_outgoing *out;
	int err;

	out = kzalloc_obj(*out);
	if (!out)
		return -ENOMEM;
	out->fdt = kho_dma_alloc_preserve(PAGE_SIZE);
	out->functions = kho_dma_alloc_preserve(PCI_KHO_MAX_FUNCTIONS *
						sizeof(*out->functions));
	if (IS_ERR(out->fdt) || IS_ERR(out->functions)) {
		err = PTR_ERR(IS_ERR(out->fdt) ? out->fdt : out->functions);
		pr_warn("cannot allocate the handover above 4 GiB (%pe)\n",
			ERR_PTR(err));
		if (!IS_ERR(out->fdt))
			kho_dma_free_preserved(out->fdt);
		if (!IS_ERR(out->functions))
			kho_dma_free_preserved(out->functions);
		kfree(out);
		return err;
	}
	pci_kho_outgoing_sync_fdt(out);
	args->data = virt_to_phys(out->fdt);
	args->obj = out;
	scoped_guard(mutex, &pci_kho_lock)
		pci_kho_out = out;
	return 0;
}

static void pci_kho_flb_unpreserve(struct liveupdate_flb_op_args *args)
{
	struct pci_kho_outgoing *out = args->obj;

	scoped_guard(mutex, &pci_kho_lock) {
		/* The files are unpreserved first; anything left is a bug. */
		if (WARN_ON_ONCE(out->nr))
			while (out->nr)
				pci_kho_outgoing_remove(out->nr - 1);
		pci_kho_out = NULL;
	}
	kho_dma_free_preserved(out->functions);
	kho_dma_free_preserved(out->fdt);
	kfree(out);
}

/* Read the handover; returns its records' folio or an ERR_PTR(). */
static struct folio *pci_kho_read_handover(struct folio *fdt, u32 *nr)
{
	phys_addr_t functions_phys;
	struct folio *functions;
	const char *why;
	int err;

	err = pci_kho_fdt_parse(folio_address(fdt), folio_size(fdt),
				&functions_phys, nr);
	if (err) {
		why = err == -EPROTONOSUPPORT ? "unknown version" :
		      err == -EPROTO ? "record size differs" :
		      err == -E2BIG ? "too many functions" :
		      err == -ERANGE ? "records below 4 GiB" : "corrupt FDT";
		pr_err("handover refused: %s (%pe)\n", why, ERR_PTR(err));
		return ERR_PTR(err);
	}
	if (!*nr)
		return NULL;
	if (!kho_is_preserved(functions_phys,
			      *nr * sizeof(struct pci_kho_function_ser)))
		goto not_preserved;
	functions = kho_restore_folio(functions_phys);
	if (!functions)
		goto not_preserved;
	if (folio_size(functions) < *nr * sizeof(struct pci_kho_function_ser)) {
		folio_put(functions);
		goto not_preserved;
	}
	err = kho_devices_fdt_check_crc(folio_address(fdt),
					PCI_KHO_PROP_FUNCTIONS_CRC,
					folio_address(functions),
					*nr * sizeof(struct pci_kho_function_ser));
	if (err) {
		why = err == -EBADMSG ?
		      "its records do not match their checksum (changed in memory?)" :
		      "its records have no checksum";
		pr_err("handover refused: %s (%pe)\n", why, ERR_PTR(err));
		folio_put(functions);
		return ERR_PTR(err);
	}
	return functions;

not_preserved:
	pr_err("handover refused: its %u records are not in preserved memory\n",
	       *nr);
	return ERR_PTR(-EFAULT);
}

static int pci_kho_flb_retrieve(struct liveupdate_flb_op_args *args)
{
	struct folio *fdt, *functions = NULL;
	struct pci_kho_incoming *in;
	u32 nr = 0, i;
	int refused = 0;

	fdt = kho_is_preserved(args->data, PAGE_SIZE) ?
	      kho_restore_folio(args->data) : NULL;
	if (!fdt) {
		pr_err("handover refused: its FDT at %#llx is not preserved memory\n",
		       args->data);
		refused = -EFAULT;
	} else {
		functions = pci_kho_read_handover(fdt, &nr);
		if (IS_ERR(functions)) {
			refused = PTR_ERR(functions);
			functions = NULL;
			nr = 0;
		}
	}
	in = kzalloc_flex(*in, fns, nr);
	if (!in) {
		if (functions)
			folio_put(functions);
		if (fdt)
			folio_put(fdt);
		return -ENOMEM;
	}
	in->nr = nr;
	in->fdt = fdt;
	in->functions = functions;
	in->refused = refused;
	for (i = 0; i < nr; i++) {
		struct pci_kho_incoming_function *fn = &in->fns[i];

		fn->rec = (struct pci_kho_function_ser *)folio_address(functions) + i;
		fn->valid = !pci_kho_function_validate(fn->rec);
	}
	args->obj = in;
	if (!refused)
		pr_debug("handover from the previous kernel: %u function(s)\n", nr);
	return 0;
}

static void pci_kho_release_locked(struct pci_kho_incoming_function *fn)
{
	lockdep_assert_held(&pci_kho_lock);
	if (fn->state != PCI_KHO_CLAIMED)
		return;
	fn->state = PCI_KHO_RELEASED;
	if (!fn->pdev)
		return;
	fn->pdev->kho_preserved = 0;
	pci_kho_update_bridges(fn->pdev);
	pci_dbg(fn->pdev, "live update finished: an ordinary function again\n");
}

static void pci_kho_flb_finish(struct liveupdate_flb_op_args *args)
{
	struct pci_kho_incoming *in = args->obj;
	unsigned int i;

	scoped_guard(mutex, &pci_kho_lock) {
		for (i = 0; i < in->nr; i++)
			pci_kho_release_locked(&in->fns[i]);
		if (pci_kho_in == in)
			pci_kho_in = NULL;
		pci_kho_in_finished = true;
	}
	if (in->functions)
		folio_put(in->functions);
	if (in->fdt)
		folio_put(in->fdt);
	kfree(in);
}

static const struct liveupdate_flb_ops pci_kho_flb_ops = {
	.preserve = pci_kho_flb_preserve,
	.unpreserve = pci_kho_flb_unpreserve,
	.retrieve = pci_kho_flb_retrieve,
	.finish = pci_kho_flb_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_flb pci_kho_flb = {
	.ops = &pci_kho_flb_ops,
	.compatible = PCI_KHO_COMPATIBLE,
};

/**
 * pci_kho_register_flb() - make a LUO file handler carry PCI functions
 * @fh: a registered file handler whose files call pci_kho_preserve()
 *
 * Return: 0 or the errno of liveupdate_register_flb().
 */
int pci_kho_register_flb(struct liveupdate_file_handler *fh)
{
	return liveupdate_register_flb(fh, &pci_kho_flb);
}
EXPORT_SYMBOL_GPL(pci_kho_register_flb);

/* New kernel: recognising the functions during enumeration */

static void pci_kho_lookup_incoming(void)
{
	void *obj;
	int err;

	guard(mutex)(&pci_kho_lookup_lock);
	if (pci_kho_in_looked_up)
		return;
	pci_kho_in_looked_up = true;
	err = liveupdate_flb_get_incoming(&pci_kho_flb, &obj);
	/*
	 * Nothing handed over. Not so when LUO is off (-EOPNOTSUPP) in a KHO
	 * boot: what the previous kernel handed over cannot be read, and a
	 * function it left mastering DMA must be stopped.
	 */
	if (err == -ENOENT || err == -ENODATA)
		return;
	if (!err)
		/* Our reference is not needed: the files own the handover. */
		liveupdate_flb_put_incoming(&pci_kho_flb);
	else
		pr_err("cannot retrieve the PCI handover (%pe)\n", ERR_PTR(err));
	guard(mutex)(&pci_kho_lock);
	if (!err && !((struct pci_kho_incoming *)obj)->refused) {
		pci_kho_in = obj;
		return;
	}
	pci_kho_in_refused = err ?: ((struct pci_kho_incoming *)obj)->refused;
	pr_err("PCI handover refused (%pe): functions found with bus mastering on are quiesced\n",
	       ERR_PTR(pci_kho_in_refused));
}

static struct pci_kho_incoming_function *
pci_kho_incoming_find(const struct kho_devices_pci_addr *addr)
{
	unsigned int i;

	if (!pci_kho_in)
		return NULL;
	for (i = 0; i < pci_kho_in->nr; i++)
		if (kho_devices_pci_addr_eq(&pci_kho_in->fns[i].rec->addr, addr))
			return &pci_kho_in->fns[i];
	return NULL;
}

static struct pci_kho_incoming_function *
pci_kho_incoming_find_dev(struct pci_dev *pdev)
{
	struct kho_devices_pci_addr addr = pci_kho_addr(pdev);

	return pci_kho_incoming_find(&addr);
}

/* Does @pdev, and the path above it, match what was recorded? */
static int pci_kho_match(const struct pci_kho_function_ser *rec,
			 struct pci_dev *pdev, const char **why)
{
	struct pci_kho_function_ser found = {};
	struct pci_dev *path[PCI_KHO_MAX_BRIDGES];
	struct pci_kho_bridge_ser b = {};
	u32 bars[PCI_STD_NUM_BARS];
	int n, i;

	pci_kho_read_identity(pdev, &found);
	if (pci_kho_function_check_identity(rec, &found)) {
		*why = "another function sits at its address (identity differs from the record)";
		return -ESTALE;
	}
	pci_kho_read_bars(pdev, bars);
	if (memcmp(bars, rec->bars, sizeof(bars))) {
		*why = "its BARs differ from the record";
		return -ESTALE;
	}
	n = pci_kho_bridge_path(pdev, path);
	if (n != rec->nr_bridges) {
		*why = "the bridges above it differ from the record";
		return -ESTALE;
	}
	for (i = 0; i < n; i++) {
		const struct pci_kho_bridge_ser *r = &rec->bridges[i];

		pci_kho_read_bridge(path[i], &b);
		if (b.vendor != r->vendor || b.device != r->device ||
		    b.bus != r->bus || b.devfn != r->devfn ||
		    b.primary != r->primary || b.secondary != r->secondary ||
		    b.subordinate != r->subordinate) {
			*why = "a bridge above it differs from the record";
			return -ESTALE;
		}
	}
	return 0;
}

/* Stop a function's DMA at once; it is reset once it is a registered device. */
static void pci_kho_stop_dma(struct pci_dev *pdev)
{
	u16 cmd;

	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (cmd & PCI_COMMAND_MASTER)
		pci_write_config_word(pdev, PCI_COMMAND,
				      cmd & ~PCI_COMMAND_MASTER);
}

/*
 * The one form of the log line for a function whose handover this kernel
 * refuses, whichever part refused it: what it chose (translate or quiesce)
 * is said at the end.
 */
static void pci_kho_log_refused(struct pci_dev *pdev, int err, const char *why,
				bool stopped)
{
	const char *what = stopped ? "bus mastering turned off" :
				     "it was not mastering DMA";

	if (err)
		pci_err(pdev, "live update refused: %s (%pe); %s\n", why,
			ERR_PTR(err), what);
	else
		pci_err(pdev, "live update refused: %s; %s\n", why, what);
}

/**
 * pci_kho_device_found() - recognise a function the previous kernel handed over
 * @pdev: a function being added, before the PCI core configures it
 *
 * Called by pci_device_add(). Outside a KHO boot it returns at once. A
 * function that matches its record is claimed; one that does not, or any
 * endpoint with bus mastering on when the whole handover was refused, has
 * bus mastering turned off here and is reset once it is registered.
 */
void pci_kho_device_found(struct pci_dev *pdev)
{
	struct pci_kho_incoming_function *fn;
	const char *why = "the record is corrupt";
	int err = -EINVAL;
	u16 cmd;

	if (!is_kho_boot())
		return;
	pci_kho_lookup_incoming();

	guard(mutex)(&pci_kho_lock);
	if (pci_kho_in_refused) {
		if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL)
			return;
		pci_read_config_word(pdev, PCI_COMMAND, &cmd);
		if (PCI_POSSIBLE_ERROR(cmd) || !(cmd & PCI_COMMAND_MASTER))
			return;
		/* Every one is stopped; the first ones are also reset. */
		pci_kho_stop_dma(pdev);
		pci_kho_log_refused(pdev, pci_kho_in_refused,
				    "the PCI handover was refused as a whole", true);
		if (pci_kho_nr_quiesced == ARRAY_SIZE(pci_kho_quiesced))
			return;
		pci_kho_quiesced[pci_kho_nr_quiesced].pdev = pdev;
		pci_kho_quiesced[pci_kho_nr_quiesced++].reset_pending = true;
		return;
	}
	fn = pci_kho_incoming_find_dev(pdev);
	if (!fn || fn->state != PCI_KHO_PENDING)
		return;
	fn->pdev = pdev;
	if (fn->valid)
		err = pci_kho_match(fn->rec, pdev, &why);
	if (err) {
		fn->state = PCI_KHO_REFUSED;
		fn->err = err;
		fn->reason = why;
		fn->reset_pending = true;
		pci_kho_stop_dma(pdev);
		pci_kho_log_refused(pdev, err, why, true);
		return;
	}
	fn->state = PCI_KHO_CLAIMED;
	pdev->kho_preserved = 1;
	pci_kho_update_bridges(pdev);
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	pci_dbg(pdev, "kept from the previous kernel: bus mastering %s, driver %s\n",
		cmd & PCI_COMMAND_MASTER ? "on" : "off",
		 fn->rec->driver[0] ? fn->rec->driver : "none");
}

static void pci_kho_reset_refused(struct pci_dev *pdev)
{
	int err;

	err = pci_reset_function(pdev);
	if (err)
		pci_warn(pdev, "refused handover: cannot reset (%pe), bus mastering stays off\n",
			 ERR_PTR(err));
	else
		pci_dbg(pdev, "refused handover: reset\n");
}

static int pci_kho_bus_notify(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	struct pci_kho_incoming_function *fn;
	bool reset = false;
	unsigned int i;
	int i_out;

	if (action != BUS_NOTIFY_ADD_DEVICE && action != BUS_NOTIFY_DEL_DEVICE)
		return NOTIFY_DONE;

	scoped_guard(mutex, &pci_kho_lock) {
		for (i = 0; i < pci_kho_nr_quiesced; i++) {
			if (pci_kho_quiesced[i].pdev != pdev)
				continue;
			if (action == BUS_NOTIFY_DEL_DEVICE) {
				pci_kho_quiesced[i] = pci_kho_quiesced[--pci_kho_nr_quiesced];
			} else {
				reset = pci_kho_quiesced[i].reset_pending;
				pci_kho_quiesced[i].reset_pending = false;
			}
			break;
		}
		fn = pci_kho_incoming_find_dev(pdev);
		if (fn && fn->pdev == pdev) {
			if (action == BUS_NOTIFY_DEL_DEVICE) {
				pci_kho_release_locked(fn);
				fn->pdev = NULL;
			} else if (fn->state == PCI_KHO_CLAIMED && fn->rec->driver[0]) {
				/* Before any driver is matched: the recorded one binds. */
				device_set_driver_override(&pdev->dev, fn->rec->driver);
			} else if (fn->reset_pending) {
				fn->reset_pending = false;
				reset = true;
			}
		}
		i_out = pci_kho_outgoing_find(pdev);
		if (action == BUS_NOTIFY_DEL_DEVICE && i_out >= 0) {
			pci_warn(pdev, "removed while preserved: dropped from the handover\n");
			pci_kho_outgoing_remove(i_out);
		}
	}
	if (reset)
		pci_kho_reset_refused(pdev);
	return NOTIFY_OK;
}

static struct notifier_block pci_kho_bus_nb = {
	.notifier_call = pci_kho_bus_notify,
};

/**
 * pci_kho_find_claimed() - get a function kept from the previous kernel
 * @addr: where it sits, as a handover names it
 * @pdevp: set to the function, with a reference, on success
 *
 * For the retrieve callback of the LUO file that carried the function.
 *
 * Return: 0 if the function was claimed and is still; -ENODATA if nothing
 * was handed over or the handover is finished; -ENOENT if no record has
 * this address; -ESTALE if it was refused; -ENODEV if it never showed up
 * or was removed; -EALREADY if its claim was released.
 */
int pci_kho_find_claimed(const struct kho_devices_pci_addr *addr,
			 struct pci_dev **pdevp)
{
	struct pci_kho_incoming_function *fn;

	pci_kho_lookup_incoming();
	guard(mutex)(&pci_kho_lock);
	if (!pci_kho_in)
		return -ENODATA;
	fn = pci_kho_incoming_find(addr);
	if (!fn)
		return -ENOENT;
	switch (fn->state) {
	case PCI_KHO_CLAIMED:
		if (!fn->pdev)
			return -ENODEV;
		*pdevp = pci_dev_get(fn->pdev);
		return 0;
	case PCI_KHO_REFUSED:
		return -ESTALE;
	case PCI_KHO_RELEASED:
		return -EALREADY;
	default:
		return -ENODEV;
	}
}
EXPORT_SYMBOL_GPL(pci_kho_find_claimed);

/**
 * pci_kho_release() - end the claim on a function kept from the previous kernel
 * @pdev: the function
 *
 * For the finish callback of the LUO file that carried it: from now on the
 * function is an ordinary one (it may be reset, put in D3...). Does nothing
 * for a function that is not claimed.
 */
void pci_kho_release(struct pci_dev *pdev)
{
	struct pci_kho_incoming_function *fn;

	guard(mutex)(&pci_kho_lock);
	fn = pci_kho_incoming_find_dev(pdev);
	if (fn && fn->pdev == pdev)
		pci_kho_release_locked(fn);
}
EXPORT_SYMBOL_GPL(pci_kho_release);

/**
 * pci_kho_check_reset() - may the PCI core reset this function or bus?
 * @pdev: the function or bridge about to be reset
 *
 * Return: 0, or -EBUSY (and a log line) if it is kept for a live update.
 */
int pci_kho_check_reset(struct pci_dev *pdev)
{
	if (!pci_kho_is_preserved(pdev))
		return 0;
	dev_warn_ratelimited(&pdev->dev, "reset refused: kept for a live update\n");
	return -EBUSY;
}

/**
 * pci_kho_keeps_mastering() - may this function master DMA across the kexec?
 * @pdev: a function shut down for kexec
 *
 * Called by pci_device_shutdown(). Translate or quiesce: a function handed
 * over keeps bus mastering only if its IOMMU translation is handed over
 * with it (its owner said so with pci_kho_set_translated()), so that its
 * DMA never reaches memory untranslated; a bridge above such a function
 * keeps it to forward that DMA. A function handed over without its
 * translation, or kept from the previous kernel and not handed over
 * again, is stopped like any other.
 *
 * Return: true if bus mastering stays on.
 */
bool pci_kho_keeps_mastering(struct pci_dev *pdev)
{
	bool handed_over, translated = false;
	int i;

	if (!pci_kho_is_preserved(pdev))
		return false;
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return true;	/* a bridge above a kept function */
	scoped_guard(mutex, &pci_kho_lock) {
		i = pci_kho_outgoing_find(pdev);
		handed_over = i >= 0;
		if (handed_over)
			translated = pci_kho_out->translated[i];
	}
	if (translated)
		return true;
	pci_warn(pdev, "bus mastering turned off at kexec: %s\n",
		 handed_over ? "handed over without its IOMMU translation" :
		 "kept from the previous kernel but not handed over again");
	return false;
}

/**
 * pci_kho_quiesce() - stop a function whose handover cannot be honoured
 * @pdev: a function the previous kernel may have left doing DMA
 * @err: the errno of the refusal, 0 if there is none to give
 * @why: what it lost, for the log
 *
 * The one way the suite stops such a function in the next kernel, used
 * when its translation is about to change (the IOMMU driver turning
 * translation off, a refused IOMMU record: both through kho_dma_quiesce(),
 * which the PCI part points here) or its owner refuses its handover (VFIO):
 * bus mastering goes off at once, and if the PCI part had claimed the
 * function, the claim is refused, so that its owner gets -ESTALE and
 * nothing treats it as kept any more. Logs one line, as every refusal of
 * the PCI part does: "live update refused: WHY (ERRNO); bus mastering
 * turned off" (or "; it was not mastering DMA").
 */
void pci_kho_quiesce(struct pci_dev *pdev, int err, const char *why)
{
	struct pci_kho_incoming_function *fn;
	bool claimed = false, mastering;
	u16 cmd;

	guard(mutex)(&pci_kho_lock);
	fn = pci_kho_incoming_find_dev(pdev);
	if (fn && fn->pdev == pdev && fn->state == PCI_KHO_CLAIMED) {
		fn->state = PCI_KHO_REFUSED;
		fn->err = -ESTALE;
		fn->reason = why;
		pdev->kho_preserved = 0;
		pci_kho_update_bridges(pdev);
		claimed = true;
	}
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	mastering = !PCI_POSSIBLE_ERROR(cmd) && (cmd & PCI_COMMAND_MASTER);
	if (mastering)
		pci_kho_stop_dma(pdev);
	if (mastering || claimed)
		pci_kho_log_refused(pdev, err, why, mastering);
}
EXPORT_SYMBOL_GPL(pci_kho_quiesce);

/* The suite's one quiesce, for the parts that only know a struct device */
static void pci_kho_quiesce_device(struct device *dev, int err,
				   const char *why)
{
	if (dev_is_pci(dev))
		pci_kho_quiesce(to_pci_dev(dev), err, why);
}

/* End of boot: report what never showed up */
static int __init pci_kho_boot_done(void)
{
	unsigned int i, kept = 0, refused = 0, missing = 0;

	guard(mutex)(&pci_kho_lock);
	if (!pci_kho_in)
		return 0;
	for (i = 0; i < pci_kho_in->nr; i++) {
		struct pci_kho_incoming_function *fn = &pci_kho_in->fns[i];
		const struct pci_kho_function_ser *rec = fn->rec;

		if (fn->state == PCI_KHO_PENDING) {
			fn->state = PCI_KHO_MISSING;
			pr_err("%s: handed-over function not found; nothing kept\n",
			       kho_devices_pci_name(&rec->addr).str);
		}
		kept += fn->state == PCI_KHO_CLAIMED;
		refused += fn->state == PCI_KHO_REFUSED;
		missing += fn->state == PCI_KHO_MISSING;
	}
	pr_info("%u function(s) kept, %u refused, %u missing\n", kept, refused,
		missing);
	return 0;
}
late_initcall_sync(pci_kho_boot_done);

/* sysfs: /sys/bus/pci/devices/.../kho_preservable and kho_dma_reach_bits */

/* Most functions of one IOMMU group that kho_preservable judges as a whole */
#define PCI_KHO_GROUP_MAX	16

struct pci_kho_group_members {
	struct pci_dev *fns[PCI_KHO_GROUP_MAX];	/* referenced */
	unsigned int nr;
	struct pci_dev *peers[PCI_KHO_GROUP_MAX];	/* fns but bridges */
	unsigned int nr_peers;
	bool other;	/* a member that is not a PCI function, or too many */
};

static int pci_kho_add_group_member(struct device *dev, void *data)
{
	struct pci_kho_group_members *m = data;
	struct pci_dev *pdev;

	if (!dev_is_pci(dev) || m->nr == PCI_KHO_GROUP_MAX) {
		m->other = true;
		return 0;
	}
	pdev = pci_dev_get(to_pci_dev(dev));
	m->fns[m->nr++] = pdev;
	if (!pci_is_bridge(pdev))
		m->peers[m->nr_peers++] = pdev;
	return 0;
}

/*
 * kho_preservable of a function that breaks the group rule on its own: may
 * its IOMMU group go as a whole? Its functions other than bridges are
 * judged each with all of them as peers, as when a VMM that owns the group
 * hands it over (a bridge goes as the path to the functions below it).
 */
static ssize_t pci_kho_group_verdict(struct pci_dev *pdev, char *buf,
				     const char *group_reason)
{
	struct pci_kho_group_members *m;
	struct kho_dma_pci_state state;
	struct iommu_group *group;
	const char *reason = NULL;
	unsigned int i;
	ssize_t len;

	m = kzalloc_obj(*m);
	if (!m)
		return -ENOMEM;
	group = iommu_group_get(&pdev->dev);
	if (group) {
		iommu_group_for_each_dev(group, m, pci_kho_add_group_member);
		iommu_group_put(group);
	}
	if (m->other || !m->nr_peers) {
		len = sysfs_emit(buf, "no: %s\n", group_reason);
		goto out;
	}
	for (i = 0; i < m->nr_peers; i++) {
		state = pci_kho_dma_state(m->peers[i]);
		state.peers = m->peers;
		state.nr_peers = m->nr_peers;
		reason = kho_dma_device_verdict(&m->peers[i]->dev, &state);
		if (reason)
			break;
	}
	if (reason) {
		len = sysfs_emit(buf, "no: %s of its IOMMU group: %s\n",
				 pci_name(m->peers[i]), reason);
		goto out;
	}
	len = sysfs_emit(buf, "yes, with its IOMMU group:");
	for (i = 0; i < m->nr; i++)
		if (m->fns[i] != pdev)
			len += sysfs_emit_at(buf, len, " %s",
					     pci_name(m->fns[i]));
	len += sysfs_emit_at(buf, len, "\n");
out:
	for (i = 0; i < m->nr; i++)
		pci_dev_put(m->fns[i]);
	kfree(m);
	return len;
}

static ssize_t kho_preservable_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct kho_dma_pci_state state = pci_kho_dma_state(pdev);
	const char *reason = kho_dma_device_verdict(dev, &state);

	if (!reason)
		return sysfs_emit(buf, "yes\n");
	if (reason == kho_dma_rule_reason(KHO_DMA_RULE_GROUP) &&
	    !pci_is_bridge(pdev))
		return pci_kho_group_verdict(pdev, buf, reason);
	return sysfs_emit(buf, "no: %s\n", reason);
}
static DEVICE_ATTR_RO(kho_preservable);

static ssize_t kho_dma_reach_bits_show(struct device *dev,
				       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_pci_dev(dev)->kho_dma_reach_bits);
}

static ssize_t kho_dma_reach_bits_store(struct device *dev,
					struct device_attribute *attr,
					const char *buf, size_t count)
{
	u8 bits;
	int err;

	err = kstrtou8(buf, 0, &bits);
	if (err)
		return err;
	if (bits && (bits < 12 || bits > 64)) {
		pci_warn(to_pci_dev(dev), "DMA reach of %u bits refused: must be 0 (none) or 12..64\n",
			 bits);
		return -EINVAL;
	}
	to_pci_dev(dev)->kho_dma_reach_bits = bits;
	return count;
}
static DEVICE_ATTR_RW(kho_dma_reach_bits);

static struct attribute *pci_kho_attrs[] = {
	&dev_attr_kho_preservable.attr,
	&dev_attr_kho_dma_reach_bits.attr,
	NULL,
};

/*
 * What the policy says of every PCI device, and the DMA reach its owner
 * declares (read by the policy when the driver leaves DMA to userspace).
 * See Documentation/ABI/testing/sysfs-bus-pci-kho.
 */
const struct attribute_group pci_kho_attr_group = {
	.attrs = pci_kho_attrs,
};

/* debugfs: kho_devices/pci/functions */

static void pci_kho_show_record(struct seq_file *m, const char *dir,
				const struct pci_kho_function_ser *rec,
				const char *state)
{
	seq_printf(m, "%s %s %04x:%04x %s driver=%s bridges=%u",
		   dir, kho_devices_pci_name(&rec->addr).str, rec->vendor,
		   rec->device, state,
		   rec->driver[0] ? rec->driver : "-", rec->nr_bridges);
}

static int pci_kho_functions_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	guard(mutex)(&pci_kho_lock);
	if (pci_kho_out)
		for (i = 0; i < pci_kho_out->nr; i++) {
			pci_kho_show_record(m, "out", &pci_kho_out->functions[i],
					    "preserved");
			seq_putc(m, '\n');
		}
	if (pci_kho_in_refused)
		seq_printf(m, "in handover-refused err=%d\n", pci_kho_in_refused);
	for (i = 0; i < pci_kho_nr_quiesced; i++)
		seq_printf(m, "in %s quiesced\n",
			   pci_name(pci_kho_quiesced[i].pdev));
	if (pci_kho_in_finished)
		seq_puts(m, "in handover-finished\n");
	if (!pci_kho_in)
		return 0;
	for (i = 0; i < pci_kho_in->nr; i++) {
		struct pci_kho_incoming_function *fn = &pci_kho_in->fns[i];

		pci_kho_show_record(m, "in", fn->rec,
				    pci_kho_claim_names[fn->state]);
		if (fn->state == PCI_KHO_REFUSED)
			seq_printf(m, " err=%d reason=\"%s\"", fn->err, fn->reason);
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pci_kho_functions);

/* debugfs: kho_devices/pci/outgoing and incoming */

static int pci_kho_snapshot_out(void *buf, size_t size)
{
	const struct pci_kho_outgoing *out = pci_kho_out;
	int err;

	err = kho_devices_snapshot_begin(buf, size, "pci", "outgoing",
					 out ? "preserved" : "none");
	if (err || !out)
		return err;
	err = kho_devices_snapshot_u64(buf, "handover", virt_to_phys(out->fdt));
	err = err ?: kho_devices_snapshot_u64(buf, "preserved-bytes",
					      PAGE_SIZE +
					      PAGE_ALIGN(PCI_KHO_MAX_FUNCTIONS *
							 sizeof(*out->functions)));
	err = err ?: kho_devices_snapshot_mem(buf, "fdt", virt_to_phys(out->fdt),
					      out->fdt, PAGE_SIZE, 0);
	if (out->nr)
		err = err ?: kho_devices_snapshot_mem(buf, "functions",
						      virt_to_phys(out->functions),
						      out->functions,
						      out->nr * sizeof(*out->functions),
						      0);
	return err;
}

static int pci_kho_snapshot_in(void *buf, size_t size)
{
	const struct pci_kho_incoming *in = pci_kho_in;
	const char *state = in ? "retrieved" : pci_kho_in_refused ? "refused" :
			    pci_kho_in_finished ? "finished" : "none";
	void *fdt, *functions;
	int err;

	err = kho_devices_snapshot_begin(buf, size, "pci", "incoming", state);
	if (pci_kho_in_refused)
		err = err ?: kho_devices_snapshot_u64(buf, "error",
						      -pci_kho_in_refused);
	if (err || !in)
		return err;
	fdt = folio_address(in->fdt);
	err = kho_devices_snapshot_u64(buf, "handover", virt_to_phys(fdt));
	err = err ?: kho_devices_snapshot_u64(buf, "preserved-bytes",
					      folio_size(in->fdt) +
					      (in->functions ?
					       folio_size(in->functions) : 0));
	err = err ?: kho_devices_snapshot_mem(buf, "fdt", virt_to_phys(fdt), fdt,
					      folio_size(in->fdt), 0);
	if (!in->functions)
		return err;
	functions = folio_address(in->functions);
	return err ?: kho_devices_snapshot_mem(buf, "functions",
					       virt_to_phys(functions), functions,
					       in->nr * sizeof(*in->fns[0].rec),
					       0);
}

static const struct kho_devices_snapshot_ops pci_kho_snapshot_ops = {
	.lock = &pci_kho_lock,
	.outgoing = pci_kho_snapshot_out,
	.incoming = pci_kho_snapshot_in,
};

static struct dentry *pci_kho_debugfs_dir;

/**
 * pci_kho_debugfs_root() - the kho_devices/pci directory in debugfs
 *
 * Return: the directory, or an error pointer if debugfs is unavailable.
 */
struct dentry *pci_kho_debugfs_root(void)
{
	return pci_kho_debugfs_dir;
}

#ifdef CONFIG_KHO_DEVICES_TEST_HOOKS
/* forge, which reaches into the records above */
#include "pci_kho_test.c"
#else
static inline void pci_kho_test_hooks_init(struct dentry *dir)
{
}
#endif

/* At arch_initcall: after the PCI bus type exists, before buses are scanned */
static int __init pci_kho_init(void)
{
	int err;

	kho_dma_set_quiesce(pci_kho_quiesce_device);
	err = bus_register_notifier(&pci_bus_type, &pci_kho_bus_nb);
	if (err)
		pr_err("cannot watch PCI devices (%pe): handed-over functions are not bound\n",
		       ERR_PTR(err));
	return 0;
}
arch_initcall(pci_kho_init);

/* At fs_initcall: after kho_dma_policy made kho_devices/, before the test hooks */
static int __init pci_kho_debugfs_init(void)
{
	struct dentry *root = kho_devices_debugfs_root();

	if (IS_ERR_OR_NULL(root))
		return 0;
	pci_kho_debugfs_dir = debugfs_create_dir("pci", root);
	debugfs_create_file("functions", 0400, pci_kho_debugfs_dir, NULL,
			    &pci_kho_functions_fops);
	kho_devices_debugfs_snapshots(pci_kho_debugfs_dir, &pci_kho_snapshot_ops);
	pci_kho_test_hooks_init(pci_kho_debugfs_dir);
	return 0;
}
fs_initcall(pci_kho_debugfs_init);
