#!/usr/bin/env bats
# hostile.bats: garbage on the command line and on stdin.  Every bad input
# gets one line on stderr naming the program and the problem, nothing on
# stdout for that item, and the documented status: range-split and
# range-sum 1 (runtime) or 2 (usage); sum-merge 1 (bad input), 2 (usage),
# 3 (missing coverage).  No input may crash a program (status >= 128) or
# make it hang.

load test_helper

INT64_MAX=9223372036854775807
INT64_MIN=-9223372036854775808

# bytes FILE PYEXPR: writes the bytes object PYEXPR to FILE.
bytes() {
	python3 -c "import sys; sys.stdout.buffer.write($2)" >"$1"
}

# --- malformed numbers as operands ---------------------------------------

@test "an empty operand is refused as not an integer" {
	refuses 2 range-split '' 10
	assert_stderr_has "start: not an integer: ''"
}

@test "an operand with a leading space is refused" {
	refuses 2 range-sum ' 5' 10
	assert_stderr_has "not an integer: ' 5'"
}

@test "an operand with a trailing space is refused" {
	refuses 2 range-sum 0 '10 '
	assert_stderr_has "end: not an integer: '10 '"
}

@test "a hexadecimal operand is refused" {
	refuses 2 range-split 0x10 20
	assert_stderr_has "'0x10'"
}

@test "a fractional operand is refused" {
	refuses 2 range-sum 1.5 3
	assert_stderr_has "start: not an integer: '1.5'"
}

@test "a negative exponent is refused" {
	refuses 2 range-split 1e-3 3
	assert_stderr_has "'1e-3'"
}

@test "a doubled minus sign is refused" {
	refuses 2 range-sum --5 3
	assert_stderr_has "'--5'"
}

@test "a sign without digits is refused" {
	refuses 2 range-sum 0 +
	assert_stderr_has "end: not an integer: '+'"
}

@test "an exponent without digits is refused" {
	refuses 2 range-split 0 1e
	assert_stderr_has "end: not an integer: '1e'"
}

@test "Arabic-Indic digits are refused" {
	refuses 2 range-sum ١٢ 20
	assert_stderr_has "start: not an integer: '١٢'"
}

@test "fullwidth digits are refused" {
	refuses 2 range-split 0 １０
	assert_stderr_has "end: not an integer"
}

@test "one past INT64_MAX is refused as too large" {
	refuses 2 range-sum 0 "$(py "2**63")"
	assert_stderr_has "end: too large"
}

@test "one below INT64_MIN is refused as too small" {
	refuses 2 range-split -- "$(py "-2**63-1")" 0
	assert_stderr_has "start: too small"
}

@test "2^127 is refused as too large, not as too small" {
	refuses 2 range-sum "$(py "2**127")" "$(py "2**127")"
	assert_stderr_has "start: too large"
}

@test "-2^127 is refused as too small" {
	refuses 2 range-sum -- "$(py "-2**127")" 0
	assert_stderr_has "start: too small"
}

@test "a shorthand one past the 64-bit bound is refused" {
	refuses 2 range-split 0 1e19
	assert_stderr_has "end: too large"
}

@test "a shorthand with a 20-digit exponent is refused, promptly" {
	refuses 2 range-sum 0 1e99999999999999999999
	assert_stderr_has "end: too large"
}

@test "zero with a 20-digit exponent is zero" {
	run --separate-stderr range-split -n 1 0e99999999999999999999 1
	assert_success
	assert_output "0 1"
}

@test "a 200-digit operand is refused as too large" {
	refuses 2 range-sum 0 "$(py "'9' * 200")"
	assert_stderr_has "end: too large"
}

# --- operands and options ---------------------------------------------

@test "start greater than end is refused by range-split" {
	refuses 2 range-split 10 "$INT64_MIN"
	assert_stderr_has "greater than end"
	assert_stderr_has "(see 'range-split --help')"
}

@test "start greater than end is refused by range-sum" {
	refuses 2 range-sum "$INT64_MAX" 0
	assert_stderr_has "greater than end"
	assert_stderr_has "(see 'range-sum --help')"
}

@test "range-sum with one operand is refused" {
	refuses 2 range-sum 5
	assert_stderr_has "missing operand"
}

