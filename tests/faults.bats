#!/usr/bin/env bats
# faults.bats: workers killed inside pipelines, signals, a full disk, a
# closed pipe and exhausted limits.  Each fault must be detected and named,
# end with a non-zero status, never give a wrong total and leave nothing in
# /dev/shm or the queue namespace.  (parallel.bats and transport.bats cover
# a killed --procs worker, SIGINT/SIGTERM of --procs and of a waiting
# sum-merge --mq, and ulimit -q for range-sum; this file covers the rest.)

load test_helper

FAR=9000000000000000000 # a range ending here takes years to loop over

setup() {
	Q=$(ipc_name q)
	T=$(ipc_name t)
	PIDS=()
	# Where a refusing sum-merge --mq or --shm keeps the records it read.
	export TMPDIR=$BATS_TEST_TMPDIR
}

teardown() {
	kill_tree "${PIDS[@]}"
	ipc_cleanup "$Q" "$T"
}

# signal_and_wait SIG PID: sends SIG to PID, which must end (teardown
# kills it if it does not), and reaps it; sets rc to its status.
signal_and_wait() {
	kill -"$1" "$2"
	wait_until exited "$2"
	rc=0
	wait "$2" || rc=$?
}

# only_child_is PID CMDLINE: PID has one child, and it runs CMDLINE.
only_child_is() {
	children_are "$1" 1 && pgrep -P "$1" -fx "$2" >/dev/null
}

# closed_pipe CMD...: runs CMD with SIGPIPE ignored and stdout a pipe whose
# reader is gone; exits with CMD's status.
closed_pipe() {
	python3 -c '
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
sys.exit(subprocess.run(sys.argv[1:], stdout=w, restore_signals=False).returncode)
' "$@"
}

no_sanitizer() {
	[ -z "${RANGETOOLS_SANITIZE:-}" ] ||
		skip "a $RANGETOOLS_SANITIZE build reserves too much address space"
}

# parts: two short ranges and one that never ends, as xargs input.
parts() {
	printf '0 1000\n1000 %s\n%s %s\n' "$FAR" "$FAR" "$((FAR + 1000))"
}

# --- killed workers ---------------------------------------------------

# killed_worker_named --mq|--shm NAME: xargs runs the parts into NAME, the
# never-ending worker is killed with SIGKILL; xargs reports it, and
# sum-merge names its range, prints no total and removes NAME.
killed_worker_named() {
	local how=$1 name=$2 xp xs=0 timeout=()
	# A queue's reader waits for records; a table is read as it is.
	[ "$how" = --shm ] || timeout=(--timeout 0.5)
	parts | xargs -P 3 -L 1 range-sum "$how" "$name" \
		2>"$BATS_TEST_TMPDIR/xerr" 3>&- &
	xp=$!
	PIDS+=("$xp")
	# Once the two short workers are done, the long one is left alone.
	wait_until only_child_is "$xp" "range-sum $how $name 1000 $FAR"
	kill -KILL "$(pgrep -P "$xp")"
	wait "$xp" || xs=$?
	[ "$xs" -eq 125 ] || fail "xargs status $xs"
	grep -q "range-sum: terminated by signal 9" "$BATS_TEST_TMPDIR/xerr"
	run --separate-stderr sum-merge "$how" "$name" \
		--expect 0 $((FAR + 1000)) "${timeout[@]}"
	assert_fails_with 3 sum-merge
	assert_stderr_has "missing: [1000, $FAR)"
}

# assert_disk_full PROG: run --separate-stderr of PROG writing to
# /dev/full: status 1 and one line from PROG, saying the disk is full.
assert_disk_full() {
	[ "$status" -eq 1 ] || fail "status $status (stderr: $stderr)"
	assert_one_stderr_line_from "$1"
	assert_stderr_has "No space left on device"
}

@test "an xargs worker killed with SIGKILL is named by sum-merge --mq, no total" {
	killed_worker_named --mq "$Q"
	mq_gone "$Q"
}

@test "an xargs worker killed with SIGKILL is named by sum-merge --shm, no total" {
	killed_worker_named --shm "$T"
	shm_gone "$T"
}

