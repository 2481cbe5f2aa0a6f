#!/usr/bin/env bats
# ipc-edges.bats: the error paths of the queues, the tables and the
# forked workers that an ordinary run never takes: objects of the right
# name but the wrong shape, each refusal mq_open can give, a send stopped
# or timed out, a fork or a waitpid that fails.  The failures come from
# tests/inject.so (see tests/inject.bats) or from objects made by hand.
# Each must give one line naming the operation and the object, a
# non-zero status, no total, and leave nothing behind.

# Its tests mostly wait for a table that is never initialised, a send
# that times out: side by side.
RANGETOOLS_SIDE_BY_SIDE=1
load test_helper

FAR=9000000000000000000 # a range ending here takes years to loop over

setup() {
	Q=$(ipc_name q)
	T=$(ipc_name t)
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	cd "$BATS_TEST_TMPDIR"
	LIB=$RANGETOOLS_REPO/tests/inject.so
}

teardown() {
	ipc_cleanup "$Q" "$T"
}


# --- tables of the wrong shape (shmtab.c) --------------------------------

@test "a shared-memory object larger than a table is refused by name and left alone" {
	: >"/dev/shm$T"
	chmod 600 "/dev/shm$T"
	truncate -s 40000000 "/dev/shm$T"
	run --separate-stderr range-sum --shm "$T" 0 100
	fails_naming range-sum "table $T is not a rangetools table (40000000 bytes, not the" "left alone"
	run --separate-stderr sum-merge --shm "$T"
	fails_naming sum-merge "table $T is not a rangetools table (40000000 bytes, not the" "left alone"
	[ "$(stat -c %s "/dev/shm$T")" -eq 40000000 ] || fail "the object was changed"
}

# table_size: the bytes of a table of 2^20 records, from range-sum's own
# refusal of a one-byte object.
table_size() {
	: >"/dev/shm$T"
	chmod 600 "/dev/shm$T"
	truncate -s 1 "/dev/shm$T"
	range-sum --shm "$T" 0 1 2>&1 | sed -n 's/.*bytes, not the \([0-9]*\) of a table.*/\1/p'
	rm -f "/dev/shm$T"
}

@test "an object of a table's size that is never initialised is named, and left alone" {
	local size
	size=$(table_size)
	[ -n "$size" ] || fail "range-sum did not give a table's size"
	: >"/dev/shm$T"
	chmod 600 "/dev/shm$T"
	truncate -s "$size" "/dev/shm$T"
	run --separate-stderr range-sum --shm "$T" 0 100
	fails_naming range-sum "table $T was never initialised" "left alone"
	run --separate-stderr sum-merge --shm "$T"
	fails_naming sum-merge "table $T was never initialised" "left alone"
	[ -e "/dev/shm$T" ] || fail "sum-merge removed what it had not identified"
}

@test "a table whose capacity is not ours is not a rangetools table" {
	local size
	size=$(table_size)
	[ -n "$size" ] || fail "range-sum did not give a table's size"
	: >"/dev/shm$T"
	chmod 600 "/dev/shm$T"
	truncate -s "$size" "/dev/shm$T"
	# The magic "RGSTAB02" and a capacity of 7, little-endian.
	python3 -c 'import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.write(struct.pack("<QQ", 0x3230424154534752, 7))' "/dev/shm$T"
	run --separate-stderr range-sum --shm "$T" 0 100
	fails_naming range-sum "table $T is not a rangetools table" "left alone"
	run --separate-stderr sum-merge --shm "$T"
	fails_naming sum-merge "table $T is not a rangetools table" "left alone"
	[ -e "/dev/shm$T" ] || fail "sum-merge removed what it had not identified"
}

