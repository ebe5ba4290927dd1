// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_next_kernel - translate or quiesce: a device doing DMA across a
 * live update never goes to a kernel that cannot keep its translation,
 * and a kernel that gets one anyway stops it before anything else.
 *
 *   refuse BDF [STOCK_IMAGE]
 *	old kernel, with BDF preserved with its translation and mastering:
 *	for each next kernel that cannot take the handover (command line
 *	with liveupdate=off, kho=off, intel_iommu=off, iommu=off; this
 *	kernel's image with its note removed, or
 *	naming another format; STOCK_IMAGE, a kernel without the suite),
 *	kexec_file_load() works, policy/next_kernel says why it is refused,
 *	reboot(KEXEC) fails with the rule's errno and BDF is still mastering.
 *	intel_iommu=sm_on is accepted, the units having no scalable mode.
 *	Then this kernel's image and command line are accepted.
 *   quiesced BDF [REASON]
 *	next kernel, booted although it could not take the handover (the
 *	test hook next_kernel_ignore let the kexec happen): BDF's bus
 *	mastering is off, the kernel logged why (REASON, if given, in the
 *	same line), and the PCI part does not treat it as kept.
 *   canary-fill PHYS
 *	old kernel: fill the 2 MiB reserved (memmap=) at PHYS with a canary,
 *	through /dev/mem. The device's mappings use IOVA PHYS, so that a DMA
 *	escaping translation lands on the canary.
 *   canary BDF PHYS
 *	next kernel, after the previous one left BDF (edu) doing DMA at IOVA
 *	PHYS and this one turned translation off (intel_iommu=off): the DMA
 *	in flight across the kexec did not land untranslated, BDF is not
 *	mastering, and its next DMA (kicked here) does not land either. The
 *	control turns bus mastering back on: that DMA then does land on the
 *	canary, so the checks above can fail.
 *   canary-blocked BDF PHYS
 *	next kernel, which kept translation on but blocks BDF (a refused
 *	record, or a kernel that kept nothing and gave BDF a domain of its
 *	own): nothing landed on the canary across the kexec, and with bus
 *	mastering forced on, BDF's DMA to IOVA PHYS faults (the control that
 *	it was made) and does not land either.
 *
 * Output is KTAP, one line per check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/compiler.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <linux/sizes.h>

#include "../kselftest.h"
#include "kho_sysfs.h"

#define IMAGE		"/boot/bzImage"
#define NEXT_KERNEL	"/sys/kernel/debug/kho_devices/policy/next_kernel"
#define FUNCTIONS	"/sys/kernel/debug/kho_devices/pci/functions"
#define NO_NOTE_IMAGE	"/tmp/no-note.bzImage"
#define OTHER_FMT_IMAGE	"/tmp/other-format.bzImage"

static char *read_file(const char *path, size_t *lenp)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf)
				break;
		}
	}
	close(fd);
	if (!buf)
		return NULL;
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* This kernel's command line, less the harness's stage number. */
static char *base_cmdline(void)
{
	char *c = read_file("/proc/cmdline", NULL), *s;

	if (!c)
		return NULL;
	c[strcspn(c, "\n")] = 0;
	s = strstr(c, " kho.stage=");
	if (s)
		*s = 0;
	return c;
}

