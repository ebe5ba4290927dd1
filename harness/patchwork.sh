#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Edit patches/ as git commits.
#
#   patchwork.sh import   make $KHO_BUILD/patchwork: a git tree of the
#                         pristine source with patches/series applied as
#                         commits (git am). Edit, commit, rebase there.
#   patchwork.sh export   write those commits back to patches/ with
#                         git format-patch and rewrite patches/series.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KHO_BUILD:?}
cache=${KHO_CACHE:?}
work=$build/patchwork
g() {
	git -C "$work" -c user.name="kho-devices team" \
		-c user.email="kho-devices@localhost" "$@"
}

case "${1:-}" in
import)
	rm -rf "$work"
	mkdir -p "$work"
	tar -C "$work" --strip-components=1 -xf "$cache/linux-source-7.3.tar.xz"
	g init -q
	g add -A -f .
	g commit -q -m "Linux $(cat "$cache/linux-source.version")"
	g tag base
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		g am -q "$repo/patches/$p"
	done <"$repo/patches/series"
	echo "[patchwork] $work: $(g rev-list --count base..HEAD) patches on base"
	;;
export)
	rm -f "$repo"/patches/*.patch
	g -c core.abbrev=9 format-patch -q --no-signature --zero-commit -N -o "$repo/patches" base..HEAD
	(cd "$repo/patches" && ls ./*.patch | sed 's|^\./||') >"$repo/patches/series"
	echo "[patchwork] exported $(wc -l <"$repo/patches/series") patches"
	;;
*)
	echo "usage: $0 import|export" >&2
	exit 2
	;;
esac
