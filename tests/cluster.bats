#!/usr/bin/env bats
#
# Several machines: range-split | parallel -S h1,h2 ... | sum-merge, over
# ssh to two real sshd, each in a network namespace of its own where that
# can be done (see cluster_helper.bash).  The "remote" range-sum is this
# build's: the hosts share this machine's files, and the job puts its
# folder first on the PATH, as REMOTE_BIN does in examples/cluster.sh.
# A host killed mid-run costs only its parts: parallel --joblog
# --resume-failed, or sum-merge --missing, runs those again on the other.

load test_helper
load cluster_helper

# A hung host must not hang the suite (bats-core 1.7 and later).
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}

setup() {
	cluster_up
	BIN=$(cd "${RANGETOOLS_BIN:-$RANGETOOLS_REPO/bin}" && pwd)
	JOBLOG="$BATS_TEST_TMPDIR/joblog"
	BG=
}

teardown() {
	[ -z "$BG" ] || kill -KILL $(cluster_ps "$BG" "" | cut -f 1) 2>/dev/null || true
	cluster_down
}

# fanout_jobs: the ranges on stdin, summed on h1 and h2 as records, one
# job at a time on each host (so that both must take part).
fanout_jobs() {
	parallel --will-cite --ssh "$CLUSTER_SSH" -S h1,h2 --jobs 1 \
		--colsep ' ' --halt now,fail=1 --joblog "$JOBLOG" \
		"PATH=$BIN:\$PATH range-sum -t {1} {2}"
}

# fanout START END: fanout_jobs, merged with --expect START END.
fanout() {
	fanout_jobs | sum-merge --expect "$1" "$2"
}

# joblog_column N: column N of the job log, one line per job.
joblog_column() {
	tail -n +2 "$JOBLOG" | cut -f "$1"
}

# missing_per_joblog START END: the parts of [START, END) that no successful
# job of the job log summed, as sum-merge prints them: "[a, b) [c, d)".
missing_per_joblog() {
	tail -n +2 "$JOBLOG" | python3 -c '
import sys
lo, hi = int(sys.argv[1]), int(sys.argv[2])
done = sorted((int(f[8].split()[-2]), int(f[8].split()[-1]))
              for f in (l.rstrip("\n").split("\t") for l in sys.stdin)
              if f[6] == "0")
gaps, at = [], lo
for s, e in done:
    if s > at:
        gaps.append("[%d, %d)" % (at, s))
    at = max(at, e)
if at < hi:
    gaps.append("[%d, %d)" % (at, hi))
print(" ".join(gaps))' "$1" "$2"
}

# host_running HOST: HOST sums a part; running is its range-sum's line
# (cluster_running).
host_running() {
	running=$(cluster_running "$1")
	[ -n "$running" ]
}

# host_runs_long HOST: host_running, a part of more than 1e6 integers.
host_runs_long() {
	host_running "$1" || return 1
	set -- $running
	[ "$#" -eq 4 ] || return 1
	[ $(($4 - $3)) -gt 1000000 ]
}

# host_idle HOST: HOST sums nothing.
host_idle() {
	[ -z "$(cluster_running "$1")" ]
}

@test "each ssh host answers on its own address" {
	local h addr port
	for h in $CLUSTER_HOSTS; do
		addr="CLUSTER_ADDR_$h" port="CLUSTER_PORT_$h"
		run $CLUSTER_SSH "$h" 'set -- $SSH_CONNECTION; echo "$3 $4"'
		assert_success
		assert_output "${!addr} ${!port}"
	done
	[ "$CLUSTER_MODE" = loopback ] || [ "$CLUSTER_ADDR_h1" != "$CLUSTER_ADDR_h2" ]
	[ "$CLUSTER_MODE" = netns ] || [ "$CLUSTER_PORT_h1" != "$CLUSTER_PORT_h2" ]
}

