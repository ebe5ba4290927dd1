// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_kho_handover - the PCI part of the suite across kexecs, judged here:
 * the stages of three scenarios, each stage a fixture of the same name.
 *
 *   handover_before, handover_after (scenario pci-handover)
 *	an igb kept without its translation, a second igb given up, an edu
 *	refused by the policy; then what the next kernel did with each.
 *   refuse_1 .. refuse_4 (scenario pci-refuse)
 *	records forged after the preserve (another device at an address, a
 *	function moved to an empty slot, an unknown version, a record
 *	changed under its checksum), and what the next kernel refused.
 *   bridge_before, bridge_after (scenario pci-bridge-path)
 *	an igb behind a root port, recorded with its bridge.
 *
 * Usage: pci_kho_handover STAGE. main() does the stage's work and notes
 * what it saw in st; the TEST_Fs of the fixture named like the stage judge
 * it. Functions are preserved through the LUO test file of
 * drivers/pci/pci_kho_test_file.c (CONFIG_KHO_DEVICES_TEST_HOOKS), one file per
 * function, in a session that a child keeps open across the kexec. What a
 * later stage compares with (config registers) is carried in a LUO session
 * of its own (kho_luo_carry()), kept by the same child.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/pci_regs.h>

#include <libliveupdate.h>
#include <libvfio.h>

#include "../kselftest_harness.h"
#include "kho_luo.h"
#include "kho_sysfs.h"

/* The machines: "igb edu igb2" and "rooted-igb" (harness/vmtest.sh) */
#define IGB		"0000:00:04.0"
#define EDU		"0000:00:05.0"
#define IGB2		"0000:00:06.0"
#define NOWHERE		"0000:00:1e.7"	/* an empty slot */
#define PORT		"0000:00:09.0"	/* the root port above ROOTED_IGB */
#define ROOTED_IGB	"0000:01:00.0"

#define TDBAL		0x3800		/* igb TX ring base: reset clears it */
#define MARKER		0x4b484f80	/* 128-byte aligned, as TDBAL wants */

#define FUNCTIONS	"/sys/kernel/debug/kho_devices/pci/functions"
#define FORGE		"/sys/kernel/debug/kho_devices/pci/forge"
#define CARRY		"kho-pci-carry"	/* the session of what is carried */

#define MAX_FUNCTIONS	4
#define LINE		160

/* What opening a function with VFIO (type1) as a VMM does showed */
struct vfio_look {
	int64_t reg;		/* BAR0 TDBAL at open, or -errno */
	int64_t after_reset;	/* after VFIO_DEVICE_RESET, if asked */
	int reset;		/* VFIO_DEVICE_RESET: 0 or -errno */
};

/* One session's preserve: an errno per function */
struct preserve {
	int rc[MAX_FUNCTIONS];
	char line[MAX_FUNCTIONS][LINE];	/* its debugfs line after */
};

/* One session's retrieve: per token, its errno and the test file's state */
struct retrieve {
	int session, finish;
	int rc[MAX_FUNCTIONS];
	char state[MAX_FUNCTIONS][64];
	char after_finish[MAX_FUNCTIONS][64];
};

/* A function as the next kernel left it */
struct function {
	char line[LINE];	/* debugfs, without " reason=..." */
	char driver[32];
	int64_t reg;
	int command;		/* or -errno */
	bool master;
};

static struct {
	int set_up[2], reach_bits, forge[2];
	int64_t marker;
	struct preserve policy, given_up, kept;
	struct function igb, igb2;
	struct vfio_look open_claimed, open_finished, open_igb2;
	struct retrieve r;
	char handover[LINE], in_lines[2 * LINE], nowhere[LINE], edu[LINE];
	int logged[2], bind_igb2;
	int control_reset, kept_reset;
	int64_t kept_reg;
	bool same_command, same_bars, same_bus_numbers;
} st;

/* --- what the stages look at --- */

