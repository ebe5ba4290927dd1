// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho-inspect - what the KHO device suite hands over to the next kernel,
 * or received from the previous one, per part and per device.
 *
 *   kho-inspect [--json] [--outgoing | --incoming] [--debugfs DIR]
 *   kho-inspect [--json] SNAPSHOT...
 *
 * Without files, reads the snapshots of every part (pci, iommu, vfio) in
 * both directions from DIR (/sys/kernel/debug/kho_devices by default) and
 * the verdict on the loaded next kernel (policy/next_kernel). With files,
 * reads those snapshots (copies of the debugfs files). Each handover is
 * judged with the checks the next kernel runs (kho_snapshot.c).
 *
 * Exit status: 0 every snapshot read and nothing the next kernel would
 * refuse; 1 a snapshot is malformed (the message says how); 2 usage or a
 * file that cannot be read; 3 a handover or a device is refused, or a
 * preserved handover goes to a next kernel that cannot take it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kho_json.h"
#include "kho_snapshot.h"

#define EXIT_MALFORMED	1
#define EXIT_USAGE	2
#define EXIT_REFUSED	3

#define MAX_SNAPSHOTS	16

static const char * const parts[] = { "pci", "iommu", "vfio" };

struct snapshot {
	char source[256];
	struct kho_snap_report r;
	bool malformed;
	char why[256];
};

