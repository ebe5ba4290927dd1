#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack the test initramfs: busybox, the stage runner (harness/guest), the
# scenarios, the static test programs and the kernel itself (so that a
# stage can kexec into the next one). Output: $KHO_BUILD/initramfs.cpio.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KHO_BUILD:?}
# KHO_FLAVOUR=debug: the sanitised kernel, in initramfs-debug.cpio
flavour=${KHO_FLAVOUR:-}
root=$build/initramfs${flavour:+-$flavour}
kernel=$build/obj${flavour:+-$flavour}/arch/x86/boot/bzImage

rm -rf "$root"
mkdir -p "$root"/{bin,boot,lib,scenarios,tests,proc,sys,dev,tmp,run}
cp /bin/busybox "$root/bin/busybox"
install -m 0755 "$repo/harness/guest/init" "$root/init"
cp "$repo/harness/guest/kho-test.sh" "$root/lib/"
cp "$repo"/tools/testing/selftests/vfio_kho/scenarios/*.sh "$root/scenarios/"
cp "$build"/tests/bin/* "$root/tests/"
mv "$root/tests/kho-tsc" "$root/bin/"
# The stages kexec with kexec-tools (kexec_file_load, -s) as operators do.
cp "$(command -v kexec || echo /sbin/kexec)" "$root/tests/kexec"
# pciutils' lspci and setpci (busybox's lspci shows no capabilities): the
# facts kho-check gives are checked against them (kho_check_facts).
cp /usr/bin/lspci /usr/bin/setpci "$root/tests/"
cp "$kernel" "$root/boot/bzImage"
# Debian's stock kernel, if fetched: a next kernel without the suite.
[ -s "${KHO_CACHE:-$build/cache}/stock-bzImage" ] &&
	cp "${KHO_CACHE:-$build/cache}/stock-bzImage" "$root/boot/stock-bzImage"
# Shared libraries of the dynamically linked tools, and pci.ids for names.
for f in "$root"/tests/*; do
	file -b "$f" | grep -q "dynamically linked" || continue
	for lib in $(ldd "$f" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -nL "$lib" "$root$lib"
	done
done
[ -f /usr/share/misc/pci.ids ] &&
	install -D -m 0644 /usr/share/misc/pci.ids "$root/usr/share/misc/pci.ids"
out=$build/initramfs${flavour:+-$flavour}.cpio
(cd "$root" && find . | cpio -o -H newc --quiet) >"$out.new"
mv "$out.new" "$out"
echo "[initramfs] $(du -h "$out" | cut -f1) $out"
