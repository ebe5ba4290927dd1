#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite's documentation built with Sphinx from Debian: only
# Documentation/driver-api/kho-devices.rst and the kernel-doc of our files
# that it pulls in, with the kernel tree's own kernel-doc extension
# (harness/docs/conf.py). Every Sphinx warning is an error.
#
#   build-docs.sh                    HTML into $KHO_BUILD/docs/html
#   build-docs.sh check NUM COUNTS   the same, as make check's KTAP subtest
#                                    NUM; appends "pass fail skip" to COUNTS
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KHO_BUILD:?}
tree=$build/linux
out=$build/docs

# build: the rst alone as a Sphinx project; its log in $out/sphinx.log.
build() {
	rm -rf "$out"
	mkdir -p "$out/src"
	ln -s "$repo/Documentation/driver-api/kho-devices.rst" "$out/src/"
	printf '.. toctree::\n\n   kho-devices\n' >"$out/src/index.rst"
	srctree=$tree sphinx-build -E -W --keep-going -q -b html \
		-c "$repo/harness/docs" "$out/src" "$out/html" \
		>"$out/sphinx.log" 2>&1
}

check() {
	local num=$1 counts=$2 rc warnings funcs p=0 f=0

	echo "# docs: Sphinx $(sphinx-build --version 2>/dev/null | awk '{ print $2 }'), kho-devices.rst and its kernel-doc"
	build
	rc=$?
	warnings=$(grep -c 'WARNING\|ERROR\|CRITICAL' "$out/sphinx.log")
	funcs=$(grep -o 'class="sig sig-object c"' "$out/html/kho-devices.html" 2>/dev/null | wc -l)
	echo "    KTAP version 1"
	echo "    1..3"
	if [ "$rc" -eq 0 ]; then
		echo "    ok 1 sphinx-build -W builds the rst"
		p=$((p + 1))
	else
		echo "    # FAIL sphinx-build exited $rc"
		echo "    not ok 1 sphinx-build -W builds the rst"
		f=$((f + 1))
	fi
	if [ "$warnings" -eq 0 ]; then
		echo "    ok 2 no Sphinx or kernel-doc warning"
		p=$((p + 1))
	else
		grep 'WARNING\|ERROR\|CRITICAL' "$out/sphinx.log" | head -n 5 | sed 's/^/    # /'
		echo "    # FAIL $warnings warnings, see $out/sphinx.log"
		echo "    not ok 2 no Sphinx or kernel-doc warning"
		f=$((f + 1))
	fi
	if [ "$funcs" -gt 0 ]; then
		echo "    ok 3 the kernel-doc of our files is in the page ($funcs functions and types)"
		p=$((p + 1))
	else
		echo "    not ok 3 the kernel-doc of our files is in the page"
		f=$((f + 1))
	fi
	[ $f -eq 0 ] && echo "ok $num docs" || echo "not ok $num docs"
	echo "$p $f 0" >>"$counts"
	[ $f -eq 0 ]
}

case "${1:-}" in
check) check "$2" "$3" ;;
"")
	build
	rc=$?
	cat "$out/sphinx.log"
	[ $rc -eq 0 ] && echo "[docs] $out/html/kho-devices.html"
	exit $rc ;;
*) echo "usage: $0 [check NUM COUNTS]" >&2; exit 2 ;;
esac
