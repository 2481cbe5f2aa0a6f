#!/usr/bin/env bats
# One run per queue and table (rangetools(7)): the pipelines of the README
# and the man pages with one interruption or one re-run added, as users
# break them.  Each run's total is exact or refused, never wrong; nothing
# is left behind; no reader or producer waits for nothing.

# Its tests mostly wait for readers and producers: side by side.
RANGETOOLS_SIDE_BY_SIDE=1
load test_helper

setup() {
	[ -x "$PROBE" ] || fail "tests/ipc-probe is not built (make test builds it)"
	Q=$(ipc_name q)
	T=$(ipc_name t)
	export TMPDIR=$BATS_TEST_TMPDIR
	D=$BATS_TEST_TMPDIR
}

teardown() {
	ipc_cleanup "$Q" "$T"
}

queue_holds() {
	[ "$("$PROBE" mq-stat "$Q" 2>/dev/null | cut -d ' ' -f 3)" = "$1" ]
}

# queue_read: a reader has opened the queue and marked it read (mode 0700).
queue_read() {
	[ "$("$PROBE" mq-stat "$Q" 2>/dev/null | cut -d ' ' -f 4)" = 0700 ]
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

# holds_open PID NAME: process PID has the queue or table NAME open.
holds_open() {
	local f
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f" 2>/dev/null) in
		"$2" | "/dev/shm$2") return 0 ;;
		esac
	done
	return 1
}

# joined N: N range-sum processes hold the queue open.
joined() {
	local n=0 p
	for p in $(pgrep -x range-sum); do
		! holds_open "$p" "$Q" || n=$((n + 1))
	done
	[ "$n" -eq "$1" ]
}

# A producer that has opened the queue and waits for its ranges on a fifo.
start_fifo_producer() { # KIND NAME
	mkfifo "$D/in"
	range-sum "--$1" "$2" <"$D/in" 2>"$D/perr" 3>&- &
	producer=$!
	exec 4>"$D/in"
	[ "$1" = shm ] || wait_until holds_open "$producer" "$2"
}

@test "case 1: producers of a reader stopped with Ctrl-C fail at once and leave no queue; the next run is exact" {
	sum-merge --mq "$Q" --count 2 >/dev/null 2>&1 3>&- &
	reader=$!
	wait_until queue_read
	start_fifo_producer mq "$Q"
	kill -INT "$reader"
	wait "$reader" || true
	echo "0 100" >&4
	exec 4>&-
	status=0 && wait "$producer" || status=$?
	[ "$status" -eq 255 ]
	assert_equal "$(cat "$D/perr")" "range-sum: queue $Q: its reader is gone (sum-merge has finished, failed or was killed); not sent: 0 100 4950"
	mq_gone "$Q"
	range-sum --mq "$Q" 100 150
	range-sum --mq "$Q" 150 200
	run --separate-stderr sum-merge --mq "$Q" --count 2
	assert_success
	assert_output "$(pysum 100 200)"
	mq_gone "$Q"
}

@test "case 2: a STOP after its reader has finished creates nothing and fails; the next run is exact" {
	range-sum --mq "$Q" 0 10
	range-sum --mq "$Q" --stop
	run sum-merge --mq "$Q"
	assert_output 45
	run --separate-stderr range-sum --mq "$Q" --stop
	assert_fails_with 1 range-sum
	assert_equal "$stderr" "range-sum: queue $Q does not exist: its reader has not started, or is gone (a STOP never creates a queue)"
	mq_gone "$Q"
	range-sum --mq "$Q" 0 10
	range-sum --mq "$Q" --stop
	run --separate-stderr sum-merge --mq "$Q"
	assert_success
	assert_output 45
	mq_gone "$Q"
}

@test "a STOP sent just after its reader started in the background waits for the queue" {
	sum-merge --mq "$Q" >"$D/out" 3>&- &
	reader=$!
	range-sum --mq "$Q" --stop
	wait "$reader"
	assert_equal "$(cat "$D/out")" 0
	mq_gone "$Q"
}

