/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the suite's libFuzzer targets share: reading an input
 * as a stream of little-endian fields (zeros once it runs out), writing
 * such a stream for the seed writers, and failing a run with a message.
 */
#ifndef KHO_FUZZ_H
#define KHO_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fail the run: an oracle or the model of memory saw something wrong. */
#define kho_fuzz_fail(...)						\
	do {								\
		fprintf(stderr, "kho_fuzz: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

struct kho_fuzz_in {
	const uint8_t *p;
	size_t len;
};

/* The next @n (at most 8) bytes as a little-endian number */
static inline uint64_t kho_fuzz_get(struct kho_fuzz_in *in, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n && in->len; i++, in->len--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

/*
 * A copy of the next @n bytes (fewer if the input runs out: *@n is set to
 * how many) in a buffer of exactly that size; free() it.
 */
static inline uint8_t *kho_fuzz_take(struct kho_fuzz_in *in, size_t *n)
{
	uint8_t *p;

	if (*n > in->len)
		*n = in->len;
	p = malloc(*n ? *n : 1);
	if (!p)
		abort();
	memcpy(p, in->p, *n);
	in->p += *n;
	in->len -= *n;
	return p;
}

/*
 * Debian's libfdt 1.6.1 lacks upstream dtc's check of a property length
 * that overflows the structure block offset in fdt_next_tag() (dtc 1.7.0;
 * the kernel's libfdt has it): fdt_getprop() may then loop for ever. True
 * if any 4 bytes of @fdt could be the tag of such a property; the FDT
 * targets leave those inputs out, but only when built with Debian's
 * libfdt (KHO_FUZZ_SYSTEM_LIBFDT): the kernel's gets every input.
 */
static inline int kho_fuzz_fdt_overflows(const uint8_t *fdt, size_t size)
{
	uint64_t len;
	size_t i;

#ifndef KHO_FUZZ_SYSTEM_LIBFDT
	return 0;
#endif

	for (i = 0; i + 8 <= size; i++) {
		if (fdt[i] || fdt[i + 1] || fdt[i + 2] || fdt[i + 3] != 3)
			continue;
		len = (uint64_t)fdt[i + 4] << 24 | fdt[i + 5] << 16 |
		      fdt[i + 6] << 8 | fdt[i + 7];
		if (len + size + 16 > 0x7fffffff)
			return 1;
	}
	return 0;
}

/* The seed writers' side */
struct kho_fuzz_out {
	uint8_t buf[8192];
	size_t len;
};

static inline void kho_fuzz_put(struct kho_fuzz_out *o, uint64_t v,
				unsigned int n)
{
	unsigned int i;

	if (o->len + n > sizeof(o->buf))
		kho_fuzz_fail("seed too big");
	for (i = 0; i < n; i++)
		o->buf[o->len++] = v >> (8 * i);
}

static inline void kho_fuzz_put_bytes(struct kho_fuzz_out *o, const void *p,
				      size_t n)
{
	if (o->len + n > sizeof(o->buf))
		kho_fuzz_fail("seed too big");
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static inline void kho_fuzz_save(const struct kho_fuzz_out *o,
				 const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(o->buf, 1, o->len, f) != o->len || fclose(f))
		kho_fuzz_fail("cannot write %s", path);
}

#endif /* KHO_FUZZ_H */