@test "a sum fanned out over two ssh hosts is exact" {
	range-split -n 6 -- -3e6 5e6 >"$BATS_TEST_TMPDIR/parts"
	run --separate-stderr fanout -3e6 5e6 <"$BATS_TEST_TMPDIR/parts"
	assert_success
	assert_output "$(pysum -3000000 5000000)"
}

@test "the joblog shows that both hosts did work" {
	range-split -n 6 0 1e7 | fanout 0 1e7 >/dev/null
	[ "$(joblog_column 7 | sort -u)" = 0 ]
	[ "$(joblog_column 2 | wc -l)" -eq 6 ]
	[ "$(joblog_column 2 | sort -u | tr '\n' ' ')" = "h1 h2 " ]
}

@test "examples/cluster.sh sums over the hosts given as arguments" {
	START=-1e6 END=9e6 PARTS=5 REMOTE_BIN=$BIN PARALLEL_SSH=$CLUSTER_SSH \
		run --separate-stderr "$RANGETOOLS_REPO/examples/cluster.sh" h1 h2
	assert_success
	assert_output "$(pysum -1000000 9000000)"
	# Its summary of the job log: a line per job, naming the host.
	[ "$(grep -c '^h1	0	' <<<"$stderr")" -ge 1 ]
	[ "$(grep -c '^h2	0	' <<<"$stderr")" -ge 1 ]
	[ "$(grep -c '^h[12]	0	.*range-sum -t ' <<<"$stderr")" -eq 5 ]
}

@test "examples/cluster.sh takes its hosts from RANGETOOLS_HOSTS" {
	RANGETOOLS_HOSTS=h1,h2 END=1e6 JOBLOG="$JOBLOG" REMOTE_BIN=$BIN \
		PARALLEL_SSH=$CLUSTER_SSH \
		run --separate-stderr "$RANGETOOLS_REPO/examples/cluster.sh"
	assert_success
	assert_output "$(pysum 0 1000000)"
	[ "$(joblog_column 2 | wc -l)" -eq 8 ]
}

@test "examples/cluster.sh with SHIP=1 copies range-sum to the hosts" {
	command -v rsync >/dev/null || skip "parallel --basefile needs rsync"
	# The hosts share this machine's files, so REMOTE_WD is one folder
	# for both; the job runs ./range-sum from it, never from the PATH.
	local wd="$BATS_TEST_TMPDIR/remote-wd"
	SHIP=1 REMOTE_WD=$wd END=1e7 JOBLOG="$JOBLOG" \
		PARALLEL_SSH=$CLUSTER_SSH \
		run --separate-stderr "$RANGETOOLS_REPO/examples/cluster.sh" h1 h2
	assert_success
	assert_output "$(pysum 0 10000000)"
	[ "$(joblog_column 9 | grep -c '^\./range-sum -t ')" -eq 8 ]
	[ "$(joblog_column 2 | sort -u | tr '\n' ' ')" = "h1 h2 " ]
	# --cleanup took the copy away again.
	[ ! -e "$wd/range-sum" ]
}

