#!/usr/bin/env bats
# inject.bats: each program's main paths with a system call or an
# allocation made to fail.  libfiu's fiu-run (Debian fiu-utils) fails
# fopen, read, write, mmap, fork, malloc, calloc and realloc; the test
# library tests/inject.so fails mq_open, mq_send, mq_receive, shm_open,
# pthread_create and posix_fallocate; the kernel's own limits fail the
# rest (ulimit -q; a small /dev/shm in a mount namespace).  Each failure
# must give one stderr line naming the operation and the object, a
# non-zero status, no total, and leave nothing behind.  (The programs call
# open(2) only through glibc's fopen, mkstemp and shm_open, which reach
# it inside glibc, where no preload library sees it: fiu's fopen point
# and inject.so's shm_open stand for it.)

load test_helper

setup() {
	Q=$(ipc_name q)
	T=$(ipc_name t)
	# Where a refusing sum-merge keeps the records it read.
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	cd "$BATS_TEST_TMPDIR"
	printf '0 10 45\n10 20 145\n' >recs
	LIB=$RANGETOOLS_REPO/tests/inject.so
}

teardown() {
	ipc_cleanup "$Q" "$T"
}

# needs_fiu: skips without fiu-run, and under a sanitizer, whose own
# allocator libfiu's malloc wrappers would stand in front of.
needs_fiu() {
	command -v fiu-run >/dev/null ||
		skip "needs fiu-run (Debian fiu-utils: apt-get install fiu-utils)"
	[ -z "${RANGETOOLS_SANITIZE:-}" ] ||
		skip "libfiu's wrappers and $RANGETOOLS_SANITIZE's allocator"
}

# fiu POINT ERRNO CMD...: CMD with libfiu's POINT failing every call with
# ERRNO; no control pipes (-f '') so nothing is left in /tmp.
fiu() {
	local point=$1 e=$2
	shift 2
	fiu-run -x -f '' -c "enable name=$point,failinfo=$e" "$@"
}


