#!/usr/bin/env bats
# A run with no records, on every input path sum-merge has: the queue
# with STOP alone, the table nobody added to, empty stdin and an empty
# file.  sum-merge(1): "No input at all gives the total 0"; what an
# expectation needs and nothing covers is missing coverage (status 3).
# The sanitizer builds (make sanitize) run these too: an empty run hands
# the merge a null array of records.

load test_helper

setup() {
	tmp=$(mktemp -d "${BATS_TMPDIR:-/tmp}/empty.XXXXXX")
	: >"$tmp/empty"
	Q=$(ipc_name q)
	T=$(ipc_name t)
}

teardown() {
	ipc_cleanup "$Q" "$T"
	rm -rf "$tmp"
}

# totals_zero: the last `run --separate-stderr` printed 0 and nothing else.
totals_zero() {
	assert_success
	assert_output 0
	[ -z "$stderr" ] || fail "unexpected stderr: $stderr"
}

# Files or stdin with nothing at all, and no --expect: still 0 and exit 0
# (scripts rely on it), with one line on stderr saying that nothing came.
totals_zero_noting_nothing() {
	assert_success
	assert_output 0
	[ "$stderr" = "sum-merge: no input: no sum or record was read, so \
the total is 0" ] || fail "stderr: $stderr"
}

# --- the queue -----------------------------------------------------------

# A STOP never creates a queue (rangetools(7)): sent alone, it waits for
# the reader to create it.
@test "a queue that holds only STOP totals 0" {
	range-sum --mq "$Q" --stop 3>&- &
	run --separate-stderr sum-merge --mq "$Q"
	totals_zero
	mq_gone "$Q"
}

@test "a producer with empty input sends nothing, and STOP alone totals 0" {
	run --separate-stderr range-sum --mq "$Q" </dev/null
	assert_quiet_success
	range-sum --mq "$Q" --stop
	run --separate-stderr sum-merge --mq "$Q"
	totals_zero
}

@test "a queue that holds only STOP covers an empty --expect" {
	range-sum --mq "$Q" --stop 3>&- &
	run --separate-stderr sum-merge --mq "$Q" --expect 7 7
	totals_zero
}

@test "STOP alone before --count records is missing coverage" {
	range-sum --mq "$Q" --stop 3>&- &
	run --separate-stderr sum-merge --mq "$Q" --count 2
	assert_fails_with 3 sum-merge
	assert_stderr_has "STOP arrived after 0 of 2 records"
}

@test "STOP alone does not cover a non-empty --expect, and names the gap" {
	range-sum --mq "$Q" --stop 3>&- &
	run --separate-stderr sum-merge --mq "$Q" --expect 0 10
	assert_fails_with 3 sum-merge
	assert_stderr_has "missing: [0, 10)"
}

# --- the table -----------------------------------------------------------

@test "a table with no records totals 0" {
	run --separate-stderr range-sum --shm "$T" </dev/null
	assert_quiet_success
	run --separate-stderr sum-merge --shm "$T"
	totals_zero
	shm_gone "$T"
}

@test "a table with no records does not cover a non-empty --expect" {
	range-sum --shm "$T" </dev/null
	run --separate-stderr sum-merge --shm "$T" --expect -5 5
	assert_fails_with 3 sum-merge
	assert_stderr_has "the records do not cover --expect; missing: [-5, 5)"
}

@test "a table with no records covers an empty --expect" {
	range-sum --shm "$T" </dev/null
	run --separate-stderr sum-merge --shm "$T" --expect 3 3
	totals_zero
}

# --- stdin ---------------------------------------------------------------

@test "empty stdin from a pipe totals 0" {
	run --separate-stderr bash -c 'printf "" | sum-merge'
	totals_zero_noting_nothing
}

@test "empty stdin from an empty regular file totals 0" {
	run --separate-stderr sum-merge <"$tmp/empty"
	totals_zero_noting_nothing
}

@test "empty stdin named '-' totals 0, and covers an empty --expect" {
	run --separate-stderr sum-merge - </dev/null
	totals_zero_noting_nothing
	run --separate-stderr sum-merge --expect 0 0 - </dev/null
	totals_zero
}

@test "empty stdin does not cover a non-empty --expect" {
	run --separate-stderr sum-merge --expect 0 1 </dev/null
	assert_fails_with 3 sum-merge
	assert_stderr_has "missing: [0, 1)"
}

@test "range-sum with empty stdin prints nothing and succeeds" {
	run --separate-stderr range-sum -t </dev/null
	assert_quiet_success
}

@test "an empty range through the whole pipeline totals 0" {
	run --separate-stderr bash -c \
		'range-split 5 5 | range-sum -t | sum-merge --expect 5 5'
	totals_zero
}

# --- files ---------------------------------------------------------------

@test "an empty file totals 0" {
	run --separate-stderr sum-merge "$tmp/empty"
	totals_zero_noting_nothing
}

@test "several empty files total 0, and cover an empty --expect" {
	run --separate-stderr sum-merge "$tmp/empty" "$tmp/empty"
	totals_zero_noting_nothing
	run --separate-stderr sum-merge --expect -1 -1 "$tmp/empty"
	totals_zero
}

@test "an empty file does not cover a non-empty --expect" {
	run --separate-stderr sum-merge --expect 10 20 "$tmp/empty"
	assert_fails_with 3 sum-merge
	assert_stderr_has "missing: [10, 20)"
}
