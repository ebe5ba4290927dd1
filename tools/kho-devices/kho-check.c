// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho-check - which PCI devices may keep doing DMA across a live update.
 *
 * Lists PCI functions with the kernel's verdict (sysfs kho_preservable,
 * from kernel/kho_dma_policy.c) and the config-space facts a vendor or an
 * operator looks at: PCI Express, Function Level Reset, ACS, ATS, bus
 * mastering, IOMMU group and driver.
 *
 *   kho-check [--json] [BDF]
 *
 * With BDF, only that function; the exit status then says whether it
 * qualifies: 0 yes (alone, or with the other functions of its IOMMU
 * group, which the verdict then lists), 1 no, 2 error (no such device,
 * or a kernel without KHO_DEVICES, which gives no verdict).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "kho_json.h"

#define EXIT_QUALIFIES		0
#define EXIT_DOES_NOT_QUALIFY	1
#define EXIT_ERROR		2

#define DEVCAP_FLR		0x10000000	/* PCIe Device Capabilities */

/* The verdict of a function that goes only with the rest of its group */
#define VERDICT_YES_GROUP	"yes, with its IOMMU group:"

struct kho_device_facts {
	char bdf[16];
	unsigned int vendor, device, class;
	char name[128];
	bool pcie, flr, acs, ats, bus_master;
	const char *iommu_group;
	const char *driver;
	char verdict[256];	/* "yes", VERDICT_YES_GROUP and the others,
				 * "no: reason", or "" if none
				 */
};

static const char *sysfs_root = "/sys/bus/pci/devices";

static void read_verdict(struct kho_device_facts *f)
{
	char path[256];
	FILE *file;

	f->verdict[0] = 0;
	snprintf(path, sizeof(path), "%s/%s/kho_preservable", sysfs_root, f->bdf);
	file = fopen(path, "r");
	if (!file)
		return;
	if (fgets(f->verdict, sizeof(f->verdict), file))
		f->verdict[strcspn(f->verdict, "\n")] = 0;
	fclose(file);
}

static void gather(struct pci_access *pacc, struct pci_dev *d,
		   struct kho_device_facts *f)
{
	struct pci_cap *exp;

	pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CAPS |
			 PCI_FILL_EXT_CAPS | PCI_FILL_IOMMU_GROUP |
			 PCI_FILL_DRIVER);
	memset(f, 0, sizeof(*f));
	snprintf(f->bdf, sizeof(f->bdf), "%04x:%02x:%02x.%d", d->domain,
		 d->bus, d->dev, d->func);
	f->vendor = d->vendor_id;
	f->device = d->device_id;
	f->class = d->device_class;
	pci_lookup_name(pacc, f->name, sizeof(f->name),
			PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE,
			d->vendor_id, d->device_id);
	exp = pci_find_cap(d, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	f->pcie = exp;
	if (exp)
		f->flr = pci_read_long(d, exp->addr + PCI_EXP_DEVCAP) &
			 DEVCAP_FLR;
	f->acs = pci_find_cap(d, PCI_EXT_CAP_ID_ACS, PCI_CAP_EXTENDED);
	f->ats = pci_find_cap(d, PCI_EXT_CAP_ID_ATS, PCI_CAP_EXTENDED);
	f->bus_master = pci_read_word(d, PCI_COMMAND) & PCI_COMMAND_MASTER;
	f->iommu_group = pci_get_string_property(d, PCI_FILL_IOMMU_GROUP);
	f->driver = pci_get_string_property(d, PCI_FILL_DRIVER);
	read_verdict(f);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static bool qualifies(const struct kho_device_facts *f)
{
	return !strcmp(f->verdict, "yes") ||
	       !strncmp(f->verdict, VERDICT_YES_GROUP, strlen(VERDICT_YES_GROUP));
}

/* "with": the functions it goes with, from the verdict ([] if alone) */
static void print_json_with(const struct kho_device_facts *f)
{
	char others[sizeof(f->verdict)], *bdf, *save;
	bool first = true;

	printf(", \"with\": [");
	if (!strncmp(f->verdict, VERDICT_YES_GROUP, strlen(VERDICT_YES_GROUP))) {
		snprintf(others, sizeof(others), "%s",
			 f->verdict + strlen(VERDICT_YES_GROUP));
		for (bdf = strtok_r(others, " ", &save); bdf;
		     bdf = strtok_r(NULL, " ", &save)) {
			printf("%s", first ? "" : ", ");
			kho_json_string(bdf);
			first = false;
		}
	}
	printf("]");
}

static void print_json(const struct kho_device_facts *f, bool first)
{
	printf("%s\n  {\"bdf\": ", first ? "" : ",");
	kho_json_string(f->bdf);
	printf(", \"vendor\": \"%04x\", \"device\": \"%04x\", \"class\": \"%04x\", \"name\": ",
	       f->vendor, f->device, f->class);
	kho_json_string(f->name);
	printf(", \"qualifies\": %s, \"reason\": ",
	       !f->verdict[0] ? "null" :
	       qualifies(f) ? "true" : "false");
	if (!f->verdict[0])
		kho_json_string("kernel gives no verdict (no KHO_DEVICES)");
	else if (!strncmp(f->verdict, "no: ", 4))
		kho_json_string(f->verdict + 4);
	else
		printf("null");
	printf(", \"pcie\": %s, \"flr\": %s, \"acs\": %s, \"ats\": %s, \"bus_master\": %s",
	       f->pcie ? "true" : "false", f->flr ? "true" : "false",
	       f->acs ? "true" : "false", f->ats ? "true" : "false",
	       f->bus_master ? "true" : "false");
	printf(", \"iommu_group\": ");
	if (f->iommu_group)
		kho_json_string(f->iommu_group);
	else
		printf("null");
	printf(", \"driver\": ");
	if (f->driver)
		kho_json_string(f->driver);
	else
		printf("null");
	print_json_with(f);
	printf("}");
}

static void print_table_header(void)
{
	printf("%-12s %-9s %-5s %-3s %-3s %-3s %-3s %-5s %-10s %s\n", "BDF",
	       "ID", "PCIe", "FLR", "ACS", "ATS", "BM", "GROUP", "DRIVER",
	       "PRESERVABLE");
}

static void print_table_row(const struct kho_device_facts *f)
{
	printf("%-12s %04x:%04x %-5s %-3s %-3s %-3s %-3s %-5s %-10s %s\n",
	       f->bdf, f->vendor, f->device, yes_no(f->pcie), yes_no(f->flr),
	       yes_no(f->acs), yes_no(f->ats), yes_no(f->bus_master),
	       f->iommu_group ? f->iommu_group : "-",
	       f->driver ? f->driver : "-",
	       f->verdict[0] ? f->verdict : "unknown (kernel without KHO_DEVICES)");
}

static int compare_bdf(const void *a, const void *b)
{
	return strcmp(((const struct kho_device_facts *)a)->bdf,
		      ((const struct kho_device_facts *)b)->bdf);
}

static int print_usage(const char *prog, int status)
{
	fprintf(status ? stderr : stdout,
		"Usage: %s [--json] [BDF]\n"
		"List PCI devices with the kernel's live-update verdict.\n"
		"With BDF: exit 0 if it qualifies, 1 if not, 2 on error.\n",
		prog);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct kho_device_facts *all = NULL, *f;
	unsigned int nr = 0, i;
	const char *want = NULL;
	struct pci_access *pacc;
	bool json = false, first = true, found = false;
	int status = EXIT_ERROR;
	struct pci_dev *d;
	int opt;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (opt == 'j')
			json = true;
		else
			return print_usage(argv[0], opt == 'h' ? 0 : EXIT_ERROR);
	}
	if (optind < argc)
		want = argv[optind++];
	if (optind < argc)
		return print_usage(argv[0], EXIT_ERROR);

	pacc = pci_alloc();
	pci_init(pacc);
	pci_scan_bus(pacc);

	for (d = pacc->devices; d; d = d->next) {
		f = realloc(all, (nr + 1) * sizeof(*all));
		if (!f) {
			perror("kho-check");
			return EXIT_ERROR;
		}
		all = f;
		gather(pacc, d, &all[nr++]);
	}
	qsort(all, nr, sizeof(*all), compare_bdf);

	if (json)
		printf("[");
	else
		print_table_header();
	for (i = 0; i < nr; i++) {
		f = &all[i];
		if (want && strcmp(want, f->bdf) && strcmp(want, f->bdf + 5))
			continue;
		found = true;
		if (json)
			print_json(f, first);
		else
			print_table_row(f);
		first = false;
		if (want && f->verdict[0])
			status = qualifies(f) ? EXIT_QUALIFIES :
						EXIT_DOES_NOT_QUALIFY;
	}
	free(all);
	if (json)
		printf("%s]\n", first ? "" : "\n");
	pci_cleanup(pacc);

	if (!want)
		return 0;
	if (!found)
		fprintf(stderr, "kho-check: no PCI device %s\n", want);
	else if (status == EXIT_ERROR)
		fprintf(stderr, "kho-check: %s: %s\n", want,
			"the kernel gives no verdict (built without KHO_DEVICES?)");
	return status;
}