# Small parts alternate with parts far too long to finish (1e13 integers
# each: half an hour), so that each host ends up busy with a long one;
# then h2 dies.
@test "a host killed mid-run fails the pipeline, and sum-merge names what is missing" {
	local end running s e i
	python3 -c '
at = 0
for i in range(6):
    for n in (10**5, 10**13):
        print(at, at + n)
        at += n' >"$BATS_TEST_TMPDIR/parts"
	end=$(tail -n 1 "$BATS_TEST_TMPDIR/parts" | cut -d' ' -f2)
	(
		set +e
		fanout_jobs <"$BATS_TEST_TMPDIR/parts" |
			sum-merge --expect 0 "$end" \
				>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
		echo "${PIPESTATUS[@]}" >"$BATS_TEST_TMPDIR/status"
	) 3>&- &
	BG=$!
	wait_until -t 60 host_runs_long h2
	set -- $running
	s=$3 e=$4
	cluster_kill h2
	wait "$BG"
	BG=
	# parallel failed, and sum-merge printed no total but the gaps.
	read -r parallel_status merge_status <"$BATS_TEST_TMPDIR/status"
	[ "$parallel_status" -ne 0 ]
	[ "$merge_status" -eq 3 ]
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	local gaps line
	gaps=$(missing_per_joblog 0 "$end")
	line=$(grep '^sum-merge:' "$BATS_TEST_TMPDIR/err")
	[[ $line == "sum-merge: "*"missing: $gaps" ]] ||
		fail "expected the gaps $gaps, got: $(cat "$BATS_TEST_TMPDIR/err")"
	# The killed part is among them, and the job log blames h2 for it.
	python3 -c '
import re, sys
s, e = int(sys.argv[1]), int(sys.argv[2])
gaps = re.findall(r"\[(-?\d+), (-?\d+)\)", sys.stdin.read())
sys.exit(not any(int(a) <= s and e <= int(b) for a, b in gaps))' \
		"$s" "$e" <"$BATS_TEST_TMPDIR/err" ||
		fail "[$s, $e) is not named missing: $(cat "$BATS_TEST_TMPDIR/err")"
	joblog_column 2,7,9 | grep -q "^h2	255	.* $s $e\$"
}

@test "after a host dies, the job on the other host is stopped too" {
	python3 -c 'print(0, 10**13); print(10**13, 2 * 10**13)' |
		fanout 0 2e13 >/dev/null 2>&1 3>&- &
	BG=$!
	wait_until -t 60 host_running h1
	wait_until -t 60 host_running h2
	cluster_kill h2
	wait "$BG" || true
	BG=
	# parallel's job wrapper on h1 sees its ssh session end and stops
	# range-sum: no job keeps a CPU busy there for nothing.
	wait_until -t 30 host_idle h1
}

# Two parts that take seconds each; h2 dies while it sums its part.
@test "with --retries in place of --halt, the part of a dead host is summed on the other" {
	local running
	range-split -n 2 0 4e10 >"$BATS_TEST_TMPDIR/parts"
	(
		set +e
		parallel --will-cite --ssh "$CLUSTER_SSH" -S h1,h2 --jobs 1 \
			--retries 2 --colsep ' ' --joblog "$JOBLOG" \
			"PATH=$BIN:\$PATH range-sum -t {1} {2}" \
			<"$BATS_TEST_TMPDIR/parts" |
			sum-merge --expect 0 4e10 >"$BATS_TEST_TMPDIR/out"
		echo "${PIPESTATUS[*]}" >"$BATS_TEST_TMPDIR/status"
	) 2>/dev/null 3>&- &
	BG=$!
	wait_until -t 60 host_running h2
	cluster_kill h2
	wait "$BG"
	BG=
	assert_equal "$(cat "$BATS_TEST_TMPDIR/status")" "0 0"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(pysum 0 40000000000)"
	# The job log keeps each part's last try: h1 summed both.
	set -- $running
	joblog_column 2,7,9 | grep -q "^h1	0	.* $3 $4\$"
	[ "$(joblog_column 2 | sort -u)" = h1 ]
}

# resume_jobs HOSTS [PARALLEL OPTION...]: the ranges on stdin, summed on
# HOSTS as records, one job at a time on each host, each waiting 2ms per
# 16384 integers (a part of 2.5e7 takes about 3s, and little CPU), logged
# in $JOBLOG, with no --halt: a failed job does not stop the others.
resume_jobs() {
	local hosts=$1
	shift
	parallel --will-cite --ssh "$CLUSTER_SSH" -S "$hosts" --jobs 1 \
		--colsep ' ' --joblog "$JOBLOG" "$@" \
		"PATH=$BIN:\$PATH range-sum -t --io-wait 2ms {1} {2}"
}

