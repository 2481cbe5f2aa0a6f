#!/usr/bin/env bats
# sum-merge over stdin and files: exact totals, refusing anything that
# could make the total wrong.  Expected totals come from python3.

load test_helper

MIN=-9223372036854775808
MAX=9223372036854775807

setup() {
	tmp=$(mktemp -d "${BATS_TMPDIR:-/tmp}/sum-merge.XXXXXX")
}

teardown() {
	rm -rf "$tmp"
}

# rec START END: the record "start end sum" for [START, END), from python3.
rec() {
	echo "$1 $2 $(pysum "$1" "$2")"
}

@test "sum-merge with no input prints 0, and says on stderr that none came" {
	run --separate-stderr sum-merge </dev/null
	assert_success
	assert_output 0
	assert_one_stderr_line_from sum-merge
	assert_stderr_has "no input"
}

@test "sum-merge with blank lines alone says that no input came" {
	run --separate-stderr sum-merge <<<$'\n  \n'
	assert_success
	assert_output 0
	assert_stderr_has "no input"
}

@test "sum-merge with a sum of 0 says nothing on stderr" {
	run --separate-stderr sum-merge <<<0
	assert_success
	assert_output 0
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

@test "sum-merge adds bare integers" {
	run --separate-stderr sum-merge <<<$'45\n-5\n+7\n0\n1000000'
	assert_success
	assert_output "$(py '45 - 5 + 7 + 0 + 1000000')"
	[ -z "$stderr" ]
}

@test "sum-merge adds start end sum records" {
	run sum-merge < <(rec 0 10; rec 10 1000; rec -5 0)
	assert_success
	assert_output "$(pysum -5 1000)"
}

@test "sum-merge adds bare integers and records together" {
	run sum-merge < <(echo 12; rec 0 10; echo -2)
	assert_success
	assert_output "$(py "12 + $(pysum 0 10) - 2")"
}

@test "sum-merge totals that need more than 64 bits are exact" {
	run sum-merge < <(rec 9223372036854775000 "$MAX"; rec 0 1000000;
		echo "$MAX"; echo "$MAX")
	assert_success
	assert_output "$(py "sum(range(9223372036854775000, 2**63 - 1)) + \
sum(range(0, 1000000)) + 2 * (2**63 - 1)")"
}

@test "sum-merge adds records over the whole 64-bit domain exactly" {
	local r
	r=$(range-split -n 3 -- "$MIN" "$MAX" | range-sum -t --method formula)
	run sum-merge --expect "$MIN" "$MAX" <<<"$r"
	assert_success
	assert_output "$(pysum "$MIN" "$MAX")"
}

@test "sum-merge reaches the 128-bit limits exactly" {
	run sum-merge <<<"$(py '2**127 - 2')"$'\n1'
	assert_success
	assert_output "$(py '2**127 - 1')"
	run sum-merge <<<"$(py '-2**127 + 1')"$'\n-1'
	assert_success
	assert_output "$(py '-2**127')"
}

@test "sum-merge refuses a total that does not fit in 128 bits" {
	refuses 1 sum-merge <<<"$(py '2**127 - 1')"$'\n1'
	refuses 1 sum-merge <<<"$(py '-2**127')"$'\n-1'
	refuses 1 sum-merge <<<"$(py '2**126')"$'\n'"$(py '2**126')"
}

@test "sum-merge refuses a sum outside 128 bits" {
	refuses 1 sum-merge <<<"$(py '2**127')"
	assert_stderr_has 'line 1'
	refuses 1 sum-merge <<<"$(py '-2**127 - 1')"
}

@test "sum-merge ignores blank lines" {
	run --separate-stderr sum-merge < <(printf '\n5\n\n   \n\t\n%s\n\n' "$(rec 0 10)")
	assert_success
	assert_output "$(py "5 + $(pysum 0 10)")"
	[ -z "$stderr" ]
}

@test "sum-merge accepts tabs, runs of blanks, CRLF and a missing last newline" {
	run sum-merge < <(printf '0\t10  45\r\n  7 \n-3')
	assert_success
	assert_output "$(py "$(pysum 0 10) + 7 - 3")"
}

@test "records the fast reader leaves to the full parser give the same total, and a refusal names its line" {
	# Plain records around each line that only the full parser reads
	# (a sign, a shorthand, 19-digit ends, blanks, CRLF, a bare sum), so
	# that the fast reader meets each of them with a block to read.
	python3 - "$tmp/recs" "$tmp/total" <<'PY'
import sys
f = lambda a, b: (b - a) * (a + b - 1) // 2
big = 9223372036854775000
odd = ["+%d %d %d" % (1000, 1100, f(1000, 1100)),
       "1100\t1200   %d\r" % f(1100, 1200),
       "12e2 0001300 +%d" % f(1200, 1300),
       "%d %d %d" % (big, big + 807, f(big, big + 807)),
       "-999999999999999999 -999999999999999990 %d"
       % f(-999999999999999999, -999999999999999990),
       "  1300 1400 %d  " % f(1300, 1400), "42"]
lines = []
for i, o in enumerate(odd):
    lines += ["%d %d %d" % (a, a + 10, f(a, a + 10)) for a in range(0, 30, 10)]
    lines.append(o)
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
total = f(0, 30) + f(1000, 1400) + f(big, big + 807) + 42 + \
    f(-999999999999999999, -999999999999999990)
open(sys.argv[2], "w").write("%d\n" % total)
PY
	run --separate-stderr sum-merge "$tmp/recs"
	assert_success
	assert_output "$(cat "$tmp/total")"
	sed -i '9s/^0 10 45$/0 10 46/' "$tmp/recs"
	[ "$(sed -n 9p "$tmp/recs")" = "0 10 46" ]
	refuses 1 sum-merge "$tmp/recs"
	assert_stderr_has "line 9: sum does not match its range"
}

@test "sum-merge names a malformed line by number and prints no total" {
	local bad
	for bad in foo '1 2' '1 2 3 4' 1.5 0x10 1e3 '5 x 10' \
		'0 9223372036854775808 1' '5 1 0'; do
		run --separate-stderr sum-merge < <(printf '1\n\n2\n%s\n3\n' "$bad")
		assert_fails_with 1 sum-merge
		[[ $stderr == *"line 4"* ]] ||
			fail "'$bad': message does not name line 4: $stderr"
	done
}

@test "sum-merge refuses a record whose sum does not match its range" {
	refuses 1 sum-merge < <(rec 0 10; echo "10 20 $(py "$(pysum 10 20) + 1")")
	assert_stderr_has 'line 2'
}

@test "sum-merge adds checked records that overlap: any that cover a stretch give its total" {
	run --separate-stderr sum-merge < <(rec 0 10; rec 20 30; rec 5 15)
	assert_success
	assert_output "$(py "$(pysum 0 15) + $(pysum 20 30)")"
	[ -z "$stderr" ]
}

@test "printf '0 10 45\n5 15 95\n' | sum-merge --expect 0 15 prints 105" {
	run --separate-stderr sum-merge --expect 0 15 < <(printf '0 10 45\n5 15 95\n')
	assert_success
	assert_output "$(pysum 0 15)"
	assert_output 105
	[ -z "$stderr" ]
}

@test "sum-merge --values refuses overlapping records that leave a stretch undetermined" {
	refuses 3 sum-merge --values < <(rec 0 10; rec 20 30; rec 5 15)
	assert_equal "$stderr" "sum-merge: the records cover [0, 15) but do not determine its total: nothing gives the total of [10, 15) alone; re-run it (sum-merge --missing names it)"
}

@test "sum-merge counts the same record twice once" {
	run --separate-stderr sum-merge < <(rec -10 10; rec -10 10)
	assert_success
	assert_output "$(pysum -10 10)"
	[ -z "$stderr" ]
}

@test "sum-merge counts every repeat once however often it comes" {
	run --separate-stderr sum-merge --expect 0 30 < <(for i in 1 2 3; do
		rec 0 10; rec 10 20; rec 20 30; done; rec 10 20)
	assert_success
	assert_output "$(pysum 0 30)"
}

@test "sum-merge adds a checked record inside another one once, silently" {
	run --separate-stderr sum-merge < <(rec 0 100; rec 40 41)
	assert_success
	assert_output "$(pysum 0 100)"
	[ -z "$stderr" ]
}

@test "sum-merge --values adds a record inside another one once and names it" {
	run --separate-stderr sum-merge --values < <(rec 0 100; rec 40 41)
	assert_success
	assert_output "$(pysum 0 100)"
	assert_equal "$stderr" "sum-merge: 1 record linked to neither end of its stretch, not added: 40 41 (stdin line 2)"
}

@test "sum-merge --stats counts records read, repeats dropped, overlaps and records not added" {
	run --separate-stderr sum-merge --stats < <(rec 0 100; rec 0 100; rec 40 41; rec 200 300; echo 7)
	assert_success
	assert_output "$(py "$(pysum 0 100) + $(pysum 200 300) + 7")"
	assert_equal "${stderr_lines[0]}" "sum-merge: 4 records read, 1 identical repeat dropped, 2 overlapping, 0 not added; 1 bare sum"
	run --separate-stderr sum-merge --values --stats < <(rec 0 100; rec 0 100; rec 40 41; rec 200 300; echo 7)
	assert_success
	assert_output "$(py "$(pysum 0 100) + $(pysum 200 300) + 7")"
	assert_equal "${stderr_lines[1]}" "sum-merge: 4 records read, 1 identical repeat dropped, 2 overlapping, 1 not added; 1 bare sum"
}

@test "sum-merge --stats of an empty record says no sum came, and counts the record once" {
	run --separate-stderr sum-merge --stats < <(printf '5 5 0\n')
	assert_success
	assert_output 0
	assert_equal "$stderr" "sum-merge: 1 record read, 0 identical repeats dropped, 0 overlapping, 0 not added; 0 bare sums"
}

@test "sum-merge --stats says nothing was dropped from records that tile" {
	run --separate-stderr sum-merge --stats --expect 0 20 < <(rec 0 10; rec 10 20)
	assert_success
	assert_output "$(pysum 0 20)"
	assert_equal "$stderr" "sum-merge: 2 records read, 0 identical repeats dropped, 0 overlapping, 0 not added; 0 bare sums"
}

@test "cat recs recs | sum-merge --expect prints the exact total" {
	range-split -n 7 -- -1e6 3e6 | range-sum -t >"$tmp/recs"
	run --separate-stderr sh -c "cat '$tmp/recs' '$tmp/recs' | sum-merge --expect -1e6 3e6"
	assert_success
	assert_output "$(pysum -1000000 3000000)"
	[ -z "$stderr" ]
}

@test "a straggler's record inside a resumed gap does not block the total" {
	range-split -n 8 0 2e10 | sed 7,8d | range-sum -t --method formula >"$tmp/recs"
	sum-merge --expect 0 2e10 --missing "$tmp/recs" >"$tmp/gap"
	assert_equal "$(cat "$tmp/gap")" "15000000000 20000000000"
	range-sum -t --method formula <"$tmp/gap" >>"$tmp/recs"
	range-sum -t --method formula 15000000000 17500000000 >>"$tmp/recs" # the straggler
	run --separate-stderr sum-merge --expect 0 2e10 "$tmp/recs"
	assert_success
	assert_output "$(pysum 0 20000000000)"
	[ -z "$stderr" ]
}

@test "a part re-run as part of a larger gap is added once" {
	run --separate-stderr sum-merge --expect 0 100 < <(rec 0 40; rec 40 60; rec 40 100)
	assert_success
	assert_output "$(pysum 0 100)"
}

@test "a stretch cut two ways gives its total once" {
	run --separate-stderr sum-merge --expect -50 50 < <(rec -50 -10; rec -10 20; rec 20 50;
		rec -50 0; rec 0 5; rec 5 50)
	assert_success
	assert_output "$(pysum -50 50)"
}

@test "signed paths are exact: [0, 15) is [0, 10) - [5, 10) + [5, 15)" {
	run --separate-stderr sum-merge --expect 0 15 < <(rec 0 10; rec 5 10; rec 5 15)
	assert_success
	assert_output "$(pysum 0 15)"
}

@test "overlapping records whose sums pass 2^64 and lie below zero stay exact" {
	local a=-9000000000000000000 b=-4000000000000000000 c=3000000000000000000 d=9000000000000000000
	run --separate-stderr sum-merge --expect "$a" "$d" < <(rec "$a" "$c"; rec "$b" "$c";
		rec "$b" "$d"; rec "$a" "$b"; rec "$a" "$c")
	assert_success
	assert_output "$(pysum "$a" "$d")"
}

@test "sum-merge without --expect adds each covered stretch once" {
	run --separate-stderr sum-merge < <(rec 0 10; rec 0 10; rec 5 10; rec 0 5; rec 100 110; rec 100 110)
	assert_success
	assert_output "$(py "$(pysum 0 10) + $(pysum 100 110)")"
}

@test "a gap message names at most 5 ranges and counts the rest" {
	refuses 3 sum-merge --expect 0 100 < <(for i in $(seq 0 10 90); do rec "$i" "$((i + 5))"; done)
	assert_equal "$stderr" "sum-merge: the records do not cover --expect; missing: [5, 10) [15, 20) [25, 30) [35, 40) [45, 50) and 5 more (sum-merge --missing lists them)"
}

@test "500 lost parts give a message of bounded length" {
	range-split -n 1000 0 1e6 | sed -n '1~2p' | range-sum -t --method formula >"$tmp/recs"
	refuses 3 sum-merge --expect 0 1e6 "$tmp/recs"
	[ "${#stderr}" -lt 300 ] || fail "message of ${#stderr} characters"
	assert_stderr_has 'and 495 more (sum-merge --missing lists them)'
	run sum-merge --expect 0 1e6 --missing "$tmp/recs"
	[ "${#lines[@]}" -eq 500 ]
}

@test "sum-merge accepts adjacent records and empty ones" {
	run sum-merge < <(rec 0 10; rec 10 20; rec 10 10; rec -3 0)
	assert_success
	assert_output "$(pysum -3 20)"
}

@test "sum-merge --expect prints the total when the records cover the range" {
	run --separate-stderr sum-merge --expect -5 1e3 < <(rec 500 1000;
		rec -5 0; rec 0 500)
	assert_success
	assert_output "$(pysum -5 1000)"
	[ -z "$stderr" ]
}

@test "sum-merge --expect names every missing range" {
	refuses 3 sum-merge --expect 0 100 < <(rec 10 20; rec 30 40; rec 60 90)
	assert_stderr_has '0, 10)'
	assert_stderr_has '20, 30)'
	assert_stderr_has '40, 60)'
	assert_stderr_has '90, 100)'
}

@test "sum-merge --expect with no records names the whole range as missing" {
	refuses 3 sum-merge --expect -5 5 </dev/null
	assert_stderr_has '-5, 5)'
}

@test "sum-merge --expect of an empty range with no records is 0" {
	run sum-merge --expect 7 7 </dev/null
	assert_success
	assert_output 0
}

@test "sum-merge --expect refuses bare sums, which cannot be checked" {
	refuses 1 sum-merge --expect 0 10 < <(echo 45)
}

@test "sum-merge --expect refuses a record outside the expected range" {
	refuses 1 sum-merge --expect 0 10 < <(rec 0 10; rec 10 11)
	assert_stderr_has '10 11'
}

@test "sum-merge --values --expect names a covered stretch the records do not determine" {
	refuses 3 sum-merge --values --expect 0 15 < <(echo 0 10 4; echo 5 15 3)
	assert_stderr_has 'cover [0, 15) but do not determine its total'
	assert_stderr_has '[10, 15) alone'
}

@test "sum-merge --missing names only what no checked record covers" {
	run --separate-stderr sum-merge --expect 0 50 --missing < <(rec 0 10; rec 5 15; rec 30 40)
	assert_success
	assert_output $'15 30\n40 50'
	[ -z "$stderr" ]
}

@test "sum-merge --values --missing names a range whose re-run settles an undetermined stretch" {
	run --separate-stderr sum-merge --values --expect 0 15 --missing < <(echo 0 10 4; echo 5 15 3)
	assert_success
	assert_output "10 15"
	run --separate-stderr sum-merge --values --expect 0 15 < <(echo 0 10 4; echo 5 15 3; echo 10 15 2)
	assert_success
	assert_output 6
}

@test "sum-merge --values --missing names gaps and the settling range in order" {
	run --separate-stderr sum-merge --values --expect 0 50 --missing < <(rec 0 10; rec 5 15; rec 30 40)
	assert_success
	assert_output $'10 15\n15 30\n40 50'
	sum-merge --values --expect 0 50 --missing < <(rec 0 10; rec 5 15; rec 30 40) | range-sum -t >"$tmp/more"
	run sum-merge --values --expect 0 50 < <(rec 0 10; rec 5 15; rec 30 40; cat "$tmp/more")
	assert_success
	assert_output "$(pysum 0 50)"
}

@test "sum-merge adds the files named, in turn" {
	rec 0 10 >"$tmp/a"
	printf '%s\n5\n' "$(rec 10 20)" >"$tmp/b"
	run --separate-stderr sum-merge "$tmp/a" "$tmp/b"
	assert_success
	assert_output "$(py "$(pysum 0 20) + 5")"
}

@test "sum-merge reads stdin for the file -" {
	rec 0 10 >"$tmp/a"
	run sum-merge --expect 0 30 "$tmp/a" - < <(rec 10 30)
	assert_success
	assert_output "$(pysum 0 30)"
}

@test "sum-merge --values names the file of a record it does not add" {
	rec 0 10 >"$tmp/a"
	rec 5 6 >"$tmp/b"
	run --separate-stderr sum-merge --values "$tmp/a" "$tmp/b"
	assert_success
	assert_output "$(pysum 0 10)"
	assert_stderr_has "5 6 ($tmp/b line 1)"
}

@test "sum-merge counts identical records from a file and stdin once" {
	range-split -n 3 0 300 | range-sum -t >"$tmp/a"
	run --separate-stderr sum-merge --expect 0 300 --stats "$tmp/a" - <"$tmp/a"
	assert_success
	assert_output "$(pysum 0 300)"
	assert_stderr_has '6 records read, 3 identical repeats dropped'
}

@test "sum-merge names the file and line of a malformed line" {
	printf '1\n2\n' >"$tmp/a"
	printf '3\nbad\n' >"$tmp/b"
	refuses 1 sum-merge "$tmp/a" "$tmp/b"
	assert_stderr_has "$tmp/b"
	assert_stderr_has 'line 2'
}

@test "sum-merge refuses a missing file and prints no total" {
	echo 5 >"$tmp/a"
	refuses 1 sum-merge "$tmp/a" "$tmp/missing"
	assert_stderr_has "$tmp/missing"
}

@test "sum-merge refuses a directory" {
	refuses 1 sum-merge "$tmp"
	assert_stderr_has "$tmp"
}

@test "sum-merge accepts negative --expect operands with and without --" {
	run sum-merge --expect -10 -5 < <(rec -10 -5)
	assert_success
	assert_output "$(pysum -10 -5)"
	run sum-merge --expect=-10 -5 < <(rec -10 -5)
	assert_output "$(pysum -10 -5)"
	rec -10 -5 >"$tmp/a"
	run sum-merge --expect -10 -5 -- "$tmp/a"
	assert_output "$(pysum -10 -5)"
}

@test "sum-merge --help prints usage on stdout and exits 0" {
	run --separate-stderr sum-merge --help
	assert_success
	assert_line --index 0 --partial 'usage: sum-merge'
	[ -z "$stderr" ]
}

@test "sum-merge --version prints the program name and version" {
	run --separate-stderr sum-merge --version
	assert_success
	assert_output --regexp '^sum-merge .*[0-9]+\.[0-9]+'
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$stderr" ]
}

@test "sum-merge refuses --expect without two values" {
	refuses 2 sum-merge --expect 0 </dev/null
	refuses 2 sum-merge --expect </dev/null
}

@test "sum-merge refuses --expect with start greater than end" {
	refuses 2 sum-merge --expect 10 5 </dev/null
}

@test "sum-merge refuses --expect operands that are not integers" {
	refuses 2 sum-merge --expect 0 1.5 </dev/null
	assert_stderr_has "'1.5'"
	refuses 2 sum-merge --expect 9223372036854775808 0 </dev/null
	assert_stderr_has "'9223372036854775808'"
}

@test "sum-merge refuses --count and --timeout without --mq" {
	refuses 2 sum-merge --count 2 </dev/null
	refuses 2 sum-merge --timeout 1s </dev/null
}

@test "sum-merge refuses an unknown option" {
	refuses 2 sum-merge -x </dev/null
	refuses 2 sum-merge --bogus </dev/null
	assert_stderr_has 'bogus'
}

@test "sum-merge fails when stdout cannot be written" {
	run --separate-stderr bash -c 'echo 5 | sum-merge >/dev/full'
	assert_failure 1
	assert_one_stderr_line_from sum-merge
}

@test "sum-merge refuses a line holding a NUL byte, naming it" {
	refuses 1 sum-merge < <(printf '5\n1\0002\n3\n')
	assert_stderr_has 'line 2'
}

@test "sum-merge fails when its input cannot be read" {
	refuses 1 sum-merge <"$tmp"
	assert_stderr_has 'stdin'
}

@test "sum-merge prints a total that fits even if a partial total did not" {
	# The order in which workers finish must not decide whether the
	# same partial sums add up: 2^127-1, 1, -1 totals 2^127-1.
	run --separate-stderr sum-merge <<<"$(py '2**127 - 1')"$'\n1\n-1'
	assert_success
	assert_output "$(py '2**127 - 1')"
	run --separate-stderr sum-merge <<<"$(py '-2**127')"$'\n-1\n1'
	assert_success
	assert_output "$(py '-2**127')"
}

@test "sum-merge --expect accepts many records in any order" {
	range-split -s 7 -- -50000 50000 | range-sum -t --method formula |
		shuf --random-source=<(yes) >"$tmp/recs"
	[ "$(wc -l <"$tmp/recs")" -eq "$(py '-(-100000 // 7)')" ]
	run --separate-stderr sum-merge --expect -50000 50000 "$tmp/recs"
	assert_success
	assert_output "$(pysum -50000 50000)"
}

@test "sum-merge --expect names gaps at both ends of the 64-bit domain" {
	refuses 3 sum-merge --expect "$MIN" "$MAX" < <(rec -5 5)
	assert_stderr_has "[$MIN, -5)"
	assert_stderr_has "[5, $MAX)"
}

@test "sum-merge --missing prints each gap as a start end line, in order, and exits 0" {
	run --separate-stderr sum-merge --expect 0 100 --missing \
		< <(rec 60 90; rec 10 20; rec 30 40)
	assert_success
	assert_output $'0 10\n20 30\n40 60\n90 100'
	[ -z "$stderr" ]
}

@test "sum-merge --missing prints nothing when the records cover the range" {
	run --separate-stderr sum-merge --missing --expect -5 5 < <(rec 0 5; rec -5 0)
	assert_success
	assert_output ''
	[ -z "$stderr" ]
	run --separate-stderr sum-merge --expect 7 7 --missing </dev/null
	assert_success
	assert_output ''
}

@test "sum-merge --missing with no records prints the whole range" {
	run sum-merge --expect "$MIN" "$MAX" --missing </dev/null
	assert_success
	assert_output "$MIN $MAX"
}

@test "sum-merge --missing names gaps at both ends of the 64-bit domain" {
	run sum-merge --expect "$MIN" "$MAX" --missing < <(rec -5 5)
	assert_success
	assert_output "$MIN -5"$'\n'"5 $MAX"
}

@test "sum-merge --missing still refuses malformed and out-of-range records" {
	refuses 1 sum-merge --expect 0 10 --missing < <(rec 0 6; echo 'x y z')
	assert_stderr_has 'line 2'
	refuses 1 sum-merge --expect 0 10 --missing < <(rec 5 11)
	assert_stderr_has '5 11'
	refuses 1 sum-merge --expect 0 10 --missing < <(echo 45)
	refuses 1 sum-merge --expect 0 10 --missing < <(echo '0 5 11')
}

@test "sum-merge --missing needs --expect and refuses --mq and --shm" {
	refuses 2 sum-merge --missing </dev/null
	assert_stderr_has '--expect'
	refuses 2 sum-merge --expect 0 10 --missing --mq /rt-nonexistent
	refuses 2 sum-merge --expect 0 10 --missing --shm /rt-nonexistent
}

@test "sum-merge --missing feeds range-split and range-sum to re-run exactly what was lost" {
	# Two of five parts are lost; the gaps are cut further for fan-out.
	range-split -n 5 0 1e6 | sed '2d;4d' | range-sum -t >"$tmp/recs"
	refuses 3 sum-merge --expect 0 1e6 "$tmp/recs"
	sum-merge --expect 0 1e6 --missing "$tmp/recs" >"$tmp/gaps"
	assert_equal "$(cat "$tmp/gaps")" $'200000 400000\n600000 800000'
	range-split -s 30000 <"$tmp/gaps" | xargs -P 2 -L 1 range-sum -t >>"$tmp/recs"
	run sum-merge --expect 0 1e6 --missing "$tmp/recs"
	assert_success
	assert_output ''
	run --separate-stderr sum-merge --expect 0 1e6 "$tmp/recs"
	assert_success
	assert_output "$(pysum 0 1000000)"
}

@test "sum-merge --missing and the resumed total are exact beyond 2^64" {
	local a=-9000000000000000000 b=9100000000000000000
	range-split -n 6 -- "$a" "$b" | sed '3d' |
		range-sum -t --method formula >"$tmp/recs"
	sum-merge --expect "$a" "$b" --missing "$tmp/recs" |
		range-split -n 3 | range-sum -t --method formula >>"$tmp/recs"
	run sum-merge --expect "$a" "$b" "$tmp/recs"
	assert_success
	assert_output "$(pysum "$a" "$b")"
	[ "$(py "abs($(pysum "$a" "$b")) > 2**64")" = True ]
}

# --- the property test: random record sets against an oracle ---------

@test "the merge's property test: 50,000 seeded record sets give the oracle's verdicts" {
	[ -x "$RANGETOOLS_REPO/tests/merge-prop" ] || fail "tests/merge-prop is not built (run make check)"
	run "$RANGETOOLS_REPO/tests/merge-prop" 20261127 50000
	assert_success
	assert_output --regexp '^50000 cases: checked sums: [1-9][0-9]* totals, [1-9][0-9]* gaps; values: [1-9][0-9]* totals, [1-9][0-9]* gaps, [1-9][0-9]* undetermined; [1-9][0-9]* with a value off or changed on a retry: [1-9][0-9]* disagreeing'
	echo "# $output" >&3
}

# check_want K SE WANT [OPTION]: sum-merge [OPTION] --expect SE on case K
# did what the oracle said.
check_want() {
	local k=$1 se=$2 want=$3
	run --separate-stderr sum-merge $4 --expect $se "$tmp/$k.recs"
	case $want in
	total*) [ "$status" -eq 0 ] && [ "$output" = "${want#total }" ] ||
		fail "case $k $3: want $want, got status $status: $output $stderr" ;;
	gap) [ "$status" -eq 3 ] && [ -z "$output" ] &&
		[[ $stderr == *"do not cover --expect; missing: ["* ]] ||
		fail "case $k $3: want a gap, got status $status: $output $stderr" ;;
	undetermined) [ "$status" -eq 3 ] && [ -z "$output" ] &&
		[[ $stderr == *"do not determine its total"* ]] ||
		fail "case $k $3: want undetermined, got status $status: $output $stderr" ;;
	disagree) [ "$status" -eq 3 ] && [ -z "$output" ] &&
		[[ $stderr == *"records disagree: "*" against "*"(${tmp}/$k.recs line "* ||
		$stderr == *"one range, two values: "* ]] ||
		fail "case $k $3: want disagree, got status $status: $output $stderr" ;;
	refused) [ "$status" -eq 1 ] && [ -z "$output" ] &&
		[[ $stderr == *"sum does not match its range"* ]] ||
		fail "case $k $3: want refused, got status $status: $output $stderr" ;;
	*) fail "case $k: bad oracle line: $want" ;;
	esac
}