# nothing_left: no queue or table of the test, no segment of range-sum
# --procs named in the message, no file in TMPDIR.
nothing_left() {
	local seg
	mq_gone "$Q"
	shm_gone "$T"
	seg=$(grep -o '/range-sum\.[0-9]*\.[0-9]*' <<<"$stderr") || true
	[ -z "$seg" ] || shm_gone "$seg"
	[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
}

# --- libfiu: files, memory, processes -------------------------------------

@test "sum-merge names the file it cannot open, and prints no total" {
	needs_fiu
	run --separate-stderr fiu posix/stdio/oc/fopen 13 sum-merge recs
	fails_naming sum-merge "open recs" "Permission denied"
	nothing_left
}

@test "sum-merge names the file it cannot read, and prints no total" {
	needs_fiu
	run --separate-stderr fiu posix/io/rw/read 5 sum-merge recs
	fails_naming sum-merge "read recs" "Input/output error"
	nothing_left
}

@test "sum-merge reading stdin names stdin when read fails" {
	needs_fiu
	run --separate-stderr fiu posix/io/rw/read 5 sum-merge - <recs
	fails_naming sum-merge "read stdin" "Input/output error"
}

@test "sum-merge still adds a file it cannot map, reading it instead" {
	needs_fiu
	run --separate-stderr fiu posix/mm/mmap 12 sum-merge recs
	assert_success
	assert_output 190
}

@test "range-sum --trace names its file when a write to it fails, and the total stays exact" {
	needs_fiu
	run --separate-stderr fiu posix/io/rw/write 28 \
		range-sum --threads 2 --trace tr.json 0 1000
	[ "$status" -eq 1 ] || fail "status $status"
	# The sum itself was done: printed, and right; the trace is not kept.
	[ -z "$output" ] || assert_output "$(pysum 0 1000)"
	assert_one_stderr_line_from range-sum
	assert_stderr_has "--trace tr.json: write: No space left on device"
	# Neither the file nor its temporary copy is left.
	[ -z "$(ls -A | grep '^tr\.json')" ] || fail "left: $(ls -A)"
}

@test "range-sum --procs names the segment it cannot map, and removes it" {
	needs_fiu
	run --separate-stderr fiu posix/mm/mmap 12 range-sum --procs 2 0 1000
	fails_naming range-sum "mmap /range-sum." "Cannot allocate memory"
	nothing_left
}

@test "range-sum --shm names the table it cannot map, and removes it" {
	needs_fiu
	run --separate-stderr fiu posix/mm/mmap 12 range-sum --shm "$T" 0 100
	fails_naming range-sum "table $T: mmap" "Cannot allocate memory"
	nothing_left
}

@test "range-sum --procs names the worker it cannot fork" {
	needs_fiu
	run --separate-stderr fiu posix/proc/fork 11 range-sum --procs 2 0 1000
	fails_naming range-sum "fork: worker 1 of 2" "Resource temporarily"
	nothing_left
}

@test "each program names what it could not allocate" {
	needs_fiu
	run --separate-stderr fiu libc/mm/calloc 12 range-split -n 4 0 100
	fails_naming range-split "calloc: a copy of the" "Cannot allocate"
	# range-sum's first allocation is its signal thread's (stopsig.c).
	run --separate-stderr fiu libc/mm/calloc 12 range-sum 0 100
	fails_naming range-sum "pthread_create: the signal thread" "Resource temporarily"
	run --separate-stderr fiu libc/mm/realloc 12 sum-merge recs
	# The first growth is of the input's buffer.
	fails_naming sum-merge "realloc: recs: a line too long to hold" "Cannot allocate"
	nothing_left
}

@test "range-sum --mq that cannot allocate its buffer leaves no queue" {
	needs_fiu
	run --separate-stderr fiu libc/mm/malloc 12 range-sum --mq "$Q" 0 100
	fails_naming range-sum "queue $Q: malloc" "Cannot allocate"
	nothing_left
}

@test "sum-merge --shm that cannot copy the table out names it and removes it" {
	needs_fiu
	range-sum --shm "$T" 0 100
	run --separate-stderr fiu libc/mm/malloc 12 sum-merge --shm "$T"
	fails_naming sum-merge "table $T: malloc of 1 records" "Cannot allocate"
	nothing_left
}

# --- tests/inject.so: queues, tables, threads ------------------------------

@test "range-sum --mq names the queue mq_open refuses" {
	run --separate-stderr inject mq_open:1 range-sum --mq "$Q" 0 100
	fails_naming range-sum "queue $Q: cannot open it" "RLIMIT_MSGQUEUE"
	nothing_left
}

@test "sum-merge --mq names the queue mq_open refuses" {
	run --separate-stderr inject mq_open:1 sum-merge --mq "$Q" --timeout 1
	fails_naming sum-merge "queue $Q: cannot open it" "RLIMIT_MSGQUEUE"
	nothing_left
}

@test "a producer whose send fails names the queue, and its consumer prints no total" {
	run --separate-stderr inject mq_send:1 range-sum --mq "$Q" 0 100
	fails_naming range-sum "queue $Q: send" "Message too long"
	# The consumer finds no record and no STOP: no total, the queue gone.
	run --separate-stderr sum-merge --mq "$Q" --timeout 0.5
	[ "$status" -eq 3 ] || fail "status $status: $stderr"
	[ -z "$output" ] || fail "a total: $output"
	mq_gone "$Q"
}

@test "sum-merge --mq names the queue it cannot receive from, and removes it" {
	range-sum --mq "$Q" 0 100
	range-sum --mq "$Q" --stop
	run --separate-stderr inject mq_receive:1 sum-merge --mq "$Q"
	fails_naming sum-merge "queue $Q: receive" "Bad file descriptor"
	nothing_left
}

@test "range-sum --shm names the table shm_open refuses" {
	run --separate-stderr inject shm_open:1 range-sum --shm "$T" 0 100
	fails_naming range-sum "table $T: shm_open" "Too many open files"
	nothing_left
}

@test "sum-merge --shm names the table shm_open refuses" {
	range-sum --shm "$T" 0 100
	run --separate-stderr inject shm_open:1 sum-merge --shm "$T"
	fails_naming sum-merge "table $T: shm_open" "Too many open files"
	# The records stay for a sum-merge that can open the table.
	run sum-merge --shm "$T"
	assert_success
	assert_output 4950
	nothing_left
}

@test "range-sum --procs names the segment shm_open refuses" {
	run --separate-stderr inject shm_open:1 range-sum --procs 2 0 1000
	fails_naming range-sum "shm_open /range-sum." "Too many open files"
	nothing_left
}

@test "range-sum --shm names the table posix_fallocate cannot size, and removes it" {
	run --separate-stderr inject posix_fallocate:1 range-sum --shm "$T" 0 100
	fails_naming range-sum "table $T: cannot allocate" "No space left"
	nothing_left
}

@test "range-sum --procs names the segment posix_fallocate cannot size, and removes it" {
	run --separate-stderr inject posix_fallocate:1 range-sum --procs 2 0 1000
	fails_naming range-sum "posix_fallocate /range-sum." "No space left"
	nothing_left
}

@test "range-sum --threads names the thread it cannot start" {
	# The first is the signal thread (stopsig.c), then the workers.
	run --separate-stderr inject pthread_create:3 range-sum --threads 2 0 1000
	fails_naming range-sum "cannot start thread 2 of 2" "Resource temporarily"
	nothing_left
}

@test "each program names the signal thread it cannot start, before any output" {
	run --separate-stderr inject pthread_create:1 \
		range-sum --threads 2 --trace tr.json 0 1000
	fails_naming range-sum "pthread_create: the signal thread" "Resource temporarily"
	[ ! -e tr.json ] || fail "tr.json left"
	run --separate-stderr inject pthread_create:1 sum-merge --mq "$Q" --timeout 0
	fails_naming sum-merge "pthread_create: the signal thread" "Resource temporarily"
	nothing_left
}

@test "inject.so's random draws repeat for a seed" {
	local a b
	a=$(RT_INJECT_SEED=7 RT_INJECT_LOG=$BATS_TEST_TMPDIR/a inject \
		pthread_create:%50 range-sum --threads 8 0 1000 2>&1) || true
	b=$(RT_INJECT_SEED=7 RT_INJECT_LOG=$BATS_TEST_TMPDIR/b inject \
		pthread_create:%50 range-sum --threads 8 0 1000 2>&1) || true
	[ "$a" = "$b" ] || fail "runs differ: '$a' and '$b'"
	[ "$(cut -d' ' -f1,2 a)" = "$(cut -d' ' -f1,2 b)" ]
}

# --- the kernel's own limits -------------------------------------------------

@test "sum-merge --mq under ulimit -q 0 names the queue and the limit" {
	run --separate-stderr bash -c 'ulimit -q 0 && exec "$@"' _ \
		sum-merge --mq "$Q" --timeout 1
	fails_naming sum-merge "queue $Q: cannot open it" "ulimit -q: 0 bytes"
	nothing_left
}

# full_shm CMD...: CMD in a mount namespace whose /dev/shm holds 64 KiB.
full_shm() {
	unshare -m sh -c 'mount -t tmpfs -o size=64k rt-small /dev/shm &&
		exec "$@"' _ "$@"
}

@test "range-sum --shm in a full /dev/shm names the table and removes it" {
	only_root
	command -v unshare >/dev/null || skip "needs unshare (util-linux)"
	run --separate-stderr full_shm range-sum --shm "$T" 0 100
	fails_naming range-sum "table $T: cannot allocate" "No space left"
	nothing_left
}

@test "range-sum --procs in a full /dev/shm still sums: the segment fits" {
	only_root
	command -v unshare >/dev/null || skip "needs unshare (util-linux)"
	run --separate-stderr full_shm range-sum --procs 2 0 1000
	assert_success
	assert_output "$(pysum 0 1000)"
}

@test "sum-merge --shm that fails after taking the table still removes it" {
	needs_fiu
	range-sum --shm "$T" 0 100
	# The first reallocarray after the copy: the list of sources.
	run --separate-stderr fiu libc/mm/realloc 12 sum-merge --shm "$T"
	fails_naming sum-merge "reallocarray: the list of record sources" \
		"Cannot allocate"
	nothing_left
}

@test "range-sum --progress names the thread it cannot start" {
	# After the signal thread (stopsig.c).
	run --separate-stderr inject pthread_create:2 \
		range-sum --threads 2 --progress=always 0 1000
	fails_naming range-sum "--progress: pthread_create: its redraw thread" \
		"Resource temporarily"
}

@test "range-sum --io-echo names its thread, its pipe's read and its write when they fail" {
	# The signal thread, one worker thread, then its client thread.
	run --separate-stderr inject pthread_create:3 \
		range-sum --threads 1 --io-echo 0 100000
	fails_naming range-sum "--io-echo: pthread_create" "Resource temporarily"
	needs_fiu
	run --separate-stderr fiu posix/io/rw/write 5 \
		range-sum --threads 2 --io-echo 0 100000
	# The client's write or the worker's answer, whichever comes first.
	fails_naming range-sum "--io-echo: " "write: Input/output error"
	run --separate-stderr fiu posix/io/rw/read 5 \
		range-sum --threads 2 --io-echo 0 100000
	# The worker's read or the echo thread's, whichever comes first.
	fails_naming range-sum "--io-echo: " "read: Input/output error"
}

@test "range-sum --io-echo names the connection call that fails" {
	run --separate-stderr inject accept4:1 \
		range-sum --threads 1 --io-echo 0 1000
	fails_naming range-sum "--io-echo: accept" "Too many open files"
	needs_fiu
	run --separate-stderr fiu posix/io/net/socket 24 \
		range-sum --threads 1 --io-echo 0 1000
	fails_naming range-sum "--io-echo: a socket on 127.0.0.1" \
		"Too many open files"
	run --separate-stderr fiu posix/io/net/connect 111 \
		range-sum --threads 1 --io-echo 0 1000
	fails_naming range-sum "--io-echo: connect to 127.0.0.1" \
		"Connection refused"
}

@test "range-sum --shm names the table it cannot mark as being made, and removes it" {
	needs_fiu
	run --separate-stderr fiu posix/io/rw/pwrite 28 range-sum --shm "$T" 0 100
	fails_naming range-sum "table $T: mark it as being made" "No space left"
	nothing_left
}

@test "a producer that cannot open an existing table names it, and the table keeps its records" {
	range-sum --shm "$T" 0 100
	# The first shm_open creates, and finds the table there (EEXIST).
	run --separate-stderr inject shm_open:2 range-sum --shm "$T" 100 200
	fails_naming range-sum "table $T: shm_open" "Too many open files"
	run sum-merge --shm "$T"
	assert_success
	assert_output 4950
	nothing_left
}

@test "range-sum --procs: a worker that fails names why, and its parent the range it lost" {
	run --separate-stderr inject accept4:1 \
		range-sum --procs 1 --io-echo 0 1000
	[ "$status" -eq 1 ] || fail "status $status: $stderr"
	[ -z "$output" ] || fail "a total: $output"
	[ "${#stderr_lines[@]}" -eq 2 ] || fail "stderr: $stderr"
	assert_equal "${stderr_lines[0]}" "range-sum: --io-echo: accept: Too many open files"
	[[ ${stderr_lines[1]} == "range-sum: worker 1 (pid "*") exited with status 1: the range 0 1000 is lost, no total" ]] ||
		fail "stderr: $stderr"
	nothing_left
}

@test "sum-merge --shm that cannot remove the table it read gives its records back to the next reader" {
	range-sum --shm "$T" 0 10
	range-sum --shm "$T" 10 20
	# The first shm_open takes the table; the second checks what the
	# name holds before the unlink, and fails for good (EACCES).
	run --separate-stderr inject shm_open:2:13 sum-merge --shm "$T" --expect 0 20
	fails_naming sum-merge "cannot remove table $T: Permission denied" \
		"its records stay in it for the next sum-merge --shm $T"
	run sum-merge --shm "$T" --expect 0 20
	assert_success
	assert_output 190
	nothing_left
}

@test "sum-merge --mq that cannot remove the queue it read keeps the records read in a file" {
	range-sum --mq "$Q" 0 10
	range-sum --mq "$Q" 10 20
	range-sum --mq "$Q" --stop
	# The first mq_open opens the queue; the second checks what the
	# name holds before the unlink, and fails for good (EACCES).
	run --separate-stderr inject mq_open:2:13 sum-merge --mq "$Q"
	fails_naming sum-merge "cannot remove queue $Q: Permission denied" \
		"; the 2 records read are kept in $TMPDIR/sum-merge."
	file=${stderr##* kept in }
	assert_equal "$(cat "$file")" "$(printf '0 10 45\n10 20 145')"
	rm "$file"
}

@test "sum-merge tries again a check of the name that a passing limit failed, and removes what it read" {
	range-sum --mq "$Q" 0 10
	range-sum --mq "$Q" --stop
	# The second mq_open, the check before the unlink, meets the file
	# limit (EMFILE) once; the third sees the queue.
	run --separate-stderr inject mq_open:2 sum-merge --mq "$Q"
	assert_success
	assert_output 45
	[ -z "$stderr" ] || fail "stderr: $stderr"
	range-sum --shm "$T" 0 10
	run --separate-stderr inject shm_open:2 sum-merge --shm "$T"
	assert_success
	assert_output 45
	nothing_left
}
