#!/usr/bin/env bats
# sum-merge stays n log n on the inputs that once made it quadratic: many
# records sharing a start, and a queue whose records cover --expect long
# before they settle it.  The bounds are wide (a loaded or emulated
# machine); the quadratic code took 50 s and 17 s on inputs of this size,
# the n log n code about a tenth of a second (doc/bench.md, row g).

load test_helper

setup() {
	Q=$(ipc_name q)
	export TMPDIR=$BATS_TEST_TMPDIR
}

teardown() {
	ipc_cleanup "$Q"
}

@test "200,000 shuffled records that all start at 0 merge in seconds, both modes" {
	python3 - "$BATS_TEST_TMPDIR" <<'PY'
import random, sys
r = random.Random(7)
d = sys.argv[1]
f = lambda a, b: (b - a) * (a + b - 1) // 2
for name, val in (("recs", lambda k: f(0, k)), ("vals", lambda k: 3 * k)):
    lines = ["0 %d %d" % (k, val(k)) for k in range(1, 200001)]
    r.shuffle(lines)
    open("%s/%s" % (d, name), "w").write("\n".join(lines) + "\n")
PY
	run --separate-stderr timeout 20 sum-merge --expect 0 200000 "$BATS_TEST_TMPDIR/recs"
	assert_success
	assert_output "$(pysum 0 200000)"
	run --separate-stderr timeout 20 sum-merge --values --expect 0 200000 "$BATS_TEST_TMPDIR/vals"
	assert_success
	assert_output 600000
}

@test "a queue's 40,000 unit parts under one record, in reverse order, end in seconds" {
	local n=40000
	python3 -c "
n = $n
print(1, n)
for i in range(n - 1, -1, -1):
    print(i, i + 1)" >"$BATS_TEST_TMPDIR/parts"
	timeout 60 sum-merge --mq "$Q" --expect 0 "$n" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	local pid=$!
	SECONDS=0
	range-sum --mq "$Q" <"$BATS_TEST_TMPDIR/parts"
	wait "$pid" || fail "sum-merge failed: $(cat "$BATS_TEST_TMPDIR/err")"
	[ "$SECONDS" -lt 30 ] || fail "took $SECONDS s"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(pysum 0 "$n")"
}

@test "a queue's shuffled parts with 1% overlaps end with the last part, the total exact" {
	# The overlaps bring the integers covered past --expect's length
	# before the last parts arrive: the first look at the gaps comes with
	# parts still missing, and each later part closes one.
	python3 - "$BATS_TEST_TMPDIR/ranges" <<'PY'
import random, sys
r = random.Random(3)
n, size = 20000, 1000
ranges = ["%d %d" % (i * size, (i + 1) * size) for i in range(n)]
touched = set()
for k in range(n // 100):
    i = r.randrange(n - 1)
    lo, hi = i * size, (i + 2) * size
    if k % 2:
        lo = i * size + r.randrange(size)
        hi = lo + 1 + r.randrange((i + 1) * size - lo)
    touched.update((i, i + 1))
    ranges.append("%d %d" % (lo, hi))
last = min(set(range(n)) - touched)
del ranges[last]
r.shuffle(ranges)
ranges.append("%d %d" % (last * size, (last + 1) * size))
open(sys.argv[1], "w").write("\n".join(ranges) + "\n")
PY
	timeout 60 sum-merge --mq "$Q" --expect 0 20000000 --stats \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	local pid=$!
	range-sum --method formula --mq "$Q" <"$BATS_TEST_TMPDIR/ranges"
	wait "$pid" || fail "sum-merge failed: $(cat "$BATS_TEST_TMPDIR/err")"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(pysum 0 20000000)"
	grep -q "20200 records read" "$BATS_TEST_TMPDIR/err" ||
	    fail "not every record was read: $(cat "$BATS_TEST_TMPDIR/err")"
}
