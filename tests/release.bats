#!/usr/bin/env bats
# The release: one version everywhere, make dist, make deb's first check.

load test_helper

setup() {
	tmp=$(mktemp -d "${BATS_TMPDIR:-/tmp}/release.XXXXXX")
}

teardown() {
	rm -rf "$tmp"
}

# version: the version --version prints.
version() {
	local v
	v=$(range-sum --version)
	echo "${v##* }"
}

# checkout: a git repository in $tmp/w holding the tracked files of this
# checkout as they are now, committed; make dist is tried there, not in
# the checkout under test.  A tarball has no .git: there make dist cannot
# run, and these tests say so (they must not call git there).
checkout() {
	[ -e "$RANGETOOLS_REPO/.git" ] ||
		skip "not a git checkout (a release tarball): make dist needs one"
	mkdir "$tmp/w"
	(cd "$RANGETOOLS_REPO" && git ls-files -z | tar --null -T - -cf -) |
		tar -xf - -C "$tmp/w"
	git -C "$tmp/w" init -q
	git -C "$tmp/w" add -A
	git -C "$tmp/w" -c user.name=t -c user.email=t@example.org \
		commit -qm t
}

@test "debian/changelog's version is the one --version prints" {
	local top
	top=$(sed -n '1s/^rangetools (\([^)]*\)).*/\1/p' \
		"$RANGETOOLS_REPO/debian/changelog")
	[[ $(version) =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version '$(version)'"
	[ "$top" = "$(version)" ] ||
		fail "debian/changelog says '$top', --version says '$(version)'"
}

@test "make dist writes rangetools-VERSION.tar.gz of exactly the tracked files" {
	checkout
	echo stray >"$tmp/w/stray"
	make -s -C "$tmp/w" dist >/dev/null
	local tarball=$tmp/w/rangetools-$(version).tar.gz
	[ -f "$tarball" ] || fail "no $tarball"
	diff <(tar -tzf "$tarball" | grep -v '/$' |
		sed "s|^rangetools-$(version)/||" | sort) \
	    <(git -C "$tmp/w" ls-files | sort) ||
		fail "the tarball is not the tracked files"
}

@test "make dist stops on uncommitted changes to tracked files and names them" {
	only_in_check
	checkout
	echo change >>"$tmp/w/README.md"
	run --separate-stderr make -s -C "$tmp/w" dist
	[ "$status" -ne 0 ] || fail "make dist succeeded"
	[[ $stderr == *"differ from HEAD"* ]] || fail "stderr: $stderr"
	[[ $stderr == *README.md* ]] || fail "stderr does not name README.md"
	[ ! -e "$tmp/w/rangetools-$(version).tar.gz" ] || fail "a tarball was written"
}

@test "make dist stops when debian/changelog's version is not --version's" {
	only_in_check
	checkout
	sed -i '1s/(\([^)]*\))/(0.0.1)/' "$tmp/w/debian/changelog"
	git -C "$tmp/w" -c user.name=t -c user.email=t@example.org \
		commit -qam 'wrong version'
	run --separate-stderr make -s -C "$tmp/w" dist
	[ "$status" -ne 0 ] || fail "make dist succeeded"
	[[ $stderr == *0.0.1*$(version)* ]] || fail "stderr: $stderr"
	[ ! -e "$tmp/w/rangetools-$(version).tar.gz" ] || fail "a tarball was written"
}

@test "make deb without the packaging tools names the packages, all in .ci/packages" {
	local p
	# A PATH with sed (make reads the version with it), and nothing else.
	mkdir "$tmp/bin"
	ln -s "$(command -v sed)" "$tmp/bin/sed"
	run --separate-stderr env PATH="$tmp/bin" "$(command -v make)" -s \
		-C "$RANGETOOLS_REPO" deb
	[ "$status" -ne 0 ] || fail "make deb succeeded"
	for p in dpkg-dev debhelper lintian blhc; do
		[[ $stderr == *" $p"* ]] || fail "stderr does not name $p: $stderr"
		sed 's/#.*//' "$RANGETOOLS_REPO/.ci/packages" | grep -qx "$p" ||
			fail "$p is not in .ci/packages"
	done
}

@test "make deb-arm64 without arm64's C library says what to run, and runs none of it" {
	local t
	# A dpkg that knows no foreign architecture, a dpkg-query to which
	# nothing is installed, and packaging tools and apt-get that only
	# log their calls.
	mkdir "$tmp/bin"
	cat >"$tmp/bin/dpkg" <<-EOS
		#!/bin/sh
		echo "dpkg \$*" >>"$tmp/calls"
		case \$1 in --print-architecture) echo amd64 ;; esac
	EOS
	printf '#!/bin/sh\necho "dpkg-query $*" >>"%s"\nexit 1\n' "$tmp/calls" \
		>"$tmp/bin/dpkg-query"
	for t in apt-get dpkg-buildpackage dh lintian blhc git; do
		printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$t" "$tmp/calls" \
			>"$tmp/bin/$t"
	done
	chmod 755 "$tmp/bin"/*
	run --separate-stderr env PATH="$tmp/bin:$PATH" make -s \
		-C "$RANGETOOLS_REPO" deb-arm64
	[ "$status" -ne 0 ] || fail "make deb-arm64 succeeded"
	[[ $stderr == *"dpkg --add-architecture arm64 && apt-get update && apt-get install libc6:arm64"* ]] ||
		fail "stderr: $stderr"
	run grep -E 'add-architecture|^(apt-get|dpkg-buildpackage|git) ' "$tmp/calls"
	[ "$status" -eq 1 ] || fail "it ran: $output"
}
