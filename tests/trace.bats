#!/usr/bin/env bats
# trace.bats: range-sum --trace FILE, the lock's timeline as Chrome Trace
# Event JSON: a valid object whatever happens, the events the format
# promises, hold slices that never overlap, the sums unchanged, a bad path
# refused before any work, and nothing half-written or left behind when a
# signal ends the run.

load test_helper

FAR=9000000000000000000 # a range ending here takes years to loop over

setup() {
	D=$BATS_TEST_TMPDIR/d
	mkdir -p "$D"
	PIDS=()
}

teardown() {
	kill_tree "${PIDS[@]}"
}

# check_trace FILE PYTHON: loads FILE with json.load (so it must be valid
# JSON) into d, its events into ev, and runs PYTHON, whose assertions
# fail the test.  ns(x) turns a ts or dur into integer nanoseconds.
check_trace() {
	python3 - "$1" "$2" <<'PY'
import json, sys
from collections import Counter
with open(sys.argv[1]) as f:
    d = json.load(f)
ev = d["traceEvents"]
def ns(x):
    s = repr(x) if isinstance(x, float) else str(x)
    whole, _, frac = s.partition(".")
    assert len(frac) <= 3, s
    return int(whole) * 1000 + int((frac + "000")[:3])
names = Counter(e["name"] for e in ev)
exec(sys.argv[2])
PY
}

# only_file DIR NAME: DIR holds NAME and nothing else (no temporary file).
only_file() {
	local left
	left=$(ls -A "$1")
	[ "$left" = "$2" ] || fail "expected only '$2' in $1, found: $left"
}

@test "--gil --trace writes valid JSON with a name for each worker" {
	run range-sum --threads 3 --gil --switch-interval 1ms \
		--trace "$D/t.json" 0 1e9
	assert_success
	python3 -m json.tool "$D/t.json" >/dev/null
	check_trace "$D/t.json" '
pid = [e["pid"] for e in ev if e["name"] == "process_name"]
assert len(pid) == 1, pid
assert [e["args"]["name"] for e in ev if e["name"] == "process_name"] == ["range-sum --gil"]
tn = sorted((e["tid"], e["args"]["name"]) for e in ev if e["name"] == "thread_name")
assert tn == [(1, "worker 1"), (2, "worker 2"), (3, "worker 3")], tn
assert {e["pid"] for e in ev} == set(pid)
assert {e.get("tid") for e in ev if e["ph"] == "X"} <= {1, 2, 3}
o = d["otherData"]
assert o["tool"] == "range-sum" and o["threads"] == 3 and o["gil"] is True
assert ns(o["switch_interval_us"]) == 1000000, o
assert o["complete"] is True and "signal" not in o
assert o["events"] == len(ev) and o["dropped_events"] == 0, (o, len(ev))
assert d["displayTimeUnit"] == "ms"
'
	only_file "$D" t.json
}

@test "the hold slices of different threads never overlap" {
	run range-sum --threads 3 --gil --switch-interval 20us \
		--trace "$D/t.json" 0 3e9
	assert_success
	check_trace "$D/t.json" '
h = sorted((ns(e["ts"]), ns(e["ts"]) + ns(e["dur"]), e["tid"])
           for e in ev if e["name"] == "hold")
assert len({t for _, _, t in h}) == 3, "not every thread held the lock"
assert len(h) > 3, len(h)
for a, b in zip(h, h[1:]):
    assert b[0] >= a[1], ("overlap", a, b)
'
}

@test "the switches counter steps up by one at each hand-off" {
	run range-sum --threads 2 --gil --switch-interval 100us \
		--trace "$D/t.json" 0 2e9
	assert_success
	check_trace "$D/t.json" '
c = sorted((ns(e["ts"]), e["args"]["switches"]) for e in ev if e["name"] == "switches")
assert all(e["ph"] == "C" for e in ev if e["name"] == "switches")
v = [n for _, n in c]
assert len(v) > 2, v
assert v == list(range(1, len(v) + 1)), v[:20]
assert d["otherData"]["switches"] == len(v)
# A hand-off starts a hold slice of the thread that took the lock.
holds = {ns(e["ts"]) for e in ev if e["name"] == "hold"}
assert all(t in holds for t, _ in c)
'
}

@test "under contention waiters set drop requests and their waits say how they ended" {
	run range-sum --threads 2 --gil --switch-interval 100us \
		--trace "$D/t.json" 0 2e9
	assert_success
	check_trace "$D/t.json" '
assert names["drop_request"] > 0, names
for e in ev:
    if e["name"] in ("drop_request", "forced_switch"):
        assert e["ph"] == "i" and e["s"] == "t" and e["tid"] in (1, 2), e
w = [e for e in ev if e["name"] == "wait"]
assert w, names
for e in w:
    assert e["ph"] == "X" and ns(e["dur"]) >= 0
    assert e["args"]["acquired"] in (True, False), e
    assert e["args"]["woken"] in ("signal", "timeout"), e
assert any(e["args"]["acquired"] for e in w)
'
}