static int64_t reg_of(const char *bdf)
{
	uint32_t val;
	int err = kho_bar0_read32(bdf, TDBAL, &val);

	return err ?: (int64_t)val;
}

static int command_of(const char *bdf)
{
	uint8_t cfg[PCI_COMMAND + 2];
	int err = kho_config_read(bdf, cfg, sizeof(cfg));

	return err ?: cfg[PCI_COMMAND] | cfg[PCI_COMMAND + 1] << 8;
}

/* Memory decoding and bus mastering on, the marker written. */
static int set_up(const char *bdf)
{
	int command = command_of(bdf);

	if (command < 0)
		return command;
	return kho_config_write16(bdf, PCI_COMMAND, command | PCI_COMMAND_MEMORY |
				  PCI_COMMAND_MASTER) ?:
	       kho_bar0_write32(bdf, TDBAL, MARKER);
}

/* A function reset through sysfs: 0 if it went through, else -errno. */
static int sysfs_reset(const char *bdf)
{
	char path[96];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset", bdf);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		err = -errno;
	close(fd);
	return err;
}

static int forge(const char *what, const char *bdf)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "%s%s%s", what, bdf ? " " : "", bdf ?: "");
	return kho_write_file(FORGE, cmd);
}

/*
 * The debugfs line of @bdf ("out|in BDF VENDOR:DEVICE STATE driver=...
 * bridges=N [err=E] [reason=...]") without its reason, "" if none; with
 * @bdf NULL, the first "in handover-..." line.
 */
static void function_line(const char *bdf, char *line, size_t len)
{
	char prefix[32], *reason;

	if (bdf)
		snprintf(prefix, sizeof(prefix), "* %s ", bdf);
	kho_debugfs_line(FUNCTIONS, bdf ? prefix : "in handover-", line, len);
	reason = strstr(line, " reason=");
	if (reason)
		*reason = 0;
}

/* Every "in ..." line of the debugfs file, joined by ';' */
static void in_lines(char *lines, size_t len)
{
	char buf[512];
	FILE *f = fopen(FUNCTIONS, "r");
	size_t n = 0;

	lines[0] = 0;
	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f) && n < len)
		if (!strncmp(buf, "in ", 3))
			n += snprintf(lines + n, len - n, "%s%.*s", n ? ";" : "",
				      (int)strcspn(buf, "\n"), buf);
	fclose(f);
}

static void look_at(const char *bdf, struct function *fn)
{
	function_line(bdf, fn->line, sizeof(fn->line));
	kho_driver_of(bdf, fn->driver, sizeof(fn->driver));
	fn->reg = reg_of(bdf);
	fn->command = command_of(bdf);
	fn->master = kho_bus_master(bdf);
}

/* Open @bdf with VFIO (type1 v2), read the marker, reset it if asked. */
static void vfio_look(const char *bdf, bool reset, struct vfio_look *look)
{
	struct vfio_pci_device *device;
	struct iommu *iommu;
	uint32_t *bar0;

	iommu = iommu_init(MODE_VFIO_TYPE1V2_IOMMU);
	device = vfio_pci_device_init(bdf, iommu);
	bar0 = device->bars[0].vaddr;
	look->reg = bar0 ? READ_ONCE(bar0[TDBAL / 4]) : -ENXIO;
	look->reset = -EINVAL;
	look->after_reset = -EINVAL;
	if (reset && bar0) {
		look->reset = __vfio_pci_device_reset(device);
		look->after_reset = READ_ONCE(bar0[TDBAL / 4]);
	}
	vfio_pci_device_cleanup(device);
	iommu_cleanup(iommu);
}

/* The config header the previous stage carried (kho_luo_carry()) */
static uint8_t carried_cfg[64];
static ssize_t carried_len = -ENOENT;

/* Whether @len bytes at @off of the carried header equal @buf */
static bool carried(size_t off, const void *buf, size_t len)
{
	return carried_len >= 0 && off + len <= (size_t)carried_len &&
	       !memcmp(carried_cfg + off, buf, len);
}

/* --- LUO sessions of test files --- */

