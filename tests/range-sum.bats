#!/usr/bin/env bats
# range-sum, single thread: operands and filter mode, both methods, exact
# over the whole 64-bit domain.  Expected sums come from python3.

load test_helper

MIN=-9223372036854775808
MAX=9223372036854775807

# sums_py: for each "start end" line on stdin, the exact sum (or with -t,
# "start end sum"), as python3 computes it.
sums_py() {
	python3 -c '
import sys
tag = len(sys.argv) > 1
def num(w):  # the MeK shorthand, exactly
    m, _, k = w.lower().partition("e")
    return int(m) * 10 ** int(k or 0)
for line in sys.stdin.read().split("\n"):
    if not line:
        continue
    f = line.split()
    s, e = num(f[-2]), num(f[-1])
    total = sum(range(s, e)) if e - s < 1000 else (s + e - 1) * (e - s) // 2
    print("%d %d %d" % (s, e, total) if tag else total)
' "$@"
}

# ranges_near_edges: "start end" lines that stress the loop: block and
# vector-width boundaries, both ends of the 64-bit domain, ranges across 0,
# and seeded random ranges anywhere in the domain.
ranges_near_edges() {
	python3 -c '
import random
MIN, MAX, B = -2**63, 2**63 - 1, 2**24
r = [(0, 0), (0, 1), (-1, 0), (0, 7), (0, 8), (0, 9), (0, 31), (0, 32),
     (0, 33), (3, 100), (-100, 100), (0, B - 1), (0, B), (0, B + 1),
     (-B, B), (5, 2 * B + 37), (-2 * B - 3, 1),
     (MAX - 1, MAX), (MAX - 33, MAX), (MAX - 1000, MAX),
     (9223372036854775000, MAX), (MAX - B - 100, MAX), (MAX - 2 * B - 7, MAX - 5),
     (MIN, MIN + 1), (MIN, MIN + 33), (MIN, MIN + 1000),
     (MIN, -9223372036854775000), (MIN, MIN + B + 5), (MIN + 1, MIN + 2 * B + 9),
     (-2**62 - 12345, -2**62 + 3 * B), (2**62 - B, 2**62 + B + 1)]
rnd = random.Random(20260125)
for _ in range(40):
    n = rnd.choice([rnd.randrange(0, 100), rnd.randrange(0, 3 * B)])
    s = rnd.randrange(MIN, MAX - n + 1)
    r.append((s, s + n))
for s, e in r:
    print(s, e)
'
}

@test "range-sum 0 10 prints 45" {
	run --separate-stderr range-sum 0 10
	assert_success
	assert_output "$(pysum 0 10)"
	[ -z "$stderr" ]
}

@test "range-sum 0 1e8 prints the article's sum" {
	run range-sum 0 1e8
	assert_success
	# The closed form: Python's own sum(range(10**8)) takes seconds.
	assert_output "$(pysum 0 100000000)"
}

@test "range-sum of an empty range is 0" {
	local args
	for args in "0 0" "-- -5 -5" "-- $MIN $MIN" "$MAX $MAX" \
		"--method formula 7 7" "-t 3 3"; do
		run --separate-stderr range-sum $args
		assert_success
		[ -z "$stderr" ] || fail "range-sum $args: $stderr"
	done
	assert_output '3 3 0'
	run range-sum -- "$MIN" "$MIN"
	assert_output 0
}

@test "range-sum near 2^63 is exact in loop mode" {
	run range-sum 9223372036854775000 9223372036854775807
	assert_success
	assert_output "$(py 'sum(range(9223372036854775000, 9223372036854775807))')"
	run range-sum --method loop 9223372036854775000 9223372036854775807
	assert_output "$(py 'sum(range(9223372036854775000, 9223372036854775807))')"
}

@test "range-sum near -2^63 is exact in loop mode" {
	run range-sum --method loop -- "$MIN" -9223372036854775000
	assert_success
	assert_output "$(py 'sum(range(-2**63, -9223372036854775000))')"
}

@test "range-sum loop and formula agree with python on many ranges" {
	local ranges want
	ranges=$(ranges_near_edges)
	want=$(sums_py -t <<<"$ranges")
	run --separate-stderr range-sum -t --method loop <<<"$ranges"
	assert_success
	assert_output "$want"
	run --separate-stderr range-sum -t --method formula <<<"$ranges"
	assert_success
	assert_output "$want"
}

