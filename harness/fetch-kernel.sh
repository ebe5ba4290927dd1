#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Download Debian's linux-source-7.3 (trixie-backports) with a private apt
# state under $KHO_CACHE/apt; the system's apt configuration is not touched.
# Leaves the tarball at $KHO_CACHE/linux-source-7.3.tar.xz and its exact
# package version in $KHO_CACHE/linux-source.version.
set -euo pipefail
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

cache=${KHO_CACHE:?}
pkg=linux-source-7.3
apt_dir=$cache/apt
out=$cache/$pkg.tar.xz

log() { echo "[fetch] $*"; }

stock=$cache/stock-bzImage

# fetch_stock: Debian's own kernel image built from the same 7.3 source,
# without the suite: the next kernel that safety-next-kernel must refuse.
# Best effort: without it that test's checks are skipped, never passed.
fetch_stock() {
	local bin deb
	[ -s "$stock" ] && return 0
	bin=$(apt-cache "${apt_opts[@]}" pkgnames "linux-binary-${version%%-*}" |
		grep -- '-cloud-amd64$' | sort | tail -n 1)
	if [ -z "$bin" ]; then
		log "no Debian linux-binary package for $version: stock-kernel checks will be skipped"
		return 0
	fi
	log "downloading $bin (a stock kernel for the safety tests)"
	(cd "$apt_dir/deb" && rm -f ./*.deb &&
		apt-get "${apt_opts[@]}" download "$bin" -qq) || {
		log "download of $bin failed: stock-kernel checks will be skipped"
		return 0
	}
	deb=$(ls "$apt_dir"/deb/*.deb)
	rm -rf "$apt_dir/x"
	dpkg-deb -x "$deb" "$apt_dir/x"
	cp "$(ls "$apt_dir"/x/boot/vmlinuz-* "$apt_dir"/x/usr/lib/modules/*/vmlinuz 2>/dev/null | head -n 1)" "$stock"
	rm -rf "$apt_dir/x" "$deb"
	echo "$bin" >"$cache/stock-bzImage.package"
	log "stock kernel $bin -> $stock"
}

mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" \
	"$apt_dir/deb"
mirror=$(debian_mirror)
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie-backports main" \
	>"$apt_dir/sources.list"

apt_opts=(
	-o "Dir::Etc::sourcelist=$apt_dir/sources.list"
	-o "Dir::Etc::sourceparts=-"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::Cache=$apt_dir/cache"
	-o "APT::Get::List-Cleanup=0"
	-o "Debug::NoLocking=1"
	-o "APT::Sandbox::User=root"
)

if [ -f "$out" ] && [ -s "$cache/linux-source.version" ]; then
	log "$pkg $(cat "$cache/linux-source.version") already in cache"
	version=$(cat "$cache/linux-source.version")
	[ -s "$stock" ] || [ ! -d "$apt_dir/lists" ] || fetch_stock
	exit 0
fi

log "updating private apt lists for trixie-backports"
apt-get "${apt_opts[@]}" update -qq
version=$(apt-cache "${apt_opts[@]}" policy "$pkg" |
	sed -n 's/^ *Candidate: *//p')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	echo "[fetch] error: $pkg not found in trixie-backports" >&2
	exit 1
fi
log "downloading $pkg $version"
(cd "$apt_dir/deb" && rm -f ./*.deb &&
	apt-get "${apt_opts[@]}" download "$pkg=$version" -qq)
deb=$(ls "$apt_dir"/deb/${pkg}_*.deb)
rm -rf "$apt_dir/x"
dpkg-deb -x "$deb" "$apt_dir/x"
mv "$apt_dir/x/usr/src/$pkg.tar.xz" "$out"
rm -rf "$apt_dir/x" "$deb"
echo "$version" >"$cache/linux-source.version"
log "$pkg $version -> $out"
fetch_stock
