// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_kho_handover - drive the PCI part of the suite from the selftests,
 * through the LUO test file of drivers/pci/pci_kho_test.c
 * (CONFIG_KHO_DEVICES_TEST_HOOKS), until vfio-pci's device file carries
 * functions itself.
 *
 *   preserve SESSION [--abort] BDF[=DRIVER[,iommu]]...
 *	put one test file per function in a new LUO session (tokens 1, 2...),
 *	with ",iommu" keeping its IOMMU translation too,
 *	and keep the session open across the kexec; with --abort, close it
 *	instead, which unpreserves everything. Prints "preserve BDF ERRNO".
 *   retrieve SESSION N [--finish]
 *	retrieve tokens 1..N ("retrieve TOKEN ERRNO STATE"), then with
 *	--finish finish the session ("finish ERRNO") and read each file
 *	again ("after-finish TOKEN STATE").
 *   reg BDF OFFSET [VALUE]	read or write a 32-bit BAR0 register (sysfs)
 *   cfg BDF OFFSET [VALUE]	read or write a 16-bit config register (sysfs)
 *   vfio BDF OFFSET [reset]
 *	open the function with VFIO (type1) as a VMM would, print the BAR0
 *	register and the command register ("vfio reg 0x... command 0x..."),
 *	then with "reset" ask for VFIO_DEVICE_RESET ("reset ERRNO") and print
 *	the register again ("after-reset reg 0x...").
 *
 * ERRNO is 0 or a negative errno. The exit status is 0 unless the command
 * itself could not run; the scenarios judge the printed values.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/compiler.h>
#include <linux/kernel.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "kho_sysfs.h"

#define HOLD_PATH	"/sys/kernel/debug/kho_devices/pci/hold"
#define MAX_FUNCTIONS	16

