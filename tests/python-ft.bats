#!/usr/bin/env bats
#
# A free-threaded CPython: bench/python-ft.sh's cache (make python-ft),
# make demo finding it there or saying why it has none, and
# bench/gil_record.py's lanes without the GIL.

load test_helper

# The real build's cache, as make check passes it (the Makefile exports
# RANGETOOLS_PYTHON_FT_CACHE; HOME is a test's empty one here), taken
# before setup points the variable at a test's own.
REAL_FT_CACHE=${RANGETOOLS_PYTHON_FT_CACHE:-}

setup() {
	CACHE="$BATS_TEST_TMPDIR/cache"
	export RANGETOOLS_PYTHON_FT_CACHE="$CACHE"
	unset PYTHON_FT
	DEMO="$RANGETOOLS_REPO/examples/article.sh"
}

# stand_in PATH: a stand-in free-threaded Python that runs python3; it
# says it has no GIL when PYTHON_GIL=0, and that it was built without one.
stand_in() {
	mkdir -p "$(dirname "$1")"
	cat >"$1" <<'SH'
#!/bin/sh
case "$2" in
*_is_gil_enabled*) [ "$PYTHON_GIL" = 0 ]; exit ;;
*Py_GIL_DISABLED*) exit 0 ;;
esac
exec python3 "$@"
SH
	chmod +x "$1"
}

# The real build, when make python-ft made one (.ci/run does).
real_ft() {
	[ -n "$REAL_FT_CACHE" ] || return 1
	for p in "$REAL_FT_CACHE"/bin/python3.*t; do
		[ -x "$p" ] && echo "$p" && return 0
	done
	return 1
}

@test "make demo finds the free-threaded Python in make python-ft's cache" {
	stand_in "$CACHE/bin/python3.13t"
	run --separate-stderr "$DEMO" 1e7 1e5
	assert_success
	assert_line --regexp "^Free-threaded Python [0-9.]+.* \($CACHE/bin/python3.13t, PYTHON_GIL=0\) sums \[0, 1e5\):\$"
	assert_line --regexp '^2 threads, no GIL +2 +[0-9.]+ +[0-9.]+ +[0-9.]+x$'
}

@test "make demo gives one thread's cost against python3 with its GIL" {
	stand_in "$CACHE/bin/python3.13t"
	run --separate-stderr "$DEMO" 1e7 1e5
	assert_success
	assert_line --regexp '^One thread takes [0-9]+\.[0-9]{2}x the time of Python [0-9.]+ with its GIL \([-+][0-9]+%\)\.$'
}

@test "make demo without a free-threaded build names make python-ft and goes on" {
	if command -v python3.13t || command -v python3.14t; then
		skip "a python3.13t or python3.14t is on PATH"
	fi
	mkdir -p "$CACHE"
	run --separate-stderr "$DEMO" 1e7 1e5
	assert_success
	assert_line "(no free-threaded Python: make python-ft builds one into $CACHE; or PYTHON_FT=path)"
	assert_line --regexp '^2 processes, xargs\|mqueue '
}

@test "make demo after a failed build prints why and goes on" {
	mkdir -p "$CACHE"
	echo "the build failed: see $CACHE/build.log" >"$CACHE/failed"
	run --separate-stderr "$DEMO" 1e7 1e5
	assert_success
	assert_line "(no free-threaded Python: make python-ft failed: the build failed: see $CACHE/build.log)"
}

@test "make demo skips the rows of a free-threaded Python that fails, saying why" {
	mkdir -p "$CACHE/bin"
	cat >"$CACHE/bin/python3.13t" <<'SH'
#!/bin/sh
case "$2" in *_is_gil_enabled*) exit 0 ;; esac
echo "Fatal Python error: stand-in" >&2
exit 1
SH
	chmod +x "$CACHE/bin/python3.13t"
	run --separate-stderr "$DEMO" 1e7 1e5
	assert_success
	assert_line "(free-threaded rows skipped: $CACHE/bin/python3.13t failed: Fatal Python error: stand-in)"
	refute_line --partial "Free-threaded Python"
}

@test "python-ft.sh reuses a cache that holds a free-threaded build, fetching nothing" {
	stand_in "$CACHE/bin/python3.13t"
	# An apt-get that would leave a trace if it ran.
	mkdir -p "$BATS_TEST_TMPDIR/path"
	printf '#!/bin/sh\ntouch "%s/apt-ran"\nexit 1\n' "$BATS_TEST_TMPDIR" \
	    >"$BATS_TEST_TMPDIR/path/apt-get"
	chmod +x "$BATS_TEST_TMPDIR/path/apt-get"
	PATH="$BATS_TEST_TMPDIR/path:$PATH" \
	    run --separate-stderr sh "$RANGETOOLS_REPO/bench/python-ft.sh"
	assert_success
	assert_output "$CACHE/bin/python3.13t"
	[[ "$stderr" == "python-ft: reusing $CACHE/bin/python3.13t ("* ]]
	[ ! -e "$BATS_TEST_TMPDIR/apt-ran" ]
}

@test "python-ft.sh: a failed fetch fails, and leaves its reason for make demo" {
	mkdir -p "$BATS_TEST_TMPDIR/path"
	printf '#!/bin/sh\necho "E: stand-in for no network" >&2\nexit 100\n' \
	    >"$BATS_TEST_TMPDIR/path/apt-get"
	chmod +x "$BATS_TEST_TMPDIR/path/apt-get"
	PATH="$BATS_TEST_TMPDIR/path:$PATH" \
	    run --separate-stderr sh "$RANGETOOLS_REPO/bench/python-ft.sh"
	assert_failure 1
	assert_output ""
	[ "$(cat "$CACHE/failed")" = "apt-get update of trixie's sources failed" ]
	run --separate-stderr "$DEMO" 1e7 1e5
	assert_success
	assert_line "(no free-threaded Python: make python-ft failed: apt-get update of trixie's sources failed)"
}