@test "a --procs worker killed inside an xargs pipeline fails it with the range named" {
	parts | xargs -P 3 -L 1 range-sum -t --procs 2 \
		>"$BATS_TEST_TMPDIR/recs" 2>"$BATS_TEST_TMPDIR/xerr" 3>&- &
	local xp=$! rs xs=0
	PIDS+=("$xp")
	wait_until only_child_is "$xp" "range-sum -t --procs 2 1000 $FAR"
	rs=$(pgrep -P "$xp")
	wait_until children_are "$rs" 2
	kill -KILL "$(pgrep -P "$rs" | head -1)"
	wait "$xp" || xs=$?
	[ "$xs" -eq 123 ] || fail "xargs status $xs"
	grep -q "was killed by signal 9.*the range .* is lost, no total" \
		"$BATS_TEST_TMPDIR/xerr"
	run --separate-stderr sum-merge --expect 0 $((FAR + 1000)) \
		"$BATS_TEST_TMPDIR/recs"
	assert_fails_with 3 sum-merge
	assert_stderr_has "missing: [1000, $FAR)"
	! ls /dev/shm | grep -q "^range-sum\.$rs\." || fail "segment left"
}

@test "sum-merge --mq waiting for producers that are gone ends by --timeout" {
	range-sum --mq "$Q" 0 10
	run --separate-stderr sum-merge --mq "$Q" --expect 0 30 --timeout 300ms
	assert_fails_with 3 sum-merge
	assert_stderr_has "missing: [10, 30)"
	mq_gone "$Q"
}

# --- signals ----------------------------------------------------------

# no_partial_total SIG STATUS OPTION...: range-sum OPTION... 0 $FAR with
# two threads, once they run, ends by SIG with STATUS and prints nothing.
no_partial_total() {
	local sig=$1 want=$2 p
	shift 2
	# A shell starts background jobs with SIGINT ignored: undo that.
	env --default-signal=INT range-sum "$@" 0 "$FAR" \
		>"$BATS_TEST_TMPDIR/out" 3>&- &
	p=$!
	PIDS+=("$p")
	# The main thread, the signal thread (stopsig.c) and both workers.
	wait_until threads_are "$p" 4
	signal_and_wait "$sig" "$p"
	[ "$rc" -eq "$want" ] || fail "status $rc"
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
}

@test "SIGINT to range-sum --threads prints no partial total" {
	no_partial_total INT 130 --threads 2
}

@test "SIGTERM to range-sum --threads --gil prints no partial total" {
	no_partial_total TERM 143 --threads 2 --gil
}

