#!/usr/bin/env bats
# The article's pipelines over pipes: split, sum in parallel workers,
# merge.  Expected totals come from python3.

load test_helper

setup() {
	tmp=$(mktemp -d "${BATS_TMPDIR:-/tmp}/pipelines.XXXXXX")
}

teardown() {
	rm -rf "$tmp"
}

@test "range-split | xargs -P 2 -L 1 range-sum | sum-merge sums 0..1e8" {
	run --separate-stderr bash -c \
		'range-split -n 2 0 1e8 | xargs -P 2 -L 1 range-sum | sum-merge'
	assert_success
	assert_output "$(pysum 0 100000000)"
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

@test "the xargs pipeline with -t and --expect proves every part arrived" {
	run --separate-stderr bash -c 'range-split -n 2 0 1e8 |
		xargs -P 2 -L 1 range-sum -t | sum-merge --expect 0 1e8'
	assert_success
	assert_output "$(pysum 0 100000000)"
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

@test "the xargs pipeline gives the same total with many parts and negatives" {
	run --separate-stderr bash -c 'range-split -n 37 -- -123456789 987654321 |
		xargs -P 4 -L 1 range-sum -t | sum-merge --expect -123456789 987654321'
	assert_success
	assert_output "$(pysum -123456789 987654321)"
}

@test "range-split | parallel --colsep ' ' range-sum | sum-merge sums 0..1e8" {
	run --separate-stderr bash -c 'range-split -n 2 0 1e8 |
		parallel --will-cite --colsep " " range-sum -t {1} {2} |
		sum-merge --expect 0 1e8'
	assert_success
	assert_output "$(pysum 0 100000000)"
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

@test "parallel --colsep ' ' passes negative parts through to range-sum" {
	run --separate-stderr bash -c 'range-split -n 5 -- -1e6 1e6 |
		parallel --will-cite -j 2 --colsep " " range-sum -t {1} {2} |
		sum-merge --expect -1e6 1e6'
	assert_success
	assert_output "$(pysum -1000000 1000000)"
}

@test "range-split -i | range-sum -t | sum-merge --expect sums in one process" {
	run --separate-stderr bash -c \
		'range-split -i -s 1e7 0 1e8 | range-sum -t | sum-merge --expect 0 1e8'
	assert_success
	assert_output "$(pysum 0 100000000)"
}

@test "range-split over the whole 64-bit domain sums exactly with the formula" {
	run --separate-stderr bash -c 'range-split -n 7 -- -9223372036854775808 \
9223372036854775807 | range-sum -t --method formula |
		sum-merge --expect -9223372036854775808 9223372036854775807'
	assert_success
	assert_output "$(pysum -9223372036854775808 9223372036854775807)"
}

@test "sum-merge --expect catches a part dropped on the way" {
	local missing
	missing=$(range-split -n 4 0 1e6 | sed -n 2p)
	run --separate-stderr bash -c \
		'range-split -n 4 0 1e6 | sed 2d | range-sum -t | sum-merge --expect 0 1e6'
	assert_failure 3
	assert_output ''
	assert_one_stderr_line_from sum-merge
	assert_stderr_has "[${missing/ /, })"
}

@test "sum-merge --expect catches an xargs worker that was killed" {
	# The worker for the second part dies by SIGKILL before printing;
	# xargs then starts no more workers, so later parts may be missing too.
	local missing
	missing=$(range-split -n 4 0 1e6 | sed -n 2p)
	cat >"$tmp/worker" <<-EOF
		#!/bin/sh
		[ "\$1 \$2" = "$missing" ] && kill -9 \$\$
		exec range-sum -t "\$1" "\$2"
	EOF
	chmod +x "$tmp/worker"
	run --separate-stderr bash -c "range-split -n 4 0 1e6 |
		{ xargs -P 2 -L 1 '$tmp/worker'; true; } | sum-merge --expect 0 1e6"
	assert_failure 3
	assert_output ''
	assert_stderr_has 'terminated by signal 9'
	assert_stderr_has "missing: [${missing% *}, "
}

@test "sum-merge --expect catches a parallel job that failed" {
	local missing
	missing=$(range-split -n 3 0 3e6 | sed -n 3p)
	run --separate-stderr bash -c "range-split -n 3 0 3e6 |
		parallel --will-cite --colsep ' ' \
		'[ \"{1} {2}\" = \"$missing\" ] && exit 1; range-sum -t {1} {2}' |
		sum-merge --expect 0 3e6"
	assert_failure 3
	assert_output ''
	assert_stderr_has "[${missing/ /, })"
}

@test "sum-merge counts once a part that two workers both summed" {
	run --separate-stderr bash -c '{ range-split -n 3 0 999; range-split -n 1 0 333; } |
		xargs -P 2 -L 1 range-sum -t | sum-merge --expect 0 999'
	assert_success
	assert_output "$(pysum 0 999)"
	[ -z "$stderr" ]
}

@test "sum-merge --expect catches a part range-sum could not read" {
	run --separate-stderr bash -c \
		'printf "0 10\n10 2O\n" | range-sum -t | sum-merge --expect 0 20'
	assert_failure 3
	assert_output ''
	assert_stderr_has 'range-sum: stdin line 2'
	assert_stderr_has '[10, 20)'
}
