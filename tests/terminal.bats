#!/usr/bin/env bats
#
# What a person sees at a terminal: a program that waits says, after
# about two seconds, what it waits for, and keeps waiting; with stderr on
# a file or a pipe it says nothing.  tests/tty-run gives each command a
# pseudo-terminal as its stdin, stdout and stderr, and prints what the
# terminal showed.

# Its tests mostly wait for a hint that comes after 2 s: side by side.
RANGETOOLS_SIDE_BY_SIDE=1
load test_helper

setup() {
	TTY="$BATS_TEST_DIRNAME/tty-run"
	Q=$(ipc_name q)
}

teardown() {
	ipc_cleanup "$Q"
}

# --- a terminal as stdin -------------------------------------------------

@test "range-sum reading the terminal says so after 2 s, then sums what is typed" {
	run "$TTY" -k '0 10\n\x04' 3 range-sum
	assert_success
	assert_line "range-sum: reading ranges, one 'start end' a line, from the terminal; end with Ctrl-D, or see 'range-sum --help'"
	assert_line 45
}

@test "range-sum reading the terminal says nothing in its first second" {
	run "$TTY" -k '\x04' 1 range-sum
	assert_success
	assert_output ''
}

@test "range-split reading the terminal says so, then splits what is typed" {
	run "$TTY" -k '0 10\n\x04' 3 range-split -n 2
	assert_success
	assert_line --partial "range-split: reading ranges"
	assert_line '0 5'
	assert_line '5 10'
}

@test "sum-merge reading the terminal says so, then adds what is typed" {
	run "$TTY" -k '40\n2\n\x04' 3 sum-merge
	assert_success
	assert_line --partial "sum-merge: reading sums or 'start end sum' records"
	assert_line 42
}

@test "range-sum with stdin from a pipe and stderr at the terminal shows no hint" {
	run "$TTY" 3 bash -c '(sleep 2.5; echo 0 10) | range-sum'
	assert_success
	assert_output 45
}

# --- a queue nobody reads, a queue nobody fills --------------------------

@test "sum-merge on a queue nothing comes to says so after 2 s and keeps waiting" {
	run "$TTY" 3 sum-merge --mq "$Q"
	assert_equal "$status" 143 # it was still waiting for SIGTERM
	assert_output "sum-merge: waiting for a producer: nothing has come to queue $Q yet (range-sum --mq $Q)"
}

@test "sum-merge's hint on an empty queue keeps the records that follow it" {
	(sleep 3; range-sum --mq "$Q" 0 10; range-sum --mq "$Q" --stop) 3>&- &
	run "$TTY" 8 sum-merge --mq "$Q"
	wait
	assert_success
	assert_line --index 0 --partial "waiting for a producer"
	assert_line --index 1 45
}

@test "sum-merge --timeout of 1 s ends before any hint" {
	run "$TTY" 4 sum-merge --mq "$Q" --timeout 1s
	assert_equal "$status" 3
	assert_output "sum-merge: queue $Q: --timeout 1s expired after 0 records and no STOP"
}

@test "sum-merge --timeout longer than the hint still ends at its time" {
	run "$TTY" 8 sum-merge --mq "$Q" --timeout 3s
	assert_equal "$status" 3
	assert_line --index 0 --partial "waiting for a producer"
	assert_line --index 1 --partial "--timeout 3s expired"
}

@test "producers blocked on a full queue say whom they wait for, then finish" {
	(sleep 3.5; sum-merge --mq "$Q" --count 12 >"$BATS_TEST_TMPDIR/total") 3>&- &
	run "$TTY" 10 bash -c "range-split -n 12 0 1e6 |
	    xargs -P 12 -L 1 range-sum --mq $Q && echo producers done"
	wait
	assert_success
	assert_line "range-sum: waiting for a reader: sum-merge --mq $Q"
	assert_line "producers done"
	[ "$(cat "$BATS_TEST_TMPDIR/total")" = "$(pysum 0 1000000)" ]
}

@test "producers blocked on a full queue say nothing when stderr is a file" {
	range-split -n 12 0 1e6 | xargs -P 12 -L 1 range-sum --mq "$Q" \
		2>"$BATS_TEST_TMPDIR/err" 3>&- &
	sleep 3
	run sum-merge --mq "$Q" --count 12
	wait
	assert_output "$(pysum 0 1000000)"
	[ ! -s "$BATS_TEST_TMPDIR/err" ] || fail "$(cat "$BATS_TEST_TMPDIR/err")"
}