@test "sum-merge --shm that cannot map the table names it, and a later one reads it" {
	command -v fiu-run >/dev/null || skip "needs fiu-run (Debian fiu-utils)"
	[ -z "${RANGETOOLS_SANITIZE:-}" ] || skip "libfiu under a sanitizer"
	range-sum --shm "$T" 0 100
	run --separate-stderr fiu-run -x -f '' \
		-c 'enable name=posix/mm/mmap,failinfo=12' sum-merge --shm "$T"
	fails_naming sum-merge "table $T: mmap" "Cannot allocate memory"
	# It never took the table: the producer's record is still there.
	run --separate-stderr sum-merge --shm "$T"
	assert_success
	assert_output 4950
	shm_gone "$T"
}

# --- each refusal of mq_open (recq.c) ------------------------------------

@test "range-sum --mq says which limit mq_open hit: queues_max, msg_max, none, or the error" {
	run --separate-stderr inject mq_open:1:28 range-sum --mq "$Q" 0 100
	fails_naming range-sum "queue $Q: cannot create it" "queues_max"
	run --separate-stderr inject mq_open:1:22 range-sum --mq "$Q" 0 100
	fails_naming range-sum "queue $Q: cannot create it" "msgsize_max"
	run --separate-stderr inject mq_open:1:38 range-sum --mq "$Q" 0 100
	fails_naming range-sum "queue $Q" "no POSIX message queues"
	run --separate-stderr inject mq_open:1:13 range-sum --mq "$Q" 0 100
	fails_naming range-sum "queue $Q" "Permission denied"
	mq_gone "$Q"
}

@test "a send stopped by a signal (EINTR) is sent again" {
	run --separate-stderr env RT_INJECT_LOG=log RT_INJECT=mq_send:1:4 \
		LD_PRELOAD="$LIB" range-sum --mq "$Q" 0 100
	assert_success
	grep -q '^mq_send 1 ' log
	range-sum --mq "$Q" --stop
	run sum-merge --mq "$Q" --expect 0 100
	assert_success
	assert_output 4950
}

@test "a send that timed out on a full queue looks for the reader, then sends" {
	# ETIMEDOUT once: the queue is still linked, so it waits on.
	run --separate-stderr env RT_INJECT_LOG=log RT_INJECT=mq_send:1:110 \
		LD_PRELOAD="$LIB" range-sum --mq "$Q" 0 100
	assert_success
	grep -q '^mq_send 1 ' log
	range-sum --mq "$Q" --stop
	run sum-merge --mq "$Q" --expect 0 100
	assert_success
	assert_output 4950
}

@test "a queue made with longer messages than ours is not a rangetools queue: refused by name and left alone" {
	python3 - "$Q" <<-'PY'
		import ctypes, os, sys
		rt = ctypes.CDLL("librt.so.1", use_errno=True)
		class Attr(ctypes.Structure):
		    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
		                ("msgsize", ctypes.c_long), ("curmsgs", ctypes.c_long)]
		rt.mq_open.restype = ctypes.c_int
		rt.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint,
		                       ctypes.POINTER(Attr)]
		a = Attr(0, 10, 512, 0)
		q = rt.mq_open(sys.argv[1].encode(), os.O_RDWR | os.O_CREAT, 0o600,
		               ctypes.byref(a))
		if q < 0:
		    sys.exit(os.strerror(ctypes.get_errno()))
	PY
	run --separate-stderr range-sum --mq "$Q" 0 100
	fails_naming range-sum "queue $Q is not a rangetools queue (10 messages of 512 bytes" "left alone"
	run --separate-stderr sum-merge --mq "$Q" --timeout 0
	fails_naming sum-merge "queue $Q is not a rangetools queue (10 messages of 512 bytes" "left alone"
	! mq_gone "$Q" || fail "the queue was removed"
}

@test "an IPC name with a control character is a usage error" {
	refuses 2 range-sum --mq $'/a\001b' 0 100
	assert_stderr_has "control characters"
}

# --- forked workers (procs.c) --------------------------------------------