/* A hold file for "BDF[=DRIVER[,iommu]]": its fd, or -errno. */
static int hold_function(const char *spec)
{
	char what[64], *c;

	snprintf(what, sizeof(what), "%s", spec);
	for (c = what; *c; c++)
		if (*c == '=' || *c == ',')
			*c = ' ';	/* what the hold file reads */
	return kho_luo_hold_function(what);
}

/*
 * A session @name holding one test file per function of @specs (tokens
 * 1, 2, ...). With @keep, a child keeps it across the kexec; without, it
 * is closed again, which gives everything up. Each function's debugfs
 * line is read after.
 */
static void preserve(const char *name, bool keep, const char *const *specs,
		     struct preserve *p)
{
	int luo = kho_luo_fd(), session, fds[MAX_FUNCTIONS], i, n, err;
	char bdf[16];

	for (n = 0; n < MAX_FUNCTIONS && specs[n]; n++)
		p->rc[n] = luo < 0 ? luo : -EINVAL;
	if (luo < 0)
		return;
	session = luo_create_session(luo, name);
	for (i = 0; i < n; i++) {
		fds[i] = session < 0 ? session : hold_function(specs[i]);
		p->rc[i] = fds[i] < 0 ? fds[i] :
			   luo_session_preserve_fd(session, fds[i], i + 1);
	}
	err = keep && session >= 0 ? kho_luo_hold() : 0;
	for (i = 0; i < n; i++) {
		if (err)
			p->rc[i] = err;
		if (fds[i] >= 0)
			close(fds[i]);
	}
	if (session >= 0)
		close(session);
	for (i = 0; i < n; i++) {
		snprintf(bdf, sizeof(bdf), "%.12s", specs[i]);
		function_line(bdf, p->line[i], sizeof(p->line[i]));
	}
}

static void read_state(int fd, char *state, size_t len)
{
	ssize_t n = pread(fd, state, len - 1, 0);

	if (n < 0)
		n = snprintf(state, len, "unreadable(%d)", -errno);
	state[n] = 0;
	state[strcspn(state, "\n")] = 0;
}

/* Tokens 1..@n of session @name back, then the session finished */
static void retrieve(const char *name, int n, struct retrieve *r)
{
	int luo = kho_luo_fd(), fds[MAX_FUNCTIONS], i;

	r->session = luo < 0 ? luo : luo_retrieve_session(luo, name);
	r->finish = -EINVAL;
	if (r->session < 0)
		return;
	for (i = 0; i < n; i++) {
		fds[i] = luo_session_retrieve_fd(r->session, i + 1);
		r->rc[i] = fds[i] < 0 ? fds[i] : 0;
		if (fds[i] >= 0)
			read_state(fds[i], r->state[i], sizeof(r->state[i]));
	}
	r->finish = luo_session_finish(r->session);
	for (i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		read_state(fds[i], r->after_finish[i], sizeof(r->after_finish[i]));
		close(fds[i]);
	}
	close(r->session);
}

/* --- pci-handover --- */

static void handover_before(void)
{
	uint8_t cfg[40];

	st.set_up[0] = set_up(IGB);
	st.set_up[1] = set_up(IGB2);
	st.marker = reg_of(IGB);
	if (!kho_config_read(IGB, cfg, sizeof(cfg)))
		kho_luo_carry(CARRY, cfg, sizeof(cfg));
	preserve("kho-pci-policy", false, (const char *[]){ EDU, NULL },
		 &st.policy);
	preserve("kho-pci-abort", false,
		 (const char *[]){ IGB2 "=vfio-pci", NULL }, &st.given_up);
	preserve("kho-pci", true, (const char *[]){ IGB "=vfio-pci", NULL },
		 &st.kept);
	st.kept_reset = sysfs_reset(IGB);
	st.kept_reg = reg_of(IGB);
}

