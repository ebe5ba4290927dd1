// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_check_facts - kho-check's facts against pciutils' own view of each
 * PCI function: what "kho-check --json BDF" says of its identity, its
 * capabilities (PCI Express, Function Level Reset, ACS, ATS), bus
 * mastering, IOMMU group and driver must be what "lspci -vvv" and "setpci"
 * report, and kho-check's exit status must follow its verdict.
 *
 *   kho_check_facts LSPCI SETPCI
 *
 * LSPCI and SETPCI are pciutils' programs (busybox's lspci shows no
 * capabilities). Output is KTAP, one line per function, with a diagnostic
 * line for each fact that differs.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../kselftest.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define OUT_MAX		65536

static const char *lspci, *setpci;

/* Run @cmd, its output in @out; returns its exit status or -1. */
static int run(const char *cmd, char *out)
{
	size_t len = 0, n;
	FILE *p = popen(cmd, "r");
	int status;

	out[0] = 0;
	if (!p)
		return -1;
	while (len < OUT_MAX - 1 &&
	       (n = fread(out + len, 1, OUT_MAX - 1 - len, p)) > 0)
		len += n;
	out[len] = 0;
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* "key": true|false in @json: 1, 0, or -1 when absent. */
static int json_bool(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(json, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	return !strncmp(p, "true", 4) ? 1 : !strncmp(p, "false", 5) ? 0 : -1;
}

/* "key": "value" in @json into @val ("" for null or absent). */
static void json_string(const char *json, const char *key, char *val,
			size_t size)
{
	char pat[64];
	const char *p;
	size_t n;

	val[0] = 0;
	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	p = strstr(json, pat);
	if (!p)
		return;
	p += strlen(pat);
	n = strcspn(p, "\"");
	snprintf(val, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

/* The text after @label on its line of @text into @val ("" if none). */
static void text_after(const char *text, const char *label, char *val,
		       size_t size)
{
	const char *p = strstr(text, label);
	size_t n;

	val[0] = 0;
	if (!p)
		return;
	p += strlen(label);
	n = strcspn(p, "\n");
	snprintf(val, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

static int differ(const char *bdf, const char *fact, const char *ours,
		  const char *theirs)
{
	if (!strcmp(ours, theirs))
		return 0;
	ksft_print_msg("%s: %s: kho-check says '%s', pciutils '%s'\n", bdf,
		       fact, ours, theirs);
	return 1;
}

static const char *tf(int b)
{
	return b < 0 ? "absent" : b ? "true" : "false";
}

static void check_function(const char *bdf)
{
	char cmd[256], id[16], group[32], driver[64], want[64];
	char *json = malloc(OUT_MAX), *vvv = malloc(OUT_MAX),
	     *regs = malloc(OUT_MAX);
	unsigned int vendor = 0, device = 0, command = 0;
	int status, qualifies, bad = 0;

	if (!json || !vvv || !regs)
		ksft_exit_fail_msg("out of memory\n");
	snprintf(cmd, sizeof(cmd), "kho-check --json %s", bdf);
	status = run(cmd, json);
	snprintf(cmd, sizeof(cmd), "%s -vvv -s %s 2>&1", lspci, bdf);
	run(cmd, vvv);
	snprintf(cmd, sizeof(cmd),
		 "%s -s %s VENDOR_ID.w DEVICE_ID.w COMMAND.w 2>&1", setpci, bdf);
	if (run(cmd, regs) ||
	    sscanf(regs, "%x %x %x", &vendor, &device, &command) != 3)
		ksft_print_msg("%s: setpci: %s\n", bdf, regs);

	qualifies = json_bool(json, "qualifies");
	bad += differ(bdf, "exit status", status == 0 ? "0" :
		      status == 1 ? "1" : "other",
		      qualifies == 1 ? "0" : qualifies == 0 ? "1" : "none");
	json_string(json, "vendor", id, sizeof(id));
	snprintf(want, sizeof(want), "%04x", vendor);
	bad += differ(bdf, "vendor (setpci)", id, want);
	json_string(json, "device", id, sizeof(id));
	snprintf(want, sizeof(want), "%04x", device);
	bad += differ(bdf, "device (setpci)", id, want);
	bad += differ(bdf, "bus master (setpci COMMAND)",
		      tf(json_bool(json, "bus_master")), tf(!!(command & 0x4)));
	bad += differ(bdf, "PCI Express (lspci)", tf(json_bool(json, "pcie")),
		      tf(!!strstr(vvv, "] Express (")));
	bad += differ(bdf, "FLR (lspci DevCap)", tf(json_bool(json, "flr")),
		      tf(!!strstr(vvv, "FLReset+")));
	bad += differ(bdf, "ACS (lspci)", tf(json_bool(json, "acs")),
		      tf(!!strstr(vvv, "Access Control Services")));
	bad += differ(bdf, "ATS (lspci)", tf(json_bool(json, "ats")),
		      tf(!!strstr(vvv, "Address Translation Service")));
	json_string(json, "iommu_group", group, sizeof(group));
	text_after(vvv, "IOMMU group: ", want, sizeof(want));
	bad += differ(bdf, "IOMMU group (lspci)", group, want);
	json_string(json, "driver", driver, sizeof(driver));
	text_after(vvv, "Kernel driver in use: ", want, sizeof(want));
	bad += differ(bdf, "driver (lspci)", driver, want);

	ksft_test_result(!bad,
			 "%s: kho-check agrees with lspci and setpci (%04x:%04x, PCIe %s, FLR %s, bus master %s, group %s, driver %s)\n",
			 bdf, vendor, device, tf(json_bool(json, "pcie")),
			 tf(json_bool(json, "flr")),
			 tf(json_bool(json, "bus_master")),
			 group[0] ? group : "none", driver[0] ? driver : "none");
	free(json);
	free(vvv);
	free(regs);
}

static int pci_function(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	struct dirent **names;
	int n, i;

	if (argc != 3) {
		fprintf(stderr, "usage: %s LSPCI SETPCI\n", argv[0]);
		return 2;
	}
	lspci = argv[1];
	setpci = argv[2];
	n = scandir(PCI_DEVICES, &names, pci_function, alphasort);
	if (n <= 0)
		ksft_exit_fail_msg("no PCI function in " PCI_DEVICES "\n");
	ksft_print_header();
	ksft_set_plan(n);
	for (i = 0; i < n; i++) {
		check_function(names[i]->d_name);
		free(names[i]);
	}
	free(names);
	ksft_finished();
}
