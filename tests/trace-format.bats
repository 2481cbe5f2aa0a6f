#!/usr/bin/env bats
# trace-format.bats: every trace, the model's and the CPython recorder's,
# as a trace viewer reads it: on each thread slices disjoint or nested
# once ts + dur is added in binary floating point (tests/trace_check.py),
# speedscope importing each kind without a warning, each worker's lane
# fully covered, --trace-max bounding the file, and make gil's file of
# the model and CPython together.

load test_helper

CHECK="$BATS_TEST_DIRNAME/trace_check.py"
RECORD="$BATS_TEST_DIRNAME/../bench/gil_record.py"

setup() {
	D=$BATS_TEST_TMPDIR/d
	mkdir -p "$D"
}

# traced NAME ARGS...: range-sum ARGS over 2e8 with --trace D/NAME.json,
# exact.
traced() {
	traced_sum "$D/$1.json" 200000000 "${@:2}"
}

@test "the model's traces have no nesting violations as a float reader adds ts and dur" {
	traced plain --threads 2
	traced plain-wait1 --threads 2 --io-wait 1us
	traced plain-echo --threads 2 --io-echo
	traced gil-1us --threads 2 --gil --switch-interval 1us
	traced gil-100us --threads 3 --gil --switch-interval 100us
	traced gil-5ms --threads 2 --gil
	traced gil-echo --threads 2 --gil --io-echo --switch-interval 50us
	traced gil-iothr --threads 2 --gil --io-threads 1 --io-wait 1us \
		--switch-interval 20us
	traced gil-iothr-echo --threads 1 --gil --io-threads 2 --io-echo
	run python3 "$CHECK" "$D"/*.json
	assert_success
	refute_output --partial "ends after"
}

@test "the model's traces with longer I/O waits have no nesting violations either" {
	# Their waits end in a spin (src/iowait.c): a second of CPU here.
	# make test keeps the 1 us waits above.
	only_in_check
	traced plain-wait --threads 2 --io-wait 50us
	traced gil-wait --threads 2 --gil --io-wait 20us
	run python3 "$CHECK" "$D"/*.json
	assert_success
	refute_output --partial "ends after"
}

@test "the CPython recorder's traces have no nesting violations, with and without --io" {
	only_in_check
	python3 "$RECORD" -t 2 --end 2e6 -o "$D/cpu.json"
	python3 "$RECORD" -t 2 -s 100us --end 2e6 -o "$D/cpu100.json"
	python3 "$RECORD" -t 1 --io --roundtrips 200 -o "$D/io.json"
	python3 "$RECORD" -t 2 --io --io-sleep 50us --roundtrips 200 \
		-o "$D/sleep.json"
	run python3 "$CHECK" "$D"/*.json
	assert_success
}

@test "the checker counts a slice that ends a hair after the next one begins" {
	# Exact in nanoseconds, but 456.495 + 1.208 is 457.70300000000003
	# in doubles: a join the old writer made.
	cat >"$D/bad.json" <<'JSON'
{"traceEvents":[
{"name":"run","ph":"X","ts":456.495,"dur":1.208,"pid":1,"tid":1},
{"name":"io","ph":"X","ts":457.703,"dur":103.27,"pid":1,"tid":1}]}
JSON
	python3 -c 'assert 456.495 + 1.208 > 457.703'
	run python3 "$CHECK" "$D/bad.json"
	assert_failure
	# Once as Chrome and Perfetto add, once as speedscope does.
	assert_output --partial "2 violations"
}

@test "speedscope, a real viewer, imports each kind of trace without a warning" {
	# The viewer comes from the npm registry and runs in Chromium, nine
	# imports in a minute: make check's, not the core suite's.
	[ -z "${RANGETOOLS_CORE:-}" ] || skip "the viewer runs in make check"
	traced plain --threads 2 --io-wait 20us
	traced echo --threads 2 --io-echo
	traced gil --threads 2 --gil --switch-interval 20us
	traced gil-wait --threads 2 --gil --io-wait 20us --io-threads 1
	traced gil-echo --threads 2 --gil --io-echo --io-threads 1
	python3 "$RECORD" -t 2 -s 100us --end 2e6 -o "$D/cpython.json"
	python3 "$RECORD" -t 1 --io --roundtrips 200 -o "$D/cpython-io.json"
	python3 "$RECORD" -t 1 --io --io-sleep 50us --roundtrips 200 \
		-o "$D/cpython-sleep.json"
	# make gil's file of both, two processes.
	mkdir "$D/both"
	cp "$D/gil.json" "$D/both/model-t2-100us.json"
	cp "$D/cpython.json" "$D/both/cpython-t2-100us.json"
	python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import gil; gil.together(sys.argv[2])' \
		"$BATS_TEST_DIRNAME/../bench" "$D/both" >/dev/null
	run "$BATS_TEST_DIRNAME/speedscope_import.sh" "$D"/*.json \
		"$D/both/together.json"
	if [ "$status" -eq 77 ]; then
		[ -z "${RANGETOOLS_REQUIRE_VIEWER:-}" ] ||
			fail "RANGETOOLS_REQUIRE_VIEWER is set, but: $output"
		skip "no viewer: $output"
	fi
	assert_success
	refute_output --partial warned
}

@test "the recorder writes its own process id" {
	python3 "$RECORD" -t 2 --end 1e6 -o "$D/a.json"
	python3 "$RECORD" -t 2 --end 1e6 -o "$D/b.json"
	python3 - "$D/a.json" "$D/b.json" <<'PY'
import json, sys
pids = [{e["pid"] for e in json.load(open(p))["traceEvents"]} for p in sys.argv[1:]]
assert all(len(p) == 1 for p in pids), pids
assert pids[0] != pids[1] and 1 not in pids[0] | pids[1], pids
PY
}

@test "each worker's lane is covered by slices from its first event to its last" {
	traced gil --threads 2 --gil --switch-interval 20us
	traced gil-wait --threads 2 --gil --io-wait 20us --io-threads 1
	traced gil-echo --threads 2 --gil --io-echo
	traced plain --threads 2 --io-wait 1us
	run python3 "$CHECK" --coverage 99 "$D"/*.json
	assert_success
	# A figure for the record: the least-covered lane.
	echo "$output" | grep -o 'coverage [0-9.]*%' | sort -k2 -n | head -1 >&3
}

@test "each lane of the CPython recorder is covered by slices from its first event to its last" {
	# Its --io run alone takes 1.7 s of CPU here; make test keeps the
	# model's lanes, and the recorder's own process id.
	only_in_check
	# Holds, the takes between them, io.
	python3 "$RECORD" -t 3 -s 100us --end 3e6 -o "$D/cpython.json"
	python3 "$RECORD" -t 1 --io --roundtrips 300 -o "$D/cpython-io.json"
	run python3 "$CHECK" --coverage 99 "$D"/*.json
	assert_success
	echo "$output" | grep -o 'coverage [0-9.]*%' | sort -k2 -n | head -1 >&3
}

@test "lanes show taking the lock and the wait after a forced switch" {
	# A forced switch happens only when the dropper wins a race with the
	# waiter it woke: try a few runs for one that has some.  On a loaded
	# machine (make test runs several files at once) the two threads
	# seldom run at the same time: a run of 1e9 saw no forced switch in
	# five tries there, so each run is longer.
	for try in 1 2 3 4 5 6 7 8; do
		run range-sum --threads 2 --gil --switch-interval 20us \
			--trace "$D/gil.json" 0 4e9
		assert_success
		grep -q '"forced_switch"' "$D/gil.json" && break
	done
	python3 - "$D/gil.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
take = [e for e in ev if e["name"] == "take"]
forced = [e for e in ev if e["name"] == "forced_wait"]
instants = [e for e in ev if e["name"] == "forced_switch"]
waits = [e for e in ev if e["name"] == "wait"]
assert take and forced and waits, (len(take), len(forced), len(waits))
def inside(e, parents):
    return any(p["tid"] == e["tid"] and p["ts"] <= e["ts"] and
               e["ts"] + e.get("dur", 0) <= p["ts"] + p["dur"] for p in parents)
# Every timed wait lies inside a take, every forced switch in a forced_wait.
assert all(inside(w, take) for w in waits)
assert len(instants) == len(forced) and all(inside(i, forced) for i in instants)
PY
}

@test "--trace-max keeps the trace valid JSON within the cap and counts what it dropped" {
	# 30,000 chunks, each a run and an io slice: megabytes uncapped.
	run range-sum --threads 2 --io-wait 1us --trace-max 64k \
		--trace "$D/t.json" 0 5e8
	assert_success
	assert_output "$(pysum 0 500000000)"
	size=$(stat -c %s "$D/t.json")
	[ "$size" -le 65536 ] || fail "trace of $size bytes over 64k"
	python3 - "$D/t.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
o = d["otherData"]
assert o["dropped_events"] > 0, o
assert o["max_bytes"] == 65536, o
assert o["events"] == len(d["traceEvents"]), o
assert o["complete"] is True, o
PY
	run python3 "$CHECK" "$D/t.json"
	assert_success
}

@test "without --trace-max nothing is dropped" {
	traced t --threads 2 --gil --switch-interval 100us
	python3 -c 'import json, sys; o = json.load(open(sys.argv[1]))["otherData"]; assert o["dropped_events"] == 0 and o["max_bytes"] == 0, o' "$D/t.json"
}

@test "a --trace-max that is not a size is a usage error" {
	for bad in 10x "" 1.5M -5 M 12kk 1000; do
		refuses 2 range-sum --threads 2 --trace "$D/t.json" \
			--trace-max "$bad" 0 10
		[ ! -e "$D/t.json" ] || fail "a trace was written for '$bad'"
	done
	refuses 2 range-sum --threads 2 --trace-max 1M 0 10
	assert_stderr_has "needs --trace"
}

@test "--trace still works alongside --trace-max's longer name" {
	run range-sum --threads 2 --trace "$D/t.json" 0 10
	assert_success
	run range-sum --threads 2 --trace="$D/u.json" --trace-max=1G 0 10
	assert_success
	[ -s "$D/t.json" ]
	[ -s "$D/u.json" ]
}

@test "make gil's together.json holds the model's run and CPython's as two processes with real pids" {
	run range-sum --threads 2 --gil --switch-interval 100us \
		--trace "$D/model-t2-100us.json" 0 1e9
	assert_success
	python3 "$RECORD" -t 2 -s 100us --end 2e6 -o "$D/cpython-t2-100us.json"
	run python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import gil; gil.together(sys.argv[2])' \
		"$BATS_TEST_DIRNAME/../bench" "$D"
	assert_success
	python3 - "$D" <<'PY'
import json, os, sys
d = sys.argv[1]
t = json.load(open(os.path.join(d, "together.json")))
ev = t["traceEvents"]
m = {e["pid"] for e in json.load(open(os.path.join(d, "model-t2-100us.json")))["traceEvents"]}
c = {e["pid"] for e in json.load(open(os.path.join(d, "cpython-t2-100us.json")))["traceEvents"]}
assert len(m) == 1 and len(c) == 1 and m != c, (m, c)
assert {e["pid"] for e in ev} == m | c
names = {e["pid"]: e["args"]["name"] for e in ev if e["name"] == "process_name"}
assert names[min(m)] == "range-sum --gil" and names[min(c)].startswith("CPython"), names
order = {e["pid"]: e["args"]["sort_index"] for e in ev if e["name"] == "process_sort_index"}
assert order[min(m)] < order[min(c)], order
# Each from its own start: both begin near 0.
for pid in m | c:
    first = min(e["ts"] for e in ev if e["pid"] == pid and e["ph"] == "X")
    assert first < 100000, (pid, first)
assert t["otherData"]["model"]["pid"] == sorted(m), t["otherData"]
PY
	run python3 "$CHECK" "$D/together.json"
	assert_success
}