# kill_h2_mid_run: waits until h2 sums a part, then kills h2; prints the
# part's range.
kill_h2_mid_run() {
	local running
	wait_until -t 60 host_running h2 || return 1
	cluster_kill h2
	set -- $running
	shift $(($# - 2))
	echo "$1 $2"
}

# failed_per_joblog: the ranges of the jobs whose last try failed, sorted.
failed_per_joblog() {
	tail -n +2 "$JOBLOG" | python3 -c '
import sys
last = {}
for l in sys.stdin:
    f = l.rstrip("\n").split("\t")
    last[int(f[0])] = f
for f in last.values():
    if f[6] != "0":
        print(" ".join(f[8].split()[-2:]))' | sort -n
}

@test "parallel --resume-failed re-runs on the surviving host only the parts of a killed host" {
	local recs=$BATS_TEST_TMPDIR/recs part gaps
	range-split -n 4 0 1e8 >"$BATS_TEST_TMPDIR/parts"
	(
		set +e
		resume_jobs h1,h2 <"$BATS_TEST_TMPDIR/parts" >"$recs" 2>/dev/null
		echo $? >"$BATS_TEST_TMPDIR/status"
	) 3>&- &
	BG=$!
	part=$(kill_h2_mid_run) || fail "h2 never ran a part"
	wait "$BG"
	BG=
	# parallel's exit status counts the failed jobs.
	[ "$(cat "$BATS_TEST_TMPDIR/status")" -ge 1 ]
	# The records lack exactly the parts whose jobs failed, h2's among them.
	gaps=$(failed_per_joblog)
	[[ $'\n'$gaps$'\n' == *$'\n'"$part"$'\n'* ]] ||
		fail "the killed part $part is not a failed job: $gaps"
	run --separate-stderr sum-merge --expect 0 1e8 "$recs"
	assert_failure 3
	# --missing names what the job log says failed (adjacent parts as one).
	run --separate-stderr sum-merge --expect 0 1e8 --missing "$recs"
	assert_success
	assert_output "$(missing_per_joblog 0 100000000 |
		grep -o '\[[^)]*)' | tr -d '[),')"
	# Resume on h1 alone: only the failed jobs run again.
	resume_jobs h1 --resume-failed <"$BATS_TEST_TMPDIR/parts" >>"$recs"
	[ "$(wc -l <"$recs")" -eq 4 ]
	[ -z "$(failed_per_joblog)" ]
	[ "$(tail -n "$(grep -c . <<<"$gaps")" "$JOBLOG" | cut -f 2 |
		sort -u)" = h1 ]
	run --separate-stderr sum-merge --expect 0 1e8 "$recs"
	assert_success
	assert_output "$(pysum 0 100000000)"
}

@test "sum-merge --missing fans out to the surviving host only the parts of a killed host" {
	local recs=$BATS_TEST_TMPDIR/recs part
	range-split -n 4 -- -5e7 5e7 >"$BATS_TEST_TMPDIR/parts"
	(
		resume_jobs h1,h2 <"$BATS_TEST_TMPDIR/parts" >"$recs" 2>/dev/null
	) 3>&- &
	BG=$!
	part=$(kill_h2_mid_run) || fail "h2 never ran a part"
	wait "$BG" || true
	BG=
	sum-merge --expect -5e7 5e7 --missing "$recs" >"$BATS_TEST_TMPDIR/gaps"
	# The killed part lies in a gap (with its neighbours, if they failed).
	python3 -c '
import sys
s, e = map(int, sys.argv[1].split())
sys.exit(not any(int(a) <= s and e <= int(b)
                 for a, b in (l.split() for l in sys.stdin)))' "$part" \
		<"$BATS_TEST_TMPDIR/gaps" ||
		fail "$part is not missing: $(cat "$BATS_TEST_TMPDIR/gaps")"
	# Each gap in two parts, both on h1; no job log needed.
	range-split -n 2 <"$BATS_TEST_TMPDIR/gaps" |
		resume_jobs h1 >>"$recs"
	run --separate-stderr sum-merge --expect -5e7 5e7 "$recs"
	assert_success
	assert_output "$(pysum -50000000 50000000)"
}
