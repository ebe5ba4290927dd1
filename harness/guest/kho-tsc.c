// SPDX-License-Identifier: GPL-2.0
/*
 * kho-tsc KEY FILE: append "kho-info KEY <TSC>" to FILE.
 *
 * The guest's stages kexec with kexec-tools, as an operator does; right
 * before "kexec -e" they note the TSC with this, which the kexec does not
 * reset, so that make run and make bench can time the kexec from the new
 * kernel's side.
 *
 * Static, so that it runs from the test initramfs without a libc.
 */
#include <stdio.h>
#include <x86intrin.h>

int main(int argc, char **argv)
{
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: kho-tsc KEY FILE\n");
		return 2;
	}
	f = fopen(argv[2], "a");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	fprintf(f, "kho-info %s %llu\n", argv[1],
		(unsigned long long)__rdtsc());
	return fclose(f) ? 1 : 0;
}
