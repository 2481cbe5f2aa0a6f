#!/usr/bin/env bats
# range-sum's workers: --threads, --gil, --procs, --stats, --progress and
# --io-wait.  Every mode and worker count must give the exact sum python3
# computes; --procs must leave nothing in /dev/shm however it ends, and a
# lost worker must fail the run.  No test here depends on speed.

# Its tests mostly wait for --progress's line, an I/O wait: side by side.
RANGETOOLS_SIDE_BY_SIDE=1
load test_helper

MIN=-9223372036854775808
MAX=9223372036854775807

# Ranges with odd lengths, negative bounds, both ends of the domain and
# chunk boundaries (a chunk is 16384 integers).
RANGES=(
	"0 0" "0 1" "0 2" "-5 5" "-7 3" "5 8" "0 16383" "0 16384" "0 16385"
	"-1000001 999" "3 1000003" "-40000 -1" "0 100000007"
	"9223372036854775000 $MAX" "$MIN -9223372036854775000"
)

setup() {
	PIDS=()
}

teardown() {
	# A failed test must not leave a long run burning a core.
	kill_tree "${PIDS[@]}"
}

# same_as_python OPTION...: every range in RANGES, summed with the options,
# gives python3's sum.
same_as_python() {
	local i want
	if [ -z "${WANT+set}" ]; then
		WANT=($(printf '%s\n' "${RANGES[@]}" | python3 -c '
import sys
for l in sys.stdin:
    s, e = map(int, l.split())
    print((s + e - 1) * (e - s) // 2)'))
	fi
	for i in "${!RANGES[@]}"; do
		want=${WANT[i]}
		run --separate-stderr range-sum "$@" -- ${RANGES[i]}
		assert_success
		[ "$output" = "$want" ] ||
			fail "range-sum $* -- ${RANGES[i]}: got '$output', want '$want'"
		[ -z "$stderr" ] ||
			fail "range-sum $* -- ${RANGES[i]}: stderr: $stderr"
	done
}

# start_long OPTION...: starts a range-sum that runs for minutes in the
# background, with SIGINT at its default (bats runs background jobs with
# SIGINT ignored), and waits until it has forked both --procs workers.
# Sets LONG (its pid) and KIDS (its workers' pids).
start_long() {
	env --default-signal=INT range-sum "$@" --procs 2 0 1e13 \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	LONG=$!
	PIDS+=("$LONG")
	wait_until children_are "$LONG" 2
	KIDS=($(pgrep -P "$LONG"))
}

# wait_long: waits for the range-sum start_long started; sets rc.
wait_long() {
	rc=0
	wait "$LONG" || rc=$?
}

# gone PID...: each process has exited (or is a zombie nobody reaped yet).
gone() {
	local p
	for p in "$@"; do
		wait_until exited "$p"
	done
}

# no_segment_of PID: nothing left in /dev/shm by range-sum process PID.
no_segment_of() {
	local left
	left=$(find /dev/shm -maxdepth 1 -name "range-sum.$1.*")
	[ -z "$left" ] || fail "left in /dev/shm: $left"
}

@test "--threads n gives the one-thread sum for n from 1 to 8" {
	only_in_check
	needs_threads
	local n
	for n in 1 2 3 4 5 7 8; do
		same_as_python --threads "$n"
	done
}

@test "--threads n with more threads than integers still sums exactly" {
	needs_threads
	same_as_python --threads 1024
}

@test "--threads --gil gives the one-thread sum" {
	only_in_check
	needs_threads
	local n
	for n in 1 2 3 5; do
		same_as_python --threads "$n" --gil --switch-interval 100us
	done
}

@test "--procs n gives the one-thread sum for n from 1 to 5" {
	only_in_check
	needs_fork
	local n
	for n in 1 2 3 5; do
		same_as_python --procs "$n"
	done
}

@test "--procs n with more workers than integers still sums exactly" {
	needs_fork
	run --separate-stderr range-sum --procs 7 -- -2 3
	assert_success
	assert_output "$(pysum -2 3)"
}

@test "--method formula sums the whole 64-bit domain in every mode" {
	needs_threads
	needs_fork
	local want mode
	want=$(pysum $MIN $MAX)
	for mode in "" "--threads 3" "--threads 7 --gil" "--procs 3"; do
		run --separate-stderr range-sum --method formula $mode -- $MIN $MAX
		assert_success
		[ "$output" = "$want" ] || fail "$mode: got $output, want $want"
	done
}

@test "--io-wait leaves the sum exact" {
	needs_threads
	same_as_python --threads 3 --gil --io-wait 1us
}

@test "--io-echo leaves the sum exact in every mode" {
	needs_threads
	needs_fork
	same_as_python --io-echo
	same_as_python --threads 3 --io-echo
	same_as_python --threads 3 --gil --io-echo
	same_as_python --procs 2 --io-echo
}

@test "--procs in filter mode sums each input line" {
	needs_fork
	run --separate-stderr bash -c \
	    "range-split -i -n 5 -- -3 100000 | range-sum -t --procs 3"
	assert_success
	assert_output "$(range-split -n 5 -- -3 100000 | python3 -c '
import sys
for l in sys.stdin:
    s, e = map(int, l.split())
    print(s, e, sum(range(s, e)))')"
}

@test "--stats prints one report per worker on stderr, none on stdout" {
	needs_threads
	run --separate-stderr range-sum --stats --threads 3 -- -10 20
	assert_success
	assert_output "$(pysum -10 20)"
	# Three workers, then the kernel line (tests/kernel.bats checks it).
	[ "${#stderr_lines[@]}" -eq 4 ] || fail "stderr: $stderr"
	# Numbered from 1, as --lanes and --trace number them.
	[[ ${stderr_lines[0]} =~ ^range-sum:\ worker\ 1:\ -10\ 0:\ wall\ [0-9.]+\ s,\ cpu\ [0-9.]+\ s$ ]] ||
		fail "line 1: ${stderr_lines[0]}"
	[[ ${stderr_lines[2]} == "range-sum: worker 3: 10 20: wall "* ]] ||
		fail "line 3: ${stderr_lines[2]}"
	[[ ${stderr_lines[3]} == "range-sum: kernel "*": 30 integers, cpu "* ]] ||
		fail "line 4: ${stderr_lines[3]}"
}

@test "--stats reports each --procs worker's range" {
	needs_fork
	run --separate-stderr range-sum --stats --procs 2 0 1000
	assert_success
	[[ ${stderr_lines[0]} == "range-sum: worker 1: 0 500: wall "*", cpu "* ]]
	[[ ${stderr_lines[1]} == "range-sum: worker 2: 500 1000: wall "*", cpu "* ]]
}

@test "a --procs worker held up leaves the rest of its share to the other" {
	needs_fork
	local line share rate took=() mine=()
	# A share of about half a second of this build's summing: a coverage
	# build sums ten times slower than the release build.
	rate=$(range-sum --stats 0 2e8 2>&1 >/dev/null |
	    sed -n 's/.*cpu [0-9.]* s, \([0-9.]*\) integers\/ns$/\1/p')
	share=$(bc <<<"${rate:-0} * 500000000 / 1")
	[ "$share" -ge 4194304 ] || share=4194304
	range-sum --stats --procs 2 0 $((2 * share)) \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	LONG=$!
	PIDS+=("$LONG")
	wait_until children_are "$LONG" 2
	KIDS=($(pgrep -P "$LONG"))
	kill -STOP "${KIDS[0]}"
	# The other sums its share and all but a few stretches of the
	# stopped one's, exits and is reaped, while the stopped one waits.
	wait_until children_are "$LONG" 1
	kill -CONT "${KIDS[0]}"
	wait "$LONG"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(pysum 0 $((2 * share)))" ] ||
		fail "sum: $(cat "$BATS_TEST_TMPDIR/out")"
	while read -r line; do
		[[ $line =~ ^range-sum:\ worker\ [12]:.*\ ([0-9]+)\ integers\ from\ other\ shares$ ]] &&
			took+=("${BASH_REMATCH[1]}")
		[[ $line == "range-sum: worker "[12]":"* ]] && mine+=("$line")
	done <"$BATS_TEST_TMPDIR/err"
	[ "${#mine[@]}" -eq 2 ] || fail "stderr: $(cat "$BATS_TEST_TMPDIR/err")"
	# One worker took from the other's share: most of it, since the
	# other was stopped soon after it started (a fifth leaves room for a
	# slow poll on a loaded machine).
	[ "${#took[@]}" -eq 1 ] && [ "${took[0]}" -ge $((share / 5)) ] ||
		fail "stderr: $(cat "$BATS_TEST_TMPDIR/err")"
}

@test "workers that take from each other's shares still sum exactly" {
	needs_threads
	needs_fork
	local r mode
	# Ranges of many stretches (2^20 integers) that end mid-stretch,
	# across 0 and at both ends of the domain, among many workers.
	for r in "-123456789 987654321" "$MIN $((MIN + 300000007))" \
	    "$((MAX - 300000007)) $MAX"; do
		for mode in "--threads 16" "--procs 16" "--threads 3"; do
			run --separate-stderr range-sum $mode -- $r
			assert_success
			[ "$output" = "$(pysum $r)" ] ||
				fail "range-sum $mode $r: $output"
		done
	done
}

@test "under --gil and with --io-wait each thread sums its own share" {
	needs_threads
	# Threads that take turns finish apart: free ones would even out.
	run --separate-stderr range-sum --stats --threads 4 --gil \
	    --switch-interval 1ms 0 4e8
	assert_success
	assert_output "$(pysum 0 400000000)"
	[[ $stderr != *"from other shares"* ]] || fail "stderr: $stderr"
	run --separate-stderr range-sum --stats --threads 4 --io-wait 1us 0 1e8
	assert_success
	[[ $stderr != *"from other shares"* ]] || fail "stderr: $stderr"
}

@test "--stats under --gil counts switches when two threads outlast the interval" {
	needs_threads
	local total
	# 2e9 integers take far longer than 100 us on any machine.
	run --separate-stderr range-sum --stats --threads 2 --gil \
	    --switch-interval 100us 0 2e9
	assert_success
	assert_output "$(pysum 0 2000000000)"
	total=0
	for line in "${stderr_lines[@]}"; do
		# The last line names the kernel: no lock there.
		[[ $line != "range-sum: kernel "* ]] || continue
		[[ $line =~ switches\ ([0-9]+),\ lock\ wait\ [0-9.]+\ s$ ]] ||
			fail "no switches in: $line"
		total=$((total + BASH_REMATCH[1]))
	done
	[ "$total" -gt 0 ] || fail "no switches: $stderr"
}

@test "--stats under --gil counts no switches for a lone thread" {
	needs_threads
	run --separate-stderr range-sum --stats --threads 1 --gil 0 1e8
	assert_success
	[[ $stderr == *"switches 0, lock wait "* ]] || fail "$stderr"
}

# switches CMD...: runs CMD, then prints on stderr how many voluntary
# context switches it made (getrusage): one each time a thread of it slept
# or blocked.  A count, not a time: a busy machine does not change it.
switches() {
	python3 -c '
import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:]).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_nvcsw, file=sys.stderr)
sys.exit(rc)' "$@"
}

