// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_inspect - run kho-inspect and read its JSON (kho_inspect.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kho_inspect.h"

/* Run "kho-inspect ARGS": stdout, stderr and the exit status in @r */
int kho_inspect_run(struct kho_inspect *r, const char *args)
{
	char cmd[512];
	FILE *p, *e;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "kho-inspect %s 2>/tmp/kho-inspect.err",
		 args);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	n = fread(r->out, 1, sizeof(r->out) - 1, p);
	r->out[n] = 0;
	st = pclose(p);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->err[0] = 0;
	e = fopen("/tmp/kho-inspect.err", "r");
	if (e) {
		n = fread(r->err, 1, sizeof(r->err) - 1, e);
		r->err[n] = 0;
		fclose(e);
	}
	return 0;
}

/* The snapshot of @part in @direction in kho-inspect's JSON, or NULL */
const char *kho_inspect_snapshot(const char *json, const char *part,
				 const char *direction)
{
	char key[96];

	snprintf(key, sizeof(key), "\"part\": \"%s\", \"direction\": \"%s\"",
		 part, direction);
	return json ? strstr(json, key) : NULL;
}

/* The device @bdf of the snapshot at @snapshot, or NULL */
const char *kho_inspect_device(const char *snapshot, const char *bdf)
{
	const char *next, *d;
	char key[64];

	if (!snapshot)
		return NULL;
	snprintf(key, sizeof(key), "{\"bdf\": \"%s\"", bdf);
	d = strstr(snapshot, key);
	next = strstr(snapshot + 1, "\"source\": ");
	return d && (!next || d < next) ? d : NULL;
}

/* A field of the object at @obj: its text up to ',' or '}', or "" */
const char *kho_inspect_field(const char *obj, const char *name, char *buf,
			      size_t len)
{
	const char *v, *end;
	char key[64];

	buf[0] = 0;
	if (!obj)
		return buf;
	snprintf(key, sizeof(key), "\"%s\": ", name);
	v = strstr(obj, key);
	end = strchr(obj, '}');
	if (!v || (end && v > end))
		return buf;
	v += strlen(key);
	if (*v == '"')
		end = strchr(++v, '"');
	else
		end = v + strcspn(v, ",}");
	if (!end || (size_t)(end - v) >= len)
		return buf;
	memcpy(buf, v, end - v);
	buf[end - v] = 0;
	return buf;
}

/* A numeric field, or -1 */
long long kho_inspect_num(const char *obj, const char *name)
{
	char buf[64];

	kho_inspect_field(obj, name, buf, sizeof(buf));
	return buf[0] ? strtoll(buf, NULL, 0) : -1;
}

/* A field as text, in one of four rotating buffers */
const char *kho_inspect_str(const char *obj, const char *name)
{
	static char buf[4][128];
	static unsigned int i;

	return kho_inspect_field(obj, name, buf[i++ % 4], sizeof(buf[0]));
}

/* The device @bdf in the snapshot of @part in @direction, or NULL */
const char *kho_inspect_find(const char *json, const char *part,
			     const char *direction, const char *bdf)
{
	return kho_inspect_device(kho_inspect_snapshot(json, part, direction),
				  bdf);
}

/* The state of the snapshot of @part in @direction, or "" */
const char *kho_inspect_state(const char *json, const char *part,
			      const char *direction)
{
	return kho_inspect_str(kho_inspect_snapshot(json, part, direction),
			       "state");
}