@test "--io-echo shows as io slices, one round-trip per chunk" {
	traced_sum "$D/echo.json" 163840 --threads 2 --gil --io-echo
	check_trace "$D/echo.json" '
io = [e for e in ev if e["name"] == "io"]
assert len(io) == 10, len(io)
assert d["otherData"]["io_echo"] is True, d["otherData"]
assert d["otherData"]["io_wait_us"] == 0, d["otherData"]
'
}

@test "--io-wait shows as io slices, under the lock and without it" {
	traced_sum "$D/gil.json" 163840 --threads 2 --gil --io-wait 50us
	# 163840 integers are 10 chunks, each followed by one sleep.
	check_trace "$D/gil.json" '
io = [e for e in ev if e["name"] == "io"]
assert len(io) == 10, len(io)
# Each slice is written a nanosecond short (doc/trace-format.md).
assert all(e["ph"] == "X" and ns(e["dur"]) + 1 >= 50000 for e in io), io
assert names["hold"] >= 10 and names["run"] == 0, names
assert d["otherData"]["io_echo"] is False, d["otherData"]
'
	traced_sum "$D/plain.json" 163840 --threads 2 --io-wait 50us
	check_trace "$D/plain.json" '
assert [e["args"]["name"] for e in ev if e["name"] == "process_name"] == ["range-sum --threads"]
assert names["io"] == 10 and names["hold"] == 0 and names["wait"] == 0, names
assert d["otherData"]["gil"] is False
assert "switch_interval_us" not in d["otherData"]
for tid in (1, 2):
    s = sorted((ns(e["ts"]), ns(e["ts"]) + ns(e["dur"]), e["name"])
               for e in ev if e.get("tid") == tid and e["ph"] == "X")
    # run and io take turns, beginning and ending with run.
    assert [n for _, _, n in s] == ["run", "io"] * 5 + ["run"], s
    for a, b in zip(s, s[1:]):
        assert b[0] >= a[1], (a, b)
'
}

@test "the sums are the same with --trace, one trace for every range" {
	run range-sum --threads 2 --gil --switch-interval 50us \
		--trace "$D/t.json" -- -7 3e9
	assert_success
	assert_output "$(pysum -7 3000000000)"
	run range-sum --threads 3 --trace "$D/t.json" -t 5 1e9
	assert_success
	assert_output "5 1000000000 $(pysum 5 1000000000)"
	printf '0 1e9\n-5 5\n10 2e9\n' >"$D/in"
	run range-sum --threads 2 --gil --switch-interval 1ms \
		--trace "$D/t.json" <"$D/in"
	assert_success
	assert_output "$(pysum 0 1000000000)
$(pysum -5 5)
$(pysum 10 2000000000)"
	check_trace "$D/t.json" '
# Three ranges, each starts with a take of the lock by each of 2 workers.
assert names["thread_name"] == 2 and names["hold"] >= 6, names
assert d["otherData"]["complete"] is True
'
}

@test "the trace gets an ordinary file's mode, and a link's target is replaced" {
	(umask 027 && range-sum --threads 2 --trace "$D/t.json" 0 10 >/dev/null)
	[ "$(stat -c %a "$D/t.json")" = 640 ]
	mkdir "$D/real"
	ln -s real/t.json "$D/link.json"
	echo old >"$D/real/t.json"
	run range-sum --threads 2 --trace "$D/link.json" 0 10
	assert_success
	[ -L "$D/link.json" ]
	check_trace "$D/real/t.json" 'assert names["thread_name"] == 2'
	only_file "$D/real" t.json
}

@test "--trace to a path that cannot be written is one error before any work" {
	touch "$D/file"
	# Work would print a sum: an error must come before it.
	run --separate-stderr range-sum --threads 2 --gil \
		--trace "$D/missing/t.json" 0 1e6
	assert_fails_with 1 range-sum
	assert_stderr_has "No such file or directory"
	run --separate-stderr range-sum --threads 2 --trace "$D" 0 1e6
	assert_fails_with 1 range-sum
	assert_stderr_has "Is a directory"
	run --separate-stderr range-sum --threads 2 --trace "$D/file/t.json" 0 1e6
	assert_fails_with 1 range-sum
	assert_stderr_has "Not a directory"
	run --separate-stderr range-sum --threads 2 --trace /dev/null 0 1e6
	assert_fails_with 1 range-sum
	assert_stderr_has "not a regular file"
	only_file "$D" file
}

@test "--trace to a directory that refuses writes is one error" {
	[ "$(id -u)" -ne 0 ] || skip "root writes to any directory"
	mkdir "$D/ro"
	chmod 555 "$D/ro"
	run --separate-stderr range-sum --threads 2 --trace "$D/ro/t.json" 0 1e6
	assert_fails_with 1 range-sum
	assert_stderr_has "Permission denied"
}

