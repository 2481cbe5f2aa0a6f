#!/usr/bin/env bats
# lanes.bats: range-sum --lanes, who held the lock over time, drawn on
# stderr at the end of a --gil run, as a person sees it in a terminal
# (tmux capture-pane) and as a script gets it (80 columns).

load test_helper

setup() {
	SOCK=rt-lanes-$$-$BATS_TEST_NUMBER
}

teardown() {
	tmux -L "$SOCK" kill-server 2>/dev/null || true
}

# screen_done: the command in the tmux terminal has finished.
screen_done() {
	tmux -L "$SOCK" capture-pane -p -t 0 | grep -q '^\[done [0-9]*\]'
}

# in_terminal COLS CMD: runs CMD in a detached tmux terminal COLS wide
# and prints what the screen shows once it is done, CMD's exit status
# last, as "[done STATUS]".
in_terminal() {
	local cols=$1 cmd=$2
	tmux -L "$SOCK" -f /dev/null new-session -d -x "$cols" -y 40 \
		"PATH='$PATH'; $cmd; echo \"[done \$?]\"; sleep 600" 3>&-
	wait_until -t 30 screen_done
	tmux -L "$SOCK" capture-pane -p -t 0
}

# check_lanes COLS THREADS: $output is a screen of --lanes that
# tests/lanes_check.py passes: one row per thread, no line wider than
# COLS, an axis, a legend, and no column where two threads held the lock
# most of the time.
check_lanes() {
	printf '%s\n' "$output" | python3 "$BATS_TEST_DIRNAME/lanes_check.py" "$1" "$2"
}

# lanes_draw_path: the drawing of holds given on stdin
# (tests/lanes-draw.c), the build's under test where it has one (make
# coverage, make sanitize).  lanes_draw ARGS... runs it.
lanes_draw_path() {
	local draw=$RANGETOOLS_REPO/tests/lanes-draw
	[ ! -x "${RANGETOOLS_BIN:-}/lanes-draw" ] || draw=$RANGETOOLS_BIN/lanes-draw
	[ -x "$draw" ] || fail "tests/lanes-draw is not built (run make test)"
	echo "$draw"
}
lanes_draw() {
	local draw
	draw=$(lanes_draw_path) || return
	"$draw" "$@"
}

@test "--lanes draws one row per thread, an axis and a legend in a 100-column terminal" {
	run in_terminal 100 'range-sum --threads 3 --gil --lanes 0 2e9'
	assert_success
	assert_output --partial "1999999999000000000"
	check_lanes 100 3
}

# Wide terminals: the drawing stops at its widest (1023 columns of lanes)
# and its buffers hold every width; an ASan build (RANGETOOLS_BIN) reads
# nothing past them.
@test "--lanes draws a readable axis in terminals up to 2000 columns wide" {
	# A server of its own for each width: a new server on a name whose
	# server is still shutting down after kill-server fails at its start
	# ("server exited unexpectedly", 10 in 200 tries here).
	local base=$SOCK
	for cols in 300 1009 1023 1038 1040 2000; do
		SOCK=$base-$cols
		run in_terminal "$cols" 'range-sum --threads 2 --gil --switch-interval 1ms --lanes 0 5e8'
		assert_success
		assert_line "[done 0]"
		check_lanes "$cols" 2
		tmux -L "$SOCK" kill-server
	done
}

@test "--lanes fits a narrow terminal" {
	run in_terminal 60 'range-sum --threads 2 --gil --switch-interval 1ms --lanes 0 1e9'
	assert_success
	check_lanes 60 2
}

@test "--lanes without a terminal draws 80 columns, on stderr only" {
	run --separate-stderr range-sum --threads 2 --gil --lanes 0 1e9
	assert_success
	assert_output "$(pysum 0 1000000000)"
	output=$stderr check_lanes 80 2
}

@test "--lanes shows the I/O threads too" {
	run --separate-stderr range-sum --threads 1 --gil --io-threads 1 \
		--io-wait 20us --switch-interval 100us --lanes 0 1e9
	assert_success
	output=$stderr check_lanes 80 2
}

