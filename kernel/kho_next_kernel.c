// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_next_kernel - can the kernel loaded for kexec take a device handover?
 */

/**
 * DOC: next kernel check
 *
 * This file owns the verdict on the next kernel: given the image and the
 * command line passed to kexec_file_load(), will that kernel keep the
 * translation of the devices this kernel hands over? It reads the note the
 * image carries (include/linux/kho/abi/image.h): a kernel without one, or
 * one that does not read every handover format this kernel writes, cannot.
 * Then it reads the command line, as the next kernel will, for the
 * switches the handover needs: KHO (``kho=``), LUO (``liveupdate=``) and
 * the Intel IOMMU in legacy mode (``intel_iommu=``, ``iommu=off``), each
 * starting from the default the note gives. The last occurrence of a
 * parameter wins; parsing stops at ``--``.
 *
 * The code is pure (no allocation, no global state) and compiles
 * unchanged in userspace, where it is fuzzed.
 */

#include <linux/errno.h>
#include <linux/kho/abi/image.h>
#include <linux/kho_next_kernel.h>
#include <linux/string.h>
#include <linux/types.h>

/* x86 boot protocol offsets (Documentation/arch/x86/boot.rst) */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_HEADER_MAGIC		0x202	/* "HdrS" */
#define BZ_VERSION		0x206
#define BZ_KERNEL_INFO_OFFSET	0x268
#define BZ_MIN_VERSION		0x020f	/* kernel_info appeared in 2.15 */
#define KI_SIZE			0x04
#define KI_SIZE_TOTAL		0x08

static u32 kho_next_le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static u16 kho_next_le16(const u8 *p)
{
	return p[0] | p[1] << 8;
}

/**
 * kho_next_kernel_find_note() - find the device handover note of a bzImage
 * @image: the image
 * @len: its length in bytes
 * @note: set to the note's flags and formats on success
 *
 * Return: 0; -ENOEXEC if it is not a bzImage with kernel_info, has no note,
 * or the note is malformed; -EPROTONOSUPPORT for a version not known here.
 */
int kho_next_kernel_find_note(const void *image, size_t len,
			      struct kho_next_kernel_note *note)
{
	const u8 *p = image;
	size_t ki, size, total, off, nsize, i;
	unsigned int sects;

	if (!image || len < BZ_KERNEL_INFO_OFFSET + 4 ||
	    memcmp(p + BZ_HEADER_MAGIC, "HdrS", 4) ||
	    kho_next_le16(p + BZ_VERSION) < BZ_MIN_VERSION)
		return -ENOEXEC;
	sects = p[BZ_SETUP_SECTS] ? p[BZ_SETUP_SECTS] : 4;
	ki = (size_t)(sects + 1) * 512;
	off = kho_next_le32(p + BZ_KERNEL_INFO_OFFSET);
	if (off > len || ki > len - off)
		return -ENOEXEC;
	ki += off;
	if (len - ki < KHO_DEVICES_NOTE_KERNEL_INFO_FIELD + 4 ||
	    memcmp(p + ki, "LToP", 4))
		return -ENOEXEC;
	size = kho_next_le32(p + ki + KI_SIZE);
	total = kho_next_le32(p + ki + KI_SIZE_TOTAL);
	if (size < KHO_DEVICES_NOTE_KERNEL_INFO_FIELD + 4 || total < size ||
	    total > len - ki)
		return -ENOEXEC;	/* a stock kernel's kernel_info ends here */
	off = kho_next_le32(p + ki + KHO_DEVICES_NOTE_KERNEL_INFO_FIELD);
	if (!off || off < size || off > total ||
	    total - off < KHO_DEVICES_NOTE_HEADER_SIZE + 1)
		return -ENOEXEC;
	p += ki + off;
	if (kho_next_le32(p) != KHO_DEVICES_NOTE_MAGIC)
		return -ENOEXEC;
	nsize = kho_next_le32(p + 4);
	if (nsize < KHO_DEVICES_NOTE_HEADER_SIZE + 1 || nsize > total - off ||
	    nsize > KHO_DEVICES_NOTE_HEADER_SIZE + KHO_DEVICES_NOTE_MAX_FORMATS)
		return -ENOEXEC;
	if (kho_next_le32(p + 8) != KHO_DEVICES_NOTE_VERSION)
		return -EPROTONOSUPPORT;
	note->flags = kho_next_le32(p + 12);
	if (note->flags & ~KHO_DEVICES_NOTE_FLAGS_KNOWN)
		return -EPROTONOSUPPORT;
	for (i = KHO_DEVICES_NOTE_HEADER_SIZE; i < nsize; i++)
		if (!p[i])
			break;
	if (i == nsize)
		return -ENOEXEC;	/* formats not NUL-terminated */
	memcpy(note->formats, p + KHO_DEVICES_NOTE_HEADER_SIZE,
	       i - KHO_DEVICES_NOTE_HEADER_SIZE + 1);
	return 0;
}

