/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The note a kernel image carries to say which device handovers the
 * kernel takes. See kernel/kho_next_kernel.c.
 */
#ifndef _LINUX_KHO_ABI_IMAGE_H
#define _LINUX_KHO_ABI_IMAGE_H

/**
 * DOC: kernel image note
 *
 * A device that keeps doing DMA across a kexec may only be handed to a next
 * kernel that will keep its translation. Before it lets the kexec happen,
 * the old kernel reads what the next kernel's image says it takes. On x86
 * the bzImage's ``kernel_info`` (Documentation/arch/x86/boot.rst) has a
 * field ``kho_devices_note`` at offset 0x0010: 0, or the offset from the
 * start of ``kernel_info`` of this note, in its variable-length data:
 *
 * ========  ======  =====================================================
 * offset    size    field
 * ========  ======  =====================================================
 * 0x00      4       magic, %KHO_DEVICES_NOTE_MAGIC ("KHOD"), little endian
 * 0x04      4       size of the whole note in bytes, the formats included
 * 0x08      4       version, %KHO_DEVICES_NOTE_VERSION
 * 0x0c      4       flags: the kernel's defaults, %KHO_DEVICES_NOTE_*
 * 0x10      ...     formats: the handover formats (compatible strings)
 *                   the kernel reads, separated by spaces, NUL-terminated
 * ========  ======  =====================================================
 *
 * As every chunk of kernel_info's variable-length data, the note starts
 * with a magic and its size. A stock kernel's ``kernel_info`` is 0x10 bytes long and has no such
 * field: such a kernel takes no device handover.
 *
 * The flags give what the kernel does when its command line says nothing:
 * whether KHO, LUO and the Intel IOMMU are on, and whether the Intel IOMMU
 * uses scalable mode. The old kernel combines them with the next command
 * line to know whether the next kernel will run KHO, LUO and the IOMMU in
 * the mode the handover needs.
 *
 * This is a contract between two kernels: a change of layout or meaning
 * needs a new version, and an old kernel refuses a version it does not
 * know.
 */

#define KHO_DEVICES_NOTE_MAGIC		0x444f484b	/* "KHOD" */
#define KHO_DEVICES_NOTE_VERSION	1
/* Offset of the note's offset in kernel_info, and its header's size. */
#define KHO_DEVICES_NOTE_KERNEL_INFO_FIELD	0x10
#define KHO_DEVICES_NOTE_HEADER_SIZE	16
/* Most bytes of formats, NUL included. */
#define KHO_DEVICES_NOTE_MAX_FORMATS	256

#define KHO_DEVICES_NOTE_KHO_ON		0x1	/* kho=on by default */
#define KHO_DEVICES_NOTE_LUO_ON		0x2	/* liveupdate=on by default */
#define KHO_DEVICES_NOTE_INTEL_IOMMU_ON	0x4	/* intel_iommu=on by default */
#define KHO_DEVICES_NOTE_INTEL_SM_ON	0x8	/* intel_iommu=sm_on by default */
#define KHO_DEVICES_NOTE_FLAGS_KNOWN	0xf

/*
 * What this kernel puts in its own note. The strings are the compatible
 * strings of include/linux/kho/abi/{pci,iommu,vfio}.h (a KUnit case checks
 * that they agree), usable from assembly as well as from C.
 */
#ifdef CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT
#define KHO_DEVICES_NOTE_FLAG_KHO	KHO_DEVICES_NOTE_KHO_ON
#else
#define KHO_DEVICES_NOTE_FLAG_KHO	0
#endif
#ifdef CONFIG_INTEL_IOMMU_DEFAULT_ON
#define KHO_DEVICES_NOTE_FLAG_IOMMU	KHO_DEVICES_NOTE_INTEL_IOMMU_ON
#else
#define KHO_DEVICES_NOTE_FLAG_IOMMU	0
#endif
#ifdef CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON
#define KHO_DEVICES_NOTE_FLAG_SM	KHO_DEVICES_NOTE_INTEL_SM_ON
#else
#define KHO_DEVICES_NOTE_FLAG_SM	0
#endif
/* LUO has no build-time default in 7.3: liveupdate=on is always needed. */
#define KHO_DEVICES_NOTE_FLAGS	(KHO_DEVICES_NOTE_FLAG_KHO | \
				 KHO_DEVICES_NOTE_FLAG_IOMMU | \
				 KHO_DEVICES_NOTE_FLAG_SM)

#ifdef CONFIG_PCI_KHO
#define KHO_DEVICES_FORMAT_PCI		"pci-kho-v2 "
#else
#define KHO_DEVICES_FORMAT_PCI		""
#endif
#ifdef CONFIG_IOMMU_KHO
#define KHO_DEVICES_FORMAT_IOMMU	"iommu-kho-vtd-legacy-v4 "
#else
#define KHO_DEVICES_FORMAT_IOMMU	""
#endif
#ifdef CONFIG_VFIO_KHO
#define KHO_DEVICES_FORMAT_VFIO	"vfio-type1-container-v4 vfio-pci-device-v4 "
#else
#define KHO_DEVICES_FORMAT_VFIO	""
#endif
#ifdef CONFIG_PCI_KHO_TEST_HOOKS
#define KHO_DEVICES_FORMAT_TEST		"pci-kho-test-v2 "
#else
#define KHO_DEVICES_FORMAT_TEST		""
#endif

/* Every format this kernel reads, and writes: what its note lists. */
#define KHO_DEVICES_FORMATS	(KHO_DEVICES_FORMAT_PCI KHO_DEVICES_FORMAT_IOMMU \
				 KHO_DEVICES_FORMAT_VFIO KHO_DEVICES_FORMAT_TEST)

#endif /* _LINUX_KHO_ABI_IMAGE_H */
