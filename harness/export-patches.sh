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
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	g am -q "$repo/patches/$p"
done <"$repo/patches/series"

# New files, one commit per part.
commit_part() {
	local subject=$1
	shift
	local f any=0
	for f in "$@"; do
		[ -e "$repo/$f" ] || continue
		mkdir -p "$git_dir/$(dirname "$f")"
		cp -r "$repo/$f" "$git_dir/$f"
		g add "$f"
		any=1
	done
	[ $any -eq 1 ] && g commit -q -s -m "$subject"
	return 0
}
commit_part "kho-devices: add Kconfig.kho_devices" Kconfig.kho_devices
commit_part "kernel: add kho_dma_policy" kernel/kho_dma_policy.c include/linux/kho_dma_policy.h
commit_part "PCI: add pci_kho" drivers/pci/pci_kho.c include/linux/kho/abi/pci.h
commit_part "iommu: add iommu_kho" drivers/iommu/iommu_kho.c include/linux/kho/abi/iommu.h
commit_part "vfio: add vfio_kho" drivers/vfio/vfio_kho.c include/linux/kho/abi/vfio.h
commit_part "selftests/vfio_kho: add DMA continuity selftests" tools/testing/selftests/vfio_kho
commit_part "Documentation: add kho-devices" Documentation/driver-api/kho-devices.rst
g format-patch -q -o "$out" "$base"..HEAD
echo "[export] $(ls "$out" | wc -l) patches in $out (base: $(cat "$KHO_CACHE/linux-source.version"))"
