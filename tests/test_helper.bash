# tests/test_helper.bash: shared set-up for the rangetools bats suite.
#
# Every .bats file starts with `load test_helper`.  The programs under test
# come from ${RANGETOOLS_BIN:-<repo>/bin}, first on PATH, so that another
# build (a sanitizer build, an installed copy) can reuse the same suite.
#
# The suite is hermetic, as rbenv's is: PATH is that directory and the
# system's own (the daemons' sbin ones too), nothing the user put first
# (a pyenv python3, a stray range-sum); HOME is an empty directory of the
# test's; and the variables the programs read are unset.
#
# Quick and slow: make test sets RANGETOOLS_QUICK=1 and aims to stay within
# a minute here (doc/testing.md).  A test of more than about 2 s that only
# needs to run before a submission (a sweep over many counts, a bulk
# seeded run, a long transcript, a timing check) starts with
#	only_in_check
# and make test skips it, saying so; make check runs it.  Keep a quick
# representative of its kind in make test, or sample a sweep with
# $(quick_or FULL FEW): FEW cases under make test, FULL under make check.
# `bats --timing` shows what a test takes; make check ends with the ten
# slowest.

# run --separate-stderr needs bats-core 1.5.
bats_require_minimum_version 1.5.0

# bats-support, then bats-assert: the files their load.bash sources, but
# without its $(dirname ...) for each, fifteen processes in every test
# (each test is a process of its own that loads this file again): they
# cost 27 ms of CPU a test here, a sixth of make test.
for f in /usr/lib/bats/bats-support/src/*.bash \
	/usr/lib/bats/bats-assert/src/*.bash; do
	source "$f"
done
unset f
load proc_helper

# One test after another within a file, unless the file sets
# RANGETOOLS_SIDE_BY_SIDE=1 before it loads this: under bats --jobs the
# files run side by side, and so would each file's tests, at some 40 ms
# of CPU a test in bats' own semaphore (some ten processes each: find,
# wc, flock, bash, touch, rm), a quarter of make test here.  Side by side pays in a file whose tests
# mostly wait: for a hint after 2 s, for a queue nothing comes to.
[ -n "${RANGETOOLS_SIDE_BY_SIDE:-}" ] || BATS_NO_PARALLELIZE_WITHIN_FILE=true

RANGETOOLS_REPO="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
export RANGETOOLS_REPO
PATH="${RANGETOOLS_BIN:-$RANGETOOLS_REPO/bin}"
PATH+=":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export PATH
HOME="${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${BATS_RUN_TMPDIR:-/tmp}}}/home"
mkdir -p "$HOME"
export HOME
unset RANGETOOLS_KERNEL CDPATH

# Stop mawk, locale number formats and the like from changing what we see.
export LC_ALL=C

# py EXPR...: print the value of a Python 3 expression.  Expected values are
# computed here (arbitrary precision), never with awk (mawk clamps at 2^31).
py() {
	python3 -c "print($*)"
}

# pysum START END: the exact sum of the integers in [START, END), as
# Python would compute it, but by bc (arbitrary precision too): a bc
# costs 2 ms of CPU here, a python3 15, and hundreds of tests call this.
# (s + e - 1) and (e - s) differ in parity, so the division is exact.
pysum() {
	BC_LINE_LENGTH=0 bc <<<"s = $1; e = $2; if (e < s) e = s
(s + e - 1) * (e - s) / 2"
}

# ipc_name [TAG]: a POSIX IPC name (message queue or shared-memory object)
# unique to this test run and test, e.g. /rt-12345-7-q.  Remove what you
# create with ipc_cleanup NAME... in teardown.
ipc_name() {
	printf '/rt-%s-%s%s\n' "$$" "${BATS_TEST_NUMBER:-0}" "${1:+-$1}"
}

# ipc_cleanup NAME...: unlink the message queues and shared-memory objects
# named (absent is fine).  /dev/mqueue is not always mounted, so this asks
# librt directly.
ipc_cleanup() {
	[ "$#" -gt 0 ] || return 0
	# tests/ipc-probe, which make test builds, in a ms a name; python3
	# with ctypes takes 20 ms here, in the teardown of hundreds of tests.
	local probe=$RANGETOOLS_REPO/tests/ipc-probe name
	if [ -x "$probe" ]; then
		for name; do
			"$probe" rm-mq "$name" || true
			"$probe" rm-shm "$name" || true
		done
		return 0
	fi
	python3 - "$@" <<'PY'
import ctypes, ctypes.util, sys
rt = ctypes.CDLL(ctypes.util.find_library("rt") or "librt.so.1")
for name in sys.argv[1:]:
    rt.mq_unlink(name.encode())
    rt.shm_unlink(name.encode())
PY
}

# refuses STATUS PROG ARGS...: PROG ARGS (with the caller's stdin) fails
# with STATUS, prints nothing on stdout and one stderr line from PROG.
refuses() {
	local want=$1
	shift
	run --separate-stderr "$@"
	assert_fails_with "$want" "$1"
}

# assert_one_stderr_line_from PROG: exactly one line on stderr, naming PROG.
# Needs `run --separate-stderr`.
assert_one_stderr_line_from() {
	local prog=$1
	[ "${#stderr_lines[@]}" -eq 1 ] ||
		fail "expected one stderr line, got ${#stderr_lines[@]}: $stderr"
	[[ ${stderr_lines[0]} == "$prog:"* ]] ||
		fail "stderr does not start with '$prog:': $stderr"
}

# inject SPEC CMD...: CMD with tests/inject.so (tests/inject.c) failing
# calls as RT_INJECT=SPEC says.
inject() {
	RT_INJECT=$1 LD_PRELOAD=$RANGETOOLS_REPO/tests/inject.so "${@:2}"
}

# fails_naming PROG OP OBJECT: the last run (--separate-stderr) failed,
# printed no total, and its one stderr line, from PROG, names OP and OBJECT.
fails_naming() {
	[ "$status" -ne 0 ] || fail "succeeded under the fault: $output"
	[ -z "$output" ] || fail "stdout under the fault: $output"
	assert_one_stderr_line_from "$1"
	assert_stderr_has "$2"
	assert_stderr_has "$3"
}

# assert_fails_with STATUS PROG: that status, no stdout, one stderr line from PROG.
assert_fails_with() {
	local want=$1 prog=$2
	[ "$status" -eq "$want" ] ||
		fail "expected status $want, got $status (stderr: $stderr)"
	[ -z "$output" ] || fail "expected empty stdout, got: $output"
	assert_one_stderr_line_from "$prog"
}

# traced_sum FILE END OPTION...: range-sum OPTION... --trace FILE 0 END
# (END in digits) succeeds with the exact sum.
traced_sum() {
	local file=$1 end=$2
	shift 2
	run range-sum "$@" --trace "$file" 0 "$end"
	assert_success
	assert_output "$(pysum 0 "$end")"
}

# assert_quiet_success: status 0, nothing on stdout and nothing on stderr.
# Needs `run --separate-stderr`.
assert_quiet_success() {
	assert_success
	assert_output ""
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

# assert_stderr_has TEXT: $stderr (from run --separate-stderr) contains TEXT.
assert_stderr_has() {
	[[ $stderr == *"$1"* ]] || fail "stderr lacks '$1': $stderr"
}

# kill_tree PID...: SIGKILL each process and every descendant, so that a
# failed test leaves no worker (xargs' range-sum, its forked children)
# burning a core.  Each is stopped first so that it forks no more.
kill_tree() {
	local p kids
	for p in "$@"; do
		kill -STOP "$p" 2>/dev/null || true
		kids=$(pgrep -P "$p" 2>/dev/null) || true
		[ -z "$kids" ] || kill_tree $kids
		kill -KILL "$p" 2>/dev/null || true
	done
}

# wait_until [-t SECONDS] CMD...: polls CMD (poll_until) until it
# succeeds; fails naming CMD if it is still false after SECONDS (default
# 20).  Nothing here is timed: the bound only ends a wait that should
# end much sooner (a daemon's start: -t 60).
wait_until() {
	local secs=20
	if [ "$1" = -t ]; then
		secs=$2
		shift 2
	fi
	poll_until -t "$secs" "$@" && return 0
	fail "never true in ${secs} s: $*"
}

# only_in_check: skips the test under make test (RANGETOOLS_QUICK): it
# only needs to run before a submission, in make check.
only_in_check() {
	[ -z "${RANGETOOLS_QUICK:-}" ] || skip "slow: make check runs it"
}

# quick_or FULL FEW: how many cases a sweep tries: FEW under make test,
# FULL otherwise.
quick_or() {
	if [ -n "${RANGETOOLS_QUICK:-}" ]; then echo "$2"; else echo "$1"; fi
}

# only_root: skips the test unless it runs as root.
only_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to act as another user"
}

# needs_threads: skips a test that starts a thread when make
# check-aarch64's probe found threads hang under this host's qemu-user;
# RANGETOOLS_QEMU_NOTHREADS is then the reason (qemu, kernel).
needs_threads() {
	[ -z "${RANGETOOLS_QEMU_NOTHREADS:-}" ] ||
		skip "$RANGETOOLS_QEMU_NOTHREADS"
}

# needs_fork: the same for a test whose range-sum forks workers (--procs),
# when the probe's forked child hung (RANGETOOLS_QEMU_NOFORK).
needs_fork() {
	[ -z "${RANGETOOLS_QEMU_NOFORK:-}" ] || skip "$RANGETOOLS_QEMU_NOFORK"
}

# children_are PID N: PID has exactly N children.
children_are() {
	[ "$(pgrep -P "$1" | wc -l)" -eq "$2" ]
}

# exited PID: process PID has ended (it may be a zombie nobody reaped yet).
exited() {
	local st
	st=$(ps -o stat= -p "$1") || return 0
	[[ $st == Z* ]]
}

# threads_are PID N: process PID runs exactly N threads.
threads_are() {
	local t
	t=$(ls "/proc/$1/task" 2>/dev/null | wc -l)
	[ "$t" -eq "$2" ]
}

# The probe (make builds it) looks at POSIX IPC objects without creating
# them: /dev/mqueue is not always mounted.
PROBE="$RANGETOOLS_REPO/tests/ipc-probe"
# TABLE_PROBE reads and writes a table's records and count, which lie
# after a pthread mutex whose size is the ABI's: under qemu (make
# check-aarch64) it is the programs' own aarch64 build.  PROBE stays
# native for the rest: the lock word comes first in both ABIs, and
# qemu-user keeps no robust-futex list for a probe that dies holding it.
TABLE_PROBE=$PROBE
if [ -n "${RANGETOOLS_QEMU:-}" ] && [ -x "$RANGETOOLS_BIN/ipc-probe" ]; then
	TABLE_PROBE="$RANGETOOLS_BIN/ipc-probe"
fi

# shm_holds N: the table $T exists and holds N records.
shm_holds() {
	[ "$("$TABLE_PROBE" shm-count "$T" 2>/dev/null)" = "$1" ]
}

# mq_gone NAME: opening the queue without O_CREAT fails with ENOENT.
# Like shm_gone, it leaves the caller's $output and $status alone.
mq_gone() {
	local st=0
	"$PROBE" mq "$1" >/dev/null 2>&1 || st=$?
	[ "$st" -eq 1 ] || fail "queue $1 is still there (probe: $st)"
}

# shm_gone NAME: no shared-memory object and no /dev/shm entry.
shm_gone() {
	local st=0
	"$PROBE" shm "$1" >/dev/null 2>&1 || st=$?
	[ "$st" -eq 1 ] || fail "table $1 is still there (probe: $st)"
	[ ! -e "/dev/shm${1}" ] || fail "/dev/shm$1 is still there"
}