@test "--io-wait waits once per chunk of 16384 integers" {
	local n=200 base wall waits
	# n chunks, each followed by a 1 ms wait: the worker's wall time is at
	# least n ms.  Each wait puts the worker to sleep once, a voluntary
	# context switch: beyond those of the same run without --io-wait,
	# waiting once per chunk makes n of them, twice 2n.
	run --separate-stderr switches range-sum --stats 0 $((n * 16384))
	assert_success
	base=${stderr_lines[-1]}
	run --separate-stderr switches range-sum --stats --io-wait 1ms \
	    0 $((n * 16384))
	assert_success
	assert_output "$(pysum 0 $((n * 16384)))"
	[[ ${stderr_lines[0]} =~ wall\ ([0-9.]+)\ s ]] || fail "$stderr"
	wall=${BASH_REMATCH[1]}
	[ "$(py "$wall >= $n / 1000")" = True ] ||
		fail "wall $wall s: less than one wait per chunk"
	[[ $stderr == *"range-sum: io calls: $n, median "* ]] || fail "$stderr"
	# qemu-user's own threads switch some hundreds of times a run, more
	# or less from one run to the next: the count says nothing there.
	[ -z "${RANGETOOLS_QEMU:-}" ] || return 0
	waits=$((stderr_lines[-1] - base))
	[ "$waits" -lt $((3 * n / 2)) ] ||
		fail "$waits sleeps for $n chunks (without --io-wait: $base)"
}