@test "--trace with --procs, without --threads or with no name is a usage error" {
	run --separate-stderr range-sum --procs 2 --trace "$D/t.json" 0 10
	assert_fails_with 2 range-sum
	assert_stderr_has "--trace cannot be used with --procs"
	run --separate-stderr range-sum --trace "$D/t.json" 0 10
	assert_fails_with 2 range-sum
	assert_stderr_has "--trace needs --threads"
	run --separate-stderr range-sum --threads 2 --trace '' 0 10
	assert_fails_with 2 range-sum
	run --separate-stderr range-sum --threads 2 --trace
	assert_fails_with 2 range-sum
	only_file "$D" ""
}

@test "an error after the trace is opened leaves no file behind" {
	# A table that other users may write is refused after --trace opened
	# its file (see range-sum(1), --shm).
	local t
	t=$(ipc_name t)
	python3 - "$t" <<-'PY'
	import ctypes, ctypes.util, os, sys
	rt = ctypes.CDLL(ctypes.util.find_library("rt") or "librt.so.1")
	fd = rt.shm_open(sys.argv[1].encode(), os.O_CREAT | os.O_RDWR, 0o600)
	assert fd >= 0
	os.fchmod(fd, 0o666)
	PY
	run --separate-stderr range-sum --threads 2 --trace "$D/t.json" \
		--shm "$t" 0 10
	ipc_cleanup "$t"
	assert_fails_with 1 range-sum
	assert_stderr_has "writable by other users"
	only_file "$D" ""
}

@test "range-sum --trace is memcheck clean" {
	[ -z "${RANGETOOLS_SANITIZE:-}" ] ||
		skip "valgrind cannot run a $RANGETOOLS_SANITIZE build"
	[ -z "${RANGETOOLS_CORE:-}" ] || skip "valgrind runs in make check"
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	run --separate-stderr valgrind -q --error-exitcode=99 \
		--leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect \
		--suppressions="$BATS_TEST_DIRNAME/valgrind.supp" \
		range-sum --threads 2 --gil --io-wait 10us --trace "$D/t.json" 0 1e6
	assert_success
	assert_output "$(pysum 0 1000000)"
	[ -z "$stderr" ] || fail "$stderr"
	check_trace "$D/t.json" 'assert names["io"] > 0'
}

# interrupt SIG STATUS [OPTION...]: SIG ends a long traced run, which
# leaves a valid JSON that says so, and no temporary file.
interrupt() {
	local rc=0 sig=$1 want=$2
	shift 2
	env --default-signal=INT range-sum --threads 2 --gil \
		--switch-interval 1ms --trace "$D/t.json" "$@" 0 "$FAR" \
		>"$BATS_TEST_TMPDIR/out" 3>&- &
	local p=$!
	PIDS+=("$p")
	wait_until compgen -G "$D/t.json.*"
	# Main, the signal thread and the two workers: the run is under way.
	wait_until threads_are "$p" 4
	kill -"$sig" "$p"
	wait "$p" || rc=$?
	[ "$rc" -eq "$want" ] || fail "status $rc"
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	only_file "$D" t.json
	check_trace "$D/t.json" "
o = d['otherData']
assert o['complete'] is False and o['signal'] == 'SIG$sig', o
# Every event the workers recorded is in the file.
assert o['events'] == len(ev), (o, len(ev))
assert names['thread_name'] == 2
"
}

@test "SIGINT leaves a valid JSON up to that point and no temporary file" {
	interrupt INT 130
}

@test "SIGTERM leaves a valid JSON up to that point and no temporary file" {
	interrupt TERM 143
}

@test "SIGHUP to a traced --mq producer completes the trace and tells the queue's reader" {
	local q
	q=$(ipc_name q)
	interrupt HUP 129 --mq "$q"
	# With no reader yet, the queue keeps ABORT for it (rangetools(7)).
	run --separate-stderr sum-merge --mq "$q" --timeout 0
	[ "$status" -eq 3 ] || fail "status $status: $stderr"
	[[ $stderr == *"was interrupted by SIGHUP"* ]] || fail "$stderr"
	run "$BATS_TEST_DIRNAME/ipc-probe" mq "$q"
	ipc_cleanup "$q"
	[ "$status" -eq 1 ] || fail "queue $q is still there"
}

@test "a closed stdout (SIGPIPE) leaves a valid JSON and no temporary file" {
	# Ranges enough to fill stdout's buffer long before the end, to a
	# pipe whose reader is gone before range-sum starts.
	python3 -c 'for i in range(3000): print(0, 10**6)' >"$BATS_TEST_TMPDIR/in"
	run python3 -c '
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
with open(sys.argv[1]) as f:
    p = subprocess.run(sys.argv[2:], stdin=f, stdout=w, restore_signals=True)
print(p.returncode)' "$BATS_TEST_TMPDIR/in" range-sum --threads 2 --gil \
		--trace "$D/t.json"
	assert_output -13
	only_file "$D" t.json
	check_trace "$D/t.json" '
assert d["otherData"]["complete"] is False, d["otherData"]
assert d["otherData"]["signal"] == "SIGPIPE"
assert d["otherData"]["events"] == len(ev)
'
}