# no_process PATTERN: no process's command line matches PATTERN (asked
# anew at each poll of wait_until).
no_process() {
	! pgrep -f "$1" >/dev/null
}

@test "range-sum --procs that cannot fork its second worker stops the first and names the second" {
	# Its own range: this file's tests run side by side, and the next
	# one's workers (0 $FAR) may still be running.
	run --separate-stderr inject fork:2 range-sum --procs 3 1 "$FAR"
	fails_naming range-sum "fork: worker 2 of 3" "Resource temporarily"
	[ -z "$(pgrep -f "range-sum --procs 3 1 $FAR")" ] ||
		fail "a worker still runs"
}

@test "range-sum --procs whose waitpid fails stops its workers and says so" {
	run --separate-stderr inject waitpid:1 range-sum --procs 3 0 "$FAR"
	fails_naming range-sum "waitpid: 3 of 3 workers not reaped" \
		"No child processes"
	wait_until no_process "range-sum --procs 3 0 $FAR"
}

@test "range-sum --procs tries a fresh name when its segment's is taken" {
	run --separate-stderr env RT_INJECT_LOG=log RT_INJECT=shm_open:1:17 \
		LD_PRELOAD="$LIB" range-sum --procs 2 0 1000
	assert_success
	assert_output "$(pysum 0 1000)"
	grep -q '^shm_open 1 ' log
}

# --- sizing a segment (segment.c) ----------------------------------------

@test "a /dev/shm that cannot allocate (EOPNOTSUPP, EINVAL) is sized with ftruncate" {
	run --separate-stderr inject posix_fallocate:1:95 range-sum --shm "$T" 0 100
	assert_success
	run sum-merge --shm "$T"
	assert_output 4950
	run --separate-stderr inject posix_fallocate:1:22 range-sum --procs 2 0 1000
	assert_success
	assert_output "$(pysum 0 1000)"
}

@test "posix_fallocate stopped by a signal (EINTR) is tried again" {
	run --separate-stderr env RT_INJECT_LOG=log RT_INJECT=posix_fallocate:1:4 \
		LD_PRELOAD="$LIB" range-sum --procs 2 0 1000
	assert_success
	assert_output "$(pysum 0 1000)"
	grep -q '^posix_fallocate 1 ' log
}

@test "range-sum --shm names the table when ftruncate fails it too, and removes it" {
	command -v fiu-run >/dev/null || skip "needs fiu-run (Debian fiu-utils)"
	[ -z "${RANGETOOLS_SANITIZE:-}" ] || skip "libfiu under a sanitizer"
	run --separate-stderr env RT_INJECT=posix_fallocate:1:95 \
		fiu-run -x -f '' -c 'enable name=posix/io/rw/ftruncate,failinfo=27' \
		sh -c 'LD_PRELOAD="$LD_PRELOAD $0" exec "$@"' "$LIB" \
		range-sum --shm "$T" 0 100
	fails_naming range-sum "table $T: cannot allocate" "File too large"
	shm_gone "$T"
}

# --- bare numbers, summed eight digits at a time (rec.c) -------------------

@test "sum-merge adds many bare numbers of every length, signs and CRLF exactly" {
	python3 - <<-'PY'
		import random
		r = random.Random(5)
		s = 0
		with open("bare", "w") as f:
		    for i in range(20000):
		        k = r.choice([1, 3, 8, 9, 15, 16, 17, 18, 19])
		        v = r.randrange(10 ** (k - 1) if k > 1 else 0, 10 ** k)
		        if r.random() < 0.2:
		            v = -v
		        s += v
		        f.write(str(v) + ("\r" if r.random() < 0.05 else "") + "\n")
		open("want", "w").write(str(s) + "\n")
	PY
	run sum-merge bare
	assert_success
	assert_output "$(cat want)"
}

@test "an IPC name of . or .. is a usage error" {
	refuses 2 range-sum --mq /.. 0 100
	assert_stderr_has "cannot be . or .."
}