@test "sum-merge itself on 300 seeded record sets, checked and --values: the exact total, a gap, undetermined or refused, never a wrong total" {
	[ -x "$RANGETOOLS_REPO/tests/merge-prop" ] || fail "tests/merge-prop is not built (run make check)"
	# make test tries the first 40 of the 300 (the generator is seeded).
	# The oracle's lines are read in bash: a sed, head or cut for each
	# would be most of this test's time.
	local k n=0 seen= cases want
	cases=$(quick_or 300 40)
	"$RANGETOOLS_REPO/tests/merge-prop" 17 "$cases" "$tmp" >/dev/null
	for k in $(seq 0 $((cases - 1))); do
		mapfile -t want <"$tmp/$k.want"
		check_want "$k" "${want[0]}" "${want[1]}"
		check_want "$k" "${want[0]}" "${want[2]}" --values
		seen+=" ${want[1]%% *} values-${want[2]%% *}"
		n=$((n + 1))
	done
	[ "$n" -eq "$cases" ]
	[ "$cases" -eq 300 ] || return 0
	for k in total gap refused values-total values-gap values-undetermined values-disagree; do
		[[ " $seen " == *" $k "* ]] || fail "no case gave $k"
	done
}

@test "sum-merge --missing on seeded record sets names ranges whose re-run gives the exact total" {
	only_in_check
	"$RANGETOOLS_REPO/tests/merge-prop" 99 400 "$tmp" >/dev/null
	local k se want n=0
	for k in $(seq 0 399); do
		want=$(sed -n 2p "$tmp/$k.want")
		[ "$want" = refused ] && continue
		se=$(head -1 "$tmp/$k.want")
		sum-merge --expect $se --missing "$tmp/$k.recs" |
			range-sum -t --method formula >>"$tmp/$k.recs"
		run --separate-stderr sum-merge --expect $se "$tmp/$k.recs"
		assert_success
		assert_output "$(pysum $se)"
		n=$((n + 1))
	done
	[ "$n" -gt 100 ]
}

