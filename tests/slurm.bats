#!/usr/bin/env bats
#
# Slurm as the engine beyond one machine: srun -n and sbatch --array on a
# real one-node Slurm cluster (munged, slurmctld and slurmd) that each
# test starts and stops (see slurm_helper.bash).  The tasks run this
# build's programs: srun and sbatch pass on the PATH, bin/ first.

load test_helper
load slurm_helper

# A hung cluster must not hang the suite (bats-core 1.7 and later).
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}

setup() {
	SLURM_DIR="$BATS_TEST_TMPDIR/slurm"
	slurm_require "$SLURM_DIR"
	eval "$(slurm_env "$SLURM_DIR")"
	BIN=$(cd "${RANGETOOLS_BIN:-$RANGETOOLS_REPO/bin}" && pwd)
	PATH="$BIN:$PATH"
	OUT="$BATS_TEST_TMPDIR/recs"
	mkdir -p "$OUT"
	BG=
}

teardown() {
	[ -z "$BG" ] || kill_tree "$BG"
	# Fails the test if anything the cluster started is still running.
	slurm_down "$SLURM_DIR"
}

# running_task JOBID: the index of one running task of array JOBID, or
# nothing.
running_task() {
	squeue -h -r -t R -j "$1" -o %K 2>/dev/null | head -n 1
}

# task_running JOBID: a task of array JOBID runs; k is its index.
task_running() {
	k=$(running_task "$1")
	[ -n "$k" ]
}

# job_gone JOBID: no task of JOBID is pending or running.
job_gone() {
	[ -z "$(squeue -h -r -j "$1" -o %i 2>/dev/null)" ]
}

# array_submitted: an array job is queued; job is its id.
# stepd_running: a slurmstepd of this cluster is running.
stepd_running() {
	slurm_ps "$SLURM_DIR" | grep -q slurmstepd
}

# held_for_begintime TASK: the requeued TASK waits for its BeginTime.
held_for_begintime() {
	squeue -h -j "$1" -t PD -o %r | grep -q BeginTime
}

array_submitted() {
	job=$(squeue -h -o %F 2>/dev/null | head -n 1)
	[ -n "$job" ]
}

# command_running PATTERN: a process's command line matches PATTERN.
command_running() {
	pgrep -f "$1" >/dev/null
}

# task_runs_range_sum: a range-sum that a slurmstepd of this cluster
# runs; line is its slurm_ps line.
task_runs_range_sum() {
	line=$(slurm_ps "$SLURM_DIR" | grep -m 1 '	range-sum ')
}

# array_example START END: examples/slurm-array.sh over [START, END) in
# 4 tasks, each waiting 2 ms per chunk, in the background (BG); its
# stdout, stderr and status go to out, err and status in the test's
# directory.
array_example() {
	(
		OUT=$OUT RANGE_SUM_OPTS='--io-wait 2ms' \
			"$RANGETOOLS_REPO/examples/slurm-array.sh" "$1" "$2" 4 \
			>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
		echo $? >"$BATS_TEST_TMPDIR/status"
	) 3>&- &
	BG=$!
}

@test "slurm_down stops the cluster and a job still running, and leaves nothing" {
	local mark="300.$$" i
	srun sh -c "sleep $mark" >/dev/null 2>&1 3>&- &
	BG=$!
	wait_until -t 60 command_running "sleep $mark"
	# The step's slurmstepd is found by its open log, which it may open
	# a moment after its task started.
	wait_until -t 10 stepd_running
	run slurm_down "$SLURM_DIR"
	assert_success
	wait "$BG" || true
	BG=
	assert_equal "$(slurm_ps "$SLURM_DIR")" ''
	run pgrep -f "sleep $mark|$SLURM_DIR"
	assert_output ''
}

@test "srun -n gives each task its rank and the task count" {
	run --separate-stderr srun -n 2 sh -c 'echo "$SLURM_PROCID $SLURM_NTASKS"'
	assert_success
	assert_equal "$(sort <<<"$output")" $'0 2\n1 2'
}

# The node has 2 CPUs: more tasks than that need --overcommit.
@test "srun -n tasks, each with range-split --only its rank, sum the range exactly" {
	local a=-1000000000000000000 b=-999999999990000000
	run --separate-stderr bash -c 'srun --overcommit -n 5 sh -c '\''range-sum -t $(range-split -n "$SLURM_NTASKS" --only "$SLURM_PROCID" -- "$0" "$1")'\'' "$1" "$2" </dev/null |
		sum-merge --expect "$1" "$2"' - "$a" "$b"
	assert_success
	assert_output "$(pysum "$a" "$b")"
	[ "$(py "abs($output) > 2**64")" = True ]
}

@test "examples/slurm-srun.sh sums over the tasks of one job step" {
	run --separate-stderr "$RANGETOOLS_REPO/examples/slurm-srun.sh" -3e6 5e6 2
	assert_success
	assert_output "$(pysum -3000000 5000000)"
	SRUN_OPTS=--overcommit run --separate-stderr \
		"$RANGETOOLS_REPO/examples/slurm-srun.sh" -5 5 3
	assert_success
	assert_output "$(pysum -5 5)"
}

@test "sbatch --array writes one record per task, and sum-merge --expect adds them" {
	START=0 END=1e7 OUT=$OUT run --separate-stderr sbatch --wait --quiet \
		--array=0-3 --export=ALL "$RANGETOOLS_REPO/examples/slurm-task.sh"
	assert_success
	[ "$(find "$OUT" -name '*.rec' | wc -l)" -eq 4 ]
	run --separate-stderr sh -c 'cat "$1"/*.rec | sum-merge --expect 0 1e7' - "$OUT"
	assert_success
	assert_output "$(pysum 0 10000000)"
}