@test "case 3: a second reader on a queue is refused at once, naming the first; the first is exact" {
	sum-merge --mq "$Q" >"$D/out" 3>&- &
	reader=$!
	wait_until queue_read
	run --separate-stderr sum-merge --mq "$Q"
	assert_fails_with 1 sum-merge
	assert_equal "$stderr" "sum-merge: queue $Q is being read by another sum-merge (pid $reader): one reader per queue"
	range-sum --mq "$Q" 0 50
	range-sum --mq "$Q" 50 100
	range-sum --mq "$Q" --stop
	wait "$reader"
	assert_equal "$(cat "$D/out")" "$(pysum 0 100)"
	mq_gone "$Q"
}

@test "case 3: a second reader on a table is refused at once, naming the first" {
	range-sum --shm "$T" 0 10
	exec 5<"/dev/shm$T"
	# The first reader holds the table's lock while it runs: a stopped
	# one shows that the second is refused, not made to wait.
	python3 - "/dev/shm$T" >"$D/locker.out" 2>&1 3>&- <<'PY' &
import fcntl, os, signal, sys
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
print("locked", flush=True)
signal.pause()
PY
	locker=$!
	wait_until grep -q locked "$D/locker.out"
	run --separate-stderr sum-merge --shm "$T"
	kill "$locker"
	assert_fails_with 1 sum-merge
	assert_equal "$stderr" "sum-merge: table $T is being read by another sum-merge (pid $locker): one reader per table"
	[ -e "/dev/shm$T" ]
	run sum-merge --shm "$T"
	assert_output 45
	shm_gone "$T"
}

@test "case 4: a table producer still running when the table was read fails at its next record and leaves nothing" {
	start_fifo_producer shm "$T"
	echo "0 10" >&4
	# The table is made before the first record is read: wait for the
	# record, not the table.
	wait_until shm_holds 1
	run --separate-stderr sum-merge --shm "$T" --expect 0 10
	assert_success
	echo "10 20" >&4
	exec 4>&-
	status=0 && wait "$producer" || status=$?
	[ "$status" -eq 255 ]
	[[ $(cat "$D/perr") == "range-sum: table $T: its reader is gone (sum-merge pid "*" read it): 1 record not added" ]]
	shm_gone "$T"
}

@test "case 4: a table producer run after its reader begins the next run; --expect keeps that run exact" {
	range-sum --shm "$T" 0 10
	run sum-merge --shm "$T"
	assert_output 45
	range-sum --shm "$T" 0 10 # late: it cannot be told from an early one
	range-sum --shm "$T" 100 150
	range-sum --shm "$T" 150 200
	run --separate-stderr sum-merge --shm "$T" --expect 100 200
	assert_fails_with 1 sum-merge
	assert_equal "$stderr" "sum-merge: table $T record 1: record 0 10 lies outside --expect 100 200"
	shm_gone "$T"
}

@test "case 5: an interrupted producer never strands the reader: it fails at once naming what is missing" {
	sum-merge --mq "$Q" --expect 0 100 >"$D/out" 2>"$D/err" 3>&- &
	reader=$!
	wait_until queue_read
	range-sum --mq "$Q" 0 50
	start_fifo_producer mq "$Q"
	kill -TERM "$producer"
	wait "$producer" || true
	exec 4>&-
	wait_until -t 5 gone "$reader"
	status=0 && wait "$reader" || status=$?
	[ "$status" -eq 3 ]
	[[ $(cat "$D/err") == "sum-merge: queue $Q: producer pid $producer was interrupted by SIGTERM before it delivered all its records, after 1 record; missing: [50, 100); the 1 record read is kept in "* ]]
	run --separate-stderr range-sum --mq "$Q" 50 100
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	# The run is over: 50 100 began a new one, which the queue now holds.
	run --separate-stderr sum-merge --mq "$Q" --timeout 0
	assert_output "$(pysum 50 100)"
	mq_gone "$Q"
}

@test "case 5: a producer killed with SIGTERM while the reader waits leaves the queue to the reader, which removes it" {
	sum-merge --mq "$Q" --count 3 >/dev/null 2>"$D/err" 3>&- &
	reader=$!
	wait_until queue_read
	range-sum --mq "$Q" 1e12 9e18 3>&- &
	producer=$!
	wait_until holds_open "$producer" "$Q"
	kill -TERM "$producer"
	wait "$producer" || true
	wait_until -t 5 gone "$reader"
	status=0 && wait "$reader" || status=$?
	[ "$status" -eq 3 ]
	mq_gone "$Q"
}