static int read_file(const char *path, void **buf, size_t *len)
{
	size_t room = 1 << 16, n = 0, got;
	FILE *f = fopen(path, "rb");
	char *p = NULL, *q;

	if (!f)
		return -errno;
	for (;;) {
		q = realloc(p, room);
		if (!q) {
			free(p);
			fclose(f);
			return -ENOMEM;
		}
		p = q;
		got = fread(p + n, 1, room - n, f);
		n += got;
		if (n < room)
			break;
		room *= 2;
	}
	if (ferror(f)) {
		free(p);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*buf = p;
	*len = n;
	return 0;
}

/* vfio mappings are what the iommu record of the same device maps */
static void join_leaves(struct snapshot *snaps, unsigned int nr)
{
	unsigned int i, j, k, l;

	for (i = 0; i < nr; i++) {
		struct kho_snap_report *v = &snaps[i].r;

		if (snaps[i].malformed || strcmp(v->part, "vfio"))
			continue;
		for (j = 0; j < nr; j++) {
			struct kho_snap_report *m = &snaps[j].r;

			if (snaps[j].malformed || strcmp(m->part, "iommu") ||
			    strcmp(m->direction, v->direction))
				continue;
			for (k = 0; k < v->nr_devices; k++)
				for (l = 0; l < m->nr_devices; l++) {
					struct kho_snap_device *a = &v->devices[k];
					struct kho_snap_device *b = &m->devices[l];

					if (strcmp(a->bdf, b->bdf) || !b->leaves_known)
						continue;
					a->leaves_known = true;
					memcpy(a->leaves, b->leaves, sizeof(a->leaves));
					a->leaf_bytes = b->leaf_bytes;
				}
		}
	}
}

static void print_device_text(const struct kho_snap_report *r,
			      const struct kho_snap_device *d)
{
	printf("  %-14s ", d->bdf);
	if (!strcmp(r->part, "pci")) {
		printf("%04x:%04x class %06x command %#06x driver %s bridges %u",
		       d->vendor, d->device, d->class, d->command,
		       d->driver[0] ? d->driver : "-", d->nr_bridges);
	} else if (!strcmp(r->part, "iommu")) {
		printf("unit %#llx domain %u levels %u %s, %u table pages%s",
		       (unsigned long long)d->unit, d->domain, d->levels,
		       d->translation_type ? "dev-iotlb" : "multi-level",
		       d->table_pages, d->tables_released ? " (released)" : "");
		if (d->alias[0])
			printf(", DMA alias %s", d->alias);
	} else {
		printf("container %#llx, %u mappings, %llu bytes, ",
		       (unsigned long long)d->container, d->mappings,
		       (unsigned long long)d->mapped_bytes);
		printf("%u memfd(s), device block %s", d->memfds,
		       d->device_block ? "yes" : "no");
	}
	if (d->leaves_known)
		printf(", maps %llu bytes: %llu x 4K, %llu x 2M, %llu x 1G",
		       (unsigned long long)d->leaf_bytes,
		       (unsigned long long)d->leaves[0],
		       (unsigned long long)d->leaves[1],
		       (unsigned long long)d->leaves[2]);
	printf("\n  %-14s %s\n", "", d->verdict);
}

static void print_text(const struct snapshot *snaps, unsigned int nr,
		       const char *next_kernel)
{
	unsigned int i, j;

	for (i = 0; i < nr; i++) {
		const struct kho_snap_report *r = &snaps[i].r;

		if (snaps[i].malformed) {
			printf("%s: malformed: %s\n", snaps[i].source, snaps[i].why);
			continue;
		}
		printf("%s %s: %s", r->part, r->direction, r->state);
		if (r->format[0])
			printf(", %s", r->format);
		printf(", %u device(s), %llu bytes preserved, ", r->nr_devices,
		       (unsigned long long)r->preserved_bytes);
		printf("%llu bytes of records and tables: %s\n",
		       (unsigned long long)r->metadata_bytes, r->verdict);
		for (j = 0; j < r->nr_devices; j++)
			print_device_text(r, &r->devices[j]);
	}
	if (next_kernel)
		printf("next kernel: %s\n", next_kernel);
}

/* ", NAME: VALUE" members of the object being printed */
static void member_string(const char *name, const char *value)
{
	printf(", \"%s\": ", name);
	kho_json_string(value);
}

static void member_num(const char *name, unsigned long long value)
{
	printf(", \"%s\": %llu", name, value);
}

static void member_hex(const char *name, unsigned int digits,
		       unsigned long long value)
{
	printf(", \"%s\": \"%0*llx\"", name, digits, value);
}

static void member_bool(const char *name, bool value)
{
	printf(", \"%s\": %s", name, value ? "true" : "false");
}

static void print_device_json(const struct kho_snap_report *r,
			      const struct kho_snap_device *d)
{
	printf("{\"bdf\": ");
	kho_json_string(d->bdf);
	if (!strcmp(r->part, "pci")) {
		member_hex("vendor", 4, d->vendor);
		member_hex("device", 4, d->device);
		member_hex("class", 6, d->class);
		member_num("command", d->command);
		member_string("driver", d->driver);
		member_num("bridges", d->nr_bridges);
	} else if (!strcmp(r->part, "iommu")) {
		printf(", \"unit\": \"%#llx\"", (unsigned long long)d->unit);
		member_num("domain", d->domain);
		member_num("levels", d->levels);
		member_string("translation",
			      d->translation_type ? "dev-iotlb" : "multi-level");
		member_num("table_pages", d->table_pages);
		member_bool("tables_released", d->tables_released);
		if (d->alias[0])
			member_string("alias", d->alias);
		else
			printf(", \"alias\": null");
	} else {
		printf(", \"container\": \"%#llx\"",
		       (unsigned long long)d->container);
		member_num("mappings", d->mappings);
		member_num("mapped_bytes", d->mapped_bytes);
		member_num("memfds", d->memfds);
		member_bool("device_block", d->device_block);
	}
	if (d->leaves_known) {
		member_num("leaf_bytes", d->leaf_bytes);
		member_num("pages_4k", d->leaves[0]);
		member_num("pages_2m", d->leaves[1]);
		member_num("pages_1g", d->leaves[2]);
	}
	member_string("verdict", d->verdict);
	printf("}");
}

static void print_json(const struct snapshot *snaps, unsigned int nr,
		       const char *next_kernel)
{
	unsigned int i, j;

	printf("{\"next_kernel\": ");
	if (next_kernel)
		kho_json_string(next_kernel);
	else
		printf("null");
	printf(",\n \"snapshots\": [");
	for (i = 0; i < nr; i++) {
		const struct kho_snap_report *r = &snaps[i].r;

		printf("%s\n  {\"source\": ", i ? "," : "");
		kho_json_string(snaps[i].source);
		if (snaps[i].malformed) {
			member_string("malformed", snaps[i].why);
			printf("}");
			continue;
		}
		member_string("part", r->part);
		member_string("direction", r->direction);
		member_string("state", r->state);
		member_string("format", r->format);
		member_num("preserved_bytes", r->preserved_bytes);
		member_num("metadata_bytes", r->metadata_bytes);
		printf(", \"error\": %d", r->error);
		member_string("verdict", r->verdict);
		printf(",\n   \"devices\": [");
		for (j = 0; j < r->nr_devices; j++) {
			printf("%s\n    ", j ? "," : "");
			print_device_json(r, &r->devices[j]);
		}
		printf("]}");
	}
	printf("]}\n");
}

static char *read_next_kernel(const char *dir)
{
	char path[512], *line = NULL;
	size_t room = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/policy/next_kernel", dir);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	if (getline(&line, &room, f) < 0) {
		free(line);
		line = NULL;
	} else {
		line[strcspn(line, "\n")] = 0;
	}
	fclose(f);
	return line;
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: kho-inspect [--json] [--outgoing | --incoming] [--debugfs DIR]\n"
		"       kho-inspect [--json] SNAPSHOT...\n"
		"What the KHO device suite hands over (outgoing) or received (incoming),\n"
		"judged with the next kernel's checks. Exit status: 0 fine, 1 malformed\n"
		"snapshot, 2 usage or I/O error, 3 refused.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "outgoing", no_argument, NULL, 'o' },
		{ "incoming", no_argument, NULL, 'i' },
		{ "debugfs", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *dir = "/sys/kernel/debug/kho_devices";
	bool json = false, want_out = true, want_in = true, preserved = false;
	struct snapshot *snaps;
	char *next_kernel = NULL;
	unsigned int nr = 0, i, d;
	int c, status = 0, err;

	while ((c = getopt_long(argc, argv, "joid:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'o':
			want_in = false;
			break;
		case 'i':
			want_out = false;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!want_in && !want_out) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (argc - optind > MAX_SNAPSHOTS) {
		fprintf(stderr, "kho-inspect: at most %d snapshots\n", MAX_SNAPSHOTS);
		return EXIT_USAGE;
	}
	snaps = calloc(MAX_SNAPSHOTS, sizeof(*snaps));
	if (!snaps)
		return EXIT_USAGE;
	if (optind < argc) {
		for (i = optind; i < (unsigned int)argc; i++)
			snprintf(snaps[nr++].source, sizeof(snaps[0].source),
				 "%s", argv[i]);
	} else {
		for (d = 0; d < 2; d++) {
			if (!(d ? want_in : want_out))
				continue;
			for (i = 0; i < 3; i++)
				snprintf(snaps[nr++].source, sizeof(snaps[0].source),
					 "%s/%s/%s", dir, parts[i],
					 d ? "incoming" : "outgoing");
		}
		/* the verdict on the loaded kernel concerns what goes out */
		if (want_out)
			next_kernel = read_next_kernel(dir);
	}
	for (i = 0; i < nr; i++) {
		void *buf = NULL;
		size_t len = 0;

		err = read_file(snaps[i].source, &buf, &len);
		if (err) {
			fprintf(stderr, "kho-inspect: cannot read %s: %s\n",
				snaps[i].source, strerror(-err));
			return EXIT_USAGE;
		}
		if (kho_snap_inspect(buf, len, &snaps[i].r, snaps[i].why,
				     sizeof(snaps[i].why))) {
			snaps[i].malformed = true;
			fprintf(stderr, "kho-inspect: %s: %s\n", snaps[i].source,
				snaps[i].why);
			status = EXIT_MALFORMED;
		}
		free(buf);
	}
	join_leaves(snaps, nr);
	for (i = 0; i < nr; i++) {
		const struct kho_snap_report *r = &snaps[i].r;

		if (snaps[i].malformed)
			continue;
		if (!status && (strcmp(r->verdict, "ok") || r->nr_refused))
			status = EXIT_REFUSED;
		preserved |= !strcmp(r->direction, "outgoing") &&
			     !strcmp(r->state, "preserved");
	}
	if (!status && preserved && next_kernel && strcmp(next_kernel, "accepted"))
		status = EXIT_REFUSED;
	if (json)
		print_json(snaps, nr, next_kernel);
	else
		print_text(snaps, nr, next_kernel);
	for (i = 0; i < nr; i++)
		kho_snap_report_free(&snaps[i].r);
	free(snaps);
	free(next_kernel);
	return status;
}
