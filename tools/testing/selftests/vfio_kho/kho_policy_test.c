// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_policy_test - kho_dma_policy on the emulated devices of the machine
 * "igb edu edu28 bridged-edu" (scenario policy), in one boot: the sysfs
 * verdict of each function, the DMA reach its owner declares, the IOMMU
 * group rule, kho-check's exit status and JSON, and the memory rule
 * (-ERANGE for a page below 4 GiB, nothing preserved).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "kho_sysfs.h"

#define IGB		"0000:00:04.0"
#define EDU64		"0000:00:05.0"
#define EDU28		"0000:00:07.0"
#define BRIDGE		"0000:00:08.0"
#define HOST_BRIDGE	"0000:00:00.0"
#define BEDU1		"0000:01:01.0"
#define BEDU2		"0000:01:02.0"
#define MISSING		"0000:00:1f.7"
#define POLICY		"/sys/kernel/debug/kho_devices/policy"

#define YES		"yes"
#define NO_REACH	"no: DMA reach does not cover all of RAM"
#define NO_BRIDGE	"no: not an endpoint: bridges are not handed over on their own"
#define YES_GROUP	"yes, with its IOMMU group:"
#define NO_BEDU2_REACH	"no: " BEDU2 " of its IOMMU group: DMA reach does not cover all of RAM"

/* kho-check --json: igb's identity, and the verdict of a 28-bit edu */
#define JSON_IGB	"\"bdf\": \"" IGB "\", \"vendor\": \"8086\", \"device\": \"10c9\""
#define JSON_NO_REACH	"\"qualifies\": false, \"reason\": \"DMA reach does not cover all of RAM\""

/* The first line of @path, or "" */
static const char *read_line(const char *path)
{
	static char line[256];
	FILE *f = fopen(path, "r");

	line[0] = 0;
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	line[strcspn(line, "\n")] = 0;
	return line;
}

static const char *verdict(const char *bdf)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/kho_preservable", bdf);
	return read_line(path);
}

static int declare_reach(const char *bdf, const char *bits)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/kho_dma_reach_bits",
		 bdf);
	return kho_write_file(path, bits);
}

static long policy_count(const char *name)
{
	char path[96];

	snprintf(path, sizeof(path), POLICY "/%s", name);
	return strtol(read_line(path), NULL, 0);
}

/* Run kho-check with @args: its exit status, its output in @out */
static int kho_check(const char *args, char *out, size_t len)
{
	char cmd[128];
	size_t n = 0;
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "kho-check %s 2>&1", args);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (n < len - 1 && !feof(p))
		n += fread(out + n, 1, len - 1 - n, p);
	out[n] = 0;
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * In kho-check's JSON, the object that holds @key (up to the next
 * "bdf"): whether it also holds @fact.
 */
static bool json_object_has(const char *json, const char *key, const char *fact)
{
	const char *obj = strstr(json, key), *next, *hit;

	if (!obj)
		return false;
	next = strstr(obj + strlen(key), "\"bdf\"");
	hit = strstr(obj, fact);
	return hit && (!next || hit < next);
}

TEST(igb_qualifies_by_the_capability_table_64_bit)
{
	ASSERT_STREQ(verdict(IGB), YES);
}

TEST(igb_still_qualifies_under_vfio_pci_no_driver_mask)
{
	ASSERT_EQ(kho_bind_vfio(IGB), 0);
	ASSERT_STREQ(verdict(IGB), YES);
}

TEST(edu_with_the_default_28_bit_mask_does_not_qualify)
{
	ASSERT_STREQ(verdict(EDU28), NO_REACH);
}

TEST(edu_with_a_64_bit_mask_the_table_still_says_28_bits)
{
	ASSERT_STREQ(verdict(EDU64), NO_REACH);
}

TEST(edu_qualifies_once_its_owner_declares_64_bits)
{
	ASSERT_EQ(declare_reach(EDU64, "64"), 0);
	EXPECT_STREQ(verdict(EDU64), YES);
	declare_reach(EDU64, "0");
}

TEST(declaring_0_withdraws_the_declaration)
{
	ASSERT_EQ(declare_reach(EDU64, "64"), 0);
	ASSERT_EQ(declare_reach(EDU64, "0"), 0);
	ASSERT_STREQ(verdict(EDU64), NO_REACH);
}

TEST(a_reach_of_99_bits_is_refused_with_einval)
{
	ASSERT_EQ(declare_reach(EDU64, "99"), -EINVAL);
	ASSERT_STREQ(verdict(EDU64), NO_REACH);
}

TEST(a_pci_bridge_is_not_an_endpoint)
{
	ASSERT_STREQ(verdict(BRIDGE), NO_BRIDGE);
}

TEST(nor_is_the_host_bridge)
{
	ASSERT_STREQ(verdict(HOST_BRIDGE), NO_BRIDGE);
}