static void handover_after(void)
{
	uint8_t cfg[40];

	look_at(IGB, &st.igb);
	if (!kho_config_read(IGB, cfg, sizeof(cfg))) {
		cfg[PCI_COMMAND] |= PCI_COMMAND_MASTER;	/* off at kexec */
		carried_len = kho_luo_carried(CARRY, carried_cfg,
					      sizeof(carried_cfg));
		st.same_command = carried(PCI_COMMAND, cfg + PCI_COMMAND, 2);
		st.same_bars = carried(PCI_BASE_ADDRESS_0,
				       cfg + PCI_BASE_ADDRESS_0, 24);
	}
	vfio_look(IGB, true, &st.open_claimed);
	retrieve("kho-pci", 1, &st.r);
	in_lines(st.in_lines, sizeof(st.in_lines));
	vfio_look(IGB, true, &st.open_finished);
	look_at(IGB2, &st.igb2);
	st.bind_igb2 = kho_bind_vfio(IGB2);
	vfio_look(IGB2, false, &st.open_igb2);
}

FIXTURE(handover_before) {
};

FIXTURE_SETUP(handover_before)
{
}

FIXTURE_TEARDOWN(handover_before)
{
}

TEST_F(handover_before, igb_bus_mastering_on_marker_written)
{
	EXPECT_EQ(st.set_up[0], 0);
}

TEST_F(handover_before, igb2_bus_mastering_on_marker_written)
{
	EXPECT_EQ(st.set_up[1], 0);
}

TEST_F(handover_before, igb_marker_reads_back)
{
	EXPECT_EQ(st.marker, MARKER);
}

TEST_F(handover_before, edu_refused_by_the_policy_edom)
{
	/* edu reaches 28 bits of address */
	EXPECT_EQ(st.policy.rc[0], -EDOM);
}

TEST_F(handover_before, nothing_kept_for_the_refused_edu)
{
	EXPECT_STREQ(st.policy.line[0], "");
}

TEST_F(handover_before, igb2_preserved)
{
	EXPECT_EQ(st.given_up.rc[0], 0);
}

TEST_F(handover_before, closing_the_session_gives_igb2_up)
{
	EXPECT_STREQ(st.given_up.line[0], "");
}

TEST_F(handover_before, igb_preserved_through_the_luo_test_file)
{
	EXPECT_EQ(st.kept.rc[0], 0);
}

TEST_F(handover_before, debugfs_lists_igb_handed_over_for_vfio_pci)
{
	EXPECT_STREQ(st.kept.line[0],
		     "out " IGB " 8086:10c9 preserved driver=vfio-pci bridges=0");
}

TEST_F(handover_before, reset_of_the_preserved_igb_refused)
{
	EXPECT_LT(st.kept_reset, 0);
}

TEST_F(handover_before, igb_marker_survives_the_refused_reset)
{
	EXPECT_EQ(st.kept_reg, MARKER);
}

FIXTURE(handover_after) {
};

FIXTURE_SETUP(handover_after)
{
}

FIXTURE_TEARDOWN(handover_after)
{
}

TEST_F(handover_after, igb_claimed_by_the_new_kernel)
{
	EXPECT_STREQ(st.igb.line,
		     "in " IGB " 8086:10c9 claimed driver=vfio-pci bridges=0");
}

TEST_F(handover_after, igb_mastering_off_without_its_translation)
{
	ASSERT_GE(st.igb.command, 0);
	EXPECT_FALSE(st.igb.master);
}

TEST_F(handover_after, igb_command_unchanged_but_for_bus_mastering)
{
	EXPECT_TRUE(st.same_command);
}

TEST_F(handover_after, igb_bars_unchanged)
{
	EXPECT_TRUE(st.same_bars);
}

TEST_F(handover_after, igb_not_reset)
{
	EXPECT_EQ(st.igb.reg, MARKER);
}

TEST_F(handover_after, igb_bound_to_the_recorded_driver)
{
	EXPECT_STREQ(st.igb.driver, "vfio-pci");
}

TEST_F(handover_after, vfio_open_does_not_reset_igb)
{
	EXPECT_EQ(st.open_claimed.reg, MARKER);
}

