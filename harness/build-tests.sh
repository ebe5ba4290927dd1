#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the static test programs that go into the initramfs, against the
# generated tree and the uAPI headers of the test kernel:
#   - upstream liveupdate selftests (regression guard: LUO kexec)
#   - upstream vfio selftests (regression guard: vfio_pci_driver_test)
#   - our tools/testing/selftests/vfio_kho and tools/kho-devices
#   - the harness's own guest helpers
# Output: $KHO_BUILD/tests/bin.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KHO_BUILD:?}
tree=$build/linux
out=$build/tests
hdrs=$build/headers/include
bin=$out/bin
jobs=${JOBS:-$(nproc)}

log() { echo "[tests] $*"; }

mkdir -p "$bin"
ksft_make() {
	local dir=$1
	shift
	make -s -C "$tree/tools/testing/selftests/$dir" -j"$jobs" \
		OUTPUT="$out/$dir" KHDR_INCLUDES="-isystem $hdrs" \
		EXTRA_CFLAGS=-static USERCFLAGS=-static \
		LDFLAGS="-pthread -static" "$@"
}

log "upstream liveupdate selftests"
ksft_make liveupdate all
cp "$out/liveupdate/liveupdate" "$out/liveupdate/luo_kexec_simple" \
	"$out/liveupdate/luo_multi_session" "$out/liveupdate/luo_stress_files" \
	"$out/liveupdate/luo_stress_sessions" \
	"$bin/"

log "upstream vfio selftests"
ksft_make vfio all
cp "$out/vfio/vfio_pci_driver_test" "$out/vfio/vfio_pci_device_test" \
	"$out/vfio/vfio_dma_mapping_test" "$out/vfio/vfio_dma_mapping_mmio_test" \
	"$out/vfio/vfio_iommufd_setup_test" "$bin/"

if [ -f "$tree/tools/testing/selftests/vfio_kho/Makefile" ]; then
	log "vfio_kho selftests"
	ksft_make vfio_kho all
	find "$out/vfio_kho" -maxdepth 1 -type f -perm -u+x \
		-exec cp {} "$bin/" \;
fi

log "kho-check (vendor/operator checker, libpci), kho-inspect (libfdt)"
make -s -C "$tree/tools/kho-devices" OUTPUT="$bin" "$bin/kho-check"
# from the repository, whose include/ holds only the suite's headers: the
# format files build in userspace over the fuzzers' shim headers
make -s -C "$repo/tools/kho-devices" OUTPUT="$bin" LDFLAGS=-static \
	"$bin/kho-inspect"

log "guest helpers"
gcc -static -O2 -Wall -Werror -o "$bin/kho-tsc" "$repo/harness/guest/kho-tsc.c"
# Static, except the tools that need a shared library (libpci): the
# initramfs builder copies their libraries along.
for f in "$bin"/*; do
	case "$(basename "$f")" in kho-check) continue ;; esac
	file -b "$f" | grep -q "statically linked" || {
		echo "[tests] error: $f is not static" >&2
		exit 1
	}
done
log "$(ls "$bin" | wc -l) programs in $bin"
