// SPDX-License-Identifier: GPL-2.0-only
/*
 * LUO sessions for the stage programs: see kho_luo.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libliveupdate.h>

#include "kho_luo.h"

/*
 * /dev/liveupdate opens once at a time: a program with several sessions
 * creates or retrieves them all through this one descriptor. Returns it,
 * or a negative errno.
 */
int kho_luo_fd(void)
{
	static int luo = -1;

	if (luo < 0)
		luo = luo_open_device();
	return luo;
}

/* A new session @name, or -errno */
int kho_luo_create_session(const char *name)
{
	int luo = kho_luo_fd();

	return luo < 0 ? luo : luo_create_session(luo, name);
}

/* The session @name from the previous kernel, or -errno */
int kho_luo_retrieve_session(const char *name)
{
	int luo = kho_luo_fd();

	return luo < 0 ? luo : luo_retrieve_session(luo, name);
}

/*
 * A file of the PCI part's LUO test handler (its debugfs "hold" file) that
 * carries the function @what names ("BDF DRIVER|- [iommu]") when it is
 * preserved in a session. Returns its descriptor, or -errno.
 */
int kho_luo_hold_function(const char *what)
{
	ssize_t len = strlen(what);
	int fd, err;

	fd = open(KHO_LUO_HOLD_FILE, O_RDWR);
	if (fd < 0)
		return -errno;
	if (write(fd, what, len) != len) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Fork a child that keeps every descriptor open (so every session and the
 * files preserved in it) until the kexec, and keeps none of the caller's
 * pipes: its standard descriptors go to /dev/null, so that whoever reads
 * the caller's output sees its end. The child's PID goes to KHO_LUO_HOLDER,
 * for a test that has to end it. Returns 0 in the caller, or -errno.
 */
int kho_luo_hold(void)
{
	FILE *f;
	pid_t pid;
	int null;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid) {
		f = fopen(KHO_LUO_HOLDER, "w");
		if (!f || fprintf(f, "%d\n", pid) < 0 || fclose(f))
			return -EIO;
		return 0;
	}
	null = open("/dev/null", O_RDWR);
	setsid();
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	for (;;)
		pause();
}

/*
 * @len bytes of @buf into @session as @token, in a memfd of their own:
 * state for the program's next stage, in the next kernel. Returns 0 or
 * -errno.
 */
int kho_luo_preserve_bytes(int session, uint64_t token, const void *buf,
			   size_t len)
{
	int fd = memfd_create("kho-carry", 0), err;

	if (fd < 0)
		return -errno;
	err = pwrite(fd, buf, len, 0) == (ssize_t)len ? 0 : -EIO;
	if (!err)
		err = luo_session_preserve_fd(session, fd, token);
	close(fd);
	return err;
}

/*
 * What kho_luo_preserve_bytes() put in @session as @token in the previous
 * kernel: at most @len bytes into @buf. Returns their number, or -errno.
 */
ssize_t kho_luo_retrieve_bytes(int session, uint64_t token, void *buf,
			       size_t len)
{
	int fd = luo_session_retrieve_fd(session, token);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = pread(fd, buf, len, 0);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/*
 * @len bytes of @buf for the program's next stage, in a session @name of
 * their own (token 1). The session stays open for kho_luo_hold(), which
 * must follow. Returns 0 or -errno.
 */
int kho_luo_carry(const char *name, const void *buf, size_t len)
{
	int session = kho_luo_create_session(name), err;

	if (session < 0)
		return session;
	err = kho_luo_preserve_bytes(session, 1, buf, len);
	/* on success the session stays open: kho_luo_hold() keeps it */
	if (err)
		close(session);
	return err;
}

/*
 * What kho_luo_carry() left as @name in the previous kernel: at most @len
 * bytes into @buf, then the session is finished. Returns the number of
 * bytes, or -errno.
 */
ssize_t kho_luo_carried(const char *name, void *buf, size_t len)
{
	int session = kho_luo_retrieve_session(name), err;
	ssize_t n;

	if (session < 0)
		return session;
	n = kho_luo_retrieve_bytes(session, 1, buf, len);
	err = luo_session_finish(session);
	close(session);
	return n < 0 ? n : err ?: n;
}
