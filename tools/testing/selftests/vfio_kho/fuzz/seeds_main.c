// SPDX-License-Identifier: GPL-2.0-only
/* A fuzzer's seed writer: seeds_TARGET DIR writes TARGET's seeds to DIR */
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
