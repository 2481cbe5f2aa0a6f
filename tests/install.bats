#!/usr/bin/env bats
# make install / make uninstall into a temporary DESTDIR.

load test_helper

PAGES="man1/range-split.1 man1/range-sum.1 man1/sum-merge.1 man7/rangetools.7"

setup() {
	dest=$(mktemp -d "${BATS_TMPDIR:-/tmp}/install.XXXXXX")
}

teardown() {
	rm -rf "$dest"
}

# mk TARGET VAR=VALUE...: make in the repository, quietly.
mk() {
	make -s -C "$RANGETOOLS_REPO" "$@" >/dev/null
}

@test "make install puts the programs and man pages under DESTDIR and PREFIX" {
	local f p
	mk install DESTDIR="$dest" PREFIX=/usr/local
	for p in range-split range-sum sum-merge; do
		f=$dest/usr/local/bin/$p
		[ -f "$f" ] || fail "$f not installed"
		[ "$(stat -c %a "$f")" = 755 ] || fail "$f: mode $(stat -c %a "$f")"
	done
	for p in $PAGES; do
		f=$dest/usr/local/share/man/$p
		[ -f "$f" ] || fail "$f not installed"
		[ "$(stat -c %a "$f")" = 644 ] || fail "$f: mode $(stat -c %a "$f")"
		cmp -s "$f" "$RANGETOOLS_REPO/man/${p#*/}" || fail "$f differs"
	done
}

@test "make install honours another PREFIX and MANPREFIX" {
	mk install DESTDIR="$dest" PREFIX=/opt/rt MANPREFIX=/opt/rt/man
	[ -x "$dest/opt/rt/bin/range-sum" ]
	[ -f "$dest/opt/rt/man/man1/range-sum.1" ]
	[ -f "$dest/opt/rt/man/man7/rangetools.7" ]
	[ ! -e "$dest/usr" ]
}

@test "the installed programs run from DESTDIR" {
	local bin=$dest/usr/local/bin
	mk install DESTDIR="$dest" PREFIX=/usr/local
	run --separate-stderr "$bin/range-sum" 0 1e8
	assert_success
	assert_output "$(pysum 0 100000000)"
	run --separate-stderr env PATH="$bin:/usr/bin:/bin" bash -c \
		'command -v range-sum; range-split -n 2 0 1e8 |
		xargs -P 2 -L 1 range-sum -t | sum-merge --expect 0 1e8'
	assert_success
	assert_line --index 0 "$bin/range-sum"
	assert_line --index 1 "$(pysum 0 100000000)"
	run "$bin/sum-merge" --version
	assert_success
	assert_output --partial sum-merge
}

@test "man -l renders every installed page" {
	local p out
	mk install DESTDIR="$dest" PREFIX=/usr/local
	for p in $PAGES; do
		run --separate-stderr env MANPAGER=cat MANWIDTH=80 \
			man -l "$dest/usr/local/share/man/$p"
		assert_success
		[ -z "$stderr" ] || fail "man -l $p: $stderr"
		assert_line --partial 'NAME'
		if [[ $p == man1/* ]]; then
			assert_line --partial 'SYNOPSIS'
			assert_line --partial 'EXIT STATUS'
		fi
		p=${p##*/}
		assert_output --partial "${p%.*}"
	done
}

@test "man finds the installed pages by name under the installed MANPATH" {
	mk install DESTDIR="$dest" PREFIX=/usr/local
	run --separate-stderr env MANPAGER=cat MANWIDTH=80 \
		man -M "$dest/usr/local/share/man" sum-merge
	assert_success
	assert_line --partial 'EXIT STATUS'
	run env MANPAGER=cat man -M "$dest/usr/local/share/man" 7 rangetools
	assert_success
	assert_output --partial 'range-split'
}

@test "make uninstall removes every installed file and nothing else" {
	mk install DESTDIR="$dest" PREFIX=/usr/local
	touch "$dest/usr/local/bin/other-program"
	mk uninstall DESTDIR="$dest" PREFIX=/usr/local
	run find "$dest" ! -type d
	assert_success
	assert_output "$dest/usr/local/bin/other-program"
	rm "$dest/usr/local/bin/other-program"
	run find "$dest" ! -type d
	assert_output ''
}

@test "make install twice and uninstall once leaves no files behind" {
	mk install DESTDIR="$dest" PREFIX=/usr/local
	mk install DESTDIR="$dest" PREFIX=/usr/local
	mk uninstall DESTDIR="$dest" PREFIX=/usr/local
	run find "$dest" ! -type d
	assert_success
	assert_output ''
}
