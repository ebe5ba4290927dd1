/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * LUO sessions for the stage programs: the one /dev/liveupdate descriptor
 * a program may have, and a child that keeps the preserved files open
 * across the kexec.
 */
#ifndef KHO_LUO_H
#define KHO_LUO_H

#include <stdint.h>
#include <sys/types.h>

/* Where kho_luo_hold() notes the PID of the child that holds the sessions */
#define KHO_LUO_HOLDER	"/tmp/kho-luo-holder"

/* The PCI part's test file handler: a file that carries a PCI function */
#define KHO_LUO_HOLD_FILE	"/sys/kernel/debug/kho_devices/pci/hold"

int kho_luo_fd(void);
int kho_luo_create_session(const char *name);
int kho_luo_retrieve_session(const char *name);
int kho_luo_hold_function(const char *what);
int kho_luo_hold(void);
int kho_luo_preserve_bytes(int session, uint64_t token, const void *buf,
			   size_t len);
ssize_t kho_luo_retrieve_bytes(int session, uint64_t token, void *buf,
			       size_t len);
int kho_luo_carry(const char *name, const void *buf, size_t len);
ssize_t kho_luo_carried(const char *name, void *buf, size_t len);

#endif /* KHO_LUO_H */