@test "range-sum loop is exact on ranges longer than 2^32 integers" {
	only_in_check
	# Long enough that no single 64-bit wrapped block sum can be exact.
	local ranges
	ranges=$(python3 -c '
MIN, MAX = -2**63, 2**63 - 1
for s, e in [(MAX - 2**33 - 5, MAX), (MIN, MIN + 2**33 + 7),
             (-2**32 - 3, 2**32 + 11), (0, 2**32 + 1)]:
    print(s, e)')
	run --separate-stderr range-sum -t --method loop <<<"$ranges"
	assert_success
	assert_output "$(sums_py -t <<<"$ranges")"
}

@test "range-sum loop and formula agree on each range given as operands" {
	only_in_check
	local s e
	while read -r s e; do
		[ "$(range-sum --method loop -- "$s" "$e")" = \
			"$(range-sum --method formula -- "$s" "$e")" ] ||
			fail "loop and formula differ on $s $e"
	done < <(ranges_near_edges)
}

@test "range-sum --method formula is exact over the whole 64-bit domain" {
	run range-sum --method formula -- "$MIN" "$MAX"
	assert_success
	assert_output "$(pysum "$MIN" "$MAX")"
	run range-sum --method formula 0 "$MAX"
	assert_output "$(pysum 0 "$MAX")"
	run range-sum --method formula -- "$MIN" 0
	assert_output "$(pysum "$MIN" 0)"
}

@test "range-sum accepts negative operands with and without --" {
	run range-sum -5 5
	assert_success
	assert_output "$(pysum -5 5)"
	run range-sum -- -5 5
	assert_output "$(pysum -5 5)"
	run range-sum -1e3 -10
	assert_output "$(pysum -1000 -10)"
	run range-sum -t -20 -10
	assert_output "-20 -10 $(pysum -20 -10)"
}

@test "range-sum -t prints start end sum with the operands in decimal" {
	run --separate-stderr range-sum -t 0 1e8
	assert_success
	assert_output "0 100000000 $(pysum 0 100000000)"
	run range-sum --tag -- +5 25e1
	assert_output "5 250 $(pysum 5 250)"
}

@test "range-sum --method formula gives the same sum as the loop" {
	run range-sum --method formula 0 1e8
	assert_output "$(range-sum --method loop 0 1e8)"
	assert_output "$(pysum 0 100000000)"
	run range-sum --method=formula -- -7 3
	assert_output "$(pysum -7 3)"
}

@test "range-sum without operands sums each start end line of stdin in order" {
	local in=$'100 200\n0 10\n-5 5\n0 1e6\n7 7'
	run --separate-stderr range-sum <<<"$in"
	assert_success
	assert_output "$(sums_py <<<"$in")"
	[ -z "$stderr" ]
}

@test "range-sum filter reads index start end lines as range-split -i writes" {
	local in
	in=$(range-split -i -n 5 -- -1000 1e6)
	run --separate-stderr range-sum -t <<<"$in"
	assert_success
	assert_output "$(sums_py -t <<<"$in")"
	[ "${#lines[@]}" -eq 5 ]
}

@test "range-sum filter keeps input order with mixed line forms" {
	local in=$'3 0 1000\n5 10\n0 900 1000\n-3 -1'
	run range-sum -t <<<"$in"
	assert_success
	assert_output "$(sums_py -t <<<"$in")"
}

@test "range-sum filter accepts tabs, runs of blanks, CRLF and a missing last newline" {
	run range-sum < <(printf '0\t10\n  1   5  \n2 6\r\n3 4')
	assert_success
	assert_output "$(printf '%s\n' "$(pysum 0 10)" "$(pysum 1 5)" \
		"$(pysum 2 6)" "$(pysum 3 4)")"
}

@test "range-sum filter with empty input prints nothing" {
	run --separate-stderr range-sum </dev/null
	assert_success
	assert_output ''
	[ -z "$stderr" ]
}

@test "range-sum filter names a malformed line by number and still sums the others" {
	local bad
	for bad in foo 1 '1 2 3 4' '5 1' '0 9223372036854775808' '-1 0 5' \
		'0x1 5' '1.5 3' 'a 1 2'; do
		run --separate-stderr range-sum < <(printf '0 10\n%s\n-5 5\n' "$bad")
		assert_failure 1
		assert_output "$(printf '%s\n' "$(pysum 0 10)" "$(pysum -5 5)")"
		assert_one_stderr_line_from range-sum
		[[ $stderr == *"line 2"* ]] ||
			fail "'$bad': message does not name line 2: $stderr"
	done
}

@test "range-sum --help prints usage on stdout and exits 0" {
	run --separate-stderr range-sum --help
	assert_success
	assert_line --index 0 --partial 'usage: range-sum'
	[ -z "$stderr" ]
}

@test "range-sum --version prints the program name and version" {
	run --separate-stderr range-sum --version
	assert_success
	assert_output --regexp '^range-sum .*[0-9]+\.[0-9]+'
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$stderr" ]
}

@test "range-sum with one operand is a usage error" {
	refuses 2 range-sum 10
	refuses 2 range-sum -t -- -10
}

# Three operands are index start end, as range-split -i writes them.
@test "range-sum with four operands is a usage error naming the extra one" {
	refuses 2 range-sum 1 2 3 4
	assert_stderr_has "extra operand '4'"
}

@test "range-sum refuses start greater than end" {
	refuses 2 range-sum 10 5
	refuses 2 range-sum -- "$MAX" "$MIN"
	refuses 2 range-sum --method formula 1 0
}

@test "range-sum refuses operands that are not decimal integers, naming them" {
	local bad
	for bad in '' ' 1' 0x10 1.5 1e-3 1e 12abc +- '1,000'; do
		run --separate-stderr range-sum -- 0 "$bad"
		assert_fails_with 2 range-sum
		assert_stderr_has "'$bad'"
	done
}

@test "range-sum refuses operands outside 64 bits, naming them" {
	local bad
	for bad in 9223372036854775808 -9223372036854775809 1e19 -1e19 \
		340282366920938463463374607431768211456; do
		run --separate-stderr range-sum -- "$bad" 0
		assert_fails_with 2 range-sum
		assert_stderr_has "'$bad'"
	done
}

@test "range-sum refuses an unknown --method" {
	refuses 2 range-sum --method fast 0 10
	assert_stderr_has "'fast'"
	refuses 2 range-sum 0 10 --method
}

@test "range-sum refuses an unknown option" {
	refuses 2 range-sum -x 0 10
	refuses 2 range-sum --bogus 0 10
	assert_stderr_has 'bogus'
}

@test "range-sum fails when stdout cannot be written" {
	run --separate-stderr bash -c 'range-sum 0 10 >/dev/full'
	assert_failure 1
	assert_one_stderr_line_from range-sum
	run --separate-stderr bash -c 'echo 0 10 | range-sum -t >/dev/full'
	assert_failure 1
	assert_one_stderr_line_from range-sum
}

@test "range-sum stops quietly when its reader closes the pipe" {
	run --separate-stderr bash -c \
		'yes 0 10 | env --default-signal=PIPE range-sum | head -1'
	assert_success
	assert_output "$(pysum 0 10)"
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

@test "range-sum filter refuses a line holding a NUL byte, naming it" {
	run --separate-stderr range-sum < <(printf '0 5\n1\0003 9\n')
	assert_failure 1
	assert_output "$(pysum 0 5)"
	assert_one_stderr_line_from range-sum
	assert_stderr_has 'line 2'
}

@test "range-sum filter fails when its input cannot be read" {
	run --separate-stderr range-sum <"$BATS_TEST_DIRNAME"
	assert_fails_with 1 range-sum
}

@test "range-sum filter reports an empty line by number, as range-sum(1) says" {
	run --separate-stderr range-sum < <(printf '0 5\n\n1 3\n')
	assert_failure 1
	assert_output "$(printf '%s\n' "$(pysum 0 5)" "$(pysum 1 3)")"
	assert_one_stderr_line_from range-sum
	assert_stderr_has 'line 2'
}

@test "range-sum --time prints wall and CPU time on one stderr line" {
	run --separate-stderr range-sum --time 0 1e6
	assert_success
	assert_output "$(pysum 0 1000000)"
	[[ $stderr =~ ^range-sum:\ wall\ [0-9]+\.[0-9]{2}\ s,\ cpu\ [0-9]+\.[0-9]{2}\ s$ ]] ||
		fail "stderr: $stderr"
}

@test "range-sum --time counts the CPU time of --procs' worker processes" {
	needs_fork
	# About 0.15 s of work per worker here; the parent alone uses ~0.
	run --separate-stderr range-sum --time --procs 2 0 8e9
	assert_success
	assert_output "$(pysum 0 8000000000)"
	cpu=${stderr##*cpu }
	cpu=${cpu% s}
	[ "$(py "$cpu >= 0.05")" = True ] || fail "stderr: $stderr"
}

@test "range-sum with one operand holding a blank names it and suggests --colsep" {
	refuses 2 range-sum '0 50000000'
	assert_stderr_has "'0 50000000' holds a blank"
	assert_stderr_has "--colsep ' '"
}

@test "range-sum --trace - is refused with the reason" {
	refuses 2 range-sum --threads 2 --trace - 0 10
	assert_stderr_has "cannot go to stdout"
	[ ! -e ./- ]
	[ ! -e "$BATS_TEST_TMPDIR/-" ]
}

@test "range-sum -h prints the usage that lists -h" {
	run --separate-stderr range-sum -h
	assert_success
	assert_line --partial '-h, --help'
}

@test "range-sum --help says ranges are half-open like Python's range" {
	run range-sum --help
	assert_success
	assert_output --partial "half-open, like Python's range(start, end)"
}

@test "range-sum takes durations in minutes and hours" {
	needs_threads
	run --separate-stderr range-sum --threads 2 --gil --switch-interval 1m 0 10
	assert_success
	assert_output 45
	run --separate-stderr range-sum --threads 2 --gil --switch-interval 0.5h 0 10
	assert_success
}

@test "a bad duration's message offers minutes and hours" {
	refuses 2 range-sum --threads 2 --gil --switch-interval 5x 0 10
	assert_stderr_has "2m, 1h"
}

# A record read as "index start end" stood for another range: "0 10 45"
# printed 945, and range-sum -t's first record of 0 1e8 ran for hours.
@test "range-sum filter refuses a record line, saying it is a record" {
	refuses 1 range-sum <<<'0 10 45'
	assert_stderr_has "stdin line 1: a record 'start end sum' as range-sum -t writes (sum-merge adds records; an 'index start end' line that reads so: give it as 'start end')"
}

@test "range-sum -t filter refuses range-sum -t's output at once, not hours later" {
	range-split -n 4 0 1e8 | range-sum --method formula -t >"$BATS_TEST_TMPDIR/recs"
	run --separate-stderr timeout 20 range-sum -t <"$BATS_TEST_TMPDIR/recs"
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 4
	assert_stderr_has "stdin line 1: a record 'start end sum'"
}

@test "range-sum operands take index start end as range-split -i writes them" {
	run --separate-stderr bash -c "range-split -i -n 4 0 1e8 | xargs -L 1 range-sum -t --method formula"
	assert_success
	assert_output "$(range-split -n 4 0 1e8 | range-sum -t --method formula)"
}

@test "range-sum refuses a record given as operands" {
	refuses 2 range-sum 0 25000000 312499987500000
	assert_stderr_has "'0 25000000 312499987500000' is a record 'start end sum'"
}

@test "range-sum refuses a negative index operand" {
	refuses 2 range-sum -t -1 0 10
	assert_stderr_has "index: too small"
}

@test "range-sum --progress always says the value needs an '='" {
	refuses 2 range-sum --progress always 0 10
	assert_stderr_has "--progress always: the value goes after an '=', as --progress=always"
}

@test "range-sum --switch-interval 5 ms says a duration is one word" {
	refuses 2 range-sum --threads 2 --gil --switch-interval 5 ms 0 10
	assert_stderr_has "--switch-interval 5 ms: a duration is one word, as 5ms"
}

@test "range-sum as a filter says the same of a stray 'always' or unit" {
	refuses 2 range-sum --progress always </dev/null
	assert_stderr_has "--progress always: the value goes after an '='"
	refuses 2 range-sum --threads 1 --io-wait 20 us </dev/null
	assert_stderr_has "--io-wait 20 us: a duration is one word, as 20us"
}
