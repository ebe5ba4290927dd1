// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_next_kernel - libFuzzer target for kernel/kho_next_kernel.c, built
 * unchanged in userspace: the bzImage note reader and the command line
 * judge that decide whether a kexec may take devices doing DMA.
 *
 * Input: two bytes of command line length, the command line, the image.
 * Each part sits in a buffer of exactly its size, so that AddressSanitizer
 * catches any read past it. Oracles: no crash or out-of-bounds read; only
 * the documented errnos; a refusal always has a reason; an accepted image
 * has a note whose formats list every format asked for; and the verdict
 * does not depend on bytes past the image's end.
 *
 * Seed writer (kho_fuzz_write_seeds(), run by seeds_main.c as
 * seeds_fuzz_next_kernel DIR): valid images (a note, a stock kernel_info)
 * with command lines to start from.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kho_next_kernel.h>

#define FORMATS "pci-kho-v2 iommu-kho-vtd-legacy-v2"

static int judge(const uint8_t *img, size_t len, const char *cmd, size_t clen,
		 const char **why)
{
	*why = NULL;
	return kho_next_kernel_judge(img, len, cmd, clen, FORMATS, why);
}

/* Is @w a whole space-separated word of @list? */
static int has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p = list;

	while ((p = strstr(p, w))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
		p++;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kho_next_kernel_note note;
	size_t clen, len;
	uint8_t *img, *bigger;
	const char *why, *why2;
	char *cmd;
	int err, err2;

	if (size < 2)
		return 0;
	clen = (data[0] | data[1] << 8) % 1024;
	if (clen > size - 2)
		clen = size - 2;
	len = size - 2 - clen;
	cmd = malloc(clen ? clen : 1);
	img = malloc(len ? len : 1);
	if (!cmd || !img)
		abort();
	memcpy(cmd, data + 2, clen);
	memcpy(img, data + 2 + clen, len);

	err = judge(img, len, clen ? cmd : NULL, clen, &why);
	assert(err == 0 || err == -ENOEXEC || err == -EPROTONOSUPPORT ||
	       err == -EINVAL);
	assert(!err || why);
	if (!err) {
		assert(!kho_next_kernel_find_note(img, len, &note));
		assert(memchr(note.formats, 0, sizeof(note.formats)));
		assert(has_word(note.formats, "pci-kho-v2"));
		assert(has_word(note.formats, "iommu-kho-vtd-legacy-v2"));
	}
	/* Bytes past the end of the image must not matter. */
	bigger = malloc(len + 64);
	if (!bigger)
		abort();
	memcpy(bigger, img, len);
	memset(bigger + len, 0xa5, 64);
	err2 = judge(bigger, len, clen ? cmd : NULL, clen, &why2);
	assert(err2 == err && why2 == why);
	free(bigger);
	free(img);
	free(cmd);
	return 0;
}

/* Seeds: the layout the kernel's KUnit case builds, and variants. */
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void write_seed(const char *dir, int n, const char *cmd,
		       const char *formats, uint32_t flags)
{
	uint8_t buf[2 + 256 + 0xc00] = {};
	size_t clen = strlen(cmd), ki = 5 * 512 + 0x100, nsz;
	uint8_t *img = buf + 2 + clen;
	char path[512];
	FILE *f;

	buf[0] = clen;
	buf[1] = clen >> 8;
	memcpy(buf + 2, cmd, clen);
	img[0x1f1] = 4;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	put32(img + 0x268, 0x100);
	memcpy(img + ki, "LToP", 4);
	if (formats) {
		nsz = KHO_DEVICES_NOTE_HEADER_SIZE + strlen(formats) + 1;
		put32(img + ki + 4, 0x14);
		put32(img + ki + 8, 0x20 + nsz);
		put32(img + ki + 0x10, 0x20);
		put32(img + ki + 0x20, KHO_DEVICES_NOTE_MAGIC);
		put32(img + ki + 0x24, nsz);
		put32(img + ki + 0x28, KHO_DEVICES_NOTE_VERSION);
		put32(img + ki + 0x2c, flags);
		strcpy((char *)img + ki + 0x30, formats);
	} else {
		put32(img + ki + 4, 0x10);
		put32(img + ki + 8, 0x10);
	}
	snprintf(path, sizeof(path), "%s/seed-%02d", dir, n);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, 2 + clen + ki + 0x200, f) != 2 + clen + ki + 0x200)
		exit(1);
	fclose(f);
}

int kho_fuzz_write_seeds(const char *dir)
{
	const char *good = "console=ttyS0 kho=on liveupdate=on intel_iommu=on";

	write_seed(dir, 1, good, FORMATS " vfio-pci-device-v2", 0);
	write_seed(dir, 2, "kho=on liveupdate=off intel_iommu=on,sm_on", FORMATS, 0);
	write_seed(dir, 3, "\"liveupdate=on\" iommu=pt,off -- kho=off", FORMATS, 1);
	write_seed(dir, 4, good, NULL, 0);
	write_seed(dir, 5, "liveupdate=1", FORMATS, 0xf);
	return 0;
}
