// SPDX-License-Identifier: GPL-2.0-only
/* Writes the fuzzers' seed corpus: seeds_main DIR */
#include <stdio.h>

int kho_fuzz_write_seeds(const char *dir);

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	return kho_fuzz_write_seeds(argv[1]);
}