@test "20,000 shuffled records with repeats and nested re-runs give the exact total" {
	python3 - "$tmp/recs" <<'PY'
import random, sys
r = random.Random(5)
f = lambda a, b: (b - a) * (a + b - 1) // 2
size, n = 7919, 16000
recs = ["%d %d %d" % (a, a + size, f(a, a + size))
        for a in range(-8000 * size, 8000 * size, size)]
recs += [r.choice(recs) for _ in range(3000)]
for _ in range(1000):
    i = r.randrange(n - 3) - 8000
    a, b = i * size, (i + r.randrange(1, 4)) * size
    recs.append("%d %d %d" % (a, b, f(a, b)))
r.shuffle(recs)
open(sys.argv[1], "w").write("\n".join(recs) + "\n")
PY
	run --separate-stderr sum-merge --stats --expect -63352000 63352000 "$tmp/recs"
	assert_success
	assert_output "$(pysum -63352000 63352000)"
	assert_stderr_has '20000 records read, '
}

@test "sum-merge --timeout with a file names --timeout alone, and why" {
	refuses 2 sum-merge --timeout 5 recs
	assert_stderr_has "--timeout goes with --mq: files and stdin are read"
	[[ $stderr != *--count* ]] || fail "stderr: $stderr"
}

@test "sum-merge --count without --mq names --count alone" {
	refuses 2 sum-merge --count 2 </dev/null
	assert_stderr_has "--count goes with --mq"
}

