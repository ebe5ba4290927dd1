// SPDX-License-Identifier: GPL-2.0
/*
 * kho-kexec: load the next kernel with kexec_file_load() and/or jump to it.
 *
 *   kho-kexec load KERNEL INITRD CMDLINE   load, KHO is on by default
 *   kho-kexec exec [RESULTS]               reboot(LINUX_REBOOT_CMD_KEXEC);
 *                                          first appends the TSC, which
 *                                          the kexec does not reset, to
 *                                          RESULTS (make bench times the
 *                                          kexec with it)
 *
 * Static, so that it runs from the test initramfs without a libc.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <x86intrin.h>

static int load(const char *kernel, const char *initrd, const char *cmdline)
{
	int kfd, ifd;
	long ret;

	kfd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		fprintf(stderr, "kho-kexec: open %s: %s\n", kernel, strerror(errno));
		return 1;
	}
	ifd = open(initrd, O_RDONLY | O_CLOEXEC);
	if (ifd < 0) {
		fprintf(stderr, "kho-kexec: open %s: %s\n", initrd, strerror(errno));
		return 1;
	}
	ret = syscall(__NR_kexec_file_load, kfd, ifd, strlen(cmdline) + 1,
		      cmdline, 0UL);
	if (ret) {
		fprintf(stderr, "kho-kexec: kexec_file_load: %s\n", strerror(errno));
		return 1;
	}
	close(kfd);
	close(ifd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "load"))
		return load(argv[2], argv[3], argv[4]);
	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "exec")) {
		FILE *results = argc == 3 ? fopen(argv[2], "a") : NULL;

		sync();
		if (results) {
			fprintf(results, "kho-info kexec_tsc %llu\n",
				(unsigned long long)__rdtsc());
			fclose(results);
		}
		syscall(__NR_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
			LINUX_REBOOT_CMD_KEXEC, NULL);
		fprintf(stderr, "kho-kexec: reboot(KEXEC): %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "usage: kho-kexec load KERNEL INITRD CMDLINE | exec [RESULTS]\n");
	return 2;
}
