#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# qemu-monitor.py SOCKET COMMAND...: send each COMMAND to a QEMU human
# monitor listening on the unix SOCKET, waiting DELAY seconds (env
# KHO_MONITOR_DELAY, 2 by default) after each, and print the replies.
# Used by vmtest.sh on a hung guest: the magic SysRq keys make its kernel
# print what every task and CPU is doing before QEMU is stopped.
import os
import socket
import sys
import time


def main():
    if len(sys.argv) < 3:
        print("usage: qemu-monitor.py SOCKET COMMAND...", file=sys.stderr)
        return 2
    delay = float(os.environ.get("KHO_MONITOR_DELAY", "2"))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(sys.argv[1])
    except OSError as e:
        print(f"qemu-monitor: {sys.argv[1]}: {e}", file=sys.stderr)
        return 1
    out = b""
    for cmd in sys.argv[2:]:
        s.sendall(cmd.encode() + b"\n")
        time.sleep(delay)
        try:
            out += s.recv(65536)
        except OSError:
            pass
    s.close()
    sys.stdout.write(out.decode(errors="replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
