/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Can the kernel loaded for kexec take a device handover? See
 * kernel/kho_next_kernel.c. Pure code, also built in userspace.
 */
#ifndef _LINUX_KHO_NEXT_KERNEL_H
#define _LINUX_KHO_NEXT_KERNEL_H

#include <linux/kho/abi/image.h>
#include <linux/types.h>

/**
 * struct kho_next_kernel_note - what a kernel image says it takes
 * @flags: its defaults, %KHO_DEVICES_NOTE_KHO_ON and the others
 * @formats: the handover formats it reads, space-separated
 */
struct kho_next_kernel_note {
	u32 flags;
	char formats[KHO_DEVICES_NOTE_MAX_FORMATS];
};

extern const char kho_next_kernel_sm_reason[];

int kho_next_kernel_find_note(const void *image, size_t len,
			      struct kho_next_kernel_note *note);
int kho_next_kernel_judge(const void *image, size_t image_len,
			  const char *cmdline, size_t cmdline_len,
			  const char *formats, const char **why);

#endif /* _LINUX_KHO_NEXT_KERNEL_H */
