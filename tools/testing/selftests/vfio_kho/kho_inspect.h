/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running tools/kho-devices/kho-inspect from a selftest and reading its
 * JSON, whose shape the selftests know: a snapshot's object starts with
 * "source", a device's with "bdf", and their fields follow.
 */
#ifndef KHO_INSPECT_H
#define KHO_INSPECT_H

#include <stddef.h>

/* kho-inspect's output and exit status */
struct kho_inspect {
	char out[1 << 16];
	char err[1024];
	int status;
};

int kho_inspect_run(struct kho_inspect *r, const char *args);
const char *kho_inspect_snapshot(const char *json, const char *part,
				 const char *direction);
const char *kho_inspect_device(const char *snapshot, const char *bdf);
const char *kho_inspect_field(const char *obj, const char *name, char *buf,
			      size_t len);
long long kho_inspect_num(const char *obj, const char *name);
const char *kho_inspect_str(const char *obj, const char *name);
const char *kho_inspect_find(const char *json, const char *part,
			     const char *direction, const char *bdf);
const char *kho_inspect_state(const char *json, const char *part,
			      const char *direction);

#endif /* KHO_INSPECT_H */
