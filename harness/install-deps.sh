#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the host packages the harness needs on Debian 12 (bookworm).
# Needs root. Re-running is a no-op once everything is present.
#
# QEMU 10 comes from bookworm-backports (bookworm's own QEMU 7.2 has no
# igb); a sources file for backports is added if the system lacks one.
set -euo pipefail
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

stamp_dir=${KHO_CACHE:-$(dirname "$0")/../build/cache}
mkdir -p "$stamp_dir"

pkgs_main=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves cpio
	rsync kmod xz-utils zstd python3 perl ccache git file
	busybox-static kexec-tools libfdt-dev pciutils libpci-dev uuid-dev
	ca-certificates debian-archive-keyring clang libclang-rt-14-dev
	python3-matplotlib python3-sphinx
)
pkgs_bpo=(qemu-system-x86 qemu-utils)

log() { echo "[deps] $*"; }

missing=()
for p in "${pkgs_main[@]}" "${pkgs_bpo[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done

qemu_ok=0
if command -v qemu-system-x86_64 >/dev/null; then
	v=$(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
	[ "${v:-0}" -ge 10 ] && qemu_ok=1
fi

if [ ${#missing[@]} -eq 0 ] && [ $qemu_ok -eq 1 ]; then
	log "all host packages present ($(qemu-system-x86_64 --version | head -1))"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "[deps] error: missing packages (${missing[*]:-qemu>=10}); run as root" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
bpo_list=/etc/apt/sources.list.d/kho-devices-bookworm-backports.sources
if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
	mirror=$(debian_mirror)
	log "adding bookworm-backports ($mirror) in $bpo_list"
	cat >"$bpo_list" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi

log "apt-get update"
apt-get update -qq
log "installing: ${pkgs_main[*]}"
apt-get install -y -qq --no-install-recommends "${pkgs_main[@]}" >/dev/null
log "installing QEMU from bookworm-backports"
apt-get install -y -qq --no-install-recommends -t bookworm-backports \
	"${pkgs_bpo[@]}" >/dev/null
# QEMU's firmware for q35 (SeaBIOS, option ROMs) is a recommended package.
apt-get install -y -qq --no-install-recommends -t bookworm-backports \
	seabios ipxe-qemu qemu-system-data >/dev/null
qemu-system-x86_64 --version | head -1
