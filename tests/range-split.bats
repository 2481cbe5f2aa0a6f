#!/usr/bin/env bats
# range-split: the parts of [start, end), as CONTRACT.md and range-split(1) say.

load test_helper

@test "range-split -n 2 0 10 prints two halves" {
	run --separate-stderr range-split -n 2 0 10
	assert_success
	assert_output $'0 5\n5 10'
	[ -z "$stderr" ]
}
