#!/usr/bin/env bats
#
# Seeing the lock: bench/gil_record.py writes a valid trace of CPython's
# GIL, and bench/gil_analyze.py reads the right figures out of a trace.

load test_helper

setup() {
	REC="$RANGETOOLS_REPO/bench/gil_record.py"
	ANA="$RANGETOOLS_REPO/bench/gil_analyze.py"
	PIDS=()
}

teardown() {
	kill_tree "${PIDS[@]}"
}

# field FILE EXPR: EXPR evaluated over the trace in FILE (as d).
field() {
	python3 -c "import json, sys; d = json.load(open(sys.argv[1])); \
print($2)" "$1"
}

@test "range-sum --io-threads: the sum stays exact" {
	run --separate-stderr range-sum --threads 2 --gil --switch-interval 100us \
	    --io-wait 10us --io-threads 2 --stats -- -3 1000003
	assert_success
	assert_output "$(pysum -3 1000003)"
	# Only the two summing workers report.
	[ "$(grep -c '^range-sum: worker ' <<<"$stderr")" -eq 2 ]
}

@test "range-sum --io-threads --io-echo: the sum stays exact" {
	run --separate-stderr range-sum --threads 2 --gil --switch-interval 100us \
	    --io-echo --io-threads 2 --stats -- -3 1000003
	assert_success
	assert_output "$(pysum -3 1000003)"
	[ "$(grep -c '^range-sum: worker ' <<<"$stderr")" -eq 2 ]
}

@test "range-sum --io-echo: a TCP connection and a client thread per worker" {
	range-sum --threads 2 --io-echo 0 9000000000000000000 </dev/null \
		>"$BATS_TEST_TMPDIR/out" 2>/dev/null 3>&- &
	local p=$!
	PIDS+=("$p")
	# The main thread, the signal thread (stopsig.c), two workers and
	# their two clients, and the two ends of a connection on 127.0.0.1
	# per worker, no listening socket.
	wait_until threads_are "$p" 6
	[ "$(find "/proc/$p/fd" -lname 'socket:*' | wc -l)" -eq 4 ]
	# Both ends of each are this process's: 127.0.0.1 to 127.0.0.1.
	[ "$(python3 - "$p" <<'PY'
import os, sys
inodes = {os.readlink("/proc/%s/fd/%s" % (sys.argv[1], fd))[8:-1]
          for fd in os.listdir("/proc/%s/fd" % sys.argv[1])
          if os.readlink("/proc/%s/fd/%s" % (sys.argv[1], fd)).startswith("socket:")}
n = 0
for line in open("/proc/%s/net/tcp" % sys.argv[1]).readlines()[1:]:
    f = line.split()
    if f[9] in inodes and f[1].startswith("0100007F") and \
            f[2].startswith("0100007F") and f[3] == "01":
        n += 1
print(n)
PY
)" -eq 4 ]
	kill -TERM "$p"
	wait_until exited "$p"
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
}

@test "range-sum --io-threads: needs --gil and --io-wait or --io-echo, 1 to 1024" {
	for bad in "--threads 2 --io-wait 1us --io-threads 1" \
	    "--threads 2 --io-echo --io-threads 1" \
	    "--threads 2 --gil --io-threads 1" \
	    "--threads 2 --gil --io-wait 1us --io-echo" \
	    "--threads 2 --gil --io-echo --io-wait 1us --io-threads 1" \
	    "--threads 2 --gil --io-wait 1us --io-threads 0" \
	    "--threads 2 --gil --io-wait 1us --io-threads 1025"; do
		run --separate-stderr range-sum $bad 0 10
		assert_failure 2
		assert_one_stderr_line_from range-sum
		[ -z "$output" ]
	done
}

# cpu_per_wall ARGS...: range-sum ARGS' CPU time (all threads, user and
# system) over its wall time, from getrusage of the child.
cpu_per_wall() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys, time
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
subprocess.run(["range-sum"] + sys.argv[1:], stdout=subprocess.DEVNULL,
               check=True)
