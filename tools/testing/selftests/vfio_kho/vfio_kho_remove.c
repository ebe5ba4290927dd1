// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_kho_remove - removing a device that a live update preserved. Its
 * removal waits for the LUO session that holds its file, as any VFIO
 * removal waits for the files open on the device; meanwhile a kexec is
 * refused with an errno instead of waiting forever for the device lock the
 * removal holds; closing the session lets the removal finish, and the
 * next kexec goes ahead without the device.
 *
 *   remove BDF HOLDER_PID
 *	old kernel, BDF preserved with its container in a LUO session that
 *	process HOLDER_PID holds open, the next kernel loaded: unbind BDF
 *	from vfio-pci in a child process. The unbind waits and the kernel
 *	says why; reboot(KEXEC) fails with ENODEV, logged, BDF still
 *	mastering under its translation; killing HOLDER_PID closes the
 *	session and the unbind finishes, BDF without a driver.
 *   nothing-kept
 *	next kernel: the PCI part keeps no function from the previous one.
 *
 * Output is KTAP, one line per check.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/reboot.h>

#include "../kselftest.h"
#include "kho_sysfs.h"

#define REMOVING_LOG	"preserved for a live update and being removed"
#define REFUSED_LOG	"live update refused: the device is being removed"
#define WAIT_SECONDS	30

static bool has_driver(const char *bdf)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	return !lstat(path, &st);
}

/* Unbind @bdf from vfio-pci; exits 0 once the write returned. */
static pid_t unbind_in_child(const char *bdf)
{
	pid_t pid = fork();
	int fd;

	if (pid)
		return pid;
	fd = open("/sys/bus/pci/drivers/vfio-pci/unbind", O_WRONLY);
	if (fd < 0 || write(fd, bdf, strlen(bdf)) != (ssize_t)strlen(bdf))
		_exit(1);
	_exit(0);
}

/* Wait up to @seconds for @pid to exit; its wait status, or -1 if not. */
static int wait_exit(pid_t pid, int seconds)
{
	int status, i;

	for (i = 0; i < seconds * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(100000);
	}
	return -1;
}

/* Wait up to @seconds for the kernel log to hold more than @before @what lines. */
static int wait_log(const char *what, const char *bdf, int before, int seconds)
{
	int i, n = kho_klog_count(what, bdf);

	for (i = 0; i < seconds * 10 && n <= before; i++) {
		usleep(100000);
		n = kho_klog_count(what, bdf);
	}
	return n;
}

static int remove_preserved(const char *bdf, pid_t holder)
{
	int removing = kho_klog_count(REMOVING_LOG, bdf);
	int refused = kho_klog_count(REFUSED_LOG, bdf);
	int ret, err, status;
	pid_t child;

	ksft_print_header();
	ksft_set_plan(7);
	if (removing < 0 || refused < 0 || !kho_bus_master(bdf) || !has_driver(bdf))
		ksft_exit_fail_msg("%s: not set up (bound, mastering, log readable)\n",
				   bdf);

	child = unbind_in_child(bdf);
	if (child < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	ksft_test_result(wait_log(REMOVING_LOG, bdf, removing, WAIT_SECONDS) > removing,
			 "%s: the kernel says the removal waits for the session\n",
			 bdf);
	ksft_test_result(waitpid(child, &status, WNOHANG) == 0,
			 "%s: the unbind waits while the session holds the device\n",
			 bdf);

	ret = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		      LINUX_REBOOT_CMD_KEXEC, NULL);
	err = errno;
	ksft_test_result(ret == -1 && err == ENODEV,
			 "reboot(KEXEC) refused with ENODEV meanwhile (%d, %s)\n",
			 ret, strerror(err));
	ksft_test_result(kho_klog_count(REFUSED_LOG, bdf) > refused,
			 "%s: the refusal is logged\n", bdf);
	ksft_test_result(kho_bus_master(bdf),
			 "%s: still mastering, its translation untouched\n", bdf);

	kill(holder, SIGKILL);
	status = wait_exit(child, WAIT_SECONDS);
	ksft_test_result(status != -1 && WIFEXITED(status) && !WEXITSTATUS(status),
			 "closing the session lets the unbind finish (status %#x)\n",
			 status);
	ksft_test_result(!has_driver(bdf), "%s: no driver left\n", bdf);
	if (status == -1)
		kill(child, SIGKILL);
	ksft_finished();
}

/* "in BDF ..." lines of the PCI part's debugfs: functions kept */
static int nothing_kept(void)
{
	FILE *f = fopen("/sys/kernel/debug/kho_devices/pci/functions", "r");
	char line[256];
	int n = 0;

	ksft_print_header();
	ksft_set_plan(1);
	while (f && fgets(line, sizeof(line), f))
		n += !strncmp(line, "in ", 3);
	if (f)
		fclose(f);
	ksft_test_result(f && !n, "the next kernel keeps no function (%d)\n", n);
	ksft_finished();
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "remove"))
		return remove_preserved(argv[2], atoi(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "nothing-kept"))
		return nothing_kept();
	fprintf(stderr, "usage: %s remove BDF HOLDER_PID | nothing-kept\n", argv[0]);
	return 2;
}
