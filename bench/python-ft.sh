#!/bin/sh
# python-ft.sh: a free-threaded CPython (PEP 703) from Debian's source
# package, built into a cache directory (make python-ft).
#
#	bench/python-ft.sh [cache]
#
# Debian 12 ships no free-threaded Python, but Debian's source archive has
# newer CPython than bookworm's packages: trixie's python3.13 (3.13.5 in
# November 2026).  This fetches that source package with apt-get, using a
# private deb-src list, package lists and cache under the cache directory
# (the system's apt configuration is read for nothing but its defaults,
# and changed in nothing), checks it as apt checks any download (the
# suite's signed InRelease, then the hashes of Sources and the .dsc),
# builds it out of the source tree with --disable-gil and installs it into
# the cache directory.  Prints the path of the installed python3.Nt.
#
# The cache is CACHE (argument), else $RANGETOOLS_PYTHON_FT_CACHE, else
# ${XDG_CACHE_HOME:-~/.cache}/rangetools/python-ft.  A cache that already
# holds a working free-threaded build is used as it is: nothing is fetched
# or rebuilt (remove the directory to build again, e.g. for a newer
# release).  PYTHON_FT_SOURCE names the source package and suite
# (python3.13/trixie); PYTHON_FT_MIRROR the Debian mirror.
#
# Needs, beyond apt and build-essential: xz-utils (the tarballs).  The
# build leaves out the modules whose libraries are missing (ssl, sqlite,
# ...); the article's programs need none of them.  About 2 minutes of
# make -j2 on 2 cores, plus the byte-compilation of make install.
set -eu

cache=${1:-${RANGETOOLS_PYTHON_FT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rangetools/python-ft}}
source=${PYTHON_FT_SOURCE:-python3.13/trixie}
mirror=${PYTHON_FT_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
jobs=${PYTHON_FT_JOBS:-$(nproc 2>/dev/null || echo 2)}

pkg=${source%/*}
suite=${source#*/}
say() { echo "python-ft: $*" >&2; }
# die MESSAGE: says why, and leaves it in CACHE/failed for make demo.
die() {
	say "$*"
	[ ! -d "$cache" ] || echo "$*" >"$cache/failed"
	exit 1
}

# is_ft PYTHON: PYTHON runs and is built with the GIL disabled.
is_ft() {
	"$1" -c 'import sys, sysconfig
sys.exit(not sysconfig.get_config_var("Py_GIL_DISABLED"))' 2>/dev/null
}

found() {
	for p in "$cache"/bin/python3.*t; do
		case $p in *-config) continue ;; esac
		if [ -x "$p" ] && is_ft "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

if p=$(found); then
	say "reusing $p ($("$p" -c 'import platform; print(platform.python_version())'))"
	echo "$p"
	exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found: needs a Debian system"
command -v xz >/dev/null || die "xz not found (apt-get install xz-utils)"
[ -r "$keyring" ] ||
	die "no $keyring (apt-get install debian-archive-keyring)"

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
apt=$cache/apt
rm -rf "$apt" "$cache/src" "$cache/build"
mkdir -p "$apt/sources.list.d" "$apt/lists/partial" \
	"$apt/cache/archives/partial" "$cache/src" "$cache/build"
# The bookworm keyring holds trixie's keys too (debian-archive-keyring
# 2023.3+deb12u2 signs with the 13/trixie archive and release keys).
echo "deb-src [signed-by=$keyring] $mirror $suite main" >"$apt/sources.list"
: >"$apt/status"
set -- -q -o Dir::Etc::sourcelist="$apt/sources.list" \
	-o Dir::Etc::sourceparts="$apt/sources.list.d" \
	-o Dir::State::Lists="$apt/lists" \
	-o Dir::State::status="$apt/status" \
	-o Dir::Cache="$apt/cache" \
	-o APT::Sandbox::User="$(id -un)"
say "fetching $pkg from $suite ($mirror)"
apt-get "$@" update >&2 || die "apt-get update of $suite's sources failed"
(cd "$cache/src" && apt-get "$@" source --download-only "$source") >&2 ||
	die "apt-get source $source failed"

# Debian's orig tarball is upstream's release tarball (Python-X.Y.Z/);
# Debian's patches are for its packaging and are not needed here.
orig=$(ls "$cache/src/${pkg}_"*.orig.tar.* 2>/dev/null | head -n 1)
[ -n "$orig" ] || die "no orig tarball in $cache/src"
tar -C "$cache/src" -xf "$orig"
srcdir=$(ls -d "$cache/src"/Python-* 2>/dev/null | head -n 1)
[ -x "$srcdir/configure" ] || die "no configure in $orig"
say "building $(basename "$srcdir") with --disable-gil in $cache/build"
(
	cd "$cache/build"
	"$srcdir/configure" --disable-gil --prefix="$cache" --disable-test-modules \
		--without-ensurepip -q
	make -s -j"$jobs"
	make -s install
) >"$cache/build.log" 2>&1 ||
	die "the build failed: see $cache/build.log"
rm -rf "$cache/build" "$cache/src" "$apt" "$cache/failed"
p=$(found) || die "built, but no free-threaded python3.*t in $cache/bin"
say "installed $p"
echo "$p"
