#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Is every commit of the exported series buildable? At each commit of
# $KHO_BUILD/export-tree (made by export-patches.sh), compile the C files
# that commit touches, with the test kernel's configuration, in one
# object directory reused from commit to commit (ccache makes the repeats
# cheap). Compiling, not linking: a quick check (5 minutes here), not a
# full build of every commit.
#
# KHO_SERIES_LINK=1 (make compile-series; QUICK=1 turns it off) also
# builds and links each commit's kernel (bzImage): it finds what compiling
# alone cannot, a symbol used before the commit that defines it, at the
# price of a rebuild per commit whose headers or options touch much of the
# tree (35 minutes here from an empty object directory).
set -euo pipefail

build=${KHO_BUILD:?}
tree=$build/export-tree
src=$build/series-src
obj=$build/series-obj
base=$(git -C "$tree" rev-list --max-parents=0 HEAD)

[ -f "$build/obj/.config" ] || { echo "[series] build the kernel first" >&2; exit 2; }
git -C "$tree" worktree remove --force "$src" 2>/dev/null || rm -rf "$src"
git -C "$tree" worktree prune
git -C "$tree" worktree add -f -q --detach "$src" "$base"
mkdir -p "$obj"
cp "$build/obj/.config" "$obj/.config"
mk() { make -s -C "$src" O="$obj" ARCH=x86_64 -j"$(nproc)" CC="ccache gcc" "$@"; }

bad=0
for c in $(git -C "$tree" rev-list --reverse "$base..HEAD"); do
	git -C "$src" checkout -q "$c"
	subject=$(git -C "$src" log -1 --format=%s)
	mapfile -t objs < <(git -C "$src" diff-tree --no-commit-id --name-only -r "$c" |
		grep '\.c$' | grep -v '^tools/' | while read -r f; do
			# a test file a part #includes is built as that part
			# (no includer is the usual case: not an error)
			inc=$(grep -l "^#include \"${f##*/}\"" "$src/${f%/*}"/*.c 2>/dev/null |
			      head -n 1 || true)
			[ -n "$inc" ] && f=${inc#"$src"/}
			echo "${f%.c}.o"
		done | sort -u)
	mk olddefconfig >/dev/null 2>&1
	if [ "${KHO_SERIES_LINK:-0}" = 1 ]; then
		objs+=(bzImage)
	fi
	if [ ${#objs[@]} -eq 0 ]; then
		echo "[series] --   $subject"
	elif out=$(mk "${objs[@]}" 2>&1); then
		echo "[series] ok   $subject"
	else
		echo "[series] FAIL $subject"
		echo "$out" | grep -m 5 'error\|undefined' || true
		bad=$((bad + 1))
	fi
done
git -C "$tree" worktree remove --force "$src"
if [ "${KHO_SERIES_LINK:-0}" = 1 ]; then
	echo "[series] $bad commit(s) failed to compile or link"
else
	echo "[series] $bad commit(s) failed to compile"
fi
[ "$bad" -eq 0 ]