t1 = time.monotonic()
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
print("%.3f" % (cpu / (t1 - t0)))
PY
}

# The lock lets one thread run at a time, and a waiter sleeps on the
# condition variable: CPU time stays close to wall time.  At most 1.1:
# one running thread and a waiter that wakes once an interval stay under
# 1.02, while two threads without the lock give about 2 on two idle
# cores (and still 1.1 when other work leaves them one core and a bit).
# At least half of what one thread alone gets, measured beside it: other
# work on the machine lowers both.
@test "under --gil, CPU time is close to wall time" {
	only_in_check
	local one gil
	one=$(cpu_per_wall 0 1e10)
	gil=$(cpu_per_wall --threads 2 --gil 0 1e10)
	python3 -c "import sys; one, gil = float(sys.argv[1]), float(sys.argv[2])
assert gil <= 1.1, 'CPU/wall %.2f under --gil: threads ran at once' % gil
assert gil >= one / 2, 'CPU/wall %.2f under --gil, %.2f alone' % (gil, one)" \
		"$one" "$gil" || fail "one thread $one, --gil $gil"
}

# handoffs INTERVAL FILE: traces --threads 2 --gil at INTERVAL into FILE
# and prints "waits p10 fastest switches span forced": how many waits
# timed out, the fastest tenth of them and the fastest, in microseconds,
# the hand-offs, the time they spread over, and the forced switches.
handoffs() {
	range-sum --threads 2 --gil --switch-interval "$1" --trace "$2" \
		0 1e10 >/dev/null
	python3 - "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
waits = sorted(e["dur"] for e in ev
               if e["name"] == "wait" and e["args"]["woken"] == "timeout")
holds = [e for e in ev if e["name"] == "hold"]
span = max(e["ts"] + e["dur"] for e in holds) - min(e["ts"] for e in holds)
forced = sum(e["name"] == "forced_switch" for e in ev)
print(len(waits), waits[len(waits) // 10] if waits else 0,
      waits[0] if waits else 0, d["otherData"]["switches"], span, forced)
PY
}

# A waiter gives the holder one interval, then asks for the lock: each
# timed-out wait lasts the interval (never less; the fastest come within
# the timer's slack, however busy the machine), and no more hand-offs
# happen than intervals fit in the run.  How soon the holder lets go
# after the request is the scheduler's on a busy machine: not asserted.
# A forced switch (the holder that dropped on request waits until the
# waiter has the lock) shows only when the dropper runs on before the
# woken waiter does; on a busy machine the waiter's wake-up often
# preempts it, so up to five runs look for one.
@test "at --switch-interval 100us with 2 threads a forced switch happens, and the hand-offs follow the interval" {
	only_in_check
	local a b i
	for i in 1 2 3 4 5; do
		a=$(handoffs 100us "$BATS_TEST_TMPDIR/a.json")
		[ "${a##* }" -eq 0 ] || break
	done
	b=$(handoffs 1ms "$BATS_TEST_TMPDIR/b.json")
	python3 - $a $b <<'PY' || fail "100us: $a; 1ms: $b"
import sys
v = [float(x) for x in sys.argv[1:]]
for (n, p10, low, switches, span, forced), us in ((v[:6], 100), (v[6:], 1000)):
    assert n >= 10, "only %d timed-out waits at %d us" % (n, us)
    assert low >= us, "a wait of %.1f us timed out before %d us" % (low, us)
    assert p10 <= 3 * us, "the fastest waits take %.1f us, not %d" % (p10, us)
    assert switches <= span / us + 2, \
        "%d hand-offs in %.0f us, more than intervals" % (switches, span)
assert v[5] >= 1, "no forced switch at 100 us"
# The same run, the interval ten times longer: waits ten times longer.
assert v[7] >= 3 * v[1], "p10 %.1f us at 1 ms, %.1f us at 100 us" % (v[7], v[1])
PY
}

@test "gil_record.py: a short run is a valid trace of two threads" {
	run python3 "$REC" -t 2 -s 100us --end 300000 --block 100 \
	    -o "$BATS_TEST_TMPDIR/t.json"
	assert_success
	run python3 "$ANA" --check "$BATS_TEST_TMPDIR/t.json"
	assert_success
	t="$BATS_TEST_TMPDIR/t.json"
	run field "$t" 'd["otherData"]["tool"], d["otherData"]["threads"], d["otherData"]["switch_interval_us"], d["displayTimeUnit"]'
	assert_output "cpython-recorder 2 100.0 ms"
	# Both workers are named and held the lock.
	run field "$t" 'sorted({e["tid"] for e in d["traceEvents"] if e["name"] == "hold"}), sorted(e["args"]["name"] for e in d["traceEvents"] if e["name"] == "thread_name")'
	assert_output "[1, 2] ['worker 1', 'worker 2']"
	# One switches counter per hand-off, numbered 1, 2, ...
	run field "$t" '[e["args"]["switches"] for e in d["traceEvents"] if e["name"] == "switches"] == list(range(1, d["otherData"]["switches"] + 1))'
	assert_output "True"
}

@test "gil_record.py --io: one io slice per round-trip" {
	run python3 "$REC" -t 1 --io --roundtrips 25 -s 1ms \
	    -o "$BATS_TEST_TMPDIR/io.json"
	assert_success
	run python3 "$ANA" --check "$BATS_TEST_TMPDIR/io.json"
	assert_success
	run field "$BATS_TEST_TMPDIR/io.json" '[e["tid"] for e in d["traceEvents"] if e["name"] == "io"] == [1] * 25'
	assert_output "True"
}

@test "gil_record.py: bad arguments are refused" {
	run python3 "$REC" -t 0
	assert_failure
	run python3 "$REC" -s 0
	assert_failure
}

# A hand-made trace: 1 ms; holds t1 0-100, t2 100-300, t1 300-400 and
# 400-500 (a retake, not a hand-off), t2 500-1000; one failed wake-up of
# t2; t1 sleeps in io 100-150 (lock back at 300) and 500-600 (never).
handmade() {
	cat <<'EOF'
{"traceEvents":[
{"name":"process_name","ph":"M","pid":0,"tid":0,"args":{"name":"range-sum --gil"}},
{"name":"thread_name","ph":"M","pid":0,"tid":1,"args":{"name":"worker 1"}},
{"name":"thread_name","ph":"M","pid":0,"tid":2,"args":{"name":"worker 2"}},
{"name":"hold","ph":"X","ts":0,"dur":100,"pid":0,"tid":1},
{"name":"wait","ph":"X","ts":0,"dur":50,"pid":0,"tid":2,"args":{"acquired":false,"woken":"signal"}},
{"name":"wait","ph":"X","ts":50,"dur":50,"pid":0,"tid":2,"args":{"acquired":true,"woken":"timeout"}},
{"name":"io","ph":"X","ts":100,"dur":50,"pid":0,"tid":1},
{"name":"hold","ph":"X","ts":100,"dur":200,"pid":0,"tid":2},
{"name":"wait","ph":"X","ts":150,"dur":150,"pid":0,"tid":1,"args":{"acquired":true,"woken":"signal"}},
{"name":"hold","ph":"X","ts":300,"dur":100,"pid":0,"tid":1},
{"name":"hold","ph":"X","ts":400,"dur":100,"pid":0,"tid":1},
{"name":"io","ph":"X","ts":500,"dur":100,"pid":0,"tid":1},
{"name":"hold","ph":"X","ts":500,"dur":500,"pid":0,"tid":2}
],"displayTimeUnit":"ms","otherData":{"tool":"range-sum","switch_interval_us":50,"threads":2,"wall_us":1000}}
EOF
}

@test "gil_analyze.py: the figures of a hand-made trace" {
	handmade >"$BATS_TEST_TMPDIR/h.json"
	run python3 "$ANA" --check --json "$BATS_TEST_TMPDIR/h.json"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/r.json"
	run python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))
