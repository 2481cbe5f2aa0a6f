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

# check_lanes COLS THREADS: $output is a screen of --lanes: one row per
# thread, no line wider than COLS, an axis, a legend, and no column
# where two threads held the lock most of the time.
check_lanes() {
	python3 - "$1" "$2" <<PY
import re, sys
cols, n = int(sys.argv[1]), int(sys.argv[2])
lines = """$output""".splitlines()
assert all(len(l) <= cols for l in lines), [l for l in lines if len(l) > cols]
rows = [l for l in lines if re.match(r"worker \d+ *\|.*\|$", l)]
assert [int(l.split()[1].split("|")[0]) for l in rows] == list(range(1, n + 1)), lines
bars = [l[l.index("|") + 1:-1] for l in rows]
assert len({len(b) for b in bars}) == 1 and len(bars[0]) >= 40, bars
assert all(b.strip() for b in bars) and any("#" in b for b in bars), bars
for c in range(len(bars[0])):
    assert sum(b[c] == "#" for b in bars) <= 1, (c, bars)
head = [l for l in lines if l.startswith("range-sum: who held the lock")]
assert len(head) == 1, lines
i = lines.index(rows[-1])
assert re.match(r" +\+[-+]+$", lines[i + 1]), lines[i + 1]
assert re.match(r" +0 .* (us|ms|s)$", lines[i + 2]), lines[i + 2]
# The tick labels: plain numbers, rising, two blanks or more apart, each
# under a '+' of the axis.
ticks = [(m.start(), m.group()) for m in re.finditer(r"\S+", lines[i + 2])][:-1]
assert all(re.fullmatch(r"\d+(\.\d+)?", t) for _, t in ticks), lines[i + 2]
assert [float(t) for _, t in ticks] == sorted({float(t) for _, t in ticks}), lines[i + 2]
assert len(ticks) >= 2, lines[i + 2]
assert all(b - a >= len(t) + 2 for (a, t), (b, _) in zip(ticks, ticks[1:])), lines[i + 2]
assert all(lines[i + 1][c] == "+" for c, _ in ticks), (lines[i + 1], lines[i + 2])
assert "# held most of the column" in lines[i + 3], lines[i + 3]
PY
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
