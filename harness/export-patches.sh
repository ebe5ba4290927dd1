#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Export the suite as a git format-patch series on top of the pristine
# base: the patches of patches/series first, then one commit per part for
# our new files. Output: $KHO_BUILD/export/*.patch.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KHO_BUILD:?}
git_dir=$build/export-tree
out=$build/export
g() { git -C "$git_dir" -c user.name="kho-devices" -c user.email="kho-devices@localhost" "$@"; }

rm -rf "$git_dir" "$out"
mkdir -p "$git_dir"
tar -C "$git_dir" --strip-components=1 -xf "$KHO_CACHE/linux-source-7.3.tar.xz"
g init -q
g add -A -f .
g commit -q -m "Linux $(cat "$KHO_CACHE/linux-source.version") (Debian linux-source-7.3)"
base=$(g rev-parse HEAD)
add_files() {
	local f
	for f in "$@"; do
		[ -e "$repo/$f" ] || continue
		mkdir -p "$git_dir/$(dirname "$f")"
		cp -r "$repo/$f" "$git_dir/$f"
		g add -f "$f"
	done
}
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	g am -q "$repo/patches/$p"
	files=$(sed -n "s|^$p: *||p" "$repo/patches/export-map")
	if [ -n "$files" ]; then
		# shellcheck disable=SC2086
		add_files $files
		g commit -q --amend --no-edit
	fi
done <"$repo/patches/series"

# New files not carried by a patch (patches/export-map), one commit per part.
commit_part() {
	local subject=$1 body=$2
	shift 2
	add_files "$@"
	g diff --cached --quiet || g commit -q -s -m "$subject" -m "$body"
	return 0
}
commit_part "tools/kho-devices: add kho-check" tools/kho-devices
commit_part "PCI: add pci_kho" \
	"Keep a PCI function and the bridges above it untouched across a live update." \
	drivers/pci/pci_kho.c include/linux/kho/abi/pci.h
commit_part "iommu: add iommu_kho" \
	"Keep a device's VT-d translation live across a live update." \
	drivers/iommu/iommu_kho.c include/linux/kho/abi/iommu.h
commit_part "vfio: add vfio_kho" \
	"LUO file handlers for VFIO type1 containers and vfio-pci devices." \
	drivers/vfio/vfio_kho.c include/linux/kho/abi/vfio.h
commit_part "tools/kho-devices: add kho-check" \
	"kho-check lists PCI devices with the kernel's live-update verdict (sysfs
kho_preservable) and the config-space facts that matter for it: PCIe, FLR,
ACS, ATS, bus mastering, IOMMU group and driver, as a table or as JSON.
With a device address its exit status says whether the device qualifies." \
	tools/kho-devices
commit_part "selftests/vfio_kho: add live-update selftests" \
	"Selftests that run in QEMU (q35, VT-d, igb, edu) across kexec: the
live-update program behind 'make run', the policy on emulated devices,
and the scenarios that drive them, one shell function per kernel stage." \
	tools/testing/selftests/vfio_kho
commit_part "Documentation: add kho-devices" \
	"Architecture, policy, ABI and testing of the KHO device suite." \
	Documentation/driver-api/kho-devices.rst
g format-patch -q -o "$out" "$base"..HEAD
echo "[export] $(ls "$out" | wc -l) patches in $out (base: $(cat "$KHO_CACHE/linux-source.version"))"
