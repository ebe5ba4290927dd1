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

# result NUM NAME FAILED [WHY]: one KTAP line; WHY a diagnostic if it failed.
result() {
	if [ "$3" -eq 0 ]; then
		echo "    ok $1 $2"
		p=$((p + 1))
	else
		[ -z "${4:-}" ] || echo "$4" | sed 's/^/    # /'
		echo "    not ok $1 $2"
		f=$((f + 1))
	fi
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
	result 1 "sphinx-build -W builds the rst" "$rc" "FAIL sphinx-build exited $rc"
	result 2 "no Sphinx or kernel-doc warning" "$warnings" \
		"$(grep 'WARNING\|ERROR\|CRITICAL' "$out/sphinx.log" | head -n 5)"
	result 3 "the kernel-doc of our files is in the page ($funcs functions and types)" \
		"$((funcs == 0))"
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