@test "python-ft.sh: fetches with a private apt setup, builds out of the tree, installs into the cache, cleans up" {
	# Stand-ins: apt-get leaves an orig tarball whose configure writes a
	# Makefile installing a stand-in python3.13t; they log their calls.
	local fake="$BATS_TEST_TMPDIR/fake" log="$BATS_TEST_TMPDIR/log"
	mkdir -p "$fake/Python-3.13.5" "$BATS_TEST_TMPDIR/path"
	cat >"$fake/Python-3.13.5/configure" <<SH
#!/bin/sh
echo "configure \$* in \$(pwd)" >>"$log"
prefix=\$(echo "\$*" | sed 's/.*--prefix=\([^ ]*\).*/\1/')
printf 'all:\n\ttrue\ninstall:\n\tmkdir -p %s/bin\n\tcp %s %s/bin/python3.13t\n' \
    "\$prefix" "$fake/python" "\$prefix" >Makefile
SH
	chmod +x "$fake/Python-3.13.5/configure"
	stand_in "$fake/python"
	tar -C "$fake" -cJf "$fake/python3.13_3.13.5.orig.tar.xz" Python-3.13.5
	cat >"$BATS_TEST_TMPDIR/path/apt-get" <<SH
#!/bin/sh
echo "apt-get \$*" >>"$log"
case "\$*" in *" source "*) cp "$fake/python3.13_3.13.5.orig.tar.xz" . ;; esac
SH
	chmod +x "$BATS_TEST_TMPDIR/path/apt-get"
	PATH="$BATS_TEST_TMPDIR/path:$PATH" \
	    run --separate-stderr sh "$RANGETOOLS_REPO/bench/python-ft.sh"
	assert_success
	assert_output "$CACHE/bin/python3.13t"
	# apt-get: only the cache's own lists, sources and archives.
	grep -q "update\$" "$log"
	grep "^apt-get" "$log" | grep -q -- "-o Dir::Etc::sourcelist=$CACHE/apt/sources.list"
	grep "^apt-get" "$log" | grep -q -- "-o Dir::State::Lists=$CACHE/apt/lists"
	grep "^apt-get" "$log" | grep -q -- "-o Dir::Cache=$CACHE/apt/cache"
	grep -q "source --download-only python3.13/trixie\$" "$log"
	# configure ran in a build directory, not in the source tree.
	grep -q "^configure --disable-gil --prefix=$CACHE .* in $CACHE/build\$" "$log"
	[ ! -e "$CACHE/build" ]
	[ ! -e "$CACHE/src" ]
	[ ! -e "$CACHE/apt" ]
	[ ! -e "$CACHE/failed" ]
}

@test "gil_record.py: without the GIL a lane is its own thread's stamps, split at long gaps" {
	run python3 -c "import sys; sys.path.insert(0, '$RANGETOOLS_REPO/bench')
import gil_record
print(gil_record.runs_from_stamps(
    {1: [0, 10, 20, 30, 1000, 1010], 2: [5, 15, 25, 35]}))"
	assert_success
	# Thread 1's gap of 970 ns is over 20 times its median of 10: two
	# slices; thread 2's lane overlaps thread 1's, uncut.
	assert_output "[(1, 0, 30), (2, 5, 35), (1, 1000, 1010)]"
}

@test "gil_record.py on a free-threaded CPython: run lanes that overlap" {
	if ! ft=$(real_ft); then
		# .ci/run builds one first: there a missing build is a failure.
		[ -z "${RANGETOOLS_REQUIRE_PYTHON_FT:-}" ] ||
			fail "no free-threaded build, and RANGETOOLS_REQUIRE_PYTHON_FT is set"
		skip "no free-threaded build in RANGETOOLS_PYTHON_FT_CACHE (make python-ft; make check sets it)"
	fi
	# Under a GIL the holds never overlap; here both threads run at
	# once.  make check runs this beside other tests on two cores, where
	# the two threads may take turns on one core for a short run: up to
	# three runs look for a moment when both ran at once.
	local try
	for try in 1 2 3; do
		ft_overlap "$ft"
		[ "$output" -gt 0 ] && return 0
	done
	fail "in 3 runs the two threads never ran at once"
}

# ft_overlap PYTHON: gil_record.py -t 2 on PYTHON without the GIL; sets
# $output to the microseconds in which both threads' run slices overlap.
ft_overlap() {
	PYTHON_GIL=0 run "$1" "$RANGETOOLS_REPO/bench/gil_record.py" -t 2 \
	    --end 1e7 -o "$BATS_TEST_TMPDIR/ft.json"
	assert_success
	run python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
assert d['otherData']['gil'] is False, d['otherData']
ev = [e for e in d['traceEvents'] if e.get('ph') == 'X']
assert ev and all(e['name'] == 'run' for e in ev), ev[:3]
span = {t: [(e['ts'], e['ts'] + e['dur']) for e in ev if e['tid'] == t]
        for t in (1, 2)}
both = sum(max(0, min(a1, b1) - max(a0, b0))
           for a0, a1 in span[1] for b0, b1 in span[2])
print('%.0f' % both)" "$BATS_TEST_TMPDIR/ft.json"
	assert_success
}
