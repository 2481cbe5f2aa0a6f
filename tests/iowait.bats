#!/usr/bin/env bats
# iowait.bats: --io-wait D blocks for D, within 10% or 5 us, whichever is
# larger, as the median of the trace's io slices measures it; --stats
# reports the median taken; a wait shorter than the machine can honour
# is accepted and reported as it was.

load test_helper

setup() {
	D=$BATS_TEST_TMPDIR/d
	mkdir -p "$D"
}

# median_ok WAIT_NS ARGS...: runs range-sum ARGS --io-wait WAIT_NS ns
# with --trace over [0, ${END:-4e6}) and checks the io slices' median: not below the wait, and
# not beyond it by more than 10% or 5 us; with SPUN=1, a wait short
# enough to be spun whole, by more than 10% plus the median slice of a
# 1 ns wait (the call and its stamps alone, measured first, in the same
# conditions: under qemu or load it is longer).  The median shrugs off the
# calls a busy machine preempts; only if more than half of them were
# hit does the check fail, and then it tries again, up to three runs
# (a loaded 2-core machine can starve a thread for a whole time slice,
# and other test runs share it).  Prints the medians to fd 3.
median_ok() {
	local ns=$1 try floor=
	shift
	for try in 1 2 3; do
		if [ "${SPUN:-}" = 1 ]; then
			run range-sum "$@" --io-wait 1ns --trace "$D/f.json" \
				0 "${END:-4e6}"
			assert_success
			floor=$D/f.json
		fi
		run range-sum "$@" --io-wait "${ns}ns" --trace "$D/t.json" \
			0 "${END:-4e6}"
		assert_success
		run python3 - "$D/t.json" "$ns" "$floor" <<'PY'
import json, statistics, sys
def median_io(path):
    ev = json.load(open(path))["traceEvents"]
    # The trace writes each dur a nanosecond short: add it back.
    io = [e["dur"] + 0.001 for e in ev if e["name"] == "io"]
    assert len(io) >= 100, len(io)
    return statistics.median(io), len(io)
want = int(sys.argv[2]) / 1000
med, n = median_io(sys.argv[1])
if sys.argv[3]:
    floor = median_io(sys.argv[3])[0]
    bound = want + 0.1 * want + floor
    print("1 ns wait: median %.3f us; " % floor, end="")
else:
    bound = want + max(0.1 * want, 5.0)
print("io-wait %g us: median %.3f us of %d calls (at most %.3f)" % (want, med, n, bound))
sys.exit(0 if want <= med <= bound else 1)
PY
		echo "# try $try: $output" >&3
		[ "$status" -eq 0 ] && return 0
	done
	fail "the io slices' median is out of bounds: $output"
}

# Spun whole (shorter than the sleep's lead): within 10% and the cost of
# the call itself, not the 5 us a sleep is allowed.
@test "--io-wait 1us blocks for 1 us" {
	SPUN=1 median_ok 1000 --threads 2
}

@test "--io-wait 20us blocks for 20 us" {
	median_ok 20000 --threads 2
}

@test "--io-wait 1ms blocks for 1 ms" {
	# 244 chunks of 16384: a quarter of a second of waits.
	median_ok 1000000 --threads 1
}

@test "--io-wait under the lock blocks as long, and the lock is free meanwhile" {
	# The I/O thread waits as long as the summing lasts: 1e9 integers
	# give it about 470 calls with the AVX-512 kernel on a Sapphire
	# Rapids core (1e8 gave 36, too few for the median's 100).
	END=1e9 median_ok 20000 --threads 2 --gil --io-threads 1 \
		--switch-interval 50us
	python3 - "$D/t.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
by = {}
for e in ev:
    if e["ph"] == "X" and e["name"] in ("hold", "io"):
        by.setdefault(e["tid"], []).append(e)
# No thread holds the lock during one of its own io slices.
for tid, sl in by.items():
    holds = [(e["ts"], e["ts"] + e["dur"]) for e in sl if e["name"] == "hold"]
    for e in sl:
        if e["name"] == "io":
            a, b = e["ts"], e["ts"] + e["dur"]
            assert not any(x < b and a < y for x, y in holds), (tid, e)
PY
}