print(r["holds"], r["handoffs"], r["handoffs_per_s"], r["hold_p50_us"],
      r["hold_p99_us"], r["share"], r["failed_wakeups"], r["badness"],
      r["io_roundtrips"], r["io_p50_us"], r["io_p99_us"], r["io_total_ms"])' \
	    "$BATS_TEST_TMPDIR/r.json"
	# 3 hand-offs in 1 ms; holds 100 100 100 200 500 us; 300 and 700 us
	# held; 1 failed wake-up in 3 hand-offs; io back after 200 and 100 us.
	assert_output "5 3 3000.0 100 500 {'1': 0.3, '2': 0.7} 1 $(py 1/3) 2 100 200 0.3"
}

@test "gil_analyze.py --check: overlapping holds and missing names fail" {
	handmade | sed 's/"ts":300,"dur":100/"ts":250,"dur":150/' \
	    >"$BATS_TEST_TMPDIR/o.json"
	run python3 "$ANA" --check "$BATS_TEST_TMPDIR/o.json"
	assert_failure
	assert_output --partial "overlaps"
	handmade | grep -v process_name >"$BATS_TEST_TMPDIR/n.json"
	run python3 "$ANA" --check "$BATS_TEST_TMPDIR/n.json"
	assert_failure
	assert_output --partial "process_name"
	# Without --check the same figures are printed all the same.
	run python3 "$ANA" "$BATS_TEST_TMPDIR/n.json"
	assert_success
}