@test "sum-merge --timeout takes minutes and hours, as its message shows" {
	Q=$(ipc_name)
	run --separate-stderr sum-merge --mq "$Q" --timeout 0.001m
	assert_fails_with 3 sum-merge
	assert_stderr_has "--timeout 0.06s expired"
	run --separate-stderr sum-merge --mq "$Q" --timeout 0.0001h
	assert_fails_with 3 sum-merge
	assert_stderr_has "--timeout 0.36s expired"
	ipc_cleanup "$Q"
}

@test "sum-merge -h lists -h, and says ranges are half-open" {
	run sum-merge -h
	assert_success
	assert_line --partial '-h, --help'
	assert_output --partial 'half-open'
}

@test "sum-merge --progress=always shows the coverage of --expect as records arrive" {
	run --separate-stderr bash -c 'for s in 0 25 50 75; do
		range-sum -t "$s" $((s + 25)); sleep 0.3; done |
	    sum-merge --expect 0 100 --progress=always'
	assert_success
	assert_output 4950
	[[ ${stderr_lines[0]} == "sum-merge: 25.0% of [0, 100) covered, 1 record, ETA "* ]] ||
		fail "stderr: $stderr"
	[[ ${stderr_lines[1]} == "sum-merge: 50.0% of [0, 100) covered, 2 records, ETA "* ]] ||
		fail "stderr: $stderr"
	assert_equal "${stderr_lines[-1]}" "sum-merge: 100.0% of [0, 100) covered, 4 records, ETA 0:00:00"
	[ "${#stderr_lines[@]}" -eq 4 ] || fail "stderr: $stderr"
}

