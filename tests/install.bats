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

# EXAMPLES: the example scripts, as the repository holds them.
EXAMPLES=$(cd "$RANGETOOLS_REPO/examples" && ls)

# paths_named PAGE...: every path the pages name (.Pa), one a line.
paths_named() {
	sed -n 's/^\.\(It \|Pq \)\{0,1\}Pa \([^ ]*\).*/\2/p' "$@" | sort -u
}

# all_paths_installed ROOT PREFIX DOCDIR: every path that the pages
# installed under ROOT name is there: one under PREFIX under ROOT, a bare
# file name in DOCDIR/examples, any other absolute one on this system (such
# as /usr/local/bin, where make install puts the programs by default),
# those of the kernel, /dev and /proc, aside.  Two relative paths name
# files elsewhere: CPython's sources, and the folder parallel --basefile
# makes on another host.  Temporary files under $TMPDIR are named, not
# installed.
all_paths_installed() {
	local root=$1 prefix=$2 docdir=$3 path
	for path in $(paths_named "$root$prefix"/share/man/man*/*); do
		case $path in
		/dev/* | /proc/*) ;;
		"$prefix"/*)
			[ -e "$root$path" ] || fail "a page names $path, not installed"
			;;
		/*) [ -e "$path" ] || fail "a page names $path, not on this system" ;;
		Python/ceval_gil.c | '~/.rt') ;;
		# A temporary file a program makes while it runs.
		'$TMPDIR'/*) ;;
		*/*) fail "a page names $path, relative to nothing installed" ;;
		*)
			[ -e "$root$docdir/examples/$path" ] ||
				fail "a page names $path, not in $docdir/examples"
			;;
		esac
	done
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
		# The default PREFIX leaves all but .Os as it was.
		diff <(grep -v '^\.Os' "$f") \
		    <(grep -v '^\.Os' "$RANGETOOLS_REPO/man/${p#*/}") ||
			fail "$f differs"
	done
}

@test "make install stamps the version into each page's .Os" {
	local version p
	version=$(range-sum --version)
	version=${version##* }
	[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version '$version'"
	grep -qx '\.Os rangetools' "$RANGETOOLS_REPO/man/range-sum.1"
	mk install DESTDIR="$dest" PREFIX=/usr/local
	for p in $PAGES; do
		run grep '^\.Os' "$dest/usr/local/share/man/$p"
		assert_output ".Os rangetools $version"
	done
}

@test "make install puts the examples under PREFIX/share/doc/rangetools" {
	local f e
	[ -n "$EXAMPLES" ]
	mk install DESTDIR="$dest" PREFIX=/usr/local
	for e in $EXAMPLES; do
		f=$dest/usr/local/share/doc/rangetools/examples/$e
		[ -f "$f" ] || fail "$f not installed"
		cmp -s "$f" "$RANGETOOLS_REPO/examples/$e" || fail "$f differs"
		case $e in
		*.sh) [ "$(stat -c %a "$f")" = 755 ] || fail "$f: not 755" ;;
		*) [ "$(stat -c %a "$f")" = 644 ] || fail "$f: not 644" ;;
		esac
	done
}

@test "every path a page names is installed" {
	mk install DESTDIR="$dest" PREFIX=/usr/local
	# The check sees the examples the pages point at.
	paths_named "$dest"/usr/local/share/man/man7/rangetools.7 |
		grep -qx /usr/local/share/doc/rangetools/examples/queue.sh
	all_paths_installed "$dest" /usr/local /usr/local/share/doc/rangetools
}

@test "with another PREFIX the pages name the examples where they are" {
	mk install DESTDIR="$dest" PREFIX=/opt/rt
	run paths_named "$dest"/opt/rt/share/man/man7/rangetools.7
	assert_line /opt/rt/share/doc/rangetools/examples/table.sh
	refute_line --partial /usr/local/share
	all_paths_installed "$dest" /opt/rt /opt/rt/share/doc/rangetools
}

@test "the installed examples run the installed programs" {
	local bin=$dest/usr/local/bin ex=$dest/usr/local/share/doc/rangetools/examples
	mk install DESTDIR="$dest" PREFIX=/usr/local
	run --separate-stderr env PATH="$bin:/usr/bin:/bin" \
		"$ex/queue.sh" stop 0 1e6 2
	assert_success
	assert_output "$(pysum 0 1000000)"
	run --separate-stderr env PATH="$bin:/usr/bin:/bin" \
		"$ex/article.sh" 1e7 1e5
	assert_success
	assert_line --partial "rangetools sums [0, 1e7) = $(pysum 0 10000000)"
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
	only_in_check
	local p out
	mk install DESTDIR="$dest" PREFIX=/usr/local
	for p in $PAGES; do
		# A UTF-8 locale, for the article's Korean title.
		run --separate-stderr env LC_ALL=C.UTF-8 MANPAGER=cat \
			MANWIDTH=80 man -l "$dest/usr/local/share/man/$p"
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
	[ ! -e "$dest/usr/local/share/doc/rangetools" ]
}

@test "make install twice and uninstall once leaves no files behind" {
	mk install DESTDIR="$dest" PREFIX=/usr/local
	mk install DESTDIR="$dest" PREFIX=/usr/local
	mk uninstall DESTDIR="$dest" PREFIX=/usr/local
	run find "$dest" ! -type d
	assert_success
	assert_output ''
}