/* Is @word (@wlen bytes) one of the space-separated words of @list? */
static bool kho_next_has_word(const char *list, const char *word, size_t wlen)
{
	const char *s = list;

	while (*s) {
		size_t n = strcspn(s, " ");

		if (n == wlen && !memcmp(s, word, n))
			return true;
		s += n;
		while (*s == ' ')
			s++;
	}
	return false;
}

/* kstrtobool()'s reading of a boolean parameter; -1 if it is neither. */
static int kho_next_bool(const char *v, size_t n)
{
	if (!n)
		return -1;
	switch (v[0]) {
	case 'y': case 'Y': case '1':
		return 1;
	case 'n': case 'N': case '0':
		return 0;
	case 'o': case 'O':
		if (n > 1 && (v[1] == 'n' || v[1] == 'N'))
			return 1;
		if (n > 1 && (v[1] == 'f' || v[1] == 'F'))
			return 0;
		return -1;
	default:
		return -1;
	}
}

struct kho_next_switches {
	int kho;
	int luo;
	int iommu;
	int sm;
	bool no_iommu;
};

/*
 * The next option of a comma-separated value (@v, @n bytes): its length;
 * *@rest is set past it and the commas that follow.
 */
static size_t kho_next_option(const char *v, size_t n, size_t *rest)
{
	size_t k = 0;

	while (k < n && v[k] != ',')
		k++;
	*rest = k;
	while (*rest < n && v[*rest] == ',')
		(*rest)++;
	return k;
}

/*
 * Apply each option of intel_iommu= as intel_iommu_setup() does (prefix
 * compares, in this order), or of iommu= (@iommu_param): only "off"
 * matters there, it turns every IOMMU off on x86 (no_iommu).
 */
static void kho_next_iommu_options(struct kho_next_switches *s, bool iommu_param,
				   const char *v, size_t n)
{
	size_t k, rest;

	for (; n; v += rest, n -= rest) {
		k = kho_next_option(v, n, &rest);
		if (iommu_param) {
			if (k >= 3 && !memcmp(v, "off", 3))
				s->no_iommu = true;
		} else if (k >= 2 && !memcmp(v, "on", 2)) {
			s->iommu = 1;
		} else if (k >= 3 && !memcmp(v, "off", 3)) {
			s->iommu = 0;
		} else if (k >= 5 && !memcmp(v, "sm_on", 5)) {
			s->sm = 1;
		} else if (k >= 6 && !memcmp(v, "sm_off", 6)) {
			s->sm = 0;
		}
	}
}

static void kho_next_param(struct kho_next_switches *s, const char *name,
			   size_t nlen, const char *val, size_t vlen)
{
	int b;

#define IS(p) (nlen == sizeof(p) - 1 && !memcmp(name, p, nlen))
	if (IS("kho")) {
		b = kho_next_bool(val, vlen);
		if (b >= 0)
			s->kho = b;
	} else if (IS("liveupdate")) {
		b = kho_next_bool(val, vlen);
		if (b >= 0)
			s->luo = b;
	} else if (IS("intel_iommu")) {
		kho_next_iommu_options(s, false, val, vlen);
	} else if (IS("iommu")) {
		kho_next_iommu_options(s, true, val, vlen);
	}
#undef IS
}

/*
 * Split a command line as next_arg() does: parameters separated by
 * spaces, a value may be quoted, "--" ends the kernel's parameters.
 */