TEST_F(handover_after, vfio_reset_refused_while_claimed)
{
	EXPECT_EQ(st.open_claimed.reset, -EBUSY);
}

TEST_F(handover_after, igb_marker_kept_after_the_refused_reset)
{
	EXPECT_EQ(st.open_claimed.after_reset, MARKER);
}

TEST_F(handover_after, luo_test_file_back_for_the_claimed_igb)
{
	ASSERT_GE(st.r.session, 0);
	EXPECT_EQ(st.r.rc[0], 0);
	EXPECT_STREQ(st.r.state[0], IGB " claimed");
}

TEST_F(handover_after, session_finish)
{
	EXPECT_EQ(st.r.finish, 0);
}

TEST_F(handover_after, finish_releases_the_claim)
{
	EXPECT_STREQ(st.r.after_finish[0], IGB " released");
}

TEST_F(handover_after, debugfs_handover_finished)
{
	EXPECT_STREQ(st.in_lines, "in handover-finished");
}

TEST_F(handover_after, after_finish_vfio_reset_works_again)
{
	EXPECT_EQ(st.open_finished.reset, 0);
}

TEST_F(handover_after, after_finish_the_reset_clears_the_marker)
{
	EXPECT_EQ(st.open_finished.after_reset, 0);
}

TEST_F(handover_after, igb2_given_up_mastering_off_as_upstream)
{
	ASSERT_GE(st.igb2.command, 0);
	EXPECT_FALSE(st.igb2.master);
}

TEST_F(handover_after, igb2_unbound_not_reset_as_upstream)
{
	EXPECT_EQ(st.igb2.reg, MARKER);
}

TEST_F(handover_after, igb2_not_claimed)
{
	EXPECT_STREQ(st.igb2.line, "");
}

TEST_F(handover_after, igb2_left_unbound)
{
	EXPECT_STREQ(st.igb2.driver, "");
}

TEST_F(handover_after, igb2_bound_to_vfio_pci)
{
	EXPECT_EQ(st.bind_igb2, 0);
}

TEST_F(handover_after, igb2_reset_by_vfio_pci_on_open_as_upstream)
{
	EXPECT_EQ(st.open_igb2.reg, 0);
}

/* --- pci-refuse --- */

static void refuse_1(void)
{
	char path[96];

	st.set_up[0] = set_up(IGB);
	st.set_up[1] = set_up(IGB2);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/kho_dma_reach_bits",
		 EDU);
	st.reach_bits = kho_write_file(path, "64");
	preserve("kho-pci", true,
		 (const char *[]){ IGB "=vfio-pci", IGB2 "=vfio-pci", EDU, NULL },
		 &st.kept);
	st.forge[0] = forge("identity", IGB2);
	st.forge[1] = forge("missing", EDU);
}

static void refuse_2(void)
{
	look_at(IGB, &st.igb);
	look_at(IGB2, &st.igb2);
	function_line(NOWHERE, st.nowhere, sizeof(st.nowhere));
	function_line(EDU, st.edu, sizeof(st.edu));
	st.logged[0] = kho_klog_count(IGB2 ": live update refused: ",
				      "another function sits at its address");
	st.logged[1] = kho_klog_count(NOWHERE ": handed-over function not found",
				      NULL);
	retrieve("kho-pci", 3, &st.r);
	st.set_up[0] = set_up(IGB);
	preserve("kho-pci-2", true, (const char *[]){ IGB "=vfio-pci,iommu", NULL },
		 &st.kept);
	st.forge[0] = forge("compatible", NULL);
}

static void refuse_3(void)
{
	function_line(NULL, st.handover, sizeof(st.handover));
	look_at(IGB, &st.igb);
	function_line(IGB2, st.igb2.line, sizeof(st.igb2.line));
	retrieve("kho-pci-2", 1, &st.r);
	st.set_up[1] = set_up(IGB2);
	preserve("kho-pci-3", true, (const char *[]){ IGB2 "=vfio-pci", NULL },
		 &st.kept);
	st.forge[0] = forge("scribble", IGB2);
}

