#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The host side of the stream scenario: a steady stream of Ethernet frames
into the guest's igb through QEMU's dgram netdev, on loopback only.

    frame-stream.py PORTS LOG [FPS]

Picks two free UDP ports on 127.0.0.1, one for QEMU's end of the netdev and
one for this sender, and writes "QEMU_PORT SENDER_PORT" to PORTS (for
vmtest.sh to build QEMU's command line). Then sends FPS frames a second
(default 250) to QEMU's port until SIGTERM, and writes what it sent to LOG.

Each frame is 256 bytes: broadcast to the guest, EtherType 0x88b5 (local
experimental), then, little endian, the magic "KHOS", the frame length,
a sequence number from 0, the host's CLOCK_MONOTONIC in ns, a pattern
derived from the sequence number and a CRC-32 (zlib's) of everything
before it. tools/testing/selftests/vfio_kho/vfio_kho_stream.c checks them.
"""
import os
import signal
import socket
import struct
import sys
import time
import zlib

FRAME_LEN = 256
MAGIC = 0x4B484F53
HEADER = b"\xff" * 6 + bytes([0x02, 0x6B, 0x68, 0x6F, 0x00, 0x01]) + \
    struct.pack("!H", 0x88B5)


def frame(seq):
    body = struct.pack("<IIQQ", MAGIC, FRAME_LEN, seq, time.monotonic_ns())
    fill = FRAME_LEN - len(HEADER) - len(body) - 4
    data = HEADER + body + bytes((seq * 31 + i) & 0xFF for i in range(fill))
    return data + struct.pack("<I", zlib.crc32(data))


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main(argv):
    ports_path, log_path = argv[1], argv[2]
    fps = float(argv[3]) if len(argv) > 3 else 250.0
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.bind(("127.0.0.1", 0))
    qemu_port = free_port()
    with open(ports_path + ".tmp", "w") as f:
        f.write(f"{qemu_port} {sender.getsockname()[1]}\n")
    os.rename(ports_path + ".tmp", ports_path)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    period = 1.0 / fps
    seq = errors = 0
    start = next_t = time.monotonic()
    while not stop:
        try:
            sender.sendto(frame(seq), ("127.0.0.1", qemu_port))
        except OSError:
            errors += 1	# QEMU not listening yet: the frame is gone
        seq += 1
        next_t += period
        delay = next_t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        elif delay < -1.0:
            next_t = time.monotonic()	# the host stalled: do not burst
    with open(log_path, "w") as f:
        f.write(f"sent {seq} frames in {time.monotonic() - start:.1f} s "
                f"at {fps:g} a second to 127.0.0.1:{qemu_port}; "
                f"{errors} send errors\n")


if __name__ == "__main__":
    main(sys.argv)