# shd_pending PID SIG: SIG waits in PID's process-wide pending set.
shd_pending() {
	local mask
	mask=$(awk '$1 == "ShdPnd:" { print $2 }' /proc/"$1"/status)
	(((16#$mask >> ($2 - 1)) & 1))
}

# nohup(1), or a background job of a non-interactive shell: a stop signal
# the program began with ignored stays ignored when no queue or table is
# armed (stopsig.c), and the run ends with its total.
@test "a Ctrl-C that range-sum began with ignored is ignored, and the run ends with its total" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	(trap '' INT && exec range-sum <"$BATS_TEST_TMPDIR/in" \
		>"$BATS_TEST_TMPDIR/out" 3>&-) &
	p=$!
	PIDS+=("$p")
	exec 4>"$BATS_TEST_TMPDIR/in"
	wait_until threads_are "$p" 2
	kill -INT "$p"
	# The signal thread has taken it: it no longer waits in the set.
	wait_until eval '! shd_pending "$p" 2'
	echo "0 10" >&4
	exec 4>&-
	status=0 && wait "$p" || status=$?
	[ "$status" -eq 0 ] || fail "status $status"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" 45
}

# --- a full disk and a closed pipe --------------------------------------

@test "range-sum --threads to /dev/full fails with one message" {
	run --separate-stderr bash -c 'range-sum --threads 2 0 1e6 >/dev/full'
	assert_disk_full range-sum
}

@test "range-sum --threads --gil to /dev/full fails with one message" {
	run --separate-stderr bash -c 'range-sum --threads 2 --gil 0 1e6 >/dev/full'
	assert_disk_full range-sum
}

@test "range-sum --procs to /dev/full fails with one message" {
	run --separate-stderr bash -c 'range-sum --procs 2 0 1e6 >/dev/full'
	assert_disk_full range-sum
}

@test "sum-merge --mq to /dev/full fails and still removes the queue" {
	range-sum --mq "$Q" 0 10
	run --separate-stderr bash -c "sum-merge --mq $Q --count 1 >/dev/full"
	assert_disk_full sum-merge
	mq_gone "$Q"
}

@test "sum-merge --shm to /dev/full fails and still removes the table" {
	range-sum --shm "$T" 0 10
	run --separate-stderr bash -c "sum-merge --shm $T >/dev/full"
	assert_disk_full sum-merge
	shm_gone "$T"
}

@test "range-split with SIGPIPE ignored reports the closed pipe" {
	run --separate-stderr closed_pipe range-split -n 3 0 10
	assert_fails_with 1 range-split
	assert_stderr_has "write error on stdout: Broken pipe"
}

@test "range-sum --procs with SIGPIPE ignored reports the closed pipe" {
	run --separate-stderr closed_pipe range-sum --procs 2 0 1e6
	assert_fails_with 1 range-sum
	assert_stderr_has "write error on stdout: Broken pipe"
}

@test "range-sum as a filter with SIGPIPE ignored reports the closed pipe" {
	run --separate-stderr closed_pipe range-sum < <(range-split -s 1 0 1e5)
	assert_fails_with 1 range-sum
	assert_stderr_has "write error on stdout: Broken pipe"
}

@test "sum-merge with SIGPIPE ignored reports the closed pipe" {
	run --separate-stderr closed_pipe sum-merge < <(echo 5)
	assert_fails_with 1 sum-merge
	assert_stderr_has "write error on stdout: Broken pipe"
}

@test "sum-merge --mq with SIGPIPE ignored reports the closed pipe and removes the queue" {
	range-sum --mq "$Q" 0 10
	run --separate-stderr closed_pipe sum-merge --mq "$Q" --count 1
	assert_fails_with 1 sum-merge
	assert_stderr_has "Broken pipe"
	mq_gone "$Q"
}

# --- exhausted limits ---------------------------------------------------

@test "sum-merge out of memory for its records says so in one line" {
	no_sanitizer
	python3 -c "print('\n'.join(f'{i} {i + 1} {i}' for i in range(2000000)))" \
		>"$BATS_TEST_TMPDIR/recs"
	run --separate-stderr bash -c \
		"ulimit -v 40000; sum-merge '$BATS_TEST_TMPDIR/recs'"
	assert_fails_with 1 sum-merge
	assert_stderr_has "Cannot allocate memory"
}

@test "sum-merge out of memory for a long line says so in one line" {
	no_sanitizer
	python3 -c "print('7' * 100000000)" >"$BATS_TEST_TMPDIR/big"
	run --separate-stderr bash -c \
		"ulimit -v 60000; cat '$BATS_TEST_TMPDIR/big' | sum-merge"
	assert_fails_with 1 sum-merge
	assert_stderr_has "stdin: a line too long to hold: Cannot allocate memory"
}

@test "range-sum out of memory for a long line says so in one line" {
	no_sanitizer
	python3 -c "print('7' * 100000000)" >"$BATS_TEST_TMPDIR/big"
	run --separate-stderr bash -c \
		"ulimit -v 60000; range-sum <'$BATS_TEST_TMPDIR/big'"
	assert_fails_with 1 range-sum
	assert_stderr_has "stdin: Cannot allocate memory"
}

# assert_thread_failed N: stderr names thread K of N that could not
# start, 1 <= K <= N.
assert_thread_failed() {
	[[ $stderr =~ "cannot start thread "([0-9]+)" of "([0-9]+)": " ]] ||
		fail "no 'cannot start thread K of N': $stderr"
	[ "${BASH_REMATCH[2]}" -eq "$1" ] ||
		fail "of ${BASH_REMATCH[2]}, not of $1: $stderr"
	[ "${BASH_REMATCH[1]}" -ge 1 ] && [ "${BASH_REMATCH[1]}" -le "$1" ] ||
		fail "thread ${BASH_REMATCH[1]} is not one of 1 to $1: $stderr"
}

@test "range-sum --threads without room for its threads says which one failed" {
	no_sanitizer
	run --separate-stderr bash -c "ulimit -v 30000; range-sum --threads 64 0 1e6"
	assert_fails_with 1 range-sum
	assert_thread_failed 64
}

@test "a thread that cannot start is counted among the workers and the --io-threads" {
	no_sanitizer
	run --separate-stderr bash -c "ulimit -v 30000; range-sum --threads 32 \
		--gil --io-wait 1ms --io-threads 32 0 1e6"
	assert_fails_with 1 range-sum
	assert_thread_failed 64
}

@test "sum-merge --mq past RLIMIT_MSGQUEUE explains the limit" {
	run --separate-stderr bash -c "ulimit -q 0; sum-merge --mq $Q --timeout 0"
	assert_fails_with 1 sum-merge
	assert_stderr_has "RLIMIT_MSGQUEUE"
	mq_gone "$Q"
}
