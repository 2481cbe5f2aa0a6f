#!/usr/bin/env bats
# Any worker's results: examples/primes.sh and examples/lines.sh, and
# sum-merge --values refusing what a non-deterministic worker gives.

load test_helper

setup() {
	REPO="$RANGETOOLS_REPO"
	cd "$BATS_TEST_TMPDIR"
}

# pi N: the primes below N, by python3's sieve.
pi() {
	python3 -c "
n = $1
s = bytearray([1]) * n
s[:2] = b'\0\0'[:n]
for i in range(2, int(n ** 0.5) + 1):
    if s[i]:
        s[i * i::i] = bytearray(len(range(i * i, n, i)))
print(sum(s))"
}

@test "examples/primes.sh counts the primes below 10^5 over xargs with factor as the worker" {
	run --separate-stderr "$REPO/examples/primes.sh" 100000
	assert_success
	assert_output "$(pi 100000)"
	assert_output 9592
	[ -z "$stderr" ]
}

@test "examples/primes.sh counts the primes over GNU parallel" {
	command -v parallel >/dev/null || skip "no GNU parallel (apt-get install parallel)"
	run --separate-stderr "$REPO/examples/primes.sh" -m parallel -j 2 -n 5 30011
	assert_success
	assert_output "$(pi 30011)"
}

@test "examples/primes.sh resumes after a killed worker, running only its part again" {
	mkdir fake
	cat >fake/factor <<'SH'
#!/bin/sh
# The worker of the part from 25000 dies of SIGKILL part way, once.
read -r first
if [ "$first" = 25000 ] && mkdir "$BATS_TEST_TMPDIR/killed" 2>/dev/null; then
	echo "$first" | /usr/bin/factor
	kill -9 $$
fi
{ echo "$first"; cat; } | /usr/bin/factor
SH
	chmod +x fake/factor
	PATH=$PWD/fake:$PATH run --separate-stderr "$REPO/examples/primes.sh" -n 4 100000
	assert_success
	assert_output 9592
	[ -d killed ] || fail "no worker was killed"
	assert_stderr_has "primes.sh: running again: 25000 50000"
}

@test "examples/primes.sh --help says what it does, and a bad N is a usage error" {
	run "$REPO/examples/primes.sh" --help
	assert_success
	assert_output --partial 'count the primes below N'
	run --separate-stderr "$REPO/examples/primes.sh" 1e5x
	assert_failure 2
	assert_equal "$stderr" "primes.sh: N: not a count: '1e5x'"
}

@test "examples/lines.sh counts the matching lines of a file by line ranges, as grep -c does" {
	python3 -c "
import random
r = random.Random(3)
for i in range(120000):
    print('%d %s' % (i, r.choice(['error: disk', 'ok', 'warning', 'error: net'])))" >log
	run --separate-stderr "$REPO/examples/lines.sh" -n 7 '^[0-9]* error:' log
	assert_success
	assert_output "$(grep -c '^[0-9]* error:' log)"
	run --separate-stderr "$REPO/examples/lines.sh" 'no such line' log
	assert_success
	assert_output 0
}

@test "examples/lines.sh --help says what it does" {
	run "$REPO/examples/lines.sh" --help
	assert_success
	assert_output --partial 'count the lines of a large file that match a pattern'
}

@test "a worker that counts differently on a retry is refused by sum-merge --values, naming both records" {
	# The first run, then a retry of part 2 by a worker that counts one more.
	"$REPO/examples/primes.sh" --worker 0 10000 >recs
	"$REPO/examples/primes.sh" --worker 10000 20000 >>recs
	"$REPO/examples/primes.sh" --worker 20000 30000 >>recs
	"$REPO/examples/primes.sh" --worker 30000 40000 >>recs
	set -- $(sed -n 3p recs)
	echo "$1 $2 $(($3 + 1))" >retry
	refuses 3 sum-merge --values --expect 0 40000 recs retry
	assert_equal "$stderr" "sum-merge: one range, two values: 20000 30000 (recs line 3) and 20000 30000 (retry line 1)"
}

@test "two cuts of one stretch that disagree are refused by sum-merge --values, naming the records on each side" {
	"$REPO/examples/primes.sh" --worker 0 30000 >cut1
	"$REPO/examples/primes.sh" --worker 0 10000 >cut2
	set -- $("$REPO/examples/primes.sh" --worker 10000 30000)
	echo "$1 $2 $(($3 - 2))" >>cut2 # a worker that lost two
	refuses 3 sum-merge --values --expect 0 30000 cut1 cut2
	assert_equal "$stderr" "sum-merge: records disagree: 10000 30000 (cut2 line 2) against 0 30000 (cut1 line 1), 0 10000 (cut2 line 1), which give the same stretch another total"
}

@test "counts that cover a stretch without determining it are named, and --missing names the part that settles it" {
	"$REPO/examples/primes.sh" --worker 0 20000 >recs
	"$REPO/examples/primes.sh" --worker 10000 30000 >>recs
	refuses 3 sum-merge --values --expect 0 30000 recs
	assert_equal "$stderr" "sum-merge: the records cover [0, 30000) but do not determine its total: nothing gives the total of [20000, 30000) alone; re-run it (sum-merge --missing names it)"
	sum-merge --values --expect 0 30000 --missing recs >again
	assert_equal "$(cat again)" "20000 30000"
	xargs -L 1 "$REPO/examples/primes.sh" --worker <again >>recs
	run --separate-stderr sum-merge --values --expect 0 30000 recs
	assert_success
	assert_output "$(pi 30000)"
}