@test "make demo: free-threaded Python rows when PYTHON_FT names one" {
	# A stand-in that says it has no GIL and runs python3.
	cat >"$BATS_TEST_TMPDIR/ft" <<'SH'
#!/bin/sh
case "$2" in *_is_gil_enabled*) [ "$PYTHON_GIL" = 0 ]; exit ;; esac
exec python3 "$@"
SH
	chmod +x "$BATS_TEST_TMPDIR/ft"
	PYTHON_FT="$BATS_TEST_TMPDIR/ft" run --separate-stderr \
	    "$RANGETOOLS_REPO/examples/article.sh" 1e7 1e5
	assert_success
	assert_line --regexp "^Free-threaded Python [0-9.]+.* \(.*/ft, PYTHON_GIL=0\) sums \[0, 1e5\):\$"
	assert_line --regexp '^1 thread +1 +[0-9.]+ +[0-9.]+ +1\.00x$'
	assert_line --regexp '^2 threads, no GIL +2 +[0-9.]+ +[0-9.]+ +[0-9.]+x$'
	assert_line --regexp '^2 processes +2 +[0-9.]+ +[0-9.]+ +[0-9.]+x$'
}

@test "make demo: no free-threaded Python, no rows, a note" {
	PYTHON_FT=python3 run --separate-stderr \
	    "$RANGETOOLS_REPO/examples/article.sh" 1e7 1e5
	assert_success
	assert_line "(python3 is not a free-threaded Python: no rows without the GIL)"
	refute_line --partial "Free-threaded Python"
}

@test "echo_server.py: CPython's echo server answers its client beside a CPU thread" {
	run python3 "$BATS_TEST_DIRNAME/../bench/echo_server.py" -c 1 -s 1ms \
	    -t 0.3
	assert_success
	[[ $output =~ ^rps\ [0-9.]+\ ([0-9]+)\ [0-9.]+$ ]] ||
		fail "not an rps line: $output"
	[ "${BASH_REMATCH[1]}" -gt 0 ]
}

@test "make gil without a CPython skips the echo server's rows in one line" {
	PYTHON=$BATS_TEST_TMPDIR/no-python run --separate-stderr \
	    python3 "$BATS_TEST_DIRNAME/../bench/gil.py" --only-echo \
	    --out "$BATS_TEST_TMPDIR/out"
	assert_success
	[ "$(grep -c 'skipped' <<<"$output")" -eq 1 ]
	assert_line --regexp "^echo server: CPython's rows skipped: .*no-python"
	[ ! -e "$BATS_TEST_TMPDIR/out/echo.csv" ]
}