@test "range-split with one operand is refused" {
	refuses 2 range-split 5
	assert_stderr_has "missing operand"
}

@test "range-split without operands names a garbage line of stdin" {
	refuses 1 range-split -n 2 <<<$'0 1x'
	assert_stderr_has "stdin line 1: end is not an integer"
}

@test "an extra operand is refused and named" {
	refuses 2 range-split -n 2 0 10 garbage
	assert_stderr_has "extra operand 'garbage'"
}

@test "range-split -n 0 is refused" {
	refuses 2 range-split -n 0 0 10
	assert_stderr_has "-n: too small"
}

@test "range-split -n with an absurd part count is refused" {
	refuses 2 range-split -n 1e30 0 10
	assert_stderr_has "-n: too large"
}

@test "range-split -s with an empty size is refused" {
	refuses 2 range-split -s '' 0 10
	assert_stderr_has "-s: not an integer"
}

@test "range-split -n with a fractional count is refused" {
	refuses 2 range-split -n 2.5 0 10
	assert_stderr_has "-n: not an integer: '2.5'"
}

@test "range-sum --threads 0 is refused" {
	refuses 2 range-sum --threads 0 0 10
	assert_stderr_has "--threads: too small"
}

@test "range-sum --threads with a negative count is refused" {
	refuses 2 range-sum --threads -2 0 10
	assert_stderr_has "--threads: too small"
}

@test "range-sum --threads with an absurd count is refused" {
	refuses 2 range-sum --threads 1e9 0 10
	assert_stderr_has "--threads: too large"
}

@test "range-sum --procs 0 is refused" {
	refuses 2 range-sum --procs 0 0 10
	assert_stderr_has "--procs: too small"
}

@test "range-sum --procs with an absurd count is refused" {
	refuses 2 range-sum --procs "$INT64_MAX" 0 10
	assert_stderr_has "--procs: too large"
}

@test "range-sum --switch-interval with an unknown unit is refused" {
	refuses 2 range-sum --threads 2 --gil --switch-interval 5xs 0 10
	assert_stderr_has "--switch-interval: invalid duration"
}

@test "range-sum --switch-interval with a negative duration is refused" {
	refuses 2 range-sum --threads 2 --gil --switch-interval -5ms 0 10
	assert_stderr_has "--switch-interval"
}

@test "range-sum --switch-interval 0 is refused" {
	refuses 2 range-sum --threads 2 --gil --switch-interval 0 0 10
	assert_stderr_has "--switch-interval"
}

@test "a duration with a space before its unit is refused" {
	refuses 2 range-sum --threads 2 --gil --switch-interval '5 ms' 0 10
	assert_stderr_has "invalid duration"
}

@test "a duration ending in a bare decimal point is refused" {
	refuses 2 range-sum --threads 2 --gil --switch-interval 5.ms 0 10
	assert_stderr_has "invalid duration"
	assert_stderr_has "'5.ms'"
}

@test "a duration in exponent form is refused" {
	refuses 2 sum-merge --mq /rt-never --timeout 1e3s
	assert_stderr_has "--timeout: invalid duration"
}

@test "a duration past 64 bits of nanoseconds is refused" {
	refuses 2 sum-merge --mq /rt-never --timeout 99999999999999999999s
	assert_stderr_has "--timeout: too large duration"
}

# now + d must not overflow: --io-wait 9223372035.9s once returned at
# once.  Every duration option has the one limit, named in the message.
@test "a duration past a week is refused, naming the limit, by every duration option" {
	refuses 2 range-sum --io-wait 9223372035.9s 0 10
	assert_stderr_has "--io-wait: too large duration (at most 168h, a week): '9223372035.9s'"
	refuses 2 range-sum --threads 2 --gil --switch-interval 168.001h 0 10
	assert_stderr_has "--switch-interval: too large duration (at most 168h"
	refuses 2 sum-merge --mq /rt-never --timeout 604801
	assert_stderr_has "--timeout: too large duration (at most 168h"
}

@test "a duration of exactly a week is accepted" {
	run range-sum --threads 2 --gil --switch-interval 168h 0 10
	assert_success
	assert_output 45
}

