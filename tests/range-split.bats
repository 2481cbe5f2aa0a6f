#!/usr/bin/env bats
# range-split: the parts of [start, end), as range-split(1) says.
# Expected values come from python3, never from the program itself.

load test_helper

MIN=-9223372036854775808
MAX=9223372036854775807

# check_parts START END MODE VALUE [i]: reads range-split's output on stdin
# and checks it against the contract with Python's exact integers: the parts
# are ascending, contiguous, non-empty and cover [START, END) exactly; with
# MODE n there are min(VALUE, END-START) of them, sizes within one, the
# larger first (as range-split(1) says); with
# MODE s they all hold VALUE integers but the last, which may be shorter;
# with i each line starts with its 0-based index.
check_parts() {
	python3 -c '
import sys
def num(w):  # the MeK shorthand, exactly
    m, _, k = w.partition("e") if "e" in w else w.partition("E")
    return int(m) * 10 ** int(k or 0)
start, end, mode, value = num(sys.argv[1]), num(sys.argv[2]), sys.argv[3], num(sys.argv[4])
indexed = len(sys.argv) > 5
lines = sys.stdin.read().splitlines()
def bad(msg):
    sys.exit("check_parts: " + msg)
at, sizes = start, []
for k, line in enumerate(lines):
    f = line.split(" ")
    if indexed:
        if len(f) != 3 or f[0] != str(k):
            bad("line %d: want index %d: %r" % (k + 1, k, line))
        f = f[1:]
    if len(f) != 2:
        bad("line %d: want \"start end\": %r" % (k + 1, line))
    s, e = int(f[0]), int(f[1])
    if str(s) != f[0] or str(e) != f[1]:
        bad("line %d: not canonical decimal: %r" % (k + 1, line))
    if s != at:
        bad("line %d: starts at %d, want %d" % (k + 1, s, at))
    if e <= s:
        bad("line %d: empty or reversed part %r" % (k + 1, line))
    sizes.append(e - s)
    at = e
if at != end:
    bad("parts end at %d, want %d" % (at, end))
n = end - start
if mode == "n":
    if len(sizes) != min(value, n):
        bad("%d parts, want %d" % (len(sizes), min(value, n)))
    if sizes and max(sizes) - min(sizes) > 1:
        bad("sizes %d..%d differ by more than one" % (min(sizes), max(sizes)))
    if sizes != sorted(sizes, reverse=True):
        bad("the larger parts do not come first")
else:
    if len(sizes) != -(-n // value):
        bad("%d parts, want %d" % (len(sizes), -(-n // value)))
    if any(z != value for z in sizes[:-1]) or (sizes and sizes[-1] > value):
        bad("sizes %r are not %d but a shorter last" % (sizes[:3], value))
print("ok")
' "$@"
}

# split_ok START END MODE VALUE [-i]: runs range-split and checks the parts.
split_ok() {
	local start=$1 end=$2 mode=$3 value=$4 iflag=${5:-}
	run --separate-stderr range-split $iflag "-$mode" "$value" -- "$start" "$end"
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	run check_parts "$start" "$end" "$mode" "$value" ${iflag:+i} <<<"$output"
	assert_output ok
}

@test "range-split -n 2 0 10 prints two halves" {
	run --separate-stderr range-split -n 2 0 10
	assert_success
	assert_output $'0 5\n5 10'
	[ -z "$stderr" ]
}

@test "range-split -n 3 0 10 puts the larger parts first" {
	run range-split -n 3 0 10
	assert_success
	assert_output $'0 4\n4 7\n7 10'
}

@test "range-split -n parts cover the range exactly with sizes within one" {
	local c
	for c in "0 10 3" "0 100000000 2" "0 100000000 7" "-5 5 4" \
		"-1000 999 13" "1 2 1" "0 1000 1000" "0 1000 999" \
		"-7 1e6 64" "5 6 3" "123456789 987654321 11"; do
		set -- $c
		split_ok "$1" "$2" n "$3"
	done
}

@test "range-split -n with more parts than elements prints one part per element" {
	run range-split -n 10 0 3
	assert_success
	assert_output $'0 1\n1 2\n2 3'
	split_ok -3 4 n 1000000
}

@test "range-split -n 1 prints the whole range as one part" {
	run range-split -n 1 -- -5 5
	assert_success
	assert_output '-5 5'
}

@test "range-split without -n makes as many parts as online processors" {
	local ncpu
	ncpu=$(getconf _NPROCESSORS_ONLN)
	run range-split 0 1000
	assert_success
	[ "${#lines[@]}" -eq "$ncpu" ] ||
		fail "${#lines[@]} parts, want $ncpu"
	run check_parts 0 1000 n "$ncpu" <<<"$output"
	assert_output ok
}

@test "range-split -n on the whole 64-bit domain covers it exactly" {
	split_ok "$MIN" "$MAX" n 3
	run range-split -n 3 -- -9223372036854775808 9223372036854775807
	assert_line --index 0 --partial "$MIN "
	assert_line --index 2 --regexp " $MAX\$"
}

@test "range-split -n splits ranges at both ends of the 64-bit domain" {
	split_ok "$MIN" 0 n 2
	split_ok 0 "$MAX" n 2
	split_ok "$MIN" "$((MIN + 10))" n 3
	split_ok "$((MAX - 10))" "$MAX" n 4
	split_ok "$MIN" "$MAX" n 1
	split_ok "$((MAX - 5))" "$MAX" n 9223372036854775807
}

@test "range-split -s prints parts of size integers, the last one shorter" {
	run range-split -s 4 0 10
	assert_success
	assert_output $'0 4\n4 8\n8 10'
}

@test "range-split -s parts cover the range exactly" {
	local c
	for c in "0 10 5" "0 10 3" "-10 10 7" "0 1e6 333333" "0 5 100" \
		"1 2 1" "-3 3 1"; do
		set -- $c
		split_ok "$1" "$2" s "$3"
	done
}

@test "range-split -s on the whole 64-bit domain covers it exactly" {
	split_ok "$MIN" "$MAX" s "$MAX"
	split_ok "$MIN" "$MAX" s 4611686018427387904
	split_ok "$((MAX - 100))" "$MAX" s 7
}

@test "range-split -s larger than the range prints the range as one part" {
	run range-split -s 1000 -- -5 5
	assert_success
	assert_output '-5 5'
}

@test "range-split -i prefixes each part with its 0-based index" {
	run range-split -i -n 3 0 10
	assert_success
	assert_output $'0 0 4\n1 4 7\n2 7 10'
	split_ok -100 100 n 7 -i
	split_ok -100 100 s 7 -i
}

@test "range-split long options --index --parts --size work as the short ones" {
	run range-split --index --parts 3 0 10
	assert_output "$(range-split -i -n 3 0 10)"
	run range-split --size=4 0 10
	assert_output "$(range-split -s 4 0 10)"
}

@test "range-split takes combined and attached short options" {
	run range-split -in 2 -4 4
	assert_success
	assert_output $'0 -4 0\n1 0 4'
	run range-split -n2 -4 4
	assert_output $'-4 0\n0 4'
}

@test "range-split of an empty range prints nothing and succeeds" {
	local args
	for args in "0 0" "-n 5 7 7" "-s 3 -- -4 -4" "-i 5 5" \
		"-- $MIN $MIN" "$MAX $MAX"; do
		run --separate-stderr range-split $args
		assert_success
		assert_output ''
		[ -z "$stderr" ] || fail "range-split $args: $stderr"
	done
}

@test "range-split accepts negative operands without --" {
	run range-split -n 2 -10 -4
	assert_success
	assert_output $'-10 -7\n-7 -4'
	run range-split -n 2 -- -10 -4
	assert_output $'-10 -7\n-7 -4'
	run range-split -10 -4 -n 2
	assert_output $'-10 -7\n-7 -4'
}

@test "range-split accepts the 1e8 shorthand, signs and upper-case E" {
	run range-split -n 2 0 1e8
	assert_output $'0 50000000\n50000000 100000000'
	run range-split -n 2 -- -25e2 +5E3
	assert_output "$(range-split -n 2 -- -2500 5000)"
	assert_output $'-2500 1250\n1250 5000'
	run range-split -n 1e1 0 3e1
	assert_output "$(range-split -n 10 0 30)"
	run range-split -n 1 9e18 9223372036854775807
	assert_output "9000000000000000000 $MAX"
}

@test "range-split accepts the 64-bit extremes as operands" {
	run range-split -n 1 -- "$MIN" "$((MIN + 1))"
	assert_success
	assert_output "$MIN $((MIN + 1))"
	run range-split -n 1 -- "$((MAX - 1))" "$MAX"
	assert_output "$((MAX - 1)) $MAX"
}

@test "range-split --help prints usage on stdout and exits 0" {
	run --separate-stderr range-split --help
	assert_success
	assert_line --index 0 --partial 'usage: range-split'
	[ -z "$stderr" ]
}

@test "range-split --version prints the program name and version" {
	run --separate-stderr range-split --version
	assert_success
	assert_output --regexp '^range-split .*[0-9]+\.[0-9]+'
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$stderr" ]
}

@test "range-split without operands cuts each range line of stdin" {
	run --separate-stderr range-split -s 3 <<<$'0 10\n20 25'
	assert_success
	assert_output "$(range-split -s 3 0 10; range-split -s 3 20 25)"
	[ -z "$stderr" ]
	run --separate-stderr range-split -n 2 <<<$'-5 5\n7 7\n100 103'
	assert_success
	assert_output $'-5 0\n0 5\n100 102\n102 103'
}

@test "range-split on stdin numbers the parts across all lines with -i" {
	run --separate-stderr range-split -i -s 3 <<<$'0 10\n20 25'
	assert_success
	assert_output $'0 0 3\n1 3 6\n2 6 9\n3 9 10\n4 20 23\n5 23 25'
}

@test "range-split on stdin reads index start end lines as -i writes them" {
	run range-split -n 1 < <(range-split -i -n 3 -- -7 8)
	assert_success
	assert_output "$(range-split -n 3 -- -7 8)"
}

@test "range-split on stdin with no lines prints nothing and succeeds" {
	run --separate-stderr range-split -n 4 </dev/null
	assert_success
	assert_output ''
	[ -z "$stderr" ]
}

@test "range-split on stdin names each bad line and exits 1" {
	run --separate-stderr range-split -n 2 <<<$'0 4\nfoo\n9 5\n10 12'
	assert_failure 1
	assert_output $'0 2\n2 4\n10 11\n11 12'
	[ "${#stderr_lines[@]}" -eq 2 ] || fail "stderr: $stderr"
	[[ ${stderr_lines[0]} == 'range-split: stdin line 2: '* ]] ||
		fail "stderr: $stderr"
	[[ ${stderr_lines[1]} == 'range-split: stdin line 3: '*greater* ]] ||
		fail "stderr: $stderr"
}

# only_part START END N K: part K of range-split -n N, from python3.
only_part() {
	python3 -c '
import sys
s, e, n, k = map(int, sys.argv[1:])
ln = e - s
n = min(n, ln)
size, extra = divmod(ln, n)
a = s + k * size + min(k, extra)
print(a, a + size + (k < extra))' "$@"
}

@test "range-split --only K prints the line that -i numbers K, without the index" {
	only_in_check
	local n k
	for n in 1 3 7; do
		mapfile -t want < <(range-split -n "$n" -- -10 100)
		for ((k = 0; k < n; k++)); do
			run --separate-stderr range-split -n "$n" --only "$k" -- -10 100
			assert_success
			assert_output "${want[k]}"
			assert_output "$(only_part -10 100 "$n" "$k")"
		done
	done
	mapfile -t want < <(range-split -s 4 0 10)
	for k in 0 1 2; do
		run range-split -s 4 --only "$k" 0 10
		assert_success
		assert_output "${want[k]}"
	done
}

@test "range-split --only reaches any part of the whole 64-bit domain at once" {
	local n=9223372036854775807 k
	for k in 0 1 4611686018427387903 9223372036854775806; do
		run range-split -n "$n" --only "$k" -- "$MIN" "$MAX"
		assert_success
		assert_output "$(only_part "$MIN" "$MAX" "$n" "$k")"
	done
	run range-split -s 1e18 --only 18 -- "$MIN" "$MAX"
	assert_success
	assert_output "$(py "$MIN + 18 * 10**18") $MAX"
}

@test "range-split --only with -i keeps the index" {
	run range-split -i -n 3 --only 1 0 10
	assert_success
	assert_output '1 4 7'
}

@test "range-split --only K of -n N prints nothing for a part the range is too short for" {
	run --separate-stderr range-split -n 4 --only 3 0 2
	assert_success
	assert_output ''
	[ -z "$stderr" ]
}

@test "range-split --only refuses K outside 0 to N-1" {
	refuses 2 range-split -n 4 --only 4 0 100
	assert_stderr_has 'parts 0 to 3'
	refuses 2 range-split -n 4 --only -1 0 100
	assert_stderr_has "'-1'"
	refuses 2 range-split --only x 0 100
	refuses 2 range-split -s 10 --only 10 0 100
	assert_stderr_has 'only 10 parts'
}

@test "range-split --only on stdin counts parts across lines, and refuses one beyond" {
	run range-split -s 3 --only 4 <<<$'0 10\n20 25'
	assert_success
	assert_output '20 23'
	run --separate-stderr range-split -s 3 --only 6 <<<$'0 10\n20 25'
	assert_fails_with 1 range-split
	assert_stderr_has 'only 6 parts'
}

@test "range-split with one operand is a usage error" {
	refuses 2 range-split 10
}

@test "range-split with three operands is a usage error naming the extra one" {
	refuses 2 range-split 1 2 3
	assert_stderr_has "'3'"
}

@test "range-split refuses start greater than end" {
	refuses 2 range-split 10 5
	refuses 2 range-split -- -4 -5
	refuses 2 range-split -- "$MAX" "$MIN"
}

@test "range-split refuses operands that are not decimal integers, naming them" {
	local bad
	for bad in '' ' 1' '1 ' 0x10 1.5 1e-3 1e 12abc abc + - '--5' 1e+3 \
		'1_000' '５'; do
		run --separate-stderr range-split -- "$bad" 20
		assert_fails_with 2 range-split
		[[ $stderr == *"'$bad'"* ]] ||
			fail "message does not name '$bad': $stderr"
	done
}

@test "range-split refuses operands outside 64 bits, naming them" {
	local bad
	for bad in 9223372036854775808 -9223372036854775809 1e19 -1e19 \
		99999999999999999999999999999999999999999 9223372036854775807e1; do
		run --separate-stderr range-split -- 0 "$bad"
		assert_fails_with 2 range-split
		[[ $stderr == *"'$bad'"* ]] ||
			fail "message does not name '$bad': $stderr"
	done
}

@test "range-split refuses -n 0 and a negative -n" {
	refuses 2 range-split -n 0 0 10
	assert_stderr_has "'0'"
	refuses 2 range-split -n -3 0 10
	assert_stderr_has "'-3'"
}

@test "range-split refuses -s 0 and a non-integer -s" {
	refuses 2 range-split -s 0 0 10
	refuses 2 range-split -s 1.5 0 10
	assert_stderr_has "'1.5'"
}

@test "range-split refuses -n and -s together" {
	refuses 2 range-split -n 2 -s 3 0 10
}

@test "range-split refuses an unknown option" {
	refuses 2 range-split -x 0 10
	refuses 2 range-split --bogus 0 10
	assert_stderr_has 'bogus'
}

@test "range-split refuses -n without a value" {
	refuses 2 range-split 0 10 -n
}

@test "range-split fails when stdout cannot be written" {
	run --separate-stderr bash -c 'range-split -n 3 0 10 >/dev/full'
	assert_failure 1
	assert_one_stderr_line_from range-split
}

@test "range-split --help and --version fail when stdout cannot be written" {
	run --separate-stderr bash -c 'range-split --help >/dev/full'
	assert_failure 1
	assert_one_stderr_line_from range-split
	run --separate-stderr bash -c 'range-split --version >/dev/full'
	assert_failure 1
	assert_one_stderr_line_from range-split
}

@test "range-split stops quietly when its reader closes the pipe" {
	run --separate-stderr bash -c \
		'env --default-signal=PIPE range-split -n 1000000 0 1e9 | head -1'
	assert_success
	assert_output '0 1000'
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

@test "range-split -h lists -h and says the range is half-open like Python's" {
	run range-split -h
	assert_success
	assert_line --partial '-h, --help'
	assert_output --partial "Python's"
}