@test "sum-merge waiting on an empty queue says nothing when stderr is a file" {
	run --separate-stderr sum-merge --mq "$Q" --timeout 3s
	assert_fails_with 3 sum-merge
	[[ $stderr != *waiting* ]] || fail "stderr: $stderr"
}

# --- progress at a terminal ----------------------------------------------

@test "sum-merge --progress draws the coverage in place and ends its line before the total" {
	run "$TTY" 8 bash -c 'for s in 0 50; do range-sum -t $s $((s + 50));
	    sleep 0.3; done | sum-merge --expect 0 100 --progress'
	assert_success
	assert_line --index 0 --regexp $'^\rsum-merge: 50.0% of \\[0, 100\\) covered, 1 record, ETA [0-9:]+\rsum-merge: 100.0% of \\[0, 100\\) covered, 2 records, ETA 0:00:00$'
	assert_line --index 1 4950
}

# sum-merge --progress registered its Ctrl-C handler before the queue's
# replaced it: the prompt came on the progress line.  Now the line is
# ended first, whichever registers first, then the queue is removed.
@test "sum-merge --progress --mq ended by Ctrl-C at a terminal leaves the prompt on its own line and no queue" {
	local rc=0 screen="$BATS_TEST_TMPDIR/screen"
	range-sum --mq "$Q" 0 50
	"$TTY" -k '\x03' -w 'covered, 1 record, ETA' 120 \
		sum-merge --progress --mq "$Q" --expect 0 100 >"$screen" || rc=$?
	[ "$rc" -eq 130 ] || fail "status $rc, screen: $(cat -A "$screen")"
	grep -q '^.sum-merge: 50.0% of \[0, 100) covered, 1 record, ETA .*\^C$' \
		"$screen" || fail "screen: $(cat -A "$screen")"
	[ "$(tail -c 1 "$screen" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail "no newline after ^C: $(cat -A "$screen")"
	mq_gone "$Q"
}

# Three actions on one ^C, registered in the order range-sum runs them
# (the trace, then the progress line): the line is ended and the trace
# completed, with the signal in its tail.
@test "range-sum --progress --trace ended by Ctrl-C at a terminal ends its line and completes its trace" {
	needs_threads
	local rc=0 screen="$BATS_TEST_TMPDIR/screen" t="$BATS_TEST_TMPDIR/t.json"
	"$TTY" -k '\x03' -w 'ETA ' 120 range-sum --progress --threads 2 \
		--gil --trace "$t" 0 1e18 >"$screen" || rc=$?
	[ "$rc" -eq 130 ] || fail "status $rc, screen: $(cat -A "$screen")"
	[ "$(tail -c 1 "$screen" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail "no newline after ^C: $(cat -A "$screen")"
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1]));
assert d["otherData"]["complete"] is False, d["otherData"]
assert d["otherData"]["signal"] == "SIGINT", d["otherData"]' "$t" ||
		fail "trace: $(tail -c 400 "$t")"
}

# --- seq's habits ----------------------------------------------------------

@test "range-sum 1 100 at a terminal notes that the range is half-open" {
	run "$TTY" 5 range-sum 1 100
	assert_success
	assert_line --index 0 4950
	assert_line --index 1 "range-sum: note: [1, 100) is half-open, like Python's range: it ends at 99; 1 to 100 is 'range-sum 1 101'"
}

@test "range-sum 0 1e18 at a terminal says at once how to get the sum sooner" {
	run "$TTY" 1 range-sum 0 1e18
	assert_line --index 0 "range-sum: [0, 1000000000000000000) is 1000000000000000000 integers to add one by one: that takes long; --method formula gives the sum at once, --progress shows how far it has got"
}

@test "range-sum 0 1e18 with stderr on a file gives no hint" {
	run "$TTY" 1 bash -c "range-sum 0 1e18 2>$BATS_TEST_TMPDIR/err"
	refute_output --partial "takes long"
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
}

@test "range-sum 1 100 into a pipe prints the sum alone, with no note" {
	run "$TTY" 5 bash -c 'range-sum 1 100 | cat'
	assert_success
	assert_output 4950
}

@test "range-sum 0 100 at a terminal prints no note" {
	run "$TTY" 5 range-sum 0 100
	assert_success
	assert_output 4950
}
