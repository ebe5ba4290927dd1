/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the JSON output of kho-check and kho-inspect shares: a string,
 * quoted and escaped.
 */
#ifndef KHO_JSON_H
#define KHO_JSON_H

#include <stdio.h>

/* Print @s as a JSON string; NULL prints "". */
static inline void kho_json_string(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

#endif /* KHO_JSON_H */
