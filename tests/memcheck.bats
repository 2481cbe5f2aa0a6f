#!/usr/bin/env bats
# memcheck.bats: the main paths of the three programs under valgrind's
# memcheck: no invalid access, no use of uninitialised memory, no leak
# (definite or indirect), in the parent and in forked workers.  Skipped
# for a sanitizer build, which valgrind cannot run.

load test_helper

setup() {
	[ -z "${RANGETOOLS_SANITIZE:-}" ] ||
		skip "valgrind cannot run a $RANGETOOLS_SANITIZE build"
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	Q=$(ipc_name q)
	T=$(ipc_name t)
}

teardown() {
	ipc_cleanup "${Q:-}" "${T:-}"
}

# vg CMD...: CMD under memcheck; its status is 99 if memcheck complained.
vg() {
	valgrind -q --error-exitcode=99 --leak-check=full \
		--suppressions="$BATS_TEST_DIRNAME/valgrind.supp" \
		--errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --trace-children=yes \
		--child-silent-after-fork=no "$@"
}

@test "range-split -n and -s -i are memcheck clean" {
	run --separate-stderr vg range-split -n 3 -- -10 10
	assert_success
	run --separate-stderr vg range-split -i -s 4 0 10
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
}

@test "range-split on stdin, with --only, and sum-merge --missing are memcheck clean" {
	run --separate-stderr vg range-split -s 3 <<<$'0 10\nx\n20 25'
	assert_failure 1
	run --separate-stderr vg range-split -n 3 --only 2 0 10
	assert_success
	assert_output '7 10'
	run --separate-stderr vg sum-merge --expect 0 100 --missing \
		< <(range-sum -t 10 20; range-sum -t 40 50)
	assert_success
	assert_output $'0 10\n20 40\n50 100'
	[ -z "$stderr" ] || fail "$stderr"
}

@test "range-sum with operands and as a filter is memcheck clean" {
	run --separate-stderr vg range-sum 0 1e6
	assert_success
	assert_output "$(pysum 0 1000000)"
	run --separate-stderr vg range-sum -t < <(range-split -i -n 4 0 1e5)
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
}

@test "range-sum --threads and --gil are memcheck clean" {
	run --separate-stderr vg range-sum --threads 3 0 1e6
	assert_success
	assert_output "$(pysum 0 1000000)"
	run --separate-stderr vg range-sum --threads 2 --gil --stats 0 1e6
	assert_success
	assert_output "$(pysum 0 1000000)"
}

@test "range-sum --procs is memcheck clean in parent and workers" {
	run --separate-stderr vg range-sum --procs 2 0 1e6
	assert_success
	assert_output "$(pysum 0 1000000)"
	[ -z "$stderr" ] || fail "$stderr"
}

@test "range-sum and sum-merge over a queue are memcheck clean" {
	run --separate-stderr vg range-sum --mq "$Q" 0 10
	assert_success
	run --separate-stderr vg sum-merge --mq "$Q" --expect 0 10 --timeout 5s
	assert_success
	assert_output 45
}

@test "range-sum and sum-merge over a table are memcheck clean" {
	run --separate-stderr vg range-sum --shm "$T" 0 10
	assert_success
	run --separate-stderr vg sum-merge --shm "$T" --expect 0 10
	assert_success
	assert_output 45
}

@test "sum-merge on files, stdin and --expect is memcheck clean" {
	range-split -n 5 0 1000 | range-sum -t >"$BATS_TEST_TMPDIR/recs"
	run --separate-stderr vg sum-merge --expect 0 1000 "$BATS_TEST_TMPDIR/recs"
	assert_success
	assert_output "$(pysum 0 1000)"
	run --separate-stderr vg sum-merge < <(seq 1 5000)
	assert_success
	assert_output "$(py "sum(range(1, 5001))")"
}

@test "the error paths are memcheck clean" {
	run --separate-stderr vg range-sum 0x10 5
	[ "$status" -eq 2 ]
	run --separate-stderr vg sum-merge --expect 0 30 < <(printf '0 10 45\n')
	[ "$status" -eq 3 ]
	# Overlapping checked records: their stretch's total.
	run --separate-stderr vg sum-merge < <(printf '0 10 45\n5 15 95\n')
	assert_success
	assert_output "$(pysum 0 15)"
	# Values that leave [10, 15) undetermined: a refusal.
	run --separate-stderr vg sum-merge --values < <(printf '0 10 4\n5 15 3\n')
	[ "$status" -eq 3 ]
	# Values that disagree: a refusal.
	run --separate-stderr vg sum-merge --values < <(printf '0 10 4\n0 10 5\n')
	[ "$status" -eq 3 ]
	# A sum that is not its range's: bad input.
	run --separate-stderr vg sum-merge < <(printf '0 10 45\n0 10 46\n')
	[ "$status" -eq 1 ]
	run --separate-stderr vg range-sum < <(printf '1 0\nx\n0 5\n')
	[ "$status" -eq 1 ]
	assert_output 10
}