@test "a long run of digits before junk is an invalid duration, not too large" {
	# Found by tests/fuzz/num-fuzz (regress/num-fuzz/duration-long-junk).
	refuses 2 range-sum --io-wait 11111111111111111111q1 0 10
	assert_stderr_has "--io-wait: invalid duration"
}

@test "range-sum --method with an empty name is refused" {
	refuses 2 range-sum --method '' 0 10
	assert_stderr_has "--method"
}

@test "an unknown long option is refused and named" {
	refuses 2 sum-merge --frobnicate
	assert_stderr_has "unknown option '--frobnicate'"
}

@test "sum-merge --count 0 is refused" {
	refuses 2 sum-merge --mq /rt-never --count 0
	assert_stderr_has "--count: too small"
}

@test "sum-merge --count with a negative count is refused" {
	refuses 2 sum-merge --mq /rt-never --count -3
	assert_stderr_has "--count: too small"
}

@test "sum-merge --expect one past INT64_MAX is refused" {
	refuses 2 sum-merge --expect 0 "$(py "2**63")"
	assert_stderr_has "--expect end: too large"
}

@test "sum-merge --expect with one value is refused" {
	refuses 2 sum-merge --expect 5
	assert_stderr_has "--expect"
}

# --- what a message quotes ----------------------------------------------

@test "an operand holding a newline is quoted on one line" {
	refuses 2 range-sum $'1\n2' 5
	assert_stderr_has "start: not an integer: '1\\n2'"
}

@test "an operand holding a terminal escape is quoted harmlessly" {
	refuses 2 range-split $'\e[2J' 5
	assert_stderr_has "'\\x1b[2J'"
	[[ $stderr != *$'\e'* ]] || fail "raw ESC on stderr"
}

@test "a 100 kB operand is quoted cut short" {
	refuses 2 range-sum 0 "$(py "'7' * 100000")"
	assert_stderr_has "end: too large"
	assert_stderr_has "...'"
	[ "${#stderr}" -lt 300 ] || fail "message of ${#stderr} bytes"
}

@test "an operand of invalid UTF-8 is quoted cut short" {
	# Found by tests/fuzz/rec-fuzz (regress/rec-fuzz/quote-utf8-tail): a
	# run of UTF-8 continuation bytes overran the quoting buffer.
	local arg
	arg=$(python3 -c 'import sys; sys.stdout.buffer.write(b"9" + b"\x80" * 400)')
	refuses 2 range-sum 0 "$arg"
	assert_stderr_has "end: not an integer"
	assert_stderr_has "...'"
	[ "${#stderr}" -lt 400 ] || fail "message of ${#stderr} bytes"
}

@test "a file name holding a newline is quoted on one line" {
	refuses 1 sum-merge "$BATS_TEST_TMPDIR/no"$'\n'"such"
	assert_stderr_has "no\\nsuch: No such file or directory"
}

# --- range-sum's input --------------------------------------------------

@test "range-sum accepts one CR before the newline" {
	run --separate-stderr range-sum < <(printf '0 10\r\n')
	assert_success
	assert_output "$(pysum 0 10)"
}

@test "range-sum refuses two CRs before the newline" {
	refuses 1 range-sum < <(printf '0 10\r\r\n')
	assert_stderr_has "stdin line 1: end is not an integer"
}

@test "range-sum refuses a lone CR between the fields" {
	refuses 1 range-sum < <(printf '0\r10\n')
	assert_stderr_has "stdin line 1"
}

@test "range-sum refuses a lone CR as a line separator" {
	refuses 1 range-sum < <(printf '0 10\r5 6\n')
	assert_stderr_has "stdin line 1"
}

@test "range-sum refuses a NUL byte inside a number" {
	refuses 1 range-sum < <(printf '0 1\0000\n')
	assert_stderr_has "stdin line 1: contains a NUL byte"
}

@test "range-sum prints nothing for a bad line among good ones" {
	run --separate-stderr range-sum < <(printf '0 10\n0x1 5\n3 7\n')
	[ "$status" -eq 1 ]
	assert_output "$(printf '%s\n' "$(pysum 0 10)" "$(pysum 3 7)")"
	assert_one_stderr_line_from range-sum
	assert_stderr_has "stdin line 2: start is not an integer"
}

@test "range-sum refuses a line of four fields" {
	refuses 1 range-sum < <(echo 0 1 2 3)
	assert_stderr_has "stdin line 1: expected"
}