static void refuse_4(void)
{
	function_line(NULL, st.handover, sizeof(st.handover));
	st.logged[0] = kho_klog_count("handover refused: its records do not match their checksum",
				      NULL);
	look_at(IGB2, &st.igb2);
}

FIXTURE(refuse_1) {
};

FIXTURE_SETUP(refuse_1)
{
}

FIXTURE_TEARDOWN(refuse_1)
{
}

TEST_F(refuse_1, igb_bus_mastering_on_marker_written)
{
	EXPECT_EQ(st.set_up[0], 0);
}

TEST_F(refuse_1, igb2_bus_mastering_on_marker_written)
{
	EXPECT_EQ(st.set_up[1], 0);
}

TEST_F(refuse_1, edu_given_a_64_bit_reach)
{
	EXPECT_EQ(st.reach_bits, 0);
}

TEST_F(refuse_1, igb_igb2_and_edu_preserved)
{
	EXPECT_EQ(st.kept.rc[0], 0);
	EXPECT_EQ(st.kept.rc[1], 0);
	EXPECT_EQ(st.kept.rc[2], 0);
}

TEST_F(refuse_1, igb2_record_forged_to_name_another_device)
{
	EXPECT_EQ(st.forge[0], 0);
}

TEST_F(refuse_1, edu_record_moved_to_an_empty_slot)
{
	EXPECT_EQ(st.forge[1], 0);
}

FIXTURE(refuse_2) {
};

FIXTURE_SETUP(refuse_2)
{
}

FIXTURE_TEARDOWN(refuse_2)
{
}

TEST_F(refuse_2, intact_record_claimed)
{
	EXPECT_STREQ(st.igb.line,
		     "in " IGB " 8086:10c9 claimed driver=vfio-pci bridges=0");
}

TEST_F(refuse_2, identity_mismatch_refused_estale)
{
	EXPECT_STREQ(st.igb2.line,
		     "in " IGB2 " 8086:90c9 refused driver=vfio-pci bridges=0 err=-116");
}

TEST_F(refuse_2, refusal_logged_with_its_reason)
{
	EXPECT_EQ(st.logged[0], 1);
}

TEST_F(refuse_2, refused_igb2_bus_mastering_off)
{
	ASSERT_GE(st.igb2.command, 0);
	EXPECT_FALSE(st.igb2.master);
}

TEST_F(refuse_2, refused_igb2_reset)
{
	EXPECT_EQ(st.igb2.reg, 0);
}

TEST_F(refuse_2, refused_igb2_not_bound_to_the_recorded_driver)
{
	EXPECT_STREQ(st.igb2.driver, "");
}

TEST_F(refuse_2, intact_igb_kept)
{
	EXPECT_EQ(st.igb.reg, MARKER);
}

TEST_F(refuse_2, record_in_an_empty_slot_reported_missing)
{
	EXPECT_STREQ(st.nowhere,
		     "in " NOWHERE " 1234:11e8 missing driver=- bridges=0");
}

TEST_F(refuse_2, missing_function_logged)
{
	EXPECT_EQ(st.logged[1], 1);
}

TEST_F(refuse_2, edu_itself_not_claimed)
{
	EXPECT_STREQ(st.edu, "");
}

TEST_F(refuse_2, luo_file_of_the_claimed_igb_back)
{
	ASSERT_GE(st.r.session, 0);
	EXPECT_EQ(st.r.rc[0], 0);
	EXPECT_STREQ(st.r.state[0], IGB " claimed");
}

TEST_F(refuse_2, luo_file_of_the_refused_igb2_estale)
{
	EXPECT_EQ(st.r.rc[1], -ESTALE);
}

TEST_F(refuse_2, luo_file_naming_a_function_outside_the_handover_enoent)
{
	EXPECT_EQ(st.r.rc[2], -ENOENT);
}

TEST_F(refuse_2, session_finish)
{
	EXPECT_EQ(st.r.finish, 0);
}