# The tasks wait 2ms per 16384 integers (range-sum --io-wait), about 3s
# each, two at a time on the node's 2 CPUs: long enough to be caught
# running.  The range's sum exceeds 2^64.
@test "an array task cancelled while it runs is a named gap, and --missing resubmits only it" {
	local a=1000000000000000000 b=1000000000100000000 job k gap
	START=$a END=$b OUT=$OUT RANGE_SUM_OPTS='--io-wait 2ms' \
		run sbatch --parsable --array=0-3 --export=ALL \
		"$RANGETOOLS_REPO/examples/slurm-task.sh"
	assert_success
	job=$output
	wait_until -t 60 task_running "$job"
	scancel "${job}_$k"
	wait_until -t 120 job_gone "$job"
	# Task k's part is the gap, named on stderr with exit 3 ...
	gap=$(range-split -n 4 --only "$k" -- "$a" "$b")
	run --separate-stderr sh -c 'cat "$1"/*.rec | sum-merge --expect "$2" "$3"' - "$OUT" "$a" "$b"
	assert_failure 3
	assert_output ''
	set -- $gap
	assert_stderr_has "missing: [$1, $2)"
	# ... and, one line, what --missing prints.
	cat "$OUT"/*.rec | sum-merge --expect "$a" "$b" --missing >"$OUT/missing"
	assert_equal "$(cat "$OUT/missing")" "$gap"
	PARTS_FILE=$OUT/missing START=$a END=$b OUT=$OUT \
		run sbatch --wait --quiet --array=0-0 --export=ALL \
		"$RANGETOOLS_REPO/examples/slurm-task.sh"
	assert_success
	[ "$(find "$OUT" -name '*.rec' | wc -l)" -eq 4 ]
	run --separate-stderr sh -c 'cat "$1"/*.rec | sum-merge --expect "$2" "$3"' - "$OUT" "$a" "$b"
	assert_success
	assert_output "$(pysum "$a" "$b")"
	[ "$(py "$output > 2**64")" = True ]
}

@test "examples/slurm-array.sh resubmits the part of a cancelled task and prints the exact total" {
	local a=-9000000000000000000 b=-8999999999900000000 job k
	array_example "$a" "$b"
	wait_until -t 60 array_submitted ||
		fail "no array was submitted: $(cat "$BATS_TEST_TMPDIR/err")"
	wait_until -t 60 task_running "$job"
	scancel "${job}_$k"
	wait "$BG"
	BG=
	assert_equal "$(cat "$BATS_TEST_TMPDIR/status")" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(pysum "$a" "$b")"
	# Exactly one part was resubmitted: the cancelled task's.
	grep -q "resubmitting 1 missing part(s): $(range-split -n 4 --only "$k" -- "$a" "$b") \$" \
		"$BATS_TEST_TMPDIR/err" ||
		fail "no resubmission of part $k: $(cat "$BATS_TEST_TMPDIR/err")"
	[ "$(find "$OUT" -name '*.rec' | wc -l)" -eq 4 ]
}

@test "examples/slurm-array.sh resubmits the part of a task whose range-sum was killed" {
	local a=0 b=100000000 line i
	array_example "$a" "$b"
	# A task's range-sum, run by a slurmstepd of this cluster.
	wait_until -t 60 task_runs_range_sum
	kill -KILL "${line%%	*}"
	wait "$BG"
	BG=
	assert_equal "$(cat "$BATS_TEST_TMPDIR/status")" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(pysum "$a" "$b")"
	set -- $line
	shift $(($# - 2))
	grep -q "resubmitting 1 missing part(s): $1 $2 \$" "$BATS_TEST_TMPDIR/err" ||
		fail "no resubmission of $1 $2: $(cat "$BATS_TEST_TMPDIR/err")"
}

@test "examples/slurm-array.sh waits for a task requeued while it runs, and resubmits nothing" {
	local a=0 b=100000000 job k
	array_example "$a" "$b"
	wait_until -t 60 array_submitted ||
		fail "no array was submitted: $(cat "$BATS_TEST_TMPDIR/err")"
	wait_until -t 60 task_running "$job"
	run scontrol requeue "${job}_$k"
	assert_success
	# Slurm holds a requeued task back for a while (its BeginTime);
	# an administrator lets it start at once.
	poll_until -t 10 held_for_begintime "${job}_$k" || true
	scontrol update jobid="${job}_$k" StartTime=now
	wait "$BG"
	BG=
	assert_equal "$(cat "$BATS_TEST_TMPDIR/status")" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(pysum "$a" "$b")"
	! grep -q resubmitting "$BATS_TEST_TMPDIR/err" ||
		fail "a part was resubmitted: $(cat "$BATS_TEST_TMPDIR/err")"
	[ "$(find "$OUT" -name '*.rec' | wc -l)" -eq 4 ]
}

@test "examples/slurm-array.sh gives up after ROUNDS, naming what is still missing" {
	# A part the tasks cannot sum: range-sum refuses a bogus option.
	OUT=$OUT ROUNDS=1 RANGE_SUM_OPTS='--bogus' \
		run --separate-stderr "$RANGETOOLS_REPO/examples/slurm-array.sh" 0 1000 2
	assert_failure 3
	assert_output ''
	# The plan's two parts, each of them missing.
	assert_stderr_has 'resubmitting 2 missing part(s): 0 500 500 1000'
	assert_stderr_has 'missing: [0, 1000)'
}
