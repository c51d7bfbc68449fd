#!/usr/bin/env bash
# Unpack Debian's Cyrus IMAP and Courier-IMAP into a private tree for
# internal/testenv, next to the installed Dovecot.
#
# cyrus-imapd and courier-imap declare `Conflicts: imap-server`, as does
# dovecot-imapd, so neither can be apt-installed next to it. Instead their
# .debs are fetched with `apt-get download` and unpacked with `dpkg-deb -x`
# into CACHE/<server>-<version>/ (no maintainer script runs, no service is
# registered or started); only the plain shared libraries their binaries
# link against are apt-installed. CACHE/cyrus and CACHE/courier point at
# the current trees; a tree already unpacked for the candidate version is
# reused, so a second run costs one apt-cache query.
#
# CACHE is $IMAPDIR_TESTENV_CACHE, else /var/cache/imapdir-testenv as root,
# else ${XDG_CACHE_HOME:-~/.cache}/imapdir-testenv: the place
# internal/testenv looks (see servers.go). Run as root (apt-get install).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

cache=${IMAPDIR_TESTENV_CACHE:-}
if [ -z "$cache" ]; then
	if [ "$(id -u)" = 0 ]; then
		cache=/var/cache/imapdir-testenv
	else
		cache=${XDG_CACHE_HOME:-$HOME/.cache}/imapdir-testenv
	fi
fi
mkdir -p "$cache"

# The packages unpacked per server: the server and the parts of it that
# hold binaries or libraries the private instance runs.
cyrus_debs=(cyrus-imapd cyrus-common)
courier_debs=(courier-imap courier-base courier-authlib)

# The plain libraries those binaries need beyond a Debian base system with
# Dovecot (checked below with ldd): libpcreposix and libical (Cyrus),
# libidn, libfam (gamin), libltdl and Courier's unicode library (Courier).
libs=(libpcre3 libical3 libidn12 libgamin0 libltdl7 libcourier-unicode4)

candidate() { apt-cache policy "$1" | sed -n 's/^  Candidate: //p'; }

missing=()
for p in "${libs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if ((${#missing[@]})); then
	echo "servers: installing ${missing[*]}"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# unpack NAME DEB...: the tree for NAME at the candidate version of its
# first package, unpacked once.
unpack() {
	local name=$1
	shift
	local ver
	ver=$(candidate "$1")
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		apt-get update -qq
		ver=$(candidate "$1")
	fi
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		echo "servers: no candidate version of $1 in the apt sources" >&2
		return 1
	fi
	local tree="$cache/$name-$ver"
	if [ ! -e "$tree/.complete" ]; then
		echo "servers: unpacking $name $ver into $tree"
		local tmp
		tmp=$(mktemp -d "$cache/.dl.XXXXXX")
		(cd "$tmp" && apt-get download -qq "$@" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
		rm -rf "$tree"
		mkdir -p "$tree"
		local deb
		for deb in "$tmp"/*.deb; do
			dpkg-deb -x "$deb" "$tree"
		done
		rm -rf "$tmp"
		echo "$ver" >"$tree/.version"
		touch "$tree/.complete"
	fi
	ln -sfn "$name-$ver" "$cache/$name.new"
	mv -T "$cache/$name.new" "$cache/$name"
}

unpack cyrus "${cyrus_debs[@]}"
unpack courier "${courier_debs[@]}"

# Every binary the tests run must find its libraries: the tree's own first.
check() {
	local tree=$1
	shift
	local lp="$tree/usr/lib/x86_64-linux-gnu:$tree/usr/lib"
	local bin bad=0
	for bin in "$@"; do
		if LD_LIBRARY_PATH=$lp ldd "$tree/$bin" | grep 'not found'; then
			echo "servers: $bin lacks the libraries above" >&2
			bad=1
		fi
	done
	return $bad
}
check "$cache/cyrus" usr/lib/cyrus/bin/master usr/lib/cyrus/bin/imapd usr/lib/cyrus/bin/ctl_cyrusdb
check "$cache/courier" usr/sbin/couriertcpd usr/lib/courier/courier/imaplogin usr/bin/imapd usr/bin/couriertls

echo "servers: cyrus $(cat "$cache/cyrus/.version"), courier $(cat "$cache/courier/.version") in $cache"
