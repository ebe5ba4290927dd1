# SPDX-License-Identifier: GPL-2.0
# Shell helpers shared by the harness scripts.

# debian_mirror: the Debian mirror this machine's apt uses (deb822 or
# one-line sources), or deb.debian.org.
debian_mirror() {
	local m
	m=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/\?$/\1/p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1 || true)
	[ -n "$m" ] || m=$(sed -n 's/^deb \(\[[^]]*\] \)\?\(http[^ ]*debian\)\/\? bookworm .*/\2/p' \
		/etc/apt/sources.list 2>/dev/null | head -n 1 || true)
	echo "${m:-http://deb.debian.org/debian}"
}
