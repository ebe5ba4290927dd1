#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/checkpatch.pl --strict on our overlay sources and on every patch
# of the series. Exit status 1 on any error, warning or check.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tree=${KHO_BUILD:?}/linux
cp=("$tree/scripts/checkpatch.pl" --strict --no-tree --quiet --terse
	--show-types --ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES)
bad=0

cd "$repo" || exit 1
mapfile -t files < <(git ls-files -- Kconfig.kho_devices 'drivers/*' 'kernel/*' \
	'include/*' 'mm/*' 'lib/*' 'arch/*' 'tools/*' | grep '\.[ch]$\|Kconfig')
for f in "${files[@]}"; do
	case "$f" in
	# the shim defines the kernel's own macros (__packed, struct_size())
	*/fuzz/shim/*) "${cp[@]}" --ignore MACRO_ARG_PRECEDENCE,PREFER_DEFINED_ATTRIBUTE_MACRO \
		-f "$f" || bad=1 ;;
	# libFuzzer's entry point has the name libFuzzer gives it
	*/fuzz/*) "${cp[@]}" --ignore CAMELCASE -f "$f" || bad=1 ;;
	*) "${cp[@]}" -f "$f" || bad=1 ;;
	esac
done
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	"${cp[@]}" "$repo/patches/$p" || bad=1
done <patches/series
echo "checkpatch: ${#files[@]} files, $(grep -cv '^#\|^$' patches/series) patches: $([ $bad -eq 0 ] && echo clean || echo PROBLEMS)"
exit $bad