@test "range-sum refuses a negative index" {
	refuses 1 range-sum < <(echo -1 0 10)
	assert_stderr_has "stdin line 1: index"
}

@test "range-sum refuses an input range past 64 bits" {
	refuses 1 range-sum < <(echo 0 "$(py "2**63")")
	assert_stderr_has "stdin line 1: end is outside 64 bits"
}

@test "range-sum refuses an input line with start greater than end" {
	refuses 1 range-sum < <(echo 10 0)
	assert_stderr_has "stdin line 1: start is greater than end"
}

@test "range-sum refuses a megabyte line of digits in one line" {
	python3 -c "print('1' * 1000000, 5)" >"$BATS_TEST_TMPDIR/big"
	refuses 1 range-sum <"$BATS_TEST_TMPDIR/big"
	assert_stderr_has "stdin line 1: start is outside 64 bits"
}

@test "range-sum reads a range after a megabyte of blanks" {
	python3 -c "print(' ' * 1000000 + '0 10')" >"$BATS_TEST_TMPDIR/big"
	run --separate-stderr range-sum <"$BATS_TEST_TMPDIR/big"
	assert_success
	assert_output "$(pysum 0 10)"
}

@test "range-sum survives binary garbage with one message per line" {
	bytes "$BATS_TEST_TMPDIR/junk" \
		"__import__('random').Random(6).randbytes(65536)"
	local nlines
	nlines=$(python3 -c "import sys; \
print(open(sys.argv[1], 'rb').read().count(b'\n') + 1)" \
		"$BATS_TEST_TMPDIR/junk")
	run --separate-stderr range-sum <"$BATS_TEST_TMPDIR/junk"
	[ "$status" -eq 1 ]
	[ -z "$output" ] || fail "stdout: $output"
	[ "${#stderr_lines[@]}" -eq "$nlines" ] ||
		fail "${#stderr_lines[@]} messages for $nlines lines"
	for l in "${stderr_lines[@]}"; do
		[[ $l == "range-sum: stdin line "* ]] || fail "odd line: $l"
	done
}

@test "range-sum refuses a directory as its input" {
	refuses 1 range-sum <"$BATS_TEST_TMPDIR"
	assert_stderr_has "stdin"
}

# --- sum-merge's input --------------------------------------------------

@test "sum-merge accepts one CR before the newline" {
	run --separate-stderr sum-merge < <(printf '0 10 45\r\n7\r\n')
	assert_success
	assert_output "$(py "45 + 7")"
}

@test "sum-merge refuses two CRs before the newline" {
	refuses 1 sum-merge < <(printf '5\r\r\n')
	assert_stderr_has "stdin line 1"
}

@test "sum-merge refuses a lone CR inside a record" {
	refuses 1 sum-merge < <(printf '0\r10 45\n')
	assert_stderr_has "stdin line 1"
}

@test "sum-merge refuses a NUL byte and prints no total" {
	refuses 1 sum-merge < <(printf '5\n6\000\n')
	assert_stderr_has "stdin line 2: contains a NUL byte"
}

@test "sum-merge refuses a sum one past 128 bits" {
	refuses 1 sum-merge < <(py "2**127")
	assert_stderr_has "stdin line 1: sum is outside 128 bits"
}

@test "sum-merge refuses a sum one below -2^127" {
	refuses 1 sum-merge < <(py "-2**127-1")
	assert_stderr_has "stdin line 1: sum is outside 128 bits"
}

@test "sum-merge refuses the shorthand in a sum" {
	refuses 1 sum-merge < <(echo 1e3)
	assert_stderr_has "stdin line 1: sum is not an integer"
}

@test "sum-merge refuses a record with a start past 64 bits" {
	refuses 1 sum-merge < <(echo "$(py "2**63") $(py "2**63+1") 1")
	assert_stderr_has "stdin line 1: start is outside 64 bits"
}

@test "sum-merge refuses a line of two fields" {
	refuses 1 sum-merge < <(echo 5 6)
	assert_stderr_has "stdin line 1: expected"
}

@test "sum-merge refuses a vertical tab as a blank" {
	refuses 1 sum-merge < <(printf '\v5\n')
	assert_stderr_has "stdin line 1"
}

