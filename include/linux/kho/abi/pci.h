/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Handover ABI of drivers/pci/pci_kho.c: the PCI functions (and the bridges
 * above them) that keep running across a kexec-based live update.
 */
#ifndef _LINUX_KHO_ABI_PCI_H
#define _LINUX_KHO_ABI_PCI_H

#include <linux/kho/abi/kho_devices.h>
#include <linux/types.h>

/**
 * DOC: PCI KHO ABI
 *
 * The old kernel hands the next one a flattened device tree whose root node
 * has these properties:
 *
 * - ``compatible``: the string %PCI_KHO_COMPATIBLE;
 * - ``nr-functions``: u32, the number of preserved functions, at most
 *   %PCI_KHO_MAX_FUNCTIONS;
 * - ``function-size``: u32, sizeof(&struct pci_kho_function_ser);
 * - ``functions``: u64, physical address of an array of ``nr-functions``
 *   &struct pci_kho_function_ser in pages preserved with KHO (absent when
 *   there are none);
 * - ``functions-crc32c``: u32, the CRC-32C of that array (``nr-functions``
 *   times ``function-size`` bytes, seeded with all ones; absent when there
 *   are none): the next kernel refuses records that do not match it.
 *
 * Each entry says what the next kernel needs to recognise a function and
 * leave it alone: its address, identity, BARs and command register, the
 * bus numbers and command of every bridge above it (root first), and the
 * driver it must be bound to.
 *
 * This interface is a contract between two kernels. Any change to the
 * layout or meaning of a field requires a new %PCI_KHO_COMPATIBLE; the next
 * kernel refuses a compatible string it does not know, a size that does not
 * match, a count out of range or an entry that fails validation, and then
 * quiesces the functions instead of adopting them.
 */

/* The compatible string of this version of the ABI. */
#define PCI_KHO_COMPATIBLE		"pci-kho-v2"

#define PCI_KHO_PROP_NR_FUNCTIONS	"nr-functions"
#define PCI_KHO_PROP_FUNCTION_SIZE	"function-size"
#define PCI_KHO_PROP_FUNCTIONS		"functions"
#define PCI_KHO_PROP_FUNCTIONS_CRC	"functions-crc32c"

/* Most functions one handover may carry. */
#define PCI_KHO_MAX_FUNCTIONS		256
/* Most bridges between a root port and a preserved function. */
#define PCI_KHO_MAX_BRIDGES		8
/* Room for a driver name, NUL included. */
#define PCI_KHO_DRIVER_NAME_LEN		32

/**
 * struct pci_kho_bridge_ser - a bridge above a preserved function
 * @vendor: PCI vendor ID
 * @device: PCI device ID
 * @bus: bus number the bridge sits on
 * @devfn: its device and function number
 * @primary: primary bus number register
 * @secondary: secondary bus number register
 * @subordinate: subordinate bus number register
 * @reserved: zero
 * @command: command register
 * @bridge_control: bridge control register
 */
struct pci_kho_bridge_ser {
	u16 vendor;
	u16 device;
	u8 bus;
	u8 devfn;
	u8 primary;
	u8 secondary;
	u8 subordinate;
	u8 reserved;
	u16 command;
	u16 bridge_control;
} __packed;

/**
 * struct pci_kho_function_ser - a preserved PCI function
 * @addr: where it sits
 * @vendor: PCI vendor ID
 * @device: PCI device ID
 * @subsystem_vendor: subsystem vendor ID
 * @subsystem_device: subsystem device ID
 * @class: 24-bit class code
 * @revision: revision ID
 * @hdr_type: header type (only %PCI_HEADER_TYPE_NORMAL is preserved)
 * @nr_bridges: number of valid entries in @bridges
 * @reserved: zero
 * @command: command register, bus mastering included
 * @reserved2: zero
 * @bars: the six base address registers as read from config space
 * @driver: name of the driver it must be bound to, NUL terminated
 * @bridges: the bridges above it, the one nearest the root first
 */
struct pci_kho_function_ser {
	struct kho_devices_pci_addr addr;
	u16 vendor;
	u16 device;
	u16 subsystem_vendor;
	u16 subsystem_device;
	u32 class;
	u8 revision;
	u8 hdr_type;
	u8 nr_bridges;
	u8 reserved;
	u16 command;
	u16 reserved2;
	u32 bars[6];
	char driver[PCI_KHO_DRIVER_NAME_LEN];
	struct pci_kho_bridge_ser bridges[PCI_KHO_MAX_BRIDGES];
} __packed;

#endif /* _LINUX_KHO_ABI_PCI_H */