@test "--lanes without --gil is a usage error that says why" {
	refuses 2 range-sum --threads 2 --lanes 0 10
	assert_stderr_has "--lanes draws who held the lock: it needs --gil"
}

@test "--lanes of a run shorter than 10 ms draws its axis in microseconds" {
	run --separate-stderr range-sum --threads 2 --gil --lanes 0 100
	assert_success
	assert_output 4950
	python3 - "$stderr" <<'PY'
import re, sys
lines = sys.argv[1].splitlines()
ms = float(re.match(r"range-sum: who held the lock, ([0-9.]+) ms", lines[0]).group(1))
axis = [l for l in lines if re.match(r" +0 ", l)]
assert len(axis) == 1, lines
unit = "us" if ms < 10 else "ms" if ms < 10000 else "s"
assert axis[0].endswith(" " + unit), (ms, axis[0])
PY
}

# Spans and widths no run in a test can have, from 2 ns to the 292 years
# of an int64_t of nanoseconds, each across the unit's edges, drawn from
# two threads that held the lock one after the other: every screen is
# readable (its title and legend broken after a comma where narrow), its
# title and unit are the span's, and each column away from the hand-over
# shows the thread that held it.  Under make sanitize, the
# ASan build reads nothing past a buffer at any of them.
@test "--lanes draws any span from 2 ns to 292 years exactly, 55 to 2000 columns wide" {
	export LANES_DRAW
	LANES_DRAW=$(lanes_draw_path)
	run python3 - "$BATS_TEST_DIRNAME" <<'PY'
import os, subprocess, sys
sys.path.insert(0, sys.argv[1])
from lanes_check import check, shows

spans = [2, 3, 1000, 4095, 4097, 999_999, 9_999_999, 10_000_000,
         10_000_001, 123_456_789, 9_999_999_999, 10_000_000_000,
         86_400 * 10**9, 10**15, 2**62, 2**63 - 1]
n = 0
for span in spans:
    mid = span // 2
    holds = f"1 0 {mid}\n2 {mid} {span}\n"
    for width in (55, 60, 80, 97, 133, 1038, 2000):
        p = subprocess.run([os.environ["LANES_DRAW"], str(width), "2"],
                           input=holds, capture_output=True, text=True)
        assert p.returncode == 0 and p.stdout == "", (span, width, p)
        one, two = check(p.stderr, width, 2, span)
        shows(one, span, [(0, mid)])
        shows(two, span, [(mid, span)])
        n += 1
print(n, "screens")
PY
	assert_success
	assert_output "112 screens"
}

@test "--lanes keeps its 10 columns of bars in a terminal narrower than its label" {
	for width in 1 14 20; do
		run --separate-stderr lanes_draw "$width" 3 <<<"1 0 10
3 10 30"
		assert_success
		# Three rows of 10 columns, thread 2 empty, and an axis.
		[ "$(grep -c '^worker [123] *|.\{10\}|$' <<<"$stderr")" -eq 3 ] || fail "$stderr"
		assert_equal "$(grep '^worker 2 ' <<<"$stderr")" "worker 2  |          |"
		grep -q '^ *+[-+]*$' <<<"$stderr" || fail "no axis: $stderr"
	done
}

# A hold that ends before it begins is left out; one that began before
# the run (a thread that took the lock as the lanes were made) counts
# from the run's start; a run where nobody held the lock draws blank rows.
@test "--lanes draws holds that begin before the run, and leaves out those that end before they begin" {
	run --separate-stderr lanes_draw 80 2 <<<"1 -500 500
2 700 600
2 600 1000"
	assert_success
	python3 - "$BATS_TEST_DIRNAME" "$stderr" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from lanes_check import check, shows
one, two = check(sys.argv[2], 80, 2, 1000)
shows(one, 1000, [(0, 500)])
shows(two, 1000, [(600, 1000)])
PY
	run --separate-stderr lanes_draw 80 2 </dev/null
	assert_success
	assert_equal "$(grep -c '^worker [12]  | \{65\}|$' <<<"$stderr")" 2
	assert_stderr_has "range-sum: who held the lock, 0.000 ms"
}
