#!/usr/bin/env bats
# The POSIX message-queue (--mq) and shared-memory table (--shm)
# transports of range-sum and sum-merge, and the recipes that use them.

load test_helper

setup() {
	[ -x "$PROBE" ] || fail "tests/ipc-probe is not built (make test builds it)"
	Q=$(ipc_name q)
	T=$(ipc_name t)
	MORE=() # names a script chose, removed as well
	# Where a refusing sum-merge keeps the records it read.
	export TMPDIR=$BATS_TEST_TMPDIR
}

# assert_kept MESSAGE RECORDS: stderr is MESSAGE, then "; the N records
# read are kept in FILE", and FILE holds RECORDS (lines "start end sum").
assert_kept() {
	local msg=$1 want=$2 n file
	n=$(printf '%s\n' "$want" | grep -c .)
	[[ $stderr == "$msg; the $n record"*" read "*" kept in $TMPDIR/sum-merge."* ]] ||
		fail "stderr is not '$msg; the $n records read are kept in ...': $stderr"
	file=${stderr##* kept in }
	assert_equal "$(cat "$file")" "$want"
}

# recs START END ...: the records of those ranges, one per line.
recs() {
	while [ $# -gt 0 ]; do
		echo "$1 $2 $(pysum "$1" "$2")"
		shift 2
	done
}

teardown() {
	ipc_cleanup "$Q" "$T" "${MORE[@]}"
}

# mq_field NAME N: field N of "maxmsg msgsize curmsgs mode uid".
mq_field() {
	"$PROBE" mq-stat "$1" | cut -d ' ' -f "$2"
}

queue_holds() {
	[ "$(mq_field "$Q" 3 2>/dev/null)" = "$1" ]
}

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# --- the message queue -----------------------------------------------

@test "producers started before the consumer: xargs -P into a queue, then sum-merge --count" {
	range-split -n 4 0 1e6 | xargs -P 4 -L 1 range-sum --mq "$Q"
	run --separate-stderr sum-merge --mq "$Q" --count 4
	assert_success
	assert_output "$(pysum 0 1000000)"
	[ -z "$stderr" ]
	mq_gone "$Q"
}

@test "consumer started before the producers: sum-merge --expect waits for them" {
	sum-merge --mq "$Q" --expect 0 1e6 --timeout 30 >"$BATS_TEST_TMPDIR/out" 3>&- &
	consumer=$!
	wait_until "$PROBE" mq "$Q"
	range-split -n 4 0 1e6 | xargs -P 4 -L 1 range-sum --mq "$Q"
	wait "$consumer"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(pysum 0 1000000)" ]
	mq_gone "$Q"
}

@test "the queue is created mode 0600 with depth 10 and small messages" {
	range-sum --mq "$Q" 0 10
	run "$PROBE" mq-stat "$Q"
	assert_output "10 128 1 0600 $(id -u)"
}

@test "STOP sent by range-sum --stop ends sum-merge as in the article" {
	range-sum --mq "$Q" 0 500 &
	range-sum --mq "$Q" 500 1000 &
	wait
	range-sum --mq "$Q" --stop
	run --separate-stderr sum-merge --mq "$Q"
	assert_success
	assert_output "$(pysum 0 1000)"
	mq_gone "$Q"
}

@test "STOP before --count records names the shortfall and exits 3" {
	range-sum --mq "$Q" 0 500
	range-sum --mq "$Q" --stop
	run --separate-stderr sum-merge --mq "$Q" --count 2
	assert_fails_with 3 sum-merge
	assert_kept "sum-merge: queue $Q: STOP arrived after 1 of 2 records" "$(recs 0 500)"
	mq_gone "$Q"
}

@test "1,000 ranges from 8 concurrent producers pass through one queue of depth 10" {
	only_in_check
	sum-merge --mq "$Q" --expect 0 1e7 --timeout 60 >"$BATS_TEST_TMPDIR/out" 3>&- &
	consumer=$!
	range-split -n 1000 0 1e7 | xargs -P 8 -L 1 range-sum --mq "$Q"
	wait "$consumer"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(pysum 0 10000000)" ]
	mq_gone "$Q"
}

@test "1,000 ranges from 8 producer filters and --count give the exact total" {
	range-split -n 1000 -- -5e6 5e6 | split -n r/8 --filter="range-sum --mq $Q" &
	run --separate-stderr sum-merge --mq "$Q" --count 1000 --timeout 60
	wait
	assert_success
	assert_output "$(pysum -5000000 5000000)"
	mq_gone "$Q"
}

@test "a full queue blocks its producer until a consumer reads it" {
	range-split -n 15 0 1500 | range-sum --mq "$Q" 3>&- &
	producer=$!
	wait_until queue_holds 10
	kill -0 "$producer"
	run --separate-stderr sum-merge --mq "$Q" --count 15
	assert_success
	assert_output "$(pysum 0 1500)"
	wait "$producer"
}

@test "a producer blocked on a queue its consumer removed fails instead of waiting for ever" {
	# 25 records: 3 read, 10 waiting when the run ends, which a refusal
	# reads to keep them, 10 more sent meanwhile and 2 still to send.
	range-split -n 25 0 2500 | range-sum --mq "$Q" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	producer=$!
	wait_until queue_holds 10
	run --separate-stderr sum-merge --mq "$Q" --count 3
	[ "$status" -eq 1 ]
	status=0 && wait "$producer" || status=$?
	[ "$status" -eq 255 ]
	grep -q "queue $Q: its reader is gone (sum-merge has finished, failed or was killed); " "$BATS_TEST_TMPDIR/err"
	mq_gone "$Q"
}

@test "a killed worker's gap is named when the queue times out" {
	range-sum --mq "$Q" 0 100
	range-sum --mq "$Q" 200 300
	range-sum --mq "$Q" 100 9e18 3>&- &
	worker=$!
	kill -KILL "$worker"
	wait "$worker" || true
	run --separate-stderr sum-merge --mq "$Q" --expect 0 300 --timeout 0.5
	assert_fails_with 3 sum-merge
	assert_kept "sum-merge: --timeout 0.5s expired after 2 records; missing: [100, 200)" "$(recs 0 100 200 300)"
	mq_gone "$Q"
}

@test "--timeout with --count names how many records are missing" {
	range-sum --mq "$Q" 0 10
	run --separate-stderr sum-merge --mq "$Q" --count 3 --timeout 200ms
	assert_fails_with 3 sum-merge
	assert_kept "sum-merge: queue $Q: --timeout 0.2s expired after 1 of 3 records" "$(recs 0 10)"
	mq_gone "$Q"
}

@test "--timeout on an empty queue exits 3 and leaves no queue" {
	run --separate-stderr sum-merge --mq "$Q" --timeout 100ms
	assert_fails_with 3 sum-merge
	mq_gone "$Q"
}

@test "--timeout 0 alone empties a queue: the total of what it held, status 0, no file kept" {
	range-sum --mq "$Q" 0 10
	range-sum --mq "$Q" 10 20
	run --separate-stderr sum-merge --mq "$Q" --timeout 0
	assert_success
	assert_output 190
	[ -z "$stderr" ]
	! compgen -G "$TMPDIR/sum-merge.*"
	mq_gone "$Q"
	run --separate-stderr sum-merge --mq "$Q" --timeout 0
	assert_success
	assert_output 0
	mq_gone "$Q"
}

@test "overlapping records in the queue give the total of the stretch they cover" {
	range-sum --mq "$Q" 0 10
	range-sum --mq "$Q" 5 15
	run --separate-stderr sum-merge --mq "$Q" --count 2
	assert_success
	assert_output "$(pysum 0 15)"
	[ -z "$stderr" ]
	mq_gone "$Q"
}

@test "a part sent twice into the queue counts once, with --expect" {
	range-sum --mq "$Q" 0 10
	range-sum --mq "$Q" 0 10
	range-sum --mq "$Q" 10 20
	run --separate-stderr sum-merge --mq "$Q" --expect 0 20 --timeout 5 --stats
	assert_success
	assert_output "$(pysum 0 20)"
	assert_equal "$stderr" "sum-merge: 3 records read, 1 identical repeat dropped, 0 overlapping, 0 not added; 0 bare sums"
	mq_gone "$Q"
}

@test "a part sent twice into the queue counts once, with --count" {
	range-sum --mq "$Q" 0 10
	range-sum --mq "$Q" 0 10
	range-sum --mq "$Q" 10 20
	run --separate-stderr sum-merge --mq "$Q" --count 2 --timeout 5
	assert_success
	assert_output "$(pysum 0 20)"
	mq_gone "$Q"
}

@test "a repeat still waiting when the run is complete is dropped, not refused" {
	range-sum --mq "$Q" 0 10
	range-sum --mq "$Q" 10 20
	range-sum --mq "$Q" 10 20
	run --separate-stderr sum-merge --mq "$Q" --expect 0 20
	assert_success
	assert_output "$(pysum 0 20)"
	[ -z "$stderr" ]
	mq_gone "$Q"
}

@test "a straggler's record in the queue inside a re-run gap does not block the total" {
	range-sum --mq "$Q" 0 50
	range-sum --mq "$Q" 50 100 # the re-run of the gap
	range-sum --mq "$Q" 50 75  # the straggler
	range-sum --mq "$Q" --stop
	run --separate-stderr sum-merge --mq "$Q" --expect 0 100
	assert_success
	assert_output "$(pysum 0 100)"
	mq_gone "$Q"
}

@test "a queued record outside --expect is refused" {
	range-sum --mq "$Q" 0 10
	range-sum --mq "$Q" 10 30
	run --separate-stderr sum-merge --mq "$Q" --expect 0 20 --timeout 1
	assert_fails_with 1 sum-merge
	[[ $stderr == *"10 30 lies outside --expect 0 20"* ]]
	mq_gone "$Q"
}

@test "a stale record left after --count is refused, and every record kept" {
	range-sum --mq "$Q" 0 50
	range-sum --mq "$Q" 50 100
	range-sum --mq "$Q" 0 30 # an earlier run cut another way
	run --separate-stderr sum-merge --mq "$Q" --count 2
	assert_fails_with 1 sum-merge
	assert_kept "sum-merge: queue $Q: another message after the run was complete (2 of 2 records; message 3): a stale record of an earlier run, or a producer too many" "$(recs 0 30 0 50 50 100)"
	mq_gone "$Q"
}

@test "with --expect a record cut another way left after the run is merged" {
	range-sum --mq "$Q" 0 50
	range-sum --mq "$Q" 50 100
	range-sum --mq "$Q" 10 30
	run --separate-stderr sum-merge --mq "$Q" --expect 0 100 --timeout 1
	assert_success
	assert_output "$(pysum 0 100)"
	[ -z "$stderr" ]
	mq_gone "$Q"
}

@test "a record a killed reader's run left is never counted: --count counts this run's own" {
	# An earlier run: its reader read one record and was killed with
	# SIGKILL, which runs no cleanup; one record of that run waits.
	range-sum --mq "$Q" 100 200
	range-sum --mq "$Q" 200 300
	sum-merge --mq "$Q" --count 5 3>&- &
	old=$!
	wait_until queue_holds 0
	kill -STOP "$old"
	# A reader blocked in mq_receive() takes the first message sent even
	# stopped (the kernel hands it over): the second stays.
	range-sum --mq "$Q" 300 400
	range-sum --mq "$Q" 400 500
	kill -KILL "$old"
	wait "$old" || true
	# This run: its reader first, then its producers.
	sum-merge --mq "$Q" --count 2 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	reader=$!
	wait_until grep -q "removed it, reading a new one" "$BATS_TEST_TMPDIR/err"
	range-sum --mq "$Q" 0 50
	range-sum --mq "$Q" 50 100
	wait "$reader"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(pysum 0 100)"
	err=$(cat "$BATS_TEST_TMPDIR/err")
	[[ $err == "sum-merge: queue $Q was left by a sum-merge that was killed: its "[12]" messages, of no run, are kept in $TMPDIR/sum-merge-left."*"; removed it, reading a new one" ]] ||
	    [[ $err == "sum-merge: queue $Q was left by a sum-merge that was killed: its 1 message, of no run, are kept in $TMPDIR/sum-merge-left."*"; removed it, reading a new one" ]] ||
	    fail "stderr: $err"
	file=${err#* kept in }
	file=${file%%;*}
	grep -q "^400 500 $(pysum 400 500)\$" "$file"
	! grep -v -e "^300 400 $(pysum 300 400)\$" -e "^400 500 $(pysum 400 500)\$" "$file"
	mq_gone "$Q"
}

@test "a record arriving after --count is reached is refused, and the run's own are the ones read" {
	range-sum --mq "$Q" 0 50
	range-sum --mq "$Q" 50 100
	range-sum --mq "$Q" 100 200 # a producer too many
	run --separate-stderr sum-merge --mq "$Q" --count 2
	assert_fails_with 1 sum-merge
	assert_kept "sum-merge: queue $Q: another message after the run was complete (2 of 2 records; message 3): a stale record of an earlier run, or a producer too many" "$(recs 0 50 50 100 100 200)"
	mq_gone "$Q"
}

@test "a message that is not a record is refused, naming its number" {
	range-sum --mq "$Q" 0 10
	"$PROBE" mq-send "$Q" "0 10 46"
	run --separate-stderr sum-merge --mq "$Q" --count 2
	assert_fails_with 1 sum-merge
	assert_kept "sum-merge: queue $Q message 2: sum does not match its range ('0 10 46', not kept)" "$(recs 0 10)"
	mq_gone "$Q"
}

@test "a message the fast reader leaves to the full parser is judged as a line is" {
	local bad
	range-sum --mq "$Q" 0 10
	"$PROBE" mq-send "$Q" "+10 2e1 145"
	run --separate-stderr sum-merge --mq "$Q" --count 2
	assert_success
	assert_output "$(pysum 0 20)"
	# A line end of its own is no part of a record.
	for bad in $'10 20 145\r' $'10 20 145\n' $'10 20 145\n20 30 245'; do
		range-sum --mq "$Q" 0 10
		"$PROBE" mq-send "$Q" "$bad"
		run --separate-stderr sum-merge --mq "$Q" --count 2
		assert_fails_with 1 sum-merge
		assert_stderr_has "message 2: "
		assert_stderr_has "not kept)"
		mq_gone "$Q"
	done
}

@test "a bare sum in the queue is refused" {
	range-sum --mq "$Q" 0 10
	"$PROBE" mq-send "$Q" "45"
	run --separate-stderr sum-merge --mq "$Q" --count 2
	assert_fails_with 1 sum-merge
	[[ $stderr == *"message 2: is a bare sum, not a record 'start end sum' ('45', not kept)"* ]]
	mq_gone "$Q"
}

@test "SIGINT to a waiting sum-merge removes the queue" {
	sum-merge --mq "$Q" --count 5 3>&- &
	consumer=$!
	wait_until "$PROBE" mq "$Q"
	kill -INT "$consumer"
	status=0 && wait "$consumer" || status=$?
	[ "$status" -eq $((128 + 2)) ]
	mq_gone "$Q"
}

@test "SIGTERM to a waiting sum-merge removes the queue" {
	range-sum --mq "$Q" 0 10
	sum-merge --mq "$Q" --count 5 3>&- &
	consumer=$!
	wait_until queue_holds 0
	kill -TERM "$consumer"
	status=0 && wait "$consumer" || status=$?
	[ "$status" -eq $((128 + 15)) ]
	mq_gone "$Q"
}

@test "SIGINT to a producer blocked on a full queue with no reader keeps ABORT for the reader, which names it and removes the queue" {
	range-split -s 1 0 20 |
	    env --default-signal=INT range-sum --mq "$Q" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	producer=$!
	wait_until queue_holds 10
	kill -INT "$producer"
	status=0 && wait "$producer" || status=$?
	[ "$status" -eq $((128 + 2)) ]
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" "range-sum: interrupted: queue $Q keeps ABORT for its reader: sum-merge --mq reports what is missing and removes it"
	run --separate-stderr sum-merge --mq "$Q" --expect 0 20
	assert_fails_with 3 sum-merge
	[[ $stderr == "sum-merge: queue $Q: producer pid $producer was interrupted by SIGINT before it delivered all its records, after 9 records; missing: "* ]]
	mq_gone "$Q"
}

@test "SIGTERM to a producer keeps its table, marked, and sum-merge names the producer and what is missing" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	range-sum --shm "$T" <"$BATS_TEST_TMPDIR/in" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	producer=$!
	exec 4>"$BATS_TEST_TMPDIR/in"
	echo "0 10" >&4
	wait_until test -e "/dev/shm$T"
	kill -TERM "$producer"
	status=0 && wait "$producer" || status=$?
	exec 4>&-
	[ "$status" -eq $((128 + 15)) ]
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" "range-sum: interrupted: table $T is kept, marked incomplete, for sum-merge --shm to report and remove"
	run --separate-stderr sum-merge --shm "$T" --expect 0 20
	assert_fails_with 3 sum-merge
	[[ $stderr == "sum-merge: table $T: producer pid $producer was interrupted by SIGTERM before it added all its records; missing: "* ]]
	shm_gone "$T"
}

@test "--stop without --mq is a usage error" {
	run --separate-stderr range-sum --stop
	assert_fails_with 2 range-sum
}

@test "--stop with operands is a usage error" {
	run --separate-stderr range-sum --mq "$Q" --stop 0 10
	assert_fails_with 2 range-sum
	mq_gone "$Q"
}

@test "a queue of another user is refused, not joined nor removed" {
	only_root
	as_nobody range-sum --mq "$Q" 0 10
	run --separate-stderr sum-merge --mq "$Q" --timeout 0
	assert_fails_with 1 sum-merge
	assert_equal "$stderr" "sum-merge: queue $Q belongs to uid 65534, not to you (uid 0): refusing to join it"
	run --separate-stderr range-sum --mq "$Q" 10 20
	assert_fails_with 1 range-sum
	[ "$(mq_field "$Q" 3)" = 1 ]
}

@test "RLIMIT_MSGQUEUE exhausted is explained" {
	run --separate-stderr bash -c "ulimit -q 0 && range-sum --mq $Q 0 10"
	assert_fails_with 1 range-sum
	[[ $stderr == *"RLIMIT_MSGQUEUE (ulimit -q: 0 bytes)"* ]]
	mq_gone "$Q"
}

@test "a queue larger than msg_max allows is explained" {
	only_root
	unshare --ipc true 2>/dev/null || skip "no IPC namespaces here"
	# A private IPC namespace: its own msg_max, its own queues.
	run --separate-stderr unshare --ipc sh -c \
	    "echo 5 >/proc/sys/fs/mqueue/msg_max &&
	     setpriv --reuid=65534 --regid=65534 --clear-groups \
	     $(command -v range-sum) --mq $Q 0 10"
	assert_fails_with 1 range-sum
	[[ $stderr == *"10 messages of 128 bytes exceed /proc/sys/fs/mqueue msg_max (5)"* ]]
}

# --- names ------------------------------------------------------------

@test "an IPC name without a leading slash is a usage error" {
	run --separate-stderr range-sum --mq rt-q 0 10
	assert_fails_with 2 range-sum
	[[ $stderr == *"must begin with a slash"* ]]
}

@test "an IPC name with a second slash is a usage error" {
	run --separate-stderr sum-merge --shm /a/b
	assert_fails_with 2 sum-merge
	[[ $stderr == *"no slash after the first"* ]]
}

@test "an IPC name longer than NAME_MAX is a usage error" {
	run --separate-stderr sum-merge --mq "/$(printf 'x%.0s' $(seq 256))"
	assert_fails_with 2 sum-merge
	[[ $stderr == *"longer than NAME_MAX"* ]]
}

@test "a lone slash is not an IPC name" {
	run --separate-stderr range-sum --shm / 0 10
	assert_fails_with 2 range-sum
}

# --- the shared table ----------------------------------------------------

@test "xargs -P workers fill one table that sum-merge totals and removes" {
	range-split -n 8 0 1e7 | xargs -P 8 -L 1 range-sum --shm "$T"
	[ "$(stat -c %a "/dev/shm$T")" = 600 ]
	run --separate-stderr sum-merge --shm "$T" --expect 0 1e7
	assert_success
	assert_output "$(pysum 0 10000000)"
	[ -z "$stderr" ]
	shm_gone "$T"
}

@test "GNU parallel workers fill one table" {
	range-split -n 6 -- -3e6 1e6 |
	    parallel -j 6 --colsep ' ' range-sum --shm "$T" {1} {2}
	run --separate-stderr sum-merge --shm "$T" --expect -3e6 1e6
	assert_success
	assert_output "$(pysum -3000000 1000000)"
	shm_gone "$T"
}

@test "many producers racing to create the table all land their records" {
	range-split -n 64 0 64000 | xargs -P 64 -L 1 range-sum --shm "$T"
	run --separate-stderr sum-merge --shm "$T" --expect 0 64000
	assert_success
	assert_output "$(pysum 0 64000)"
	shm_gone "$T"
}

@test "a killed worker's gap in the table is named and exits 3" {
	range-sum --shm "$T" 0 100
	range-sum --shm "$T" 100 9e18 3>&- &
	worker=$!
	kill -KILL "$worker"
	wait "$worker" || true
	range-sum --shm "$T" -- -50 0
	run --separate-stderr sum-merge --shm "$T" --expect -50 200
	assert_fails_with 3 sum-merge
	assert_kept "sum-merge: the records do not cover --expect; missing: [100, 200)" "$(recs -50 0 0 100)"
	shm_gone "$T"
}

@test "a producer that died holding the table's lock does not block the others" {
	range-sum --shm "$T" 0 10
	"$PROBE" shm-die-locked "$T"
	range-sum --shm "$T" 10 20
	run --separate-stderr sum-merge --shm "$T" --expect 0 20
	assert_success
	assert_output "$(pysum 0 20)"
	assert_equal "$stderr" "sum-merge: table $T: 1 producer died holding its lock"
	shm_gone "$T"
}

@test "overlapping records in the table give the total of the stretch they cover, and the table is removed" {
	range-sum --shm "$T" 0 10
	range-sum --shm "$T" 5 15
	run --separate-stderr sum-merge --shm "$T"
	assert_success
	assert_output "$(pysum 0 15)"
	[ -z "$stderr" ]
	shm_gone "$T"
}

@test "a part written twice into the table counts once" {
	range-sum --shm "$T" 0 10
	range-sum --shm "$T" 10 20
	range-sum --shm "$T" 0 10
	run --separate-stderr sum-merge --shm "$T" --expect 0 20
	assert_success
	assert_output "$(pysum 0 20)"
	[ -z "$stderr" ]
	shm_gone "$T"
}

@test "the records kept from a refused table resume with --missing" {
	range-sum --shm "$T" 0 10
	range-sum --shm "$T" 20 30
	run --separate-stderr sum-merge --shm "$T" --expect 0 30
	assert_fails_with 3 sum-merge
	file=${stderr##* kept in }
	sum-merge --expect 0 30 --missing "$file" | range-sum -t >>"$file"
	run sum-merge --expect 0 30 "$file"
	assert_success
	assert_output "$(pysum 0 30)"
}

@test "a full table is a clear error" {
	run --separate-stderr sh -c "range-split -s 1 0 1048577 |
	    range-sum --method formula --shm $T"
	[ "$status" -eq 1 ]
	assert_equal "$stderr" "range-sum: table $T is full (it holds 1048576 records)"
	run --separate-stderr sum-merge --shm "$T" --expect 0 1048576
	assert_success
	assert_output "$(pysum 0 1048576)"
	shm_gone "$T"
}

@test "a producer still running when sum-merge took the table fails" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	range-sum --shm "$T" <"$BATS_TEST_TMPDIR/in" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	producer=$!
	exec 4>"$BATS_TEST_TMPDIR/in"
	echo "0 10" >&4
	wait_until test -e "/dev/shm$T"
	# sum-merge may take the table before or after the first record is
	# in; either way the producer's next insert must fail.
	run --separate-stderr sum-merge --shm "$T" --expect 0 20
	[ "$status" -eq 3 ] || [ "$status" -eq 1 ]
	# If the first insert already failed, the producer has gone and this
	# write meets a closed pipe: a subshell takes the SIGPIPE.
	(echo "10 20" >&4) 2>/dev/null || true
	exec 4>&-
	status=0 && wait "$producer" || status=$?
	[ "$status" -eq 255 ]
	grep -q "table $T: its reader is gone (sum-merge pid [0-9]* read it)" "$BATS_TEST_TMPDIR/err"
	shm_gone "$T"
}

@test "a missing table is an error naming it" {
	run --separate-stderr sum-merge --shm "$T"
	assert_fails_with 1 sum-merge
	assert_equal "$stderr" "sum-merge: table $T does not exist (no range-sum --shm $T has run, or its reader removed it)"
}

@test "a table never initialised is refused and left alone: it may not be a table" {
	: >"/dev/shm$T"
	chmod 600 "/dev/shm$T"
	run --separate-stderr range-sum --shm "$T" 0 10
	assert_fails_with 1 range-sum
	[[ $stderr == *"was never initialised"* ]]
	run --separate-stderr sum-merge --shm "$T"
	assert_fails_with 1 sum-merge
	assert_equal "$stderr" "sum-merge: table $T was never initialised: not a rangetools table, or its creator was killed; left alone (rm /dev/shm$T)"
	[ -e "/dev/shm$T" ]
}

@test "a table of another user is refused, not joined nor removed" {
	only_root
	as_nobody range-sum --shm "$T" 0 10
	run --separate-stderr sum-merge --shm "$T"
	assert_fails_with 1 sum-merge
	[[ $stderr == *"belongs to uid 65534, not to you"* ]]
	run --separate-stderr range-sum --shm "$T" 10 20
	assert_fails_with 1 range-sum
	[ -e "/dev/shm$T" ]
}

@test "a table others may write is refused" {
	range-sum --shm "$T" 0 10
	chmod 666 "/dev/shm$T"
	run --separate-stderr range-sum --shm "$T" 10 20
	assert_fails_with 1 range-sum
	[[ $stderr == *"writable by other users (mode 0666)"* ]]
}

# --- the recipes ---------------------------------------------------------

@test "examples/queue.sh stop: the article's Queue program with STOP" {
	run --separate-stderr "$RANGETOOLS_REPO/examples/queue.sh" stop 0 1e6 2
	assert_success
	assert_output "$(pysum 0 1000000)"
}

@test "examples/queue.sh stop works with more workers than the queue holds" {
	run --separate-stderr timeout 60 \
		"$RANGETOOLS_REPO/examples/queue.sh" stop 0 1e6 30
	assert_success
	assert_output "$(pysum 0 1000000)"
}

@test "examples/queue.sh last refuses more workers than the queue holds" {
	run --separate-stderr "$RANGETOOLS_REPO/examples/queue.sh" last 0 1e6 11
	assert_failure 2
	assert_output ''
	[[ $stderr == *"use first or stop"* ]] || fail "stderr: $stderr"
}

@test "examples/queue.sh first: the consumer starts before xargs -P" {
	run --separate-stderr "$RANGETOOLS_REPO/examples/queue.sh" first -1e6 1e6 4
	assert_success
	assert_output "$(pysum -1000000 1000000)"
}

@test "examples/queue.sh last: the consumer starts after xargs -P" {
	run --separate-stderr "$RANGETOOLS_REPO/examples/queue.sh" last 0 1e6 10
	assert_success
	assert_output "$(pysum 0 1000000)"
}

@test "examples/table.sh xargs: the table filled by xargs -P" {
	run --separate-stderr "$RANGETOOLS_REPO/examples/table.sh" xargs 0 1e6 4
	assert_success
	assert_output "$(pysum 0 1000000)"
}

@test "examples/table.sh parallel: the table filled by GNU parallel" {
	run --separate-stderr "$RANGETOOLS_REPO/examples/table.sh" parallel 0 1e6 4
	assert_success
	assert_output "$(pysum 0 1000000)"
}

@test "the recipes leave no table and no queue behind" {
	local ex=$RANGETOOLS_REPO/examples tool mode p
	# Each recipe names its table or queue after its pid ($$).
	grep -q '^t=/rangetools-table-\$\$$' "$ex/table.sh"
	grep -q '^q=/rangetools-queue-\$\$$' "$ex/queue.sh"
	for tool in xargs parallel; do
		"$ex/table.sh" "$tool" 0 1e4 2 >"$BATS_TEST_TMPDIR/out" 3>&- &
		p=$!
		MORE+=("/rangetools-table-$p")
		wait "$p" || fail "table.sh $tool failed"
		[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(pysum 0 10000)" ]
		shm_gone "/rangetools-table-$p"
	done
	for mode in stop first last; do
		"$ex/queue.sh" "$mode" 0 1e4 2 >"$BATS_TEST_TMPDIR/out" 3>&- &
		p=$!
		MORE+=("/rangetools-queue-$p")
		wait "$p" || fail "queue.sh $mode failed"
		[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(pysum 0 10000)" ]
		mq_gone "/rangetools-queue-$p"
	done
}

@test "make demo's table has the article's Queue row, with its exact sum checked" {
	needs_fork
	run --separate-stderr "$RANGETOOLS_REPO/examples/article.sh" 1e7 1e5
	assert_success
	assert_line --regexp '^2 processes, xargs\|mqueue +2 +[0-9.]+ +[0-9.]+ +[0-9.]+x'
}

@test "bench/transport.sh prints a queue and a table rate and exits 0" {
	run --separate-stderr "$RANGETOOLS_REPO/bench/transport.sh" 1000 2000
	assert_success
	assert_line --regexp '^queue +1000 records +[0-9.]+ s +[0-9]+ records/s$'
	assert_line --regexp '^table +2000 records +[0-9.]+ s +[0-9]+ records/s$'
	[ -z "$stderr" ]
}

@test "bench/transport.sh refuses more records than a table holds" {
	run --separate-stderr "$RANGETOOLS_REPO/bench/transport.sh" 10 1048577
	assert_fails_with 2 transport.sh
}

# fake_failing_range_sum DIR: a bin directory whose range-sum does its
# work and then fails, as under a sanitizer report; the others are real.
fake_failing_range_sum() {
	mkdir -p "$1"
	ln -sf "$(command -v range-split)" "$1/range-split"
	ln -sf "$(command -v sum-merge)" "$1/sum-merge"
	printf '#!/bin/sh\n"%s" "$@"; exit 1\n' "$(command -v range-sum)" \
	    >"$1/range-sum"
	chmod +x "$1/range-sum"
}

@test "examples/queue.sh leaves no queue behind when a worker fails" {
	fake_failing_range_sum "$BATS_TEST_TMPDIR/bin"
	for mode in stop first last; do
		RANGETOOLS_BIN="$BATS_TEST_TMPDIR/bin" \
		    "$RANGETOOLS_REPO/examples/queue.sh" "$mode" 0 1000 4 \
		    >/dev/null 2>&1 3>&- &
		pid=$!
		MORE+=("/rangetools-queue-$pid")
		status=0 && wait "$pid" || status=$?
		[ "$status" -ne 0 ] || fail "queue.sh $mode succeeded"
		mq_gone "/rangetools-queue-$pid"
	done
}

@test "examples/table.sh leaves no table behind when a worker fails" {
	fake_failing_range_sum "$BATS_TEST_TMPDIR/bin"
	RANGETOOLS_BIN="$BATS_TEST_TMPDIR/bin" \
	    "$RANGETOOLS_REPO/examples/table.sh" xargs 0 1000 4 \
	    >/dev/null 2>&1 3>&- &
	pid=$!
	MORE+=("/rangetools-table-$pid")
	status=0 && wait "$pid" || status=$?
	[ "$status" -ne 0 ]
	shm_gone "/rangetools-table-$pid"
}

@test "a refusal whose records cannot be kept says they are lost, naming the file it could not make" {
	range-sum --mq "$Q" 0 10
	"$PROBE" mq-send "$Q" "45"
	TMPDIR=$BATS_TEST_TMPDIR/none run --separate-stderr sum-merge --mq "$Q" --count 2
	assert_fails_with 1 sum-merge
	[[ $stderr == "sum-merge: queue $Q message 2: is a bare sum, not a record 'start end sum' ('45', not kept); the records read are lost: $BATS_TEST_TMPDIR/none/sum-merge."??????": No such file or directory" ]] ||
		fail "stderr: $stderr"
	mq_gone "$Q"
}

@test "sum-merge --shm names a table record that is not its range's sum, and removes the table" {
	range-sum --shm "$T" 10 20
	range-sum --shm "$T" 0 10
	"$TABLE_PROBE" shm-corrupt "$T"
	run --separate-stderr sum-merge --shm "$T"
	assert_fails_with 1 sum-merge
	assert_equal "$stderr" "sum-merge: table $T record 1 is corrupt"
	shm_gone "$T"
}

@test "without --expect, sum-merge --shm names the interrupted producer of a table, keeps the records read, and removes it" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	range-sum --shm "$T" <"$BATS_TEST_TMPDIR/in" 2>/dev/null 3>&- &
	producer=$!
	exec 4>"$BATS_TEST_TMPDIR/in"
	echo "0 10" >&4
	wait_until shm_holds 1
	kill -TERM "$producer"
	status=0 && wait "$producer" || status=$?
	exec 4>&-
	[ "$status" -eq $((128 + 15)) ]
	run --separate-stderr sum-merge --shm "$T"
	assert_fails_with 3 sum-merge
	assert_kept "sum-merge: table $T: producer pid $producer was interrupted by SIGTERM before it added all its records" "$(recs 0 10)"
	shm_gone "$T"
}
