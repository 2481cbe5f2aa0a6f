#!/usr/bin/env bats
# security.bats: the IPC objects rangetools makes are its user's alone, and
# an object another user made is never used.  (transport.bats covers the
# queue's mode, another user's queue and table, and names given to
# range-sum; this file covers the --procs segment, the table's mode and
# names given to sum-merge.)

load test_helper

setup() {
	T=$(ipc_name t)
	SQUAT=
	PIDS=()
}

teardown() {
	kill_tree "${PIDS[@]}"
	[ -z "$SQUAT" ] || rm -f "$SQUAT"
	ipc_cleanup "$T"
}

# segment_mode PID: sets mode to "MODE UID" of the --procs segment PID
# has mapped; false while it has none.
segment_mode() {
	local f
	for f in /proc/"$1"/map_files/*; do
		if [[ $(readlink "$f") == /dev/shm/range-sum.* ]]; then
			mode=$(stat -L -c '%a %u' "$f") && return 0
		fi
	done
	return 1
}

@test "the --procs segment is mode 0600 and owned by its user" {
	local p mode=
	range-sum --procs 2 0 9e18 3>&- &
	p=$!
	PIDS+=("$p")
	wait_until segment_mode "$p"
	kill -KILL "$p"
	wait "$p" 2>/dev/null || true
	[ "$mode" = "600 $(id -u)" ] || fail "segment mode/owner: '$mode'"
}

@test "--procs never joins a segment name another user created first" {
	only_root
	# The segment's first name is /range-sum.PID.0; exec keeps the PID.
	run --separate-stderr bash -c '
		f=/dev/shm/range-sum.$$.0
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			sh -c "umask 0; : >$f"
		echo "$f" >"$1"
		exec range-sum --procs 2 0 1e6' sh "$BATS_TEST_TMPDIR/squat"
	SQUAT=$(cat "$BATS_TEST_TMPDIR/squat")
	assert_success
	assert_output "$(pysum 0 1000000)"
	# The other user's object is untouched: still theirs, still empty.
	[ "$(stat -c '%u %s' "$SQUAT")" = "65534 0" ]
}

@test "the table is created mode 0600" {
	range-sum --shm "$T" 0 10
	[ "$(stat -c '%a %u' "/dev/shm$T")" = "600 $(id -u)" ]
	run sum-merge --shm "$T"
	assert_output 45
}

@test "sum-merge --shm refuses a name with a second slash" {
	run --separate-stderr sum-merge --shm /rt/x
	assert_fails_with 2 sum-merge
}

@test "sum-merge --mq refuses a name without a leading slash" {
	run --separate-stderr sum-merge --mq rt-x --timeout 0
	assert_fails_with 2 sum-merge
}

@test "sum-merge --mq refuses an empty name" {
	run --separate-stderr sum-merge --mq '' --timeout 0
	assert_fails_with 2 sum-merge
}

@test "sum-merge --shm refuses a name with a control character, quoted" {
	run --separate-stderr sum-merge --shm $'/rt\nx'
	assert_fails_with 2 sum-merge
	assert_stderr_has "'/rt\\nx' must hold no control characters"
}

@test "range-sum --mq refuses a name with an escape character" {
	run --separate-stderr range-sum --mq $'/rt\e[2J' 0 10
	assert_fails_with 2 range-sum
	assert_stderr_has "must hold no control characters"
}