# The signal comes just before the producer's input ends: whichever its
# threads see first, it dies of the signal and tells its run.  Before,
# 2 to 3 tries in 200 exited 0 and sent nothing, and a STOP-ended reader
# printed a total without the lost part (make check's random runs).  The
# tries run in a plain bash: under bats' per-line trap, the signal always
# came first.
@test "case 5: a producer stopped just as its input ends tells its run, every time" {
	only_in_check
	run bash -c '
	q=$1 d=$2
	for ((try = 0; try < 300; try++)); do
		sig=$( ((try % 2)) && echo TERM || echo INT)
		rm -f "$d/in" && mkfifo "$d/in"
		range-sum --mq "$q" <"$d/in" 2>/dev/null 3>&- &
		p=$!
		exec 4>"$d/in"
		until grep -qs "^$q\$" <(readlink /proc/$p/fd/* 2>/dev/null); do
			kill -0 $p || break
			sleep 0.01
		done
		kill -$sig $p
		exec 4>&-
		st=0 && wait $p || st=$?
		[ $st -eq $((128 + $(kill -l $sig))) ] ||
			echo "try $try: the producer sent SIG$sig exited $st"
		sum-merge --mq "$q" --timeout 0 >/dev/null 2>"$d/err"
		st=$?
		[ $st -eq 3 ] && grep -q "was interrupted by SIG$sig" "$d/err" ||
			echo "try $try: the reader exited $st: $(cat "$d/err")"
	done' rt "$Q" "$D"
	assert_success
	assert_output ""
	mq_gone "$Q"
}

@test "case 6: producers still running when the reader stopped at --count fail at once, and leave nothing" {
	sum-merge --mq "$Q" --count 1 >"$D/out" 3>&- &
	reader=$!
	wait_until queue_read
	start_fifo_producer mq "$Q"
	echo "0 10" >&4
	wait "$reader"
	assert_equal "$(cat "$D/out")" 45
	echo "10 20" >&4
	exec 4>&-
	status=0 && wait "$producer" || status=$?
	[ "$status" -eq 255 ]
	[[ $(cat "$D/perr") == *"its reader is gone"* ]]
	mq_gone "$Q"
}

@test "case 6: a producer blocked on a full queue whose reader was killed fails within seconds" {
	sum-merge --mq "$Q" --count 100 >/dev/null 2>&1 3>&- &
	reader=$!
	wait_until queue_read
	kill -STOP "$reader"
	range-split -n 20 0 2000 | range-sum --mq "$Q" 2>"$D/perr" 3>&- &
	producer=$!
	wait_until queue_holds 10
	kill -KILL "$reader"
	wait_until -t 10 gone "$producer"
	status=0 && wait "$producer" || status=$?
	[ "$status" -eq 255 ]
	[[ $(cat "$D/perr") == *"queue $Q: its reader is gone"* ]]
	# The killed reader's queue: the next reader names it and removes it.
	run --separate-stderr sum-merge --mq "$Q" --timeout 0
	assert_success
	assert_output 0
	[[ $stderr == "sum-merge: queue $Q was left by a sum-merge that was killed: its 10 messages, of no run, are kept in "* ]]
	mq_gone "$Q"
}

@test "case 7: a second STOP is dropped" {
	range-sum --mq "$Q" 0 50
	range-sum --mq "$Q" 50 100
	range-sum --mq "$Q" --stop
	range-sum --mq "$Q" --stop
	run --separate-stderr sum-merge --mq "$Q"
	assert_success
	assert_output "$(pysum 0 100)"
	[ -z "$stderr" ]
	mq_gone "$Q"
}

@test "case 8: sum-merge --shm refuses at once a /dev/shm file that is not a table, and leaves it alone" {
	head -c 100 /dev/zero >"/dev/shm$T"
	chmod 600 "/dev/shm$T"
	SECONDS=0
	run --separate-stderr sum-merge --shm "$T"
	assert_fails_with 1 sum-merge
	[ "$SECONDS" -lt 2 ]
	assert_equal "$stderr" "sum-merge: table $T is not a rangetools table (100 bytes, not the 33554528 of a table of 1048576 records): left alone"
	[ "$(stat -c %s "/dev/shm$T")" -eq 100 ]
	run --separate-stderr range-sum --shm "$T" 0 10
	assert_fails_with 1 range-sum
	[ "$(stat -c %s "/dev/shm$T")" -eq 100 ]
}

# half_made: what a table producer killed (SIGKILL) as it made the table
# leaves: its mark, "RTMAKING", and no creator holding the lock.
half_made() {
	printf RTMAKING >"/dev/shm$T"
	chmod 600 "/dev/shm$T"
}

@test "a table whose creator was killed as it made it is made afresh by the next producer" {
	half_made
	run --separate-stderr range-sum --shm "$T" 0 10
	assert_success
	[ -z "$stderr" ]
	run --separate-stderr sum-merge --shm "$T" --expect 0 10
	assert_success
	assert_output 45
	shm_gone "$T"
}

@test "sum-merge --shm names a table whose creator was killed as it made it, and removes it" {
	half_made
	run --separate-stderr sum-merge --shm "$T"
	assert_fails_with 1 sum-merge
	assert_equal "$stderr" "sum-merge: table $T: its creator was killed as it made it, before any record: removed"
	shm_gone "$T"
}

@test "an object that holds only another program's 8 bytes is not taken for a half-made table" {
	printf RTMAKINX >"/dev/shm$T"
	chmod 600 "/dev/shm$T"
	run --separate-stderr sum-merge --shm "$T"
	assert_fails_with 1 sum-merge
	[[ $stderr == *"left alone"* ]] || fail "$stderr"
	[ "$(cat "/dev/shm$T")" = RTMAKINX ] || fail "the object was changed"
}

@test "a queue without a rangetools queue's attributes is refused and left alone" {
	python3 - "$Q" <<'PY'
import ctypes, ctypes.util, os, sys
rt = ctypes.CDLL(ctypes.util.find_library("rt") or "librt.so.1", use_errno=True)
class Attr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
                ("msgsize", ctypes.c_long), ("curmsgs", ctypes.c_long),
                ("pad", ctypes.c_long * 4)]
a = Attr(0, 5, 64, 0)
rt.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(Attr)]
if rt.mq_open(sys.argv[1].encode(), os.O_CREAT | os.O_RDWR, 0o600, ctypes.byref(a)) < 0:
    sys.exit("mq_open: " + os.strerror(ctypes.get_errno()))
PY
	run --separate-stderr sum-merge --mq "$Q" --timeout 0
	assert_fails_with 1 sum-merge
	assert_equal "$stderr" "sum-merge: queue $Q is not a rangetools queue (5 messages of 64 bytes, not 10 of 128): left alone"
	run --separate-stderr range-sum --mq "$Q" 0 10
	assert_fails_with 1 range-sum
	[ "$("$PROBE" mq-stat "$Q" | cut -d ' ' -f 1,2)" = "5 64" ]
}

@test "Ctrl-C to the whole queue pipeline leaves no queue" {
	setsid bash -c "sum-merge --mq $Q & range-split -n 4 0 4e10 | xargs -P 2 -L 1 range-sum --mq $Q; range-sum --mq $Q --stop; wait" >/dev/null 2>&1 3>&- &
	leader=$!
	wait_until queue_read
	sleep 0.2 # the producers open the queue (the run's middle, not its start)
	kill -INT -- -"$leader"
	wait "$leader" || true
	wait_until -t 10 mq_gone "$Q"
}

@test "Ctrl-C to the reader alone leaves no queue, and its producers fail at once" {
	sum-merge --mq "$Q" --count 4 >/dev/null 2>&1 3>&- &
	reader=$!
	wait_until queue_read
	range-split -n 4 0 4e10 | xargs -P 2 -L 1 range-sum --mq "$Q" 2>"$D/perr" 3>&- &
	workers=$!
	# Both first producers have joined the reader's run.
	wait_until joined 2
	kill -INT "$reader"
	wait "$reader" || true
	status=0 && wait "$workers" || status=$?
	# xargs stops at their status 255, starting no more producers.
	[ "$status" -eq 124 ]
	[ "$(grep -c "its reader is gone" "$D/perr")" -eq 2 ]
	mq_gone "$Q"
}

@test "examples/queue.sh and table.sh take start end without a mode, as their usage says" {
	run --separate-stderr "$RANGETOOLS_REPO/examples/queue.sh" 0 1e6
	assert_success
	assert_output "$(pysum 0 1000000)"
	run --separate-stderr "$RANGETOOLS_REPO/examples/table.sh" 0 1e6 3
	assert_success
	assert_output "$(pysum 0 1000000)"
	run --separate-stderr "$RANGETOOLS_REPO/examples/queue.sh" --help
	assert_success
	assert_output "usage: queue.sh [stop|first|last] [start end [workers]]"
	run --separate-stderr "$RANGETOOLS_REPO/examples/table.sh" pipe 0 10
	[ "$status" -eq 2 ]
	[[ $stderr == "table.sh: unknown tool 'pipe'"* ]]
}

# The random runs of tests/lifecycle.sh: a short run here; make check runs
# LIFECYCLE_RUNS (300 unless set: the closing figures come from 2000).
@test "random lifecycle runs under reused names: never a wrong total, nothing stranded or left (short)" {
	run env LIFECYCLE_RUNS=15 bash "$RANGETOOLS_REPO/tests/lifecycle.sh"
	assert_success
	assert_line --partial "0 wrong, 0 stranded, 0 leftovers"
}

@test "random lifecycle runs under reused names: never a wrong total, nothing stranded or left (make check)" {
	[ -z "${RANGETOOLS_CORE:-}" ] || skip "make check runs it"
	run env LIFECYCLE_RUNS="${LIFECYCLE_RUNS:-300}" bash "$RANGETOOLS_REPO/tests/lifecycle.sh"
	printf '%s\n' "$output" | grep '^lifecycle:' | sed 's/^/# /' >&3 || true
	assert_success
	assert_line --partial "0 wrong, 0 stranded, 0 leftovers"
}

@test "a table that counts more records than it holds is refused as damaged, and removed" {
	range-sum --shm "$T" 0 10
	"$TABLE_PROBE" shm-damage "$T"
	run --separate-stderr sum-merge --shm "$T"
	assert_fails_with 1 sum-merge
	assert_equal "$stderr" "sum-merge: table $T is damaged: it counts 1048577 records, more than the 1048576 it holds: removed"
	shm_gone "$T"
}

@test "a table a killed reader took is refused to a late producer, then named and removed by the next reader" {
	range-sum --shm "$T" 0 10
	"$TABLE_PROBE" shm-taken "$T"
	run --separate-stderr range-sum --shm "$T" 10 20
	assert_fails_with 255 range-sum
	[[ $stderr == "range-sum: table $T: its reader is gone (sum-merge pid "*" read it); sum-merge --shm $T removes it" ]] ||
		fail "stderr: $stderr"
	run --separate-stderr sum-merge --shm "$T"
	assert_fails_with 1 sum-merge
	[[ $stderr == "sum-merge: table $T was left by sum-merge pid "*", killed as it read it: removed; run its producers again" ]] ||
		fail "stderr: $stderr"
	shm_gone "$T"
}

@test "a producer that opens a queue whose reader was killed names it and sends nothing" {
	sum-merge --mq "$Q" --count 5 >/dev/null 2>&1 3>&- &
	reader=$!
	wait_until queue_read
	kill -KILL "$reader"
	wait "$reader" || true
	run --separate-stderr range-sum --mq "$Q" 0 100
	assert_fails_with 255 range-sum
	assert_equal "$stderr" "range-sum: queue $Q: its reader is gone (sum-merge was killed); sum-merge --mq $Q removes it"
	# Where the next reader cannot keep what the queue held, it says
	# so and leaves the queue for a reader that can.
	run --separate-stderr env TMPDIR="$D/none" sum-merge --mq "$Q" --timeout 0
	assert_fails_with 1 sum-merge
	[[ $stderr == "sum-merge: queue $Q: keep what it held: $D/none/sum-merge-left."??????": No such file or directory" ]] ||
		fail "stderr: $stderr"
	run --separate-stderr sum-merge --mq "$Q" --timeout 0
	assert_success
	assert_output 0
	[[ $stderr == "sum-merge: queue $Q was left by a sum-merge that was killed: its 0 messages, of no run, are kept in "* ]] ||
		fail "stderr: $stderr"
	mq_gone "$Q"
}