static int hold_function(const char *arg)
{
	char buf[64];
	char *eq;
	int fd, len;

	snprintf(buf, sizeof(buf), "%s", arg);
	eq = strchr(buf, '=');
	if (eq)
		*eq = ' ';
	eq = strchr(buf, ',');	/* BDF=DRIVER,iommu */
	if (eq)
		*eq = ' ';
	fd = open(HOLD_PATH, O_RDWR);
	if (fd < 0)
		return -errno;
	len = strlen(buf);
	if (write(fd, buf, len) != len) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void read_state(int fd, char *state, size_t len)
{
	ssize_t n = pread(fd, state, len - 1, 0);

	if (n < 0)
		n = snprintf(state, len, "unreadable(%d)", -errno);
	state[n] = 0;
	state[strcspn(state, "\n")] = 0;
}

static int cmd_preserve(int argc, char **argv)
{
	const char *session = argv[0];
	int luo_fd, session_fd, i, first = 1, kept = 0;
	bool abort_session = false;

	if (argc > 1 && !strcmp(argv[1], "--abort")) {
		abort_session = true;
		first = 2;
	}
	luo_fd = luo_open_device();
	if (luo_fd < 0) {
		fprintf(stderr, "cannot open %s: %s\n", LUO_DEVICE, strerror(-luo_fd));
		return 1;
	}
	session_fd = luo_create_session(luo_fd, session);
	if (session_fd < 0) {
		fprintf(stderr, "cannot create session %s: %s\n", session,
			strerror(-session_fd));
		return 1;
	}
	for (i = first; i < argc && i - first < MAX_FUNCTIONS; i++) {
		int fd = hold_function(argv[i]), ret = fd;

		if (fd >= 0)
			ret = luo_session_preserve_fd(session_fd, fd, i - first + 1);
		printf("preserve %.*s %d\n", (int)strcspn(argv[i], "="), argv[i], ret);
		kept += !ret;
	}
	fflush(stdout);
	if (abort_session) {
		close(session_fd);
		printf("session %s closed\n", session);
		return 0;
	}
	if (kept)
		daemonize_and_wait();
	return 0;
}

static int cmd_retrieve(int argc, char **argv)
{
	int luo_fd, session_fd, fds[MAX_FUNCTIONS], n, i, ret;
	char state[64];

	n = atoi(argv[1]);
	if (n < 1 || n > MAX_FUNCTIONS)
		return 2;
	luo_fd = luo_open_device();
	if (luo_fd < 0)
		return 1;
	session_fd = luo_retrieve_session(luo_fd, argv[0]);
	if (session_fd < 0) {
		printf("session %s %d\n", argv[0], session_fd);
		return 0;
	}
	for (i = 0; i < n; i++) {
		fds[i] = luo_session_retrieve_fd(session_fd, i + 1);
		state[0] = 0;
		if (fds[i] >= 0)
			read_state(fds[i], state, sizeof(state));
		printf("retrieve %d %d%s%s\n", i + 1, fds[i] < 0 ? fds[i] : 0,
		       state[0] ? " " : "", state);
	}
	if (argc < 3 || strcmp(argv[2], "--finish"))
		return 0;
	ret = luo_session_finish(session_fd);
	printf("finish %d\n", ret);
	for (i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		read_state(fds[i], state, sizeof(state));
		printf("after-finish %d %s\n", i + 1, state);
	}
	return 0;
}

static int cmd_reg(int argc, char **argv)
{
	uint32_t off = strtoul(argv[1], NULL, 0), val;
	int ret;

	if (argc > 2)
		return kho_bar0_write32(argv[0], off, strtoul(argv[2], NULL, 0)) ? 1 : 0;
	ret = kho_bar0_read32(argv[0], off, &val);
	if (ret) {
		fprintf(stderr, "%s BAR0: %s\n", argv[0], strerror(-ret));
		return 1;
	}
	printf("0x%08x\n", val);
	return 0;
}

static int cmd_cfg(int argc, char **argv)
{
	unsigned int off = strtoul(argv[1], NULL, 0);
	uint8_t cfg[256];

	if (off > sizeof(cfg) - 2)
		return 2;
	if (argc > 2)
		return kho_config_write16(argv[0], off, strtoul(argv[2], NULL, 0)) ? 1 : 0;
	if (kho_config_read(argv[0], cfg, off + 2))
		return 1;
	printf("0x%04x\n", cfg[off] | cfg[off + 1] << 8);
	return 0;
}

static int cmd_vfio(int argc, char **argv)
{
	uint32_t off = strtoul(argv[1], NULL, 0);
	struct vfio_pci_device *device;
	uint32_t *bar0;
	struct iommu *iommu;
	int ret;

	iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	device = vfio_pci_device_init(argv[0], iommu);
	bar0 = device->bars[0].vaddr;
	if (!bar0) {
		fprintf(stderr, "%s: BAR0 not mappable\n", argv[0]);
		return 1;
	}
	printf("vfio reg 0x%08x command 0x%04x\n", READ_ONCE(bar0[off / 4]),
	       vfio_pci_config_readw(device, PCI_COMMAND));
	if (argc > 2 && !strcmp(argv[2], "reset")) {
		ret = __vfio_pci_device_reset(device);
		printf("reset %d\n", ret);
		printf("after-reset reg 0x%08x\n", READ_ONCE(bar0[off / 4]));
	}
	fflush(stdout);
	vfio_pci_device_cleanup(device);
	iommu_cleanup(iommu);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int min_args;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "preserve", 2, cmd_preserve },
		{ "retrieve", 2, cmd_retrieve },
		{ "reg", 2, cmd_reg },
		{ "cfg", 2, cmd_cfg },
		{ "vfio", 2, cmd_vfio },
	};
	unsigned int i;

	for (i = 0; argc > 1 && i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (argc - 2 < cmds[i].min_args)
			break;
		setvbuf(stdout, NULL, _IOLBF, 0);
		return cmds[i].fn(argc - 2, argv + 2);
	}
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