@test "sum-merge --progress=always over a queue shows each record's coverage" {
	Q=$(ipc_name)
	(for s in 0 50; do range-sum --mq "$Q" "$s" $((s + 50)); sleep 0.3; done) 3>&- &
	run --separate-stderr sum-merge --mq "$Q" --expect 0 100 \
		--progress=always --timeout 10s
	wait
	assert_success
	assert_output 4950
	[[ ${stderr_lines[0]} == "sum-merge: 50.0% of [0, 100) covered, 1 record, ETA "* ]] ||
		fail "stderr: $stderr"
	assert_equal "${stderr_lines[-1]}" "sum-merge: 100.0% of [0, 100) covered, 2 records, ETA 0:00:00"
	ipc_cleanup "$Q"
}

@test "sum-merge --progress draws nothing when stderr is not a terminal" {
	run --separate-stderr sum-merge --expect 0 10 --progress <<<"0 10 45"
	assert_success
	assert_output 45
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

@test "sum-merge --progress without --expect is a usage error" {
	refuses 2 sum-merge --progress </dev/null
	assert_stderr_has "--progress shows the coverage of --expect"
}

# --- resume by plan ----------------------------------------------------

@test "sum-merge --missing --plan prints the plan's missing lines as they are, indexes kept" {
	range-split -i -n 8 0 1e6 >"$tmp/plan"
	sed '3d;6,7d' "$tmp/plan" | range-sum -t >"$tmp/recs"
	run --separate-stderr sum-merge --expect 0 1e6 --missing --plan "$tmp/plan" "$tmp/recs"
	assert_success
	assert_output "$(sed -n '3p;6,7p' "$tmp/plan")"
	[ -z "$stderr" ]
}

@test "sum-merge --missing --plan keeps a plan without indexes as it is" {
	printf '0  10\n10\t20\n20 30\r\n' >"$tmp/plan"
	rec 0 10 >"$tmp/recs"
	run sum-merge --expect 0 30 --missing --plan "$tmp/plan" "$tmp/recs"
	assert_success
	assert_output $'10\t20\n20 30'
}

@test "sum-merge --missing --plan --array prints the missing indexes as a Slurm array list" {
	range-split -n 12 0 1200 >"$tmp/plan"
	sed '4d;6d;8,10d' "$tmp/plan" | range-sum -t >"$tmp/recs"
	run sum-merge --expect 0 1200 --missing --plan "$tmp/plan" --array "$tmp/recs"
	assert_success
	assert_output '3,5,7-9'
	range-split -i -n 12 0 1200 | sed 's/^/1/' >"$tmp/plan1"
	run sum-merge --expect 0 1200 --missing --plan "$tmp/plan1" --array "$tmp/recs"
	assert_success
	assert_output '13,15,17-19'
}

@test "sum-merge --missing --plan --array prints nothing when nothing is missing" {
	range-split -n 4 0 100 >"$tmp/plan"
	range-sum -t <"$tmp/plan" >"$tmp/recs"
	run --separate-stderr sum-merge --expect 0 100 --missing --plan "$tmp/plan" --array "$tmp/recs"
	assert_success
	assert_output ''
}

@test "after a resume by plan a straggler's record is an identical repeat" {
	range-split -i -n 8 0 2e10 >"$tmp/plan"
	sed '7,8d' "$tmp/plan" | range-sum -t --method formula >"$tmp/recs"
	sum-merge --expect 0 2e10 --missing --plan "$tmp/plan" "$tmp/recs" |
		range-sum -t --method formula >>"$tmp/recs"
	sed -n 7p "$tmp/plan" | range-sum -t --method formula >>"$tmp/recs" # the straggler
	run --separate-stderr sum-merge --expect 0 2e10 --stats "$tmp/recs"
	assert_success
	assert_output "$(pysum 0 20000000000)"
	assert_stderr_has '1 identical repeat dropped, 0 overlapping'
}

@test "sum-merge --values --missing --plan settles an undetermined stretch with the fewest lines" {
	printf '0 5\n5 10\n10 15\n' >"$tmp/plan"
	run sum-merge --values --expect 0 15 --missing --plan "$tmp/plan" < <(rec 0 10; rec 5 15)
	assert_success
	assert_output '10 15'
	run sum-merge --expect 0 15 --missing --plan "$tmp/plan" < <(rec 0 10; rec 5 15)
	assert_success
	assert_output ''
}

@test "sum-merge --missing --plan names the plan lines a gap of checked records touches" {
	printf '0 5\n5 10\n10 15\n15 20\n' >"$tmp/plan"
	run sum-merge --expect 0 20 --missing --plan "$tmp/plan" < <(rec 0 7; rec 12 14)
	assert_success
	assert_output $'5 10\n10 15\n15 20'
}

@test "records given as the plan are named as records, not as a plan that does not tile" {
	range-split -n 4 0 1e8 | range-sum -t --method formula >"$tmp/recs"
	refuses 2 sum-merge --expect 0 1e8 --missing --plan "$tmp/recs" "$tmp/recs"
	assert_stderr_has "--plan $tmp/recs line 1: 0 25000000 312499987500000 is a record 'start end sum'"
	assert_stderr_has "--plan takes the parts range-split printed"
}

@test "a plan line that is not a range is a usage error naming the line" {
	printf '0 10\n\nten 20\n' >"$tmp/plan"
	refuses 2 sum-merge --expect 0 20 --missing --plan "$tmp/plan" </dev/null
	assert_stderr_has "--plan $tmp/plan line 3: "
	assert_stderr_has 'not a range: ten 20'
}

@test "a plan that does not tile --expect is a usage error naming the line" {
	printf '0 10\n12 20\n' >"$tmp/plan"
	refuses 2 sum-merge --expect 0 20 --missing --plan "$tmp/plan" </dev/null
	assert_stderr_has "--plan $tmp/plan line 2: part 12 20 starts at 12, not at 10"
	printf '0 10\n10 20\n' >"$tmp/plan"
	refuses 2 sum-merge --expect 0 30 --missing --plan "$tmp/plan" </dev/null
	assert_stderr_has "line 2: the plan ends at 20, not at --expect's end 30"
	printf '5 10\n' >"$tmp/plan"
	refuses 2 sum-merge --expect 0 10 --missing --plan "$tmp/plan" </dev/null
	assert_stderr_has "line 1: part 5 10 starts at 5, not at 0 where --expect starts"
}

@test "--plan needs --missing, --array needs --plan, and a plan must exist" {
	refuses 2 sum-merge --expect 0 10 --plan /dev/null </dev/null
	assert_stderr_has '--plan goes with --missing'
	refuses 2 sum-merge --expect 0 10 --missing --array </dev/null
	assert_stderr_has '--array goes with --plan'
	refuses 2 sum-merge --expect 0 10 --missing --plan "$tmp/none" </dev/null
	assert_stderr_has "--plan $tmp/none: No such file"
}

# --- --values: a worker's numbers, unchecked -----------------------------

@test "sum-merge --values adds counts that are no range's sum" {
	run --separate-stderr sum-merge --values --expect 0 30 < <(printf '0 10 4\n10 20 0\n20 30 7\n')
	assert_success
	assert_output 11
	[ -z "$stderr" ]
}

@test "sum-merge --values counts an identical record once, and a stretch cut two ways once" {
	run --separate-stderr sum-merge --values --expect 0 30 --stats < <(printf '0 10 4\n10 30 7\n0 10 4\n0 20 6\n20 30 5\n')
	assert_success
	assert_output 11
	assert_equal "$stderr" "sum-merge: 5 records read, 1 identical repeat dropped, 4 overlapping, 0 not added; 0 bare sums"
}

@test "sum-merge --values takes a signed path: [0, 15) is [0, 10) - [5, 10) + [5, 15)" {
	run --separate-stderr sum-merge --values --expect 0 15 < <(printf '0 10 4\n5 10 1\n5 15 3\n')
	assert_success
	assert_output 6
}

@test "sum-merge --values refuses two coverings that disagree, naming the records on each side and their files" {
	printf '0 10 45\n0 20 190\n' >"$tmp/a"
	printf '10 20 999\n' >"$tmp/b"
	refuses 3 sum-merge --values "$tmp/a" "$tmp/b"
	assert_equal "$stderr" "sum-merge: records disagree: 10 20 ($tmp/b line 1) against 0 20 ($tmp/a line 2), 0 10 ($tmp/a line 1), which give the same stretch another total"
}

@test "sum-merge --values refuses a retry that returned another value, naming both" {
	refuses 3 sum-merge --values --expect 0 20 < <(printf '0 10 4\n10 20 5\n0 10 6\n')
	assert_equal "$stderr" "sum-merge: one range, two values: 0 10 (stdin line 1) and 0 10 (stdin line 3)"
}

@test "sum-merge --values takes bare integers as without it" {
	run --separate-stderr sum-merge --values < <(printf '4\n-1\n7\n')
	assert_success
	assert_output 10
	refuses 1 sum-merge --values --expect 0 10 < <(echo 4)
	assert_stderr_has 'a bare sum cannot be checked against --expect'
}

@test "sum-merge --values names a value outside 128 bits, and a total that leaves them" {
	refuses 1 sum-merge --values < <(echo "0 10 $(py '2**127')")
	assert_equal "$stderr" "sum-merge: stdin line 1: value is outside 128 bits"
	refuses 1 sum-merge --values < <(echo "0 10 $(py '2**127 - 1')"; echo "10 20 1")
	assert_equal "$stderr" "sum-merge: the total does not fit in 128 bits"
	refuses 1 sum-merge --values < <(echo "0 10 $(py '2**127 - 1')"; echo "0 5 $(py '-2**127 + 1')"; echo "5 10 $(py '-2**127 + 1')")
	assert_stderr_has "sum-merge: the value of 5 10 (stdin line 3) is too far from the others' to compare in 128 bits"
}

@test "sum-merge without --values suggests it when no record matches its range" {
	refuses 1 sum-merge < <(printf '0 10 4\n10 20 5\n')
	assert_equal "$stderr" "sum-merge: stdin line 1: sum does not match its range (no record of the input matches its range: if the third field is a worker's value, not the range's sum, use sum-merge --values)"
	refuses 1 sum-merge < <(rec 0 10; echo 10 20 5)
	assert_equal "$stderr" "sum-merge: stdin line 2: sum does not match its range"
	refuses 1 sum-merge < <(echo 0 10 4; rec 10 20)
	assert_equal "$stderr" "sum-merge: stdin line 1: sum does not match its range"
}

@test "sum-merge --values works with --plan, --array, --progress and --stats" {
	range-split -i -n 4 0 40 >"$tmp/plan"
	printf '0 10 1\n0 20 3\n30 40 2\n' >"$tmp/recs"
	run --separate-stderr sum-merge --values --expect 0 40 --missing --plan "$tmp/plan" --array "$tmp/recs"
	assert_success
	assert_output 2
	run --separate-stderr sum-merge --values --expect 0 40 --progress=always --stats "$tmp/recs" <(echo 20 30 5)
	assert_success
	assert_output 10
	assert_stderr_has '100.0% of [0, 40) covered'
	assert_stderr_has 'sum-merge: 4 records read, 0 identical repeats dropped, 2 overlapping, 0 not added; 0 bare sums'
}

@test "sum-merge --values reads files and stdin, not queues or tables" {
	refuses 2 sum-merge --values --mq /rt-none
	assert_stderr_has '--values reads files or stdin'
	refuses 2 sum-merge --values --shm /rt-none
}

@test "--val abbreviates --values and --ver still --version" {
	run --separate-stderr sum-merge --val < <(echo 0 10 4)
	assert_success
	assert_output 4
	run sum-merge --ver
	assert_success
	assert_output --partial 'sum-merge'
}