@test "--stats reports the median wait taken, as the trace measures it" {
	run --separate-stderr range-sum --threads 2 --io-wait 50us --stats \
		--trace "$D/t.json" 0 4e6
	assert_success
	line=$(printf '%s\n' "$stderr" | grep '^range-sum: io calls: ')
	[[ $line =~ ^range-sum:\ io\ calls:\ ([0-9]+),\ median\ ([0-9.]+)\ us\ \(asked\ 50.000\ us\)$ ]] ||
		fail "no io line: $stderr"
	python3 - "$D/t.json" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" <<'PY'
import json, statistics, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
io = [e["dur"] for e in ev if e["name"] == "io"]
calls, med = int(sys.argv[2]), float(sys.argv[3])
assert calls == len(io), (calls, len(io))
# The slice also spans the stamps around the call: a few hundred ns.
assert abs(med - statistics.median(io)) <= 0.01 * med + 1, (med, statistics.median(io))
PY
}

@test "--io-wait shorter than the machine can honour is accepted and --stats says what it got" {
	run --separate-stderr range-sum --threads 1 --io-wait 1ns --stats \
		--trace "$D/t.json" 0 1e6
	assert_success
	assert_output "$(pysum 0 1000000)"
	assert_stderr_has "(asked 0.001 us)"
	[[ $stderr =~ io\ calls:\ 62,\ median\ ([0-9.]+)\ us ]] ||
		fail "no io line: $stderr"
	# What it got: at least the nanosecond asked, and no more than the
	# trace's slices, which hold each call and the stamps around it.
	python3 - "$D/t.json" "${BASH_REMATCH[1]}" <<'PY'
import json, statistics, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
io = [e["dur"] + 0.001 for e in ev if e["name"] == "io"]
med = float(sys.argv[2])
assert len(io) == 62, len(io)
assert 0.001 <= med <= statistics.median(io) + 0.001, (med, statistics.median(io))
PY
}

@test "--io-echo with --stats reports the round-trips' median" {
	run --separate-stderr range-sum --threads 1 --io-echo --stats 0 1e6
	assert_success
	[[ $stderr =~ io\ calls:\ 62,\ median\ [0-9.]+\ us$'\n' ]] ||
		[[ $stderr =~ io\ calls:\ 62,\ median\ [0-9.]+\ us$ ]] ||
		fail "no io line: $stderr"
}

# echo_calls ARGS...: runs range-sum ARGS under strace and prints, for the
# worker (the thread main started first) and for the thread that worker
# started (its --io-echo client), a line "worker" or "client" and then
# its one-byte reads and writes in order, "r" or "w" each.
echo_calls() {
	command -v strace >/dev/null || skip "no strace (apt-get install strace)"
	strace -qq -o /dev/null true 2>/dev/null ||
		skip "strace cannot trace here (ptrace refused)"
	# LeakSanitizer cannot work under ptrace: no leak check here.
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
		strace -f -qq -o "$D/st" -e trace=read,write,clone,clone3 \
		-e signal=none range-sum "$@" >/dev/null
	python3 - "$D/st" <<'PY'
import re, sys
born, calls = {}, {}
for line in open(sys.argv[1]):
    m = re.match(r"(\d+) +(clone3?|read|write)\((\d+)?", line)
    if not m:
        continue
    pid, call = int(m.group(1)), m.group(2)
    if call.startswith("clone"):
        t = re.search(r"= (\d+)$", line.strip())
        if t:
            born.setdefault(pid, []).append(int(t.group(1)))
        continue
    # One byte: a write shows its count; a read its count when whole.
    if re.search(r", 1\)( = 1)?", line) or "<unfinished" in line:
        calls.setdefault(pid, []).append(call[0])
main = min(born)
# The main thread starts the signal thread (stopsig.c) and the worker;
# the worker is the one that starts a thread of its own, its client.
worker = next(t for t in born[main] if t in born)
client = born[worker][0]
print("worker", "".join(calls.get(worker, [])))
print("client", "".join(calls.get(client, [])))
PY
}

# Skvortsov's echo server: the client sends, the worker (the server)
# receives first and answers, one request per chunk: its two blocking
# calls are recv() and sendall(), in that order.
@test "--io-echo: the worker serves its client's requests, a read then a write per chunk" {
	run echo_calls --threads 1 --io-echo 0 49152
	assert_success
	assert_line "worker rwrwrw"
	# Four requests, the last one's read of an answer meeting EOF.
	assert_line "client wrwrwrwr"
	run echo_calls --threads 1 --gil --switch-interval 1ms --io-echo \
		0 32768
	assert_success
	assert_line "worker rwrw"
}