@test "--progress=always draws on a pipe and ends with a summary" {
	needs_threads
	local n=$((2 * 200 * 16384))
	# Two threads of 200 chunks, each chunk followed by a 10 ms wait: at
	# least 2 s, and the line is drawn once a second.
	run --separate-stderr range-sum --progress=always --threads 2 \
	    --io-wait 10ms 0 "$n"
	assert_success
	assert_output "$(pysum 0 "$n")"
	[ "${#stderr_lines[@]}" -ge 2 ] || fail "nothing drawn: $stderr"
	[[ ${stderr_lines[0]} =~ ^range-sum:\ [0-9]+\.[0-9]%,\ [0-9.]+[kMGTPE]?\ integers/s,\ ETA\ ([0-9]+:[0-5][0-9]:[0-5][0-9]|\?)$ ]] ||
		fail "progress line: ${stderr_lines[0]}"
	[[ $stderr != *$'\r'* ]] || fail "a carriage return on a pipe: $stderr"
	[[ ${stderr_lines[-1]} == "range-sum: done: $n integers in "* ]] ||
		fail "stderr: $stderr"
}

@test "--progress shows the rate with an SI prefix and the ETA as h:mm:ss" {
	needs_threads
	# Each chunk of 16384 waits 1 ms: at most 16.4M integers/s, so 16e10
	# integers take 2.7 h or more, and well under a day.
	run --separate-stderr timeout -s INT 2.5 \
		range-sum --progress=always --io-wait 1ms 0 16e10
	assert_equal "$status" 124
	[[ ${stderr_lines[-1]} =~ ^range-sum:\ 0\.0%,\ [0-9.]+M\ integers/s,\ ETA\ ([2-9]|1[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$ ]] ||
		fail "progress line: ${stderr_lines[-1]}"
}

@test "--progress past an hour suggests --method formula, once" {
	needs_threads
	run --separate-stderr timeout -s INT 3.5 \
		range-sum --progress=always --io-wait 1ms 0 16e10
	assert_equal "$status" 124
	assert_equal "${stderr_lines[0]}" "range-sum: over an hour to go at this rate; --method formula gives the same sum at once"
	[ "$(grep -c formula <<<"$stderr")" -eq 1 ] || fail "stderr: $stderr"
	[ "${#stderr_lines[@]}" -ge 3 ] || fail "stderr: $stderr"
}

@test "--progress gives an ETA past a day in days" {
	only_in_check
	needs_threads
	run --separate-stderr timeout -s INT 1.8 \
		range-sum --progress=always 0 1e18
	assert_equal "$status" 124
	[[ ${stderr_lines[-1]} =~ ,\ ETA\ [0-9]+\.[0-9]\ days$ ]] ||
		fail "progress line: ${stderr_lines[-1]}"
}

@test "--progress under 1 h gives no --method formula hint" {
	only_in_check
	needs_threads
	local n=$((2 * 200 * 16384))
	run --separate-stderr range-sum --progress=always --threads 2 \
	    --io-wait 10ms 0 "$n"
	assert_success
	[[ $stderr != *formula* ]] || fail "stderr: $stderr"
}

# Ctrl-C is typed once a line is drawn (the handlers are in place by
# then), not after a fixed time; the wide bound only ends a run that
# never draws.  tty-run starts range-sum with SIGINT at its default, as
# a terminal's shell would: under a runner that ignores SIGINT, the ^C
# was ignored and range-sum drew on until SIGTERM (status 143).
@test "--progress at a terminal ends its line when Ctrl-C ends the run" {
	needs_threads
	local rc=0
	"$BATS_TEST_DIRNAME/tty-run" -k '\x03' -w 'ETA ' 120 \
		range-sum --progress 0 1e18 >"$BATS_TEST_TMPDIR/screen" || rc=$?
	[ "$rc" -eq 130 ] ||
		fail "status $rc, screen: $(cat -A "$BATS_TEST_TMPDIR/screen")"
	grep -q 'ETA .*\^C$' "$BATS_TEST_TMPDIR/screen" ||
		fail "screen: $(cat -A "$BATS_TEST_TMPDIR/screen")"
	[ "$(tail -c 1 "$BATS_TEST_TMPDIR/screen" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail "no newline after ^C: $(cat -A "$BATS_TEST_TMPDIR/screen")"
}

@test "--progress draws nothing when stderr is not a terminal" {
	needs_fork
	run --separate-stderr range-sum --progress --procs 2 0 1e6
	assert_success
	assert_output "$(pysum 0 1000000)"
	[ -z "$stderr" ]
}

@test "--procs maps its segment already unlinked while the workers run" {
	needs_fork
	start_long
	grep -q "/dev/shm/range-sum\.$LONG\..* (deleted)" "/proc/$LONG/maps" ||
		fail "no deleted shm mapping in /proc/$LONG/maps"
	no_segment_of "$LONG"
	kill -TERM "$LONG"
	wait_long
}

@test "--procs leaves nothing in /dev/shm after a normal run" {
	needs_fork
	range-sum --procs 2 0 1e9 >"$BATS_TEST_TMPDIR/out" 3>&- &
	local pid=$!
	PIDS+=("$pid")
	wait "$pid"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(pysum 0 1000000000)" ]
	no_segment_of "$pid"
}

@test "--procs leaves nothing behind after SIGINT" {
	needs_fork
	start_long
	kill -INT "$LONG"
	wait_long
	[ "$rc" -eq 130 ] || fail "status $rc"
	gone "${KIDS[@]}"
	no_segment_of "$LONG"
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
}

@test "--procs leaves nothing behind after SIGTERM" {
	needs_fork
	start_long
	kill -TERM "$LONG"
	wait_long
	[ "$rc" -eq 143 ] || fail "status $rc"
	gone "${KIDS[@]}"
	no_segment_of "$LONG"
}

@test "--procs workers die when range-sum is killed with SIGKILL" {
	needs_fork
	start_long
	kill -KILL "$LONG"
	wait_long
	gone "${KIDS[@]}"
	no_segment_of "$LONG"
}

@test "a killed --procs worker fails the run with a message naming its range" {
	needs_fork
	local victim
	start_long --stats
	victim=${KIDS[1]}
	kill -KILL "$victim"
	wait_long
	[ "$rc" -eq 1 ] || fail "status $rc"
	[ ! -s "$BATS_TEST_TMPDIR/out" ] || fail "printed a total"
	run cat "$BATS_TEST_TMPDIR/err"
	[ "${#lines[@]}" -eq 1 ] || fail "stderr: $output"
	[[ $output =~ ^range-sum:\ worker\ [12]\ \(pid\ $victim\)\ was\ killed\ by\ signal\ 9.*:\ the\ range\ (0\ 5000000000000|5000000000000\ 10000000000000)\ is\ lost,\ no\ total$ ]] ||
		fail "message: $output"
	gone "${KIDS[0]}"
	no_segment_of "$LONG"
}

@test "--gil without --threads is a usage error" {
	run --separate-stderr range-sum --gil 0 10
	assert_fails_with 2 range-sum
}

@test "--switch-interval without --gil is a usage error" {
	run --separate-stderr range-sum --threads 2 --switch-interval 1ms 0 10
	assert_fails_with 2 range-sum
	assert_stderr_has "--switch-interval needs --gil"
}

@test "--threads and --procs together are a usage error" {
	run --separate-stderr range-sum --threads 2 --procs 2 0 10
	assert_fails_with 2 range-sum
}

@test "--threads 0 and --procs 1025 are usage errors" {
	run --separate-stderr range-sum --threads 0 0 10
	assert_fails_with 2 range-sum
	run --separate-stderr range-sum --procs 1025 0 10
	assert_fails_with 2 range-sum
}

@test "examples/article.sh prints one row per mode, Python's beside ours" {
	needs_threads
	needs_fork
	run --separate-stderr "$RANGETOOLS_REPO/examples/article.sh" 1e7 1e5
	assert_success
	assert_line --partial "rangetools sums [0, 1e7) = $(pysum 0 10000000)"
	assert_line --partial "sums [0, 1e5) = $(pysum 0 100000)"
	assert_line --regexp '^1 thread +1 +[0-9.]+ +[0-9.]+ +1\.00x +[0-9.]+ +[0-9.]+ +1\.00x$'
	assert_line --regexp '^2 threads, GIL \(--gil\) +2 '
	assert_line --regexp '^2 threads, no GIL +2 .* -$'
	assert_line --regexp '^2 processes \(--procs\) +2 '
	assert_line --regexp '^2 processes, xargs\|pipe +2 '
}

# As cron and services run it: once "HOME: unbound variable".
@test "examples/article.sh runs with no HOME, as env -i leaves it" {
	needs_threads
	needs_fork
	run --separate-stderr env -i PATH=/usr/bin:/bin \
		RANGETOOLS_BIN="${RANGETOOLS_BIN:-$RANGETOOLS_REPO/bin}" \
		"$RANGETOOLS_REPO/examples/article.sh" 1e7 1e5
	assert_success
	assert_line --partial "rangetools sums [0, 1e7) = $(pysum 0 10000000)"
	refute_output --partial "builds one into ;"
}

@test "examples/article.py sums the article's range three ways" {
	run --separate-stderr python3 "$RANGETOOLS_REPO/examples/article.py" 100001
	assert_success
	assert_line --index 0 --regexp "^thread 1 [0-9.]+ [0-9.]+ $(pysum 0 100001)\$"
	assert_line --index 1 --regexp "^threads 2 [0-9.]+ [0-9.]+ $(pysum 0 100001)\$"
	assert_line --index 2 --regexp "^processes 2 [0-9.]+ [0-9.]+ $(pysum 0 100001)\$"
}
