#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make the generated kernel tree $KHO_BUILD/linux: pristine linux-source-7.3,
# plus patches/series, plus symlinks to the overlay files of this repository
# at their kernel paths.
#
# The tree is re-extracted only when the patch series changes. tar keeps the
# archive's mtimes, so files no patch touches stay older than their objects
# in the O= build directory and the rebuild stays incremental.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KHO_BUILD:?}
cache=${KHO_CACHE:?}
tree=$build/linux
tarball=$cache/linux-source-7.3.tar.xz

log() { echo "[tree] $*"; }

# Directories of the repository that mirror kernel paths.
overlay_dirs=(Documentation drivers include kernel lib mm tools arch)

series_id() {
	{
		cat "$tarball.id" 2>/dev/null || true
		cat "$repo/patches/series"
		while read -r p; do
			case "$p" in ''|'#'*) continue ;; esac
			cat "$repo/patches/$p"
		done <"$repo/patches/series"
	} | sha256sum | cut -d' ' -f1
}

[ -f "$tarball.id" ] || stat -c '%s %Y' "$tarball" >"$tarball.id"
want=$(series_id)
have=$(cat "$tree/.kho-series" 2>/dev/null || true)

if [ "$want" != "$have" ]; then
	log "extracting pristine source into $tree"
	rm -rf "$tree.new"
	mkdir -p "$tree.new"
	tar -C "$tree.new" --strip-components=1 -xf "$tarball"
	n=0
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		if ! patch -d "$tree.new" -p1 -s --no-backup-if-mismatch \
			-F0 <"$repo/patches/$p"; then
			echo "[tree] error: patch $p does not apply" >&2
			exit 1
		fi
		n=$((n + 1))
	done <"$repo/patches/series"
	log "applied $n patches"
	echo "$want" >"$tree.new/.kho-series"
	# A file that comes out the same as in the old tree keeps the old
	# mtime, so that reordering or rewording patches rebuilds nothing.
	if [ -d "$tree" ]; then
		sed -n 's|^+++ b/||p' "$repo"/patches/*.patch | sort -u |
		while read -r f; do
			if [ -f "$tree/$f" ] && cmp -s "$tree/$f" "$tree.new/$f"; then
				touch -r "$tree/$f" "$tree.new/$f"
			fi
		done
	fi
	rm -rf "$tree"
	mv "$tree.new" "$tree"
fi

# Overlay: (re)create symlinks, drop dangling ones from removed files.
find "$tree" -type l -lname "$repo/*" ! -exec test -e {} \; -delete
count=0
while IFS= read -r -d '' f; do
	rel=${f#"$repo"/}
	dst=$tree/$rel
	if [ -e "$dst" ] && [ ! -L "$dst" ]; then
		echo "[tree] error: overlay file $rel shadows an upstream file;" \
			"change upstream files with a patch instead" >&2
		exit 1
	fi
	mkdir -p "$(dirname "$dst")"
	ln -sfn "$f" "$dst"
	count=$((count + 1))
done < <(
	cd "$repo" && for d in "${overlay_dirs[@]}"; do
		[ -d "$d" ] && find "$repo/$d" -type f -print0
	done
	find "$repo" -maxdepth 1 -name 'Kconfig.*' -type f -print0
)
log "linked $count overlay files"