static int load(const char *image, const char *cmdline)
{
	int fd = open(image, O_RDONLY), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(__NR_kexec_file_load, fd, -1, strlen(cmdline) + 1,
		      cmdline, KEXEC_FILE_NO_INITRAMFS);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

static int kexec_now(void)
{
	int ret = syscall(__NR_reboot, LINUX_REBOOT_MAGIC1,
			  LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, NULL);

	return ret ? -errno : 0;
}

/* Where kernel_info sits in a bzImage (Documentation/arch/x86/boot.rst). */
static size_t kernel_info_at(const uint8_t *img, size_t len)
{
	unsigned int sects = img[0x1f1] ? img[0x1f1] : 4;
	uint32_t off;

	memcpy(&off, img + 0x268, 4);
	return (size_t)(sects + 1) * 512 + off;
}

/* Two copies of this kernel's image: its note removed, or renaming a format. */
static int make_doctored_images(void)
{
	size_t len, ki, i;
	uint32_t note, zero = 0;
	uint8_t *img = (uint8_t *)read_file(IMAGE, &len);
	int ret = -ENOENT;

	if (!img || len < 0x1000)
		goto out;
	ki = kernel_info_at(img, len);
	if (ki + 0x14 > len || memcmp(img + ki, "LToP", 4))
		goto out;
	memcpy(&note, img + ki + 0x10, 4);
	if (!note || ki + note + 64 > len)
		goto out;
	/* the note names this format: rename it in a copy */
	for (i = ki + note; i + 10 < ki + note + 512 && i + 10 < len; i++)
		if (!memcmp(img + i, "pci-kho-v2", 10))
			break;
	if (memcmp(img + i, "pci-kho-v2", 10))
		goto out;
	img[i + 9] = '9';
	ret = write_file(OTHER_FMT_IMAGE, img, len);
	img[i + 9] = '1';
	if (ret)
		goto out;
	memcpy(img + ki + 0x10, &zero, 4);
	ret = write_file(NO_NOTE_IMAGE, img, len);
out:
	free(img);
	return ret;
}

struct refusal {
	const char *name;
	const char *image;
	const char *extra;
	int err;
};

static void check_refused(const char *bdf, const struct refusal *r,
			  const char *cmdline)
{
	char *cmd, *verdict, want[32];
	int ret;

	if (asprintf(&cmd, "%s%s kho.stage=99", cmdline, r->extra) < 0)
		ksft_exit_fail_msg("out of memory\n");
	ret = load(r->image, cmd);
	ksft_test_result(ret == 0, "%s: kexec_file_load() still loads it (%d)\n",
			 r->name, ret);
	verdict = read_file(NEXT_KERNEL, NULL);
	snprintf(want, sizeof(want), "refused err=%d ", -r->err);
	ksft_test_result(verdict && !strncmp(verdict, want, strlen(want)),
			 "%s: policy/next_kernel says refused err=%d: %s",
			 r->name, -r->err, verdict ? verdict : "(unreadable)\n");
	ret = kexec_now();
	ksft_test_result(ret == -r->err,
			 "%s: reboot(KEXEC) refused with %d (got %d)\n",
			 r->name, -r->err, ret);
	ksft_test_result(kho_bus_master(bdf),
			 "%s: %s still mastering DMA in this kernel\n",
			 r->name, bdf);
	free(verdict);
	free(cmd);
}

static int refuse(const char *bdf, const char *stock)
{
	char *cmdline = base_cmdline(), *verdict;
	const struct refusal cases[] = {
		{ "liveupdate=off", IMAGE, " liveupdate=off", EINVAL },
		{ "kho=off", IMAGE, " kho=off", EINVAL },
		{ "intel_iommu=off", IMAGE, " intel_iommu=off", EINVAL },
		{ "iommu=off", IMAGE, " iommu=off", EINVAL },
		{ "image without the note", NO_NOTE_IMAGE, "", ENOEXEC },
		{ "image reading another PCI format", OTHER_FMT_IMAGE, "",
		  EPROTONOSUPPORT },
	};
	unsigned int i;
	int ret;

	ksft_print_header();
	ksft_set_plan(2 + 4 * (ARRAY_SIZE(cases) + 1) + 3);
	ksft_test_result(!!cmdline, "this kernel's command line read\n");
	ksft_test_result(kho_bus_master(bdf), "%s mastering DMA before the tests\n",
			 bdf);
	ret = make_doctored_images();
	if (ret)
		ksft_exit_fail_msg("cannot make the doctored images (%d)\n", ret);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check_refused(bdf, &cases[i], cmdline);
	if (stock && !access(stock, R_OK)) {
		const struct refusal r = { "stock kernel without the suite",
					   stock, "", ENOEXEC };

		check_refused(bdf, &r, cmdline);
	} else {
		for (i = 0; i < 4; i++)
			ksft_test_result_skip("stock kernel: no image at %s\n",
					      stock ? stock : "(none given)");
	}
	/*
	 * Scalable mode asked for, on units that cannot do it (QEMU's
	 * intel-iommu without x-scalable-mode): the next kernel runs legacy
	 * mode all the same, so the kexec is not refused.
	 */
	ret = load(IMAGE, cmdline);
	if (!ret) {
		char *sm;

		ret = asprintf(&sm, "%s intel_iommu=on,sm_on", cmdline) < 0 ?
		      -ENOMEM : load(IMAGE, sm);
		if (ret != -ENOMEM)
			free(sm);
	}
	verdict = read_file(NEXT_KERNEL, NULL);
	ksft_test_result(!ret && verdict && !strcmp(verdict, "accepted\n"),
			 "intel_iommu=sm_on on units without scalable mode accepted: %s",
			 verdict ? verdict : "(unreadable)\n");
	free(verdict);

	/* This kernel, as it was booted: the one the live update goes to. */
	ret = load(IMAGE, cmdline);
	ksft_test_result(ret == 0, "this kernel's image loads (%d)\n", ret);
	verdict = read_file(NEXT_KERNEL, NULL);
	ksft_test_result(verdict && !strcmp(verdict, "accepted\n"),
			 "this kernel's image and command line accepted: %s",
			 verdict ? verdict : "(unreadable)\n");
	free(verdict);
	syscall(__NR_kexec_file_load, -1, -1, 0, NULL, KEXEC_FILE_UNLOAD);
	free(cmdline);
	ksft_finished();
	return 0;
}

static int quiesced(const char *bdf, const char *reason)
{
	char *functions, *line, *save, claimed[64];
	bool kept = false;
	int n;

	ksft_print_header();
	ksft_set_plan(reason ? 4 : 3);
	ksft_test_result(!kho_bus_master(bdf), "%s: bus mastering off\n", bdf);
	n = kho_klog_count(bdf, "bus mastering turned off");
	ksft_test_result(n >= 1, "%s: the kernel logged why it stopped it (%d line(s))\n",
			 bdf, n);
	if (reason) {
		n = kho_klog_count(bdf, reason);
		ksft_test_result(n == 1, "%s: the reason logged: %s (%d line(s))\n",
				 bdf, reason, n);
	}
	snprintf(claimed, sizeof(claimed), "in %s ", bdf);
	functions = read_file(FUNCTIONS, NULL);
	for (line = functions ? strtok_r(functions, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		kept |= !strncmp(line, claimed, strlen(claimed)) &&
			strstr(line, " claimed ");
	ksft_test_result(functions && !kept,
			 "%s: the PCI part does not treat it as kept\n", bdf);
	free(functions);
	ksft_finished();
	return 0;
}

#define CANARY		0xc5
#define CANARY_SIZE	SZ_2M
#define DST_OFFSET	SZ_1M		/* as iommu_kho_dma's */
#define DST2_OFFSET	(DST_OFFSET + 2 * 4096)

static int canary_fill(uint64_t phys)
{
	int fd = open("/dev/mem", O_RDWR | O_SYNC);
	char *buf = malloc(CANARY_SIZE);
	int ret = 1;

	if (fd >= 0 && buf) {
		memset(buf, CANARY, CANARY_SIZE);
		ret = pwrite(fd, buf, CANARY_SIZE, phys) != CANARY_SIZE;
	}
	if (ret)
		perror("canary-fill: /dev/mem");
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Bytes of the page at @phys that are not the canary; -1 if unreadable. */
static int canary_damage(uint64_t phys)
{
	uint8_t page[4096];
	int fd = open("/dev/mem", O_RDONLY | O_SYNC), n = 0, i;

	if (fd < 0)
		return -1;
	if (pread(fd, page, sizeof(page), phys) != sizeof(page)) {
		close(fd);
		return -1;
	}
	close(fd);
	for (i = 0; i < (int)sizeof(page); i++)
		n += page[i] != CANARY;
	return n;
}

/* Let edu copy its buffer to bus address @dst (device to RAM) and wait. */
static int edu_copy_out(const char *bdf, uint64_t dst)
{
	int err = kho_edu_kick(bdf, dst, 4096);

	if (!err)
		usleep(400000);	/* edu fires 100 ms after the kick */
	return err;
}

static int check_canary(const char *bdf, uint64_t phys)
{
	uint8_t cfg[8];
	int n;

	ksft_print_header();
	ksft_set_plan(6);
	n = canary_damage(phys + DST_OFFSET);
	ksft_test_result(n == 0,
			 "the DMA in flight across the kexec did not land untranslated (%d bytes changed)\n",
			 n);
	ksft_test_result(!kho_bus_master(bdf), "%s: bus mastering off\n", bdf);
	ksft_test_result(!edu_copy_out(bdf, phys + DST2_OFFSET),
			 "%s: DMA kicked with translation off\n", bdf);
	n = canary_damage(phys + DST2_OFFSET);
	ksft_test_result(n == 0, "it did not land untranslated (%d bytes changed)\n",
			 n);
	/* Control: a device still mastering here would write the canary. */
	if (kho_config_read(bdf, cfg, sizeof(cfg)) ||
	    kho_config_write16(bdf, 4, (cfg[4] | cfg[5] << 8) | 6))
		ksft_exit_fail_msg("cannot turn bus mastering back on\n");
	edu_copy_out(bdf, phys + DST2_OFFSET);
	n = canary_damage(phys + DST2_OFFSET);
	ksft_test_result(n > 0,
			 "control: with bus mastering forced on, the same DMA lands untranslated on the canary (%d bytes changed)\n",
			 n);
	kho_config_write16(bdf, 4, cfg[4] | cfg[5] << 8);
	ksft_test_result(!kho_bus_master(bdf), "%s: bus mastering off again\n", bdf);
	ksft_finished();
	return 0;
}

#define FAULT_LOG	"DMAR: [DMA Write"

static int check_canary_blocked(const char *bdf, uint64_t phys)
{
	int n, faults = kho_klog_count(FAULT_LOG, bdf);
	uint8_t cfg[8];

	ksft_print_header();
	ksft_set_plan(5);
	n = canary_damage(phys + DST_OFFSET);
	ksft_test_result(n == 0,
			 "the DMA in flight across the kexec did not land untranslated (%d bytes changed)\n",
			 n);
	if (kho_config_read(bdf, cfg, sizeof(cfg)) ||
	    kho_config_write16(bdf, 4, (cfg[4] | cfg[5] << 8) | 6))
		ksft_exit_fail_msg("cannot turn bus mastering on\n");
	ksft_test_result(kho_bus_master(bdf), "%s: bus mastering forced on\n", bdf);
	ksft_test_result(!edu_copy_out(bdf, phys + DST2_OFFSET),
			 "%s: DMA kicked to IOVA %#llx\n", bdf,
			 (unsigned long long)(phys + DST2_OFFSET));
	n = kho_klog_count(FAULT_LOG, bdf);
	ksft_test_result(n > faults,
			 "control: the DMA was made, and faulted (%d fault line(s) more)\n",
			 n - faults);
	n = canary_damage(phys + DST2_OFFSET);
	ksft_test_result(n == 0, "it did not land untranslated (%d bytes changed)\n",
			 n);
	kho_config_write16(bdf, 4, cfg[4] | cfg[5] << 8);
	ksft_finished();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "canary-fill"))
		return canary_fill(strtoull(argv[2], NULL, 16));
	if (argc == 4 && !strcmp(argv[1], "canary"))
		return check_canary(argv[2], strtoull(argv[3], NULL, 16));
	if (argc == 4 && !strcmp(argv[1], "canary-blocked"))
		return check_canary_blocked(argv[2], strtoull(argv[3], NULL, 16));
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "refuse"))
		return refuse(argv[2], argc == 4 ? argv[3] : NULL);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "quiesced"))
		return quiesced(argv[2], argc == 4 ? argv[3] : NULL);
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