@test "sum-merge refuses a megabyte line of digits" {
	python3 -c "print('4' * 1000000)" >"$BATS_TEST_TMPDIR/big"
	refuses 1 sum-merge "$BATS_TEST_TMPDIR/big"
	assert_stderr_has "line 1: sum is outside 128 bits"
}

@test "sum-merge refuses a 64 MB line read from a pipe" {
	# Read in blocks, a long line once cost O(n^2): 31 s for 160 MB.
	python3 -c "print('4' * 64000000)" >"$BATS_TEST_TMPDIR/big"
	run --separate-stderr sh -c 'cat "$1" | sum-merge' sh "$BATS_TEST_TMPDIR/big"
	assert_fails_with 1 sum-merge
	assert_stderr_has "stdin line 1: sum is outside 128 bits"
}

@test "sum-merge refuses a line of a million fields" {
	python3 -c "print('1 ' * 1000000)" >"$BATS_TEST_TMPDIR/big"
	refuses 1 sum-merge "$BATS_TEST_TMPDIR/big"
	assert_stderr_has "line 1: expected"
}

@test "sum-merge refuses binary garbage and prints no total" {
	bytes "$BATS_TEST_TMPDIR/junk" \
		"__import__('random').Random(7).randbytes(65536)"
	refuses 1 sum-merge "$BATS_TEST_TMPDIR/junk"
	assert_stderr_has "line 1:"
}

@test "sum-merge refuses a file that does not exist" {
	refuses 1 sum-merge "$BATS_TEST_TMPDIR/absent"
	assert_stderr_has "absent: No such file or directory"
}

@test "sum-merge refuses a directory given as a file" {
	refuses 1 sum-merge "$BATS_TEST_TMPDIR"
	assert_stderr_has "is a directory"
}

@test "sum-merge refuses a directory as its stdin" {
	refuses 1 sum-merge <"$BATS_TEST_TMPDIR"
	assert_stderr_has "stdin"
}

@test "sum-merge prints no total when a later file is missing" {
	echo 5 >"$BATS_TEST_TMPDIR/good"
	refuses 1 sum-merge "$BATS_TEST_TMPDIR/good" "$BATS_TEST_TMPDIR/absent"
}

@test "sum-merge --expect with a gap exits 3 and names it" {
	refuses 3 sum-merge --expect 0 30 < <(printf '0 10 45\n20 30 245\n')
	assert_stderr_has "[10, 20)"
}

@test "sum-merge --count without --mq is refused" {
	refuses 2 sum-merge --count 2
	assert_stderr_has "--count"
}

# A file truncated while sum-merge reads it (a producer that starts over,
# a disk cleaner): once a mapped file's pages past the new end killed
# sum-merge with SIGBUS, exit 135 and no message.  sum-merge is stopped
# once it has read part of the file, the file emptied, and it goes on.
@test "a file truncated while sum-merge reads it is an error naming the file" {
	big=$BATS_TEST_TMPDIR/big
	range-split -n 1000000 0 1e12 | range-sum --method formula -t >"$big"
	run --separate-stderr python3 - "$big" <<'PY'
import os, signal, subprocess, sys
big = sys.argv[1]
def pos(pid):
    """sum-merge's offset in big, 0 before it opens it."""
    for fd in os.listdir("/proc/%d/fd" % pid):
        if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == big:
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                return int(f.readline().split()[1])
    return 0
for attempt in range(10):
    p = subprocess.Popen(["sum-merge", big], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        while p.poll() is None and pos(p.pid) == 0:
            pass
        os.kill(p.pid, signal.SIGSTOP)
        # Read in part (or mapped whole, as sum-merge once did).
        caught = p.poll() is None and pos(p.pid) > 0
    except (FileNotFoundError, ProcessLookupError):
        caught = False
    if caught:
        open(big, "w").close()
    if p.poll() is None:
        os.kill(p.pid, signal.SIGCONT)
    out, err = p.communicate()
    rc = p.returncode
    if caught:
        sys.stdout.write(out.decode())
        sys.stderr.write(err.decode())
        sys.exit(128 - rc if rc < 0 else rc)
sys.exit("never caught sum-merge reading")
PY
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr_has "sum-merge: $big: truncated while it was read"
}