TEST(a_bridged_edu_goes_only_with_its_group_where_the_other_edu_fails)
{
	ASSERT_EQ(declare_reach(BEDU1, "64"), 0);
	ASSERT_EQ(declare_reach(BEDU2, "0"), 0);
	ASSERT_STREQ(verdict(BEDU1), NO_BEDU2_REACH);
}

TEST(bridged_edus_qualify_with_their_group_bridge_included)
{
	const char *v;

	ASSERT_EQ(declare_reach(BEDU1, "64"), 0);
	ASSERT_EQ(declare_reach(BEDU2, "64"), 0);
	v = verdict(BEDU1);
	ASSERT_EQ(strncmp(v, YES_GROUP, strlen(YES_GROUP)), 0) TH_LOG("%s", v);
	EXPECT_NE(strstr(v, " " BRIDGE), NULL) TH_LOG("%s", v);
	EXPECT_NE(strstr(v, " " BEDU2), NULL) TH_LOG("%s", v);
	EXPECT_EQ(strstr(v, BEDU1), NULL) TH_LOG("%s", v);
}

TEST(kho_check_exits_0_for_a_bridged_edu_with_its_group)
{
	static char json[1 << 16];
	char out[4096];

	ASSERT_EQ(declare_reach(BEDU1, "64"), 0);
	ASSERT_EQ(declare_reach(BEDU2, "64"), 0);
	ASSERT_EQ(kho_check(BEDU1, out, sizeof(out)), 0) TH_LOG("%s", out);
	ASSERT_EQ(kho_check("--json", json, sizeof(json)), 0);
	EXPECT_TRUE(json_object_has(json, "\"bdf\": \"" BEDU1 "\"",
				    "\"with\": [\"" BRIDGE "\", \"" BEDU2 "\"]"))
		TH_LOG("%s", json);
}

TEST(kho_check_exits_1_for_a_bridged_edu_whose_group_fails)
{
	char out[4096];

	ASSERT_EQ(declare_reach(BEDU1, "64"), 0);
	ASSERT_EQ(declare_reach(BEDU2, "0"), 0);
	ASSERT_EQ(kho_check(BEDU1, out, sizeof(out)), 1) TH_LOG("%s", out);
	ASSERT_NE(strstr(out, NO_BEDU2_REACH), NULL) TH_LOG("%s", out);
}

TEST(kho_check_exits_0_for_igb_which_qualifies)
{
	char out[4096];

	ASSERT_EQ(kho_check(IGB, out, sizeof(out)), 0) TH_LOG("%s", out);
}

TEST(kho_check_exits_1_for_edu28_and_names_its_reason)
{
	char out[4096];

	ASSERT_EQ(kho_check(EDU28, out, sizeof(out)), 1) TH_LOG("%s", out);
	ASSERT_NE(strstr(out, NO_REACH), NULL) TH_LOG("%s", out);
}

TEST(kho_check_exits_2_for_a_missing_device)
{
	char out[4096];

	ASSERT_EQ(kho_check(MISSING, out, sizeof(out)), 2) TH_LOG("%s", out);
}

TEST(kho_check_json_igb_qualifies)
{
	static char json[1 << 16];

	ASSERT_EQ(kho_check("--json", json, sizeof(json)), 0);
	ASSERT_TRUE(json_object_has(json, JSON_IGB, "\"qualifies\": true"))
		TH_LOG("%s", json);
}

TEST(kho_check_json_edu28_does_not_with_its_reason)
{
	static char json[1 << 16];

	ASSERT_EQ(kho_check("--json", json, sizeof(json)), 0);
	ASSERT_TRUE(json_object_has(json, "\"bdf\": \"" EDU28 "\"", JSON_NO_REACH))
		TH_LOG("%s", json);
}

TEST(memory_rule_one_page_below_4g_spoils_the_whole_request)
{
	long pages = policy_count("preserved_pages");
	long refused = policy_count("refused_requests");

	ASSERT_EQ(kho_write_file(POLICY "/preserve_test", "preserve " IGB " 4 1"),
		  -ERANGE);
	EXPECT_EQ(policy_count("preserved_pages"), pages);
	EXPECT_EQ(policy_count("refused_requests"), refused + 1);
	EXPECT_GE(kho_klog_count(IGB ": refused: range [0x",
				 "] is below 4 GiB; nothing preserved"), 1);
}

TEST(memory_rule_pages_above_4g_preserved_then_released)
{
	long pages = policy_count("preserved_pages");

	ASSERT_EQ(kho_write_file(POLICY "/preserve_test", "preserve " IGB " 4 0"), 0);
	EXPECT_EQ(policy_count("preserved_pages"), pages + 4);
	ASSERT_EQ(kho_write_file(POLICY "/preserve_test", "release"), 0);
	EXPECT_EQ(policy_count("preserved_pages"), pages);
}

TEST(no_swiotlb_in_this_kernel)
{
	struct stat st;

	EXPECT_EQ(kho_klog_count("software IO TLB", NULL), 0);
	EXPECT_NE(stat("/sys/kernel/debug/swiotlb", &st), 0);
}

TEST_HARNESS_MAIN