TEST_F(refuse_2, igb_bus_mastering_on_marker_written_again)
{
	EXPECT_EQ(st.set_up[0], 0);
}

TEST_F(refuse_2, igb_preserved_again_with_its_translation)
{
	EXPECT_EQ(st.kept.rc[0], 0);
}

TEST_F(refuse_2, handover_forged_to_an_unknown_version)
{
	EXPECT_EQ(st.forge[0], 0);
}

FIXTURE(refuse_3) {
};

FIXTURE_SETUP(refuse_3)
{
}

FIXTURE_TEARDOWN(refuse_3)
{
}

TEST_F(refuse_3, whole_handover_refused_eprotonosupport)
{
	EXPECT_STREQ(st.handover, "in handover-refused err=-93");
}

TEST_F(refuse_3, mastering_igb_quiesced)
{
	EXPECT_STREQ(st.igb.line, "in " IGB " quiesced");
}

TEST_F(refuse_3, igb_bus_mastering_off)
{
	ASSERT_GE(st.igb.command, 0);
	EXPECT_FALSE(st.igb.master);
}

TEST_F(refuse_3, igb_reset)
{
	EXPECT_EQ(st.igb.reg, 0);
}

TEST_F(refuse_3, igb_not_bound_to_the_recorded_driver)
{
	EXPECT_STREQ(st.igb.driver, "");
}

TEST_F(refuse_3, igb2_not_preserved_left_alone)
{
	EXPECT_STREQ(st.igb2.line, "");
}

TEST_F(refuse_3, luo_file_of_the_refused_handover_enodata)
{
	ASSERT_GE(st.r.session, 0);
	EXPECT_EQ(st.r.rc[0], -ENODATA);
}

TEST_F(refuse_3, igb2_bus_mastering_on_marker_written)
{
	EXPECT_EQ(st.set_up[1], 0);
}

TEST_F(refuse_3, igb2_preserved)
{
	EXPECT_EQ(st.kept.rc[0], 0);
}

TEST_F(refuse_3, igb2_record_changed_in_memory_not_its_checksum)
{
	EXPECT_EQ(st.forge[0], 0);
}

FIXTURE(refuse_4) {
};

FIXTURE_SETUP(refuse_4)
{
}

FIXTURE_TEARDOWN(refuse_4)
{
}

TEST_F(refuse_4, changed_record_whole_handover_refused_ebadmsg)
{
	EXPECT_STREQ(st.handover, "in handover-refused err=-74");
}

TEST_F(refuse_4, checksum_mismatch_logged)
{
	EXPECT_EQ(st.logged[0], 1);
}

TEST_F(refuse_4, igb2_bus_mastering_off)
{
	ASSERT_GE(st.igb2.command, 0);
	EXPECT_FALSE(st.igb2.master);
}

TEST_F(refuse_4, igb2_not_bound_to_the_recorded_driver)
{
	EXPECT_STREQ(st.igb2.driver, "");
}

/* --- pci-bridge-path --- */

static void bridge_before(void)
{
	uint8_t cfg[PCI_SUBORDINATE_BUS + 1];

	st.set_up[0] = set_up(ROOTED_IGB);
	/* the control: when nothing is kept, a reset clears the marker */
	st.control_reset = sysfs_reset(ROOTED_IGB);
	st.marker = reg_of(ROOTED_IGB);
	st.set_up[1] = set_up(ROOTED_IGB);
	if (!kho_config_read(PORT, cfg, sizeof(cfg)))
		kho_luo_carry(CARRY, cfg, sizeof(cfg));
	preserve("kho-pci", true, (const char *[]){ ROOTED_IGB "=vfio-pci", NULL },
		 &st.kept);
	st.kept_reset = sysfs_reset(ROOTED_IGB);
	st.kept_reg = reg_of(ROOTED_IGB);
}

