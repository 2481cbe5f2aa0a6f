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
	# Where a refusing sum-merge --mq or --shm keeps the records it read.
	export TMPDIR=$BATS_TEST_TMPDIR
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

# procs_segment_mode_root: the mode and owner of the --procs segment of a
# running range-sum, read through /proc/PID/map_files: the object the
# workers really share.  Only root may follow those links.
procs_segment_mode_root() {
	local p mode=
	range-sum --procs 2 0 9e18 3>&- &
	p=$!
	PIDS+=("$p")
	wait_until segment_mode "$p"
	kill -KILL "$p"
	wait "$p" 2>/dev/null || true
	echo "$mode"
}

# procs_segment_mode_user: the same for an ordinary user: a preloaded
# shm_open that calls the real one, then fstat()s the object it opened
# and notes its mode and owner, before range-sum unlinks its name.
procs_segment_mode_user() {
	local d=$BATS_TEST_TMPDIR
	cat >"$d/spy.c" <<-'C'
	#define _GNU_SOURCE
	#include <dlfcn.h>
	#include <fcntl.h>
	#include <stdarg.h>
	#include <stdio.h>
	#include <stdlib.h>
	#include <string.h>
	#include <sys/stat.h>

	int shm_open(const char *name, int flags, mode_t mode)
	{
		int (*real)(const char *, int, mode_t) =
		    (int (*)(const char *, int, mode_t))dlsym(RTLD_NEXT, "shm_open");
		int fd = real(name, flags, mode);
		struct stat st;
		FILE *f;

		if (fd >= 0 && strncmp(name, "/range-sum.", 11) == 0 &&
		    fstat(fd, &st) == 0 && (f = fopen(getenv("SPY_OUT"), "a"))) {
			fprintf(f, "%o %u\n", (unsigned)(st.st_mode & 07777),
			    (unsigned)st.st_uid);
			fclose(f);
		}
		return fd;
	}
	C
	cc -shared -fPIC -o "$d/spy.so" "$d/spy.c" -ldl ||
		fail "cannot build the shm_open spy"
	# umask 0: a mode of 0600 must come from range-sum, not the umask.
	(umask 0 && SPY_OUT=$d/spy.out LD_PRELOAD=$d/spy.so \
	    range-sum --procs 2 0 1e6 >/dev/null) || fail "range-sum failed"
	sort -u "$d/spy.out"
}

@test "the --procs segment is mode 0600 and owned by its user" {
	local mode
	if [ "$(id -u)" -eq 0 ]; then
		mode=$(procs_segment_mode_root)
	else
		[ -z "${RANGETOOLS_SANITIZE:-}" ] ||
			skip "a $RANGETOOLS_SANITIZE build must come first in LD_PRELOAD"
		mode=$(procs_segment_mode_user)
	fi
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
