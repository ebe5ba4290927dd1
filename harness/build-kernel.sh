#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build the test kernel out of tree in $KHO_BUILD/obj with
# ccache, then install its uAPI headers into $KHO_BUILD/headers.
# KHO_FLAVOUR=debug builds the sanitised flavour in $KHO_BUILD/obj-debug
# instead, with harness/config/debug/*.config on top.
#
# The config is harness/config/*.config merged into an empty .config and
# completed with olddefconfig. Every option of the fragments must survive
# olddefconfig unchanged, otherwise the build fails and names the option.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KHO_BUILD:?}
tree=$build/linux
flavour=${KHO_FLAVOUR:-}
obj=$build/obj${flavour:+-$flavour}
jobs=${JOBS:-$(nproc)}

log() { echo "[kernel${flavour:+ $flavour}] $*"; }

export CCACHE_BASEDIR=$repo
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime
export KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00:00 UTC"
export KBUILD_BUILD_USER=kho
export KBUILD_BUILD_HOST=kho
kmake=(make -s -C "$tree" O="$obj" ARCH=x86_64 -j"$jobs" CC="ccache gcc")

mkdir -p "$obj"
frag=$obj/kho-fragment.config
cat "$repo"/harness/config/*.config \
	${flavour:+"$repo"/harness/config/$flavour/*.config} |
	grep '^CONFIG_\|^# CONFIG_.* is not set' >"$frag.new"
if ! cmp -s "$frag.new" "$frag" || [ ! -f "$obj/.config" ] ||
	[ "$tree/.kho-series" -nt "$obj/.config" ]; then
	log "configuring from $(grep -c . "$frag.new") fragment options"
	cp "$frag.new" "$obj/.config"
	"${kmake[@]}" olddefconfig
	mv "$frag.new" "$frag"
else
	rm -f "$frag.new"
fi

bad=0
while read -r line; do
	case "$line" in
	"# CONFIG_"*)
		opt=${line#\# }
		opt=${opt%% *}
		grep -q "^$opt=" "$obj/.config" && {
			echo "[kernel] error: $opt should be unset but olddefconfig set it" >&2
			bad=1
		} ;;
	*)
		grep -qxF "$line" "$obj/.config" || {
			echo "[kernel] error: '$line' did not survive olddefconfig" \
				"(now: $(grep "^${line%%=*}=" "$obj/.config" ||
				echo unset))" >&2
			bad=1
		} ;;
	esac
done <"$frag"
if [ $bad -ne 0 ]; then
	rm -f "$obj/.config"
	exit 1
fi

log "building bzImage ($jobs jobs, ccache)"
start=$(date +%s)
"${kmake[@]}" bzImage
log "bzImage built in $(($(date +%s) - start)) s: $obj/arch/x86/boot/bzImage"

[ -n "$flavour" ] ||
	"${kmake[@]}" headers_install INSTALL_HDR_PATH="$build/headers" >/dev/null