static void bridge_after(void)
{
	uint8_t cfg[PCI_SUBORDINATE_BUS + 1];

	look_at(ROOTED_IGB, &st.igb);
	if (!kho_config_read(PORT, cfg, sizeof(cfg))) {
		carried_len = kho_luo_carried(CARRY, carried_cfg,
					      sizeof(carried_cfg));
		st.same_bus_numbers = carried(PCI_PRIMARY_BUS,
					      cfg + PCI_PRIMARY_BUS, 3);
	}
	st.kept_reset = sysfs_reset(ROOTED_IGB);
	st.kept_reg = reg_of(ROOTED_IGB);
}

FIXTURE(bridge_before) {
};

FIXTURE_SETUP(bridge_before)
{
}

FIXTURE_TEARDOWN(bridge_before)
{
}

TEST_F(bridge_before, igb_behind_the_root_port_marker_written)
{
	EXPECT_EQ(st.set_up[0], 0);
}

TEST_F(bridge_before, control_reset_goes_through_when_nothing_is_kept)
{
	EXPECT_EQ(st.control_reset, 0);
}

TEST_F(bridge_before, control_reset_clears_the_marker)
{
	EXPECT_EQ(st.marker, 0);
}

TEST_F(bridge_before, igb_bus_mastering_on_marker_written_again)
{
	EXPECT_EQ(st.set_up[1], 0);
}

TEST_F(bridge_before, igb_preserved)
{
	EXPECT_EQ(st.kept.rc[0], 0);
}

TEST_F(bridge_before, record_carries_the_root_port_above_it)
{
	EXPECT_STREQ(st.kept.line[0], "out " ROOTED_IGB
		     " 8086:10c9 preserved driver=vfio-pci bridges=1");
}

TEST_F(bridge_before, reset_refused_while_preserved)
{
	EXPECT_LT(st.kept_reset, 0);
}

TEST_F(bridge_before, igb_marker_intact)
{
	EXPECT_EQ(st.kept_reg, MARKER);
}

FIXTURE(bridge_after) {
};

FIXTURE_SETUP(bridge_after)
{
}

FIXTURE_TEARDOWN(bridge_after)
{
}

TEST_F(bridge_after, igb_claimed_with_its_bridge)
{
	EXPECT_STREQ(st.igb.line, "in " ROOTED_IGB
		     " 8086:10c9 claimed driver=vfio-pci bridges=1");
}

TEST_F(bridge_after, root_port_bus_numbers_unchanged)
{
	EXPECT_TRUE(st.same_bus_numbers);
}

TEST_F(bridge_after, igb_mastering_off_without_its_translation)
{
	ASSERT_GE(st.igb.command, 0);
	EXPECT_FALSE(st.igb.master);
}

TEST_F(bridge_after, igb_not_reset)
{
	EXPECT_EQ(st.igb.reg, MARKER);
}

TEST_F(bridge_after, claimed_igb_cannot_be_reset)
{
	EXPECT_LT(st.kept_reset, 0);
}

TEST_F(bridge_after, igb_marker_still_kept)
{
	EXPECT_EQ(st.kept_reg, MARKER);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} stages[] = {
		{ "handover_before", handover_before },
		{ "handover_after", handover_after },
		{ "refuse_1", refuse_1 },
		{ "refuse_2", refuse_2 },
		{ "refuse_3", refuse_3 },
		{ "refuse_4", refuse_4 },
		{ "bridge_before", bridge_before },
		{ "bridge_after", bridge_after },
	};
	char *harness_argv[4];
	unsigned int i;

	for (i = 0; argc == 2 && i < ARRAY_SIZE(stages); i++) {
		if (strcmp(argv[1], stages[i].name))
			continue;
		stages[i].run();
		/* the fixture named like the stage */
		harness_argv[0] = argv[0];
		harness_argv[1] = "-f";
		harness_argv[2] = argv[1];
		harness_argv[3] = NULL;
		return test_harness_run(3, harness_argv);
	}
	fprintf(stderr, "usage: %s STAGE (see the comment at the top of %s)\n",
		argv[0], __FILE__);
	return 2;
}
