#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a README command on a fresh Debian 12 with nothing but git and make:
# debootstrap bookworm (minbase + git, make) into DIR, bind-mount /proc,
# /sys and /dev, clone this repository's HEAD inside and run the target.
#
#   harness/fresh-machine-check.sh [DIR] [TARGET]   (default: /srv/deb12 check)
#
# Set KHO_SHARE_CCACHE=1 to bind the host's ccache into the chroot: the
# install steps are still tested, only compiles are reused.
set -euo pipefail
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

repo=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/srv/deb12}
target=${2:-check}
mirror=$(debian_mirror)

if [ ! -x "$root/usr/bin/git" ]; then
	command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap
	debootstrap --variant=minbase --include=git,make,ca-certificates \
		bookworm "$root" "$mirror"
fi

mounts=(proc sys dev)
cleanup() {
	local m
	for m in root/.cache/ccache "${mounts[@]}"; do
		mountpoint -q "$root/$m" && umount -l "$root/$m"
	done
	return 0
}
trap cleanup EXIT
for m in "${mounts[@]}"; do
	mountpoint -q "$root/$m" || mount --rbind "/$m" "$root/$m"
done
if [ -n "${KHO_SHARE_CCACHE:-}" ] && [ -d "$HOME/.cache/ccache" ]; then
	mkdir -p "$root/root/.cache/ccache"
	mount --bind "$HOME/.cache/ccache" "$root/root/.cache/ccache"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

rm -rf "$root/root/kho-devices"
git clone -q "$repo" "$root/root/kho-devices"
echo "[fresh] running 'make $target' in a fresh Debian 12 at $root"
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	TERM=dumb bash -c "cd /root/kho-devices && make $target"