static void kho_next_parse_cmdline(struct kho_next_switches *s,
				   const char *c, size_t len)
{
	size_t i = 0;

	while (i < len && c[i]) {
		size_t name, nlen, val = 0, vlen = 0;
		bool quoted = false;

		while (i < len && c[i] == ' ')
			i++;
		if (i == len || !c[i])
			break;
		name = i;
		while (i < len && c[i] && (quoted || c[i] != ' ')) {
			if (c[i] == '"')
				quoted = !quoted;
			i++;
		}
		nlen = i - name;
		if (nlen == 2 && !memcmp(c + name, "--", 2))
			break;
		/* name=value, quotes around the value (or all) dropped */
		if (c[name] == '"') {
			name++;
			nlen--;
		}
		for (val = name; val < name + nlen && c[val] != '='; val++)
			;
		if (val < name + nlen) {
			vlen = name + nlen - val - 1;
			nlen = val - name;
			val++;
			if (vlen && c[val] == '"') {
				val++;
				vlen--;
			}
		}
		if (vlen && c[val + vlen - 1] == '"')
			vlen--;
		else if (!vlen && nlen && c[name + nlen - 1] == '"')
			nlen--;
		kho_next_param(s, c + name, nlen, c + val, vlen);
	}
}

/*
 * Scalable mode is refused last, with this very reason: the caller may
 * accept it when no unit that translates a kept device can do scalable
 * mode (the next kernel then runs it in legacy mode all the same).
 */
const char kho_next_kernel_sm_reason[] =
	"its command line asks for scalable mode (intel_iommu=sm_on)";

/**
 * kho_next_kernel_judge() - can the next kernel take a device handover?
 * @image: its image as given to kexec_file_load()
 * @image_len: the image's length
 * @cmdline: its command line (need not be NUL-terminated); may be NULL
 * @cmdline_len: the command line's length
 * @formats: the handover formats this kernel writes, space-separated
 * @why: set to a reason on refusal, a static string
 *
 * Return: 0 if it can; -ENOEXEC if the image has no (readable) note: it is
 * no kernel with this suite; -EPROTONOSUPPORT if the note's version is not
 * known here or it does not read one of @formats; -EINVAL if its command
 * line leaves KHO, LUO or the Intel IOMMU off, or asks for scalable mode
 * (then, and only then, *@why is %kho_next_kernel_sm_reason).
 */
int kho_next_kernel_judge(const void *image, size_t image_len,
			  const char *cmdline, size_t cmdline_len,
			  const char *formats, const char **why)
{
	struct kho_next_kernel_note note;
	struct kho_next_switches s;
	const char *f = formats;
	int err;

	err = kho_next_kernel_find_note(image, image_len, &note);
	if (err == -EPROTONOSUPPORT) {
		*why = "its image's handover note has a version or flags not known here";
		return err;
	}
	if (err) {
		*why = "its image has no device handover note (no KHO device suite)";
		return err;
	}
	while (*f) {
		size_t n = strcspn(f, " ");

		if (n && !kho_next_has_word(note.formats, f, n)) {
			*why = "it does not read every handover format this kernel writes";
			return -EPROTONOSUPPORT;
		}
		f += n;
		while (*f == ' ')
			f++;
	}

	s.kho = !!(note.flags & KHO_DEVICES_NOTE_KHO_ON);
	s.luo = !!(note.flags & KHO_DEVICES_NOTE_LUO_ON);
	s.iommu = !!(note.flags & KHO_DEVICES_NOTE_INTEL_IOMMU_ON);
	s.sm = !!(note.flags & KHO_DEVICES_NOTE_INTEL_SM_ON);
	s.no_iommu = false;
	if (cmdline)
		kho_next_parse_cmdline(&s, cmdline, cmdline_len);
	if (!s.kho)
		*why = "its command line leaves KHO off (kho=on is needed)";
	else if (!s.luo)
		*why = "its command line leaves LUO off (liveupdate=on is needed)";
	else if (s.no_iommu)
		*why = "its command line turns the IOMMU off (iommu=off)";
	else if (!s.iommu)
		*why = "its command line leaves the Intel IOMMU off (intel_iommu=on is needed)";
	else if (s.sm)
		*why = kho_next_kernel_sm_reason;
	else
		return 0;
	return -EINVAL;
}
