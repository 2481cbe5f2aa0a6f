#!/bin/bash
# tests/chaos.sh: randomised fault trials for rangetools (make chaos).
#
# Each trial sums a random range through a random transport, kills a
# random worker, producer, consumer or ssh host at a random moment, then
#
#   1. checks what the pipeline's own `sum-merge --expect A B` said: the
#      exact total (exit 0), or a named gap (exit 3); a wrong total is
#      never allowed;
#   2. merges the records the pipeline delivered (kept with tee, as a user
#      keeps them in a file) with `sum-merge --expect A B`: exact, or a
#      named gap and exit 3;
#   3. on a gap, resumes: `sum-merge --expect A B --missing recs` names the
#      lost parts, the same transport re-runs exactly those (no fault this
#      time) and appends their records, and `sum-merge --expect A B recs`
#      must then print the exact total, which python3 computes;
#   4. checks that nothing is left: no process of the trial (every process
#      a trial starts carries CHAOS_TAG in its environment, even on the
#      ssh hosts and in Slurm tasks), no queue or table it named (asked of
#      librt through tests/ipc-probe: /dev/mqueue is not mounted), no
#      other queue of its own (listed, as root, by mounting the queue file
#      system in a mount namespace of our own), no /dev/shm segment of a
#      --procs run whose owner is gone.
#
# Fault kinds.  Half of the trials kill one process of the pipeline (a
# worker, producer or consumer, or a whole ssh host) with SIGKILL or
# SIGTERM at a random moment; the others are the ways a part runs twice
# or a worker outlives the run, drawn in turn so that each comes up in
# even a short run:
#   straggler  xargs runs the parts straight into the records file, one of
#              its commands dies of a signal, and GNU xargs exits at once
#              while its other workers still run; the resume starts at
#              once, and the stragglers' records arrive during or after it
#              (xargs, procs, mq, shm);
#   twice      one part runs twice: its line is given twice, or, for the
#              queue and table, two workers send its record into the same
#              queue or table (every transport);
#   retry      parallel --retries, and workers killed 1 to 3 times: each
#              part succeeds at last (parallel, ssh);
#   requeue    scontrol requeue of a running array task, which Slurm runs
#              again from the start (slurm, sbatch --array);
#   resume2    a part is lost, and the whole resume step runs twice at once
#              (every transport).
# After the resume, and once every process of the trial has ended, the
# records must give the exact total.  The resume names the lost parts as
# lines of the plan (range-split's own lines: a re-run repeats the first
# run's ranges, so a late record is an identical duplicate) where
# sum-merge takes a plan, or else as gaps; both are drawn.
#
# Transports (CHAOS_TRANSPORTS, a space-separated subset):
#   pipe      range-split | range-sum -t (a filter) | tee | sum-merge
#   xargs     range-split | xargs -P 2 -L 1 range-sum -t | ...
#   parallel  range-split | parallel -j 2 range-sum -t {1} {2} | ...
#   procs     range-split | xargs -P 2 -L 1 range-sum -t --procs 2 | ...
#   mq        per part: range-sum --mq Q, then sum-merge --mq Q --expect
#   shm       per part: range-sum --shm T, then sum-merge --shm T --expect
#   ssh       parallel -S h1,h2 over two real sshd (tests/cluster_helper.bash)
#   slurm     srun -n N, or sbatch --array, on a one-node Slurm cluster
#             (tests/slurm_helper.bash)
# The queue and table transports carry each part's record through its own
# queue or table, so that a lost part is only that part: a consumer that
# fails takes every record it read with it, and a producer interrupted by
# SIGTERM tells its consumer, which names the part missing (range-sum(1)).
# The lifecycle of one queue or table under a reused name, with late and
# second producers, readers and STOPs, is tests/lifecycle.sh's, which
# make chaos runs after these trials.
#
# Knobs: CHAOS_TRIALS (200), CHAOS_SEED (random; printed, and the same seed
# makes the same choices), CHAOS_TIME (seconds, 1500: no trial starts after
# it), CHAOS_TRANSPORTS, CHAOS_VERBOSE=1 (keep each trial's files),
# CHAOS_GRACE (seconds, 20: how long a trial's processes may take to end
# after it, such as a remote worker whose ssh link was cut).  The ssh
# and Slurm clusters start once per run and stop at the end, also on error
# or interrupt; a transport whose cluster cannot start is left out and the
# summary says so, unless RANGETOOLS_REQUIRE_SSHD / RANGETOOLS_REQUIRE_SLURM
# is set (as in CI): then the run fails.
#
# Exit status: 0 when every trial ended exact (directly or resumed) with
# nothing left behind; 1 on any wrong total, leftover, failed resume or
# hung trial; 2 on a usage or set-up error.

set -u
export LC_ALL=C

CHAOS_TRIALS=${CHAOS_TRIALS:-200}
CHAOS_SEED=${CHAOS_SEED:-$((($(date +%s) ^ $$) % 1000000))}
CHAOS_TIME=${CHAOS_TIME:-1500}
CHAOS_TRANSPORTS=${CHAOS_TRANSPORTS:-pipe xargs parallel procs mq shm ssh slurm}
CHAOS_VERBOSE=${CHAOS_VERBOSE:-}
CHAOS_GRACE=${CHAOS_GRACE:-20}

REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "${RANGETOOLS_BIN:-$REPO/bin}" && pwd)
PATH="$BIN:$PATH"
export PATH
PROBE=$REPO/tests/ipc-probe
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

die() {
	echo "chaos: $*" >&2
	exit 2
}

case $CHAOS_TRIALS$CHAOS_SEED$CHAOS_TIME$CHAOS_GRACE in
*[!0-9]*) die "CHAOS_TRIALS, CHAOS_SEED, CHAOS_TIME and CHAOS_GRACE are whole numbers" ;;
esac
for t in range-split range-sum sum-merge; do
	[ -x "$BIN/$t" ] || die "no $BIN/$t: run make first"
done
[ -x "$PROBE" ] || die "no $PROBE: run make first"
sum-merge --help | grep -q -- --missing ||
	die "this sum-merge has no --missing"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rt-chaos.XXXXXX") || die "mktemp"
export PARALLEL_HOME=$WORK/parallel-home
mkdir -p "$PARALLEL_HOME"

# --- the clusters, started once -------------------------------------------

SSH_UP='' SLURM_UP='' SETUP_FAILED=''
NOTES=()

# cluster_helper.bash and slurm_helper.bash are written for bats: give
# them what they use of it.
BATS_TEST_TMPDIR=$WORK
BATS_TEST_NUMBER=0
exec 3>/dev/null
skip() {
	NOTES+=("$*")
	return 1
}
fail() {
	NOTES+=("$*")
	SETUP_FAILED=1
	return 1
}

wanted() {
	[[ " $CHAOS_TRANSPORTS " == *" $1 "* ]]
}

clusters_up() {
	if wanted ssh; then
		# shellcheck source=tests/cluster_helper.bash
		. "$REPO/tests/cluster_helper.bash"
		if cluster_up; then
			SSH_UP=1
		else
			NOTES+=("ssh transport left out")
		fi
	fi
	if wanted slurm; then
		if [ ! -f "$REPO/tests/slurm_helper.bash" ]; then
			NOTES+=("slurm transport left out: no tests/slurm_helper.bash")
			[ -z "${RANGETOOLS_REQUIRE_SLURM:-}" ] || SETUP_FAILED=1
		else
			# shellcheck source=tests/slurm_helper.bash
			. "$REPO/tests/slurm_helper.bash"
			if slurm_up "$WORK/slurm" 2>/dev/null; then
				SLURM_UP=1
			else
				NOTES+=("slurm transport left out: $(cat "$WORK/slurm/why" 2>/dev/null)")
				[ -z "${RANGETOOLS_REQUIRE_SLURM:-}" ] || SETUP_FAILED=1
			fi
		fi
	fi
}

clusters_down() {
	[ -z "$SSH_UP" ] || cluster_down 2>/dev/null
	[ -z "$SLURM_UP" ] || slurm_down "$WORK/slurm" 2>/dev/null
	SSH_UP='' SLURM_UP=''
}

CURRENT_TAG=
on_exit() {
	local rc=$?
	trap - EXIT INT TERM HUP
	[ -z "$CURRENT_TAG" ] || kill_tagged "$CURRENT_TAG" >/dev/null
	clusters_down
	if [ -n "$CHAOS_VERBOSE" ]; then
		echo "chaos: files kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'echo "chaos: interrupted" >&2; exit 2' INT TERM HUP

# --- processes ------------------------------------------------------------

# tagged TAG: "pid ppid comm cmdline" for every process whose environment
# holds CHAOS_TAG=TAG (proc_walk).  Run untagged, walker and filter both:
# a tr started with the trial's tag would find itself, and a trial would
# never seem to end.
tagged() {
	(
		unset CHAOS_TAG
		bash -c '. "$1"; proc_walk -z -e "CHAOS_TAG=$2"' - \
			"$REPO/tests/proc_helper.bash" "$1" | tr '\t' ' '
	)
}

# kill_tagged TAG: SIGKILL every process of TAG; prints what it killed.
kill_tagged() {
	local list
	list=$(tagged "$1")
	[ -n "$list" ] || return 0
	printf '%s\n' "$list"
	# shellcheck disable=SC2046 # one PID a word
	kill -KILL $(cut -d' ' -f1 <<<"$list") 2>/dev/null
	return 0
}

# --- random choices -------------------------------------------------------

# Choices come from bash's RANDOM, seeded once; they are made in this
# shell, never in a $(...) subshell, whose draws the next one would repeat.
RANDOM=$CHAOS_SEED
rnd() { # rnd N: R = 0..N-1
	R=$(((RANDOM << 30 | RANDOM << 15 | RANDOM) % $1))
}
pick() { # pick WORD...: P = one of them
	rnd $#
	shift "$R"
	P=$1
}

# pysum START END: the exact sum of [START, END).
pysum() {
	"$PY" -c 'import sys; s, e = int(sys.argv[1]), int(sys.argv[2]); print((s + e - 1) * (e - s) // 2 if e > s else 0)' "$1" "$2"
}

# --- transports: "start end" lines in, "start end sum" records out --------
#
# Exported, so that xargs can run the per-part jobs.  Each reads the io-wait
# from CHAOS_D.

export CHAOS_D CHAOS_DIR CHAOS_TAG CHAOS_RETRIES CHAOS_TWICE

run_pipe() {
	range-sum -t --io-wait "$CHAOS_D"
}
run_xargs() {
	xargs -P 2 -L 1 range-sum -t --io-wait "$CHAOS_D" --
}
run_parallel() {
	# shellcheck disable=SC2086 # empty, or the option and its number
	parallel --will-cite -j 2 --colsep ' ' ${CHAOS_RETRIES:+--retries $CHAOS_RETRIES} \
		range-sum -t --io-wait "$CHAOS_D" -- '{1}' '{2}'
}
run_procs() {
	xargs -P 2 -L 1 range-sum -t --procs 2 --io-wait "$CHAOS_D" --
}
run_mq() {
	xargs -P 2 -L 1 bash -c 'part_mq "$@"' part_mq
}
run_shm() {
	xargs -P 2 -L 1 bash -c 'part_shm "$@"' part_shm
}

# part_mq START END: one part through its own queue: the worker sends its
# record, the consumer takes it and checks it covers the part, and the
# record goes on down the pipe.  A consumer killed by a signal leaves its
# queue; `sum-merge --mq Q --timeout 0` empties and removes it, as
# sum-merge(1) advises, and the part counts as lost.
part_mq() {
	part_through mq "/$CHAOS_TAG-q$1.$$" "$1" "$2" --timeout 0
}

# part_shm START END: the same through a shared-memory table.
part_shm() {
	part_through shm "/$CHAOS_TAG-t$1.$$" "$1" "$2"
}

# Each run of a part has a queue or table of its own ($$: its shell), so
# that a part run twice, or a straggler beside its re-run, takes no record
# of the other's.  CHAOS_TWICE="START END" makes that part's worker run
# twice into its one queue or table, as a re-run worker would: sum-merge
# must count the identical records once.
#
# part_through mq|shm NAME START END [OPTION...]: what part_mq and part_shm
# share.  The consumer must print the part's sum, or fail naming the part
# (status 3: a worker interrupted by SIGTERM marks its table), or find
# no table (status 1: a worker killed before it made one); anything else
# goes to
# $CHAOS_DIR/violations.
part_through() {
	local how=$1 name=$2 s=$3 e=$4 sum rc err
	shift 4
	err="$CHAOS_DIR/part.$s.err"
	echo "$how $name" >>"$CHAOS_DIR/names"
	local prc
	range-sum --io-wait "$CHAOS_D" "--$how" "$name" -- "$s" "$e"
	prc=$?
	if [ "${CHAOS_TWICE:-}" = "$s $e" ]; then
		range-sum --io-wait "$CHAOS_D" "--$how" "$name" -- "$s" "$e" ||
			prc=$?
	fi
	sum=$(sum-merge "--$how" "$name" --expect "$s" "$e" "$@" 2>"$err")
	rc=$?
	cat "$err" >&2
	if [ "$rc" -eq 0 ]; then
		echo "$s $e $sum"
	elif [ "$rc" -gt 128 ]; then
		sum-merge "--$how" "$name" "$@" >/dev/null 2>&1
	elif ! { [ "$rc" -eq 3 ] && grep -q "missing: \[$s, $e)\$" "$err"; } &&
		! { [ "$rc" -eq 1 ] && [ "$how" = shm ] && grep -q 'does not exist' "$err"; }; then
		echo "$how consumer of [$s, $e): status $rc: $(cat "$err")" \
			>>"$CHAOS_DIR/violations"
	fi
	# A worker that died of a signal makes its part die of the same
	# signal, once the consumer has emptied and removed the queue or
	# table: xargs sees what it sees when it runs range-sum itself.
	if [ "$prc" -gt 128 ]; then
		kill -s "$((prc - 128))" "$BASHPID"
	fi
	return "$rc"
}
export -f part_mq part_shm part_through

run_ssh() {
	# shellcheck disable=SC2086 # empty, or the option and its number
	parallel --will-cite --ssh "$CLUSTER_SSH" -S h1,h2 -j 1 --colsep ' ' \
		${CHAOS_RETRIES:+--retries $CHAOS_RETRIES} \
		"CHAOS_TAG=$CHAOS_TAG PATH=$BIN:\$PATH range-sum -t --io-wait $CHAOS_D -- {1} {2}"
}

# run_slurm: srun -n M (one rank per line), or an array job of M tasks;
# each takes its line by number.  In the first round the lines are
# range-split's parts, and the tasks cut their part with --only.
SLURM_HOW=srun
run_slurm() {
	local lines="$CHAOS_DIR/slurm-lines.$BASHPID" m task
	cat >"$lines"
	m=$(wc -l <"$lines")
	[ "$m" -gt 0 ] || return 0
	if [ -n "${CHAOS_ONLY:-}" ]; then
		task="set -- \$(range-split -n $m --only \$K -- $CHAOS_ONLY)"
	else
		task="set -- \$(sed -n \"\$((K + 1))p\" $lines)"
	fi
	task="$task; exec range-sum -t --io-wait $CHAOS_D -- \"\$1\" \"\$2\""
	if [ "$SLURM_HOW" = srun ]; then
		srun --quiet --overcommit -n "$m" -t 5 \
			bash -c "K=\$SLURM_PROCID; $task"
	else
		# (Polled here: sbatch --wait looks ever more seldom.)
		local job
		job=$(sbatch --parsable --array="0-$((m - 1))" -t 5 --requeue \
			-o "$lines.out.%a" -e "$lines.err.%a" \
			--wrap "K=\$SLURM_ARRAY_TASK_ID; $task") || return
		slurm_wait "$job"
		cat "$lines".out.* 2>/dev/null
	fi
}

# slurm_wait JOB: until no task of JOB is waiting or running.  A failed
# squeue (a busy controller) is asked again, up to 50 times in a row.
slurm_wait() {
	local states fails=0
	while [ "$fails" -lt 50 ]; do
		if states=$(squeue -h -j "$1" -t all -o %T 2>/dev/null); then
			fails=0
			grep -q -E 'PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED' \
				<<<"$states" || return 0
		else
			fails=$((fails + 1))
		fi
		sleep 0.2
	done
}

# --- faults ---------------------------------------------------------------

# kinds TRANSPORT: the fault kinds that make sense there.
kinds() {
	case $1 in
	pipe) echo worker consumer ;;
	ssh) echo worker producer consumer host ;;
	*) echo worker producer consumer ;;
	esac
}

# victims KIND TRANSPORT: the PIDs a fault of KIND may hit now, one a line.
victims() {
	local kind=$1 tr=$2
	tagged "$CHAOS_TAG" | env -u CHAOS_TAG "$PY" -c '
import sys
kind, tr, last = sys.argv[1], sys.argv[2], sys.argv[3]
procs = [p for p in (l.rstrip("\n").split(" ", 3) for l in sys.stdin)
         if len(p) == 4]
comm = {p[0]: p[2] for p in procs}
parent = {p[0]: p[1] for p in procs}
for pid, ppid, name, cmd in procs:
    if kind == "worker":
        ok = name == "range-sum" and "--io-wait" in cmd
        if tr == "procs":
            ok = ok and comm.get(ppid) == "range-sum"
    elif kind == "producer":
        ok = {"xargs": name == "xargs", "mq": name == "xargs",
              "shm": name == "xargs", "parallel": name == "parallel",
              "ssh": name == "parallel", "slurm": name == "srun",
              "procs": name == "range-sum" and "--procs" in cmd
                       and comm.get(ppid) != "range-sum"}.get(tr, False)
    elif kind == "consumer":
        ok = name == "sum-merge"
    elif kind == "xchild":
        # Once the last part has started and another still runs: GNU
        # xargs 4.9 then exits at once when a command dies of a signal.
        # (Before, it starts no more commands but waits for those that
        # run.)
        # (Through a queue or table, the worker under the child of xargs: its
        # part then dies of the same signal.)
        kids = [p for p in procs if comm.get(p[1]) == "xargs"]
        if tr in ("mq", "shm"):
            ok = (name == "range-sum" and
                  comm.get(parent.get(ppid)) == "xargs")
        else:
            ok = comm.get(ppid) == "xargs"
        ok = (ok and len(kids) >= 2 and
              any(p[3].endswith(" " + last) for p in kids))
    else:
        ok = False
    if ok:
        print(pid)' "$kind" "$tr" "$(tail -n 1 "$CHAOS_DIR/plan")"
}

# inject KIND SIG DELAY TRANSPORT: after DELAY seconds, hit one victim of
# KIND with SIG (as soon as there is one), while the trial runs.  Writes
# what it did to $CHAOS_DIR/fault.
inject() {
	local kind=$1 sig=$2 delay=$3 tr=$4 r=$5 v i what list
	sleep "$delay"
	for i in $(seq 100); do
		[ ! -e "$CHAOS_DIR/done" ] || break
		if [ "$kind" = host ]; then
			what=h$((r % 2 + 1))
			if [ -n "$(cluster_running "$what")" ]; then
				cluster_kill "$what"
				echo "hit host $what" >"$CHAOS_DIR/fault"
				return
			fi
		elif [ "$kind" = producer ] && [ "$tr" = slurm ] &&
			[ "$SLURM_HOW" = sbatch ]; then
			# The scheduler kills an array task.
			mapfile -t list < <(squeue -h -t R -o %i 2>/dev/null | grep _)
			v=
			[ "${#list[@]}" -eq 0 ] || v=${list[r % ${#list[@]}]}
			# (scancel's exit status is not to be trusted: 229
			# after a signal sent; an error has a message.)
			if [ -n "$v" ] &&
				[ -z "$(scancel --signal="$sig" --full "$v" 2>&1)" ]; then
				echo "hit producer scancel $v" >"$CHAOS_DIR/fault"
				return
			fi
		else
			mapfile -t list < <(victims "$kind" "$tr")
			v=
			[ "${#list[@]}" -eq 0 ] || v=${list[r % ${#list[@]}]}
			if [ -n "$v" ] && kill -"$sig" "$v" 2>/dev/null; then
				echo "hit $kind $v" >"$CHAOS_DIR/fault"
				return
			fi
		fi
		sleep 0.1
	done
	echo "missed" >"$CHAOS_DIR/fault"
}

# inject_retry TIMES SIG DELAY TRANSPORT R: kill a worker TIMES times, one
# after the other (the same part again, or another): parallel, run with
# --retries TIMES+1, must run every part to its end at last.  Writes
# "hit retry K" (K kills) or "missed" to $CHAOS_DIR/fault.
inject_retry() {
	local times=$1 sig=$2 delay=$3 tr=$4 r=$5 hits=0 v i list
	sleep "$delay"
	for i in $(seq 200); do
		if [ "$hits" -ge "$times" ] || [ -e "$CHAOS_DIR/done" ]; then
			break
		fi
		mapfile -t list < <(victims worker "$tr")
		v=
		[ "${#list[@]}" -eq 0 ] || v=${list[(r + hits) % ${#list[@]}]}
		if [ -n "$v" ] && kill -"$sig" "$v" 2>/dev/null; then
			hits=$((hits + 1))
			sleep 0.3
		fi
		sleep 0.1
	done
	if [ "$hits" -gt 0 ]; then
		echo "hit retry $hits" >"$CHAOS_DIR/fault"
	else
		echo "missed" >"$CHAOS_DIR/fault"
	fi
}

# inject_requeue DELAY R: scontrol requeue one running array task.  Slurm
# kills it and puts it back in the queue, not to start before about two
# minutes (its BeginTime); as an administrator would, the test then lets
# it start at once.  Writes "hit requeue TASK" or "missed".
inject_requeue() {
	local delay=$1 r=$2 v i j list
	sleep "$delay"
	for i in $(seq 100); do
		[ ! -e "$CHAOS_DIR/done" ] || break
		mapfile -t list < <(squeue -h -t R -o %i 2>/dev/null | grep _)
		v=
		[ "${#list[@]}" -eq 0 ] || v=${list[r % ${#list[@]}]}
		if [ -n "$v" ] && scontrol requeue "$v" 2>/dev/null; then
			for j in $(seq 100); do
				squeue -h -j "$v" -t PD -o %r 2>/dev/null |
					grep -q BeginTime && break
				sleep 0.1
			done
			scontrol update jobid="$v" StartTime=now 2>/dev/null
			echo "hit requeue $v" >"$CHAOS_DIR/fault"
			return
		fi
		sleep 0.1
	done
	echo "missed" >"$CHAOS_DIR/fault"
}

# --- leftovers ------------------------------------------------------------

# mq_list: the names of every queue of this IPC namespace, without the
# slash, if the mqueue file system can be mounted in a mount namespace of
# our own (as root); nothing, and a failure, otherwise.  In a chroot, /
# is no mount point and unshare cannot make it private: there the mount
# namespace keeps the propagation it had, and the mount lasts only as
# long as the listing.
mq_list() {
	# shellcheck disable=SC2016 # expanded by that sh
	local ls='d=$(mktemp -d) && mount -t mqueue none "$d" &&
		{ ls -A "$d"; s=$?; umount "$d"; rmdir "$d"; exit $s; }'
	unshare -m sh -c "$ls" 2>/dev/null ||
		unshare -m --propagation unchanged sh -c "$ls" 2>/dev/null
}

# leftovers TAG: print what the trial left: processes (after a grace
# period for workers orphaned by a killed producer to finish their part),
# queues and tables it named, --procs segments whose owner is gone.
leftovers() {
	local tag=$1 i kind name f pid
	for i in $(seq $((CHAOS_GRACE * 5))); do
		[ -n "$(tagged "$tag")" ] || break
		sleep 0.2
	done
	kill_tagged "$tag" | sed 's/^/process /'
	if [ -f "$CHAOS_DIR/names" ]; then
		sort -u "$CHAOS_DIR/names" | while read -r kind name; do
			if "$PROBE" "$kind" "$name" 2>/dev/null; then
				echo "$kind $name"
				"$PROBE" "rm-$kind" "$name"
			fi
		done
	fi
	# Queues of the trial that no name above covers, where the queue
	# file system can be listed.
	mq_list | while read -r name; do
		case $name in
		"$tag"*)
			echo "mq /$name"
			"$PROBE" rm-mq "/$name"
			;;
		esac
	done
	for f in /dev/shm/"$tag"* /dev/shm/range-sum.*; do
		[ -e "$f" ] || continue
		case $f in
		/dev/shm/range-sum.*)
			pid=${f#/dev/shm/range-sum.}
			pid=${pid%%.*}
			! kill -0 "$pid" 2>/dev/null || continue
			;;
		esac
		echo "shm-file $f"
		rm -f "$f"
	done
}

# --- one trial ------------------------------------------------------------

declare -A COUNT
count() {
	COUNT[$1]=$((${COUNT[$1]:-0} + 1))
}
FAILURES=()

# random_range: sets A, B: ranges of 2e5 to 2e7 integers, positive,
# negative, across zero, or far out, where sums pass 2^64.
random_range() {
	local len
	rnd 20
	len=$R
	rnd 1000000
	len=$((200000 + len * R))
	rnd 5
	case $R in
	0) rnd 1000000000 && A=$R ;;
	1) rnd 1000000000000 && A=$((-R - len)) ;;
	2) rnd "$len" && A=$((-R)) ;;
	3) rnd 4000000000000000 && A=$((4000000000000000000 + R)) ;;
	*) rnd 4000000000000000 && A=$((-5000000000000000000 - R)) ;;
	esac
	B=$((A + len))
}

# deal DECK CARD...: P = the next card of the array named DECK, which is
# dealt anew, the CARDs in a random order, whenever it is empty: so that
# even a short run sees every card.
deal() {
	local -n deck=$1
	local i j t
	shift
	if [ "${#deck[@]}" -eq 0 ]; then
		deck=("$@")
		for ((i = ${#deck[@]} - 1; i > 0; i--)); do
			rnd $((i + 1)) && j=$R
			t=${deck[i]} && deck[i]=${deck[j]} && deck[j]=$t
		done
	fi
	P=${deck[0]}
	deck=("${deck[@]:1}")
}

# next_transport: P = the next transport, each of them once a round.
# shellcheck disable=SC2034 # dealt by deal()
ORDER=()
next_transport() {
	local all
	read -r -a all <<<"$ACTIVE"
	deal ORDER "${all[@]}"
}

# next_kind: P = the next kind of trial, from a deck of two trials that
# kill a process and one of each kind of part run twice or late.
# shellcheck disable=SC2034 # dealt by deal()
DECK=()
next_kind() {
	deal DECK kill kill straggler twice retry requeue resume-twice
}

# transports_for KIND: the transports a kind of trial can use.
transports_for() {
	case $1 in
	straggler) echo xargs procs mq shm ;;
	retry) echo parallel ssh ;;
	requeue) echo slurm ;;
	*) echo "$ACTIVE" ;;
	esac
}

# pick_transport KIND: P = one of the active transports KIND can use, or
# nothing.
pick_transport() {
	local t ok=()
	for t in $(transports_for "$1"); do
		[[ " $ACTIVE " != *" $t "* ]] || ok+=("$t")
	done
	P=
	[ "${#ok[@]}" -eq 0 ] || pick "${ok[@]}"
}

# missing_lines HOW RECS: what to run again, as "start end" lines: the
# plan's lines (HOW plan) or the gaps (HOW gaps) that RECS leave.
missing_lines() {
	if [ "$1" = plan ]; then
		sum-merge --expect "$A" "$B" --missing --plan "$CHAOS_DIR/plan" "$2"
	else
		sum-merge --expect "$A" "$B" --missing "$2"
	fi
}

# resume_step NAME: one resume, as a user runs it: what is missing, run
# again by the same transport, appended to the records.
resume_step() {
	local m="$CHAOS_DIR/missing.$1"
	missing_lines "$HOW" "$CHAOS_DIR/recs" >"$m" 2>>"$CHAOS_DIR/jmerge.err" ||
		return
	"run_$TR" <"$m" >>"$CHAOS_DIR/recs" 2>>"$CHAOS_DIR/resume.err"
}

# quiet SECONDS: wait until no process of the trial runs, at most SECONDS.
quiet() {
	local i
	for i in $(seq $(($1 * 5))); do
		[ -n "$(tagged "$CHAOS_TAG")" ] || return 0
		sleep 0.2
	done
	return 1
}

trial() {
	local n=$1 kind sig delay parts ms exact st verdict rc rounds left
	local total journal_rc t0=$SECONDS victim what k times feed
	local failed=${#FAILURES[@]} late_rc must_exact=''
	next_kind && kind=$P
	TR=
	[ "$kind" = kill ] || pick_transport "$kind"
	if [ -n "$P" ] && [ "$kind" != kill ]; then
		TR=$P
	else
		next_transport && TR=$P
		# shellcheck disable=SC2046 # one kind a word
		pick $(kinds "$TR") && kind=$P
	fi
	pick KILL TERM && sig=SIG$P
	[ "$kind" != host ] || sig=SIGKILL # all of the host dies at once
	[ "$kind" != twice ] && [ "$kind" != requeue ] || sig=-
	random_range
	rnd 5 && parts=$((2 + R))
	# (Straggler: an even number of parts, two at a time, so that the
	# last part starts beside another.)
	[ "$kind" != straggler ] || parts=$((2 + R / 2 * 2))
	if [ "$TR" = slurm ]; then
		rnd 3 && parts=$((2 + R))
		pick srun sbatch && SLURM_HOW=$P
		[ "$kind" != requeue ] || SLURM_HOW=sbatch
	fi
	# The first round takes about 0.5 to 2 s: each part waits ms in all
	# (the pipe's one range-sum sums its parts one after the other, the
	# others two at a time).  The fault comes within that time, so that
	# it finds workers at work.  A straggler's parts last longer, and the
	# fault comes early, so that its fellow workers still run after it.
	local conc=2
	[ "$TR" != pipe ] || conc=1
	rnd 1500 && ms=$(((500 + R) * conc / parts))
	[ "$kind" != straggler ] || ms=$((ms + 1500))
	CHAOS_D="$((ms * 1000 * 16384 * parts / (B - A) + 1))us"
	rnd $((500 + R)) && delay=$((R / 1000)).$(printf %03d $((R % 1000)))
	[ "$kind" != straggler ] || delay=0.1
	rnd 1000 && victim=$R
	rnd "$parts" && k=$((R + 1))
	rnd 3 && times=$((1 + R))
	HOW=gaps
	[ -z "$PLAN" ] || { pick plan gaps && HOW=$P; }
	CHAOS_TAG=rtchaos-$$-$n
	CHAOS_DIR=$WORK/$n
	CURRENT_TAG=$CHAOS_TAG
	mkdir -p "$CHAOS_DIR"
	exact=$(pysum "$A" "$B")
	count "transport $TR"
	count "kind $kind"
	echo "$A $B $TR $kind $sig $delay $parts $CHAOS_D $HOW $k $times" >"$CHAOS_DIR/trial"
	range-split -n "$parts" -- "$A" "$B" >"$CHAOS_DIR/plan"

	# Round 1: the whole range, with one fault.  A part run twice is its
	# line given twice; a lost part (before the resume run twice) its
	# line left out.
	feed='cat'
	case $kind in
	twice) feed="sed ${k}p" ;;
	resume-twice) feed="sed ${k}d" ;;
	esac
	(
		[ "$kind" != retry ] || CHAOS_RETRIES=$((times + 1))
		[ "$kind" != twice ] || [[ $TR != mq && $TR != shm ]] || {
			feed='cat'
			CHAOS_TWICE=$(sed -n "${k}p" "$CHAOS_DIR/plan")
		}
		# Slurm's tasks of a kill trial cut their part themselves.
		[ "$kind" = straggler ] || [ "$kind" = twice ] ||
			[ "$kind" = resume-twice ] || CHAOS_ONLY="$A $B"
		if [ "$kind" = straggler ]; then
			# As a user writes it: xargs' output into the file.
			$feed <"$CHAOS_DIR/plan" | "run_$TR" >>"$CHAOS_DIR/recs" \
				2>"$CHAOS_DIR/run.err"
			echo "${PIPESTATUS[@]}" >"$CHAOS_DIR/status"
		else
			$feed <"$CHAOS_DIR/plan" | "run_$TR" 2>"$CHAOS_DIR/run.err" |
				tee "$CHAOS_DIR/recs" |
				sum-merge --expect "$A" "$B" >"$CHAOS_DIR/total" 2>"$CHAOS_DIR/merge.err"
			echo "${PIPESTATUS[@]}" >"$CHAOS_DIR/status"
		fi
	) 2>"$CHAOS_DIR/shell.err" &
	local job=$!
	case $kind in
	retry) inject_retry "$times" "${sig#SIG}" "$delay" "$TR" "$victim" & ;;
	requeue) inject_requeue "$delay" "$victim" & ;;
	twice) echo "hit twice $k" >"$CHAOS_DIR/fault" & ;;
	straggler) inject xchild "${sig#SIG}" "$delay" "$TR" "$victim" & ;;
	resume-twice) inject worker "${sig#SIG}" "$delay" "$TR" "$victim" & ;;
	*) inject "$kind" "${sig#SIG}" "$delay" "$TR" "$victim" & ;;
	esac
	local injector=$!
	wait_bounded "$job" 120 || {
		FAILURES+=("trial $n: hung ($TR, $kind)")
		count hung
	}
	touch "$CHAOS_DIR/done"
	wait "$injector"
	read -r -a st <"$CHAOS_DIR/status" 2>/dev/null || st=(x x x 255)
	rc=${st[3]:-none}
	read -r what <"$CHAOS_DIR/fault" || what=missed
	if [ "$what" = missed ]; then
		count "fault $kind missed"
	else
		count "fault $kind $sig"
		count "faults hit"
	fi
	# A part run twice, retried to success or requeued loses nothing: the
	# first merge must be exact.  So must a trial whose fault missed,
	# unless it left a part out.
	case $kind in
	twice | retry | requeue) must_exact=1 ;;
	straggler | resume-twice) ;;
	*) [ "$what" != missed ] || must_exact=1 ;;
	esac
	if [ "$kind" = straggler ]; then
		# Did xargs leave workers behind, as it does when a command dies
		# of a signal?  Their records come during or after the resume.
		if [ "${st[1]}" = 125 ] && tagged "$CHAOS_TAG" |
			grep -E ' (range-sum|sum-merge) ' >/dev/null; then
			count "stragglers running at the resume"
		fi
	fi

	# An ssh host that was killed comes back, for the resume.
	if [[ $what == "hit host "* ]]; then
		local pidvar="CLUSTER_PID_${what#hit host }"
		{ wait "${!pidvar}"; } 2>/dev/null
		cluster_start_sshd "${what#hit host }" 2>/dev/null || {
			FAILURES+=("trial $n: ssh host ${what#hit host } did not restart")
		}
	fi

	# What the pipeline's own sum-merge said.
	total=$(cat "$CHAOS_DIR/total" 2>/dev/null)
	if [ "$rc" = none ]; then
		verdict=none
	elif [ "$rc" -eq 0 ]; then
		if [ "$total" = "$exact" ]; then
			verdict=exact
		else
			verdict=WRONG
			count "wrong totals"
			FAILURES+=("trial $n: WRONG total $total, exact $exact ($TR [$A, $B))")
		fi
	elif [ "$rc" -eq 3 ] && grep -q 'missing: \[' "$CHAOS_DIR/merge.err"; then
		verdict=gap
	elif [ "$rc" -gt 128 ] && [ "$kind" = consumer ] && [ "$what" != missed ]; then
		verdict="killed"
	else
		verdict="refused($rc)"
		FAILURES+=("trial $n: the pipeline's sum-merge: status $rc: $(head -c 300 "$CHAOS_DIR/merge.err")")
		if [ -n "$total" ]; then
			count "wrong totals"
		fi
	fi
	if [ -n "$must_exact" ] && [ "$verdict" != exact ]; then
		FAILURES+=("trial $n: $kind ($what), yet the first merge: $verdict")
	fi
	if [ -s "$CHAOS_DIR/violations" ]; then
		FAILURES+=("trial $n: $(head -c 300 "$CHAOS_DIR/violations")")
	fi
	count "first merge $verdict"

	# The records the pipeline delivered: exact, or a named gap, then
	# resumed until exact (a second round only if the first resume
	# itself failed, which it should not: it has no fault).
	sum-merge --expect "$A" "$B" "$CHAOS_DIR/recs" >"$CHAOS_DIR/jtotal" \
		2>"$CHAOS_DIR/jmerge.err"
	journal_rc=$?
	rounds=0
	if [ "$journal_rc" -eq 3 ]; then
		count gaps
		grep -q 'missing: \[' "$CHAOS_DIR/jmerge.err" || {
			FAILURES+=("trial $n: exit 3 without naming the gap")
		}
	fi
	while [ "$journal_rc" -eq 3 ] && [ "$rounds" -lt 3 ]; do
		rounds=$((rounds + 1))
		count "resume by $HOW"
		# (--missing names the gap the merge named, unless records came
		# in between.)
		if [ "$HOW" = gaps ] && [ "$kind" != straggler ] &&
			[ "$kind" != resume-twice ] &&
			missing_lines gaps "$CHAOS_DIR/recs" >"$CHAOS_DIR/named" 2>&1; then
			same_gaps "$CHAOS_DIR/named" "$CHAOS_DIR/jmerge.err" || {
				FAILURES+=("trial $n: --missing differs from the gap named")
			}
		fi
		: >"$CHAOS_DIR/jmerge.err"
		if [ "$kind" = resume-twice ]; then
			# Two resumes at once, from the same records: every part
			# they re-run, they run twice.
			(resume_step "$rounds.a") 2>>"$CHAOS_DIR/shell.err" &
			local r1=$!
			(resume_step "$rounds.b") 2>>"$CHAOS_DIR/shell.err" &
			wait_bounded $! 120 || FAILURES+=("trial $n: resume hung")
			wait_bounded "$r1" 120 || FAILURES+=("trial $n: resume hung")
		else
			(resume_step "$rounds") 2>>"$CHAOS_DIR/shell.err" &
			wait_bounded $! 120 || FAILURES+=("trial $n: resume hung")
		fi
		sum-merge --expect "$A" "$B" "$CHAOS_DIR/recs" >"$CHAOS_DIR/jtotal" \
			2>"$CHAOS_DIR/jmerge.err"
		journal_rc=$?
	done
	if [ "$journal_rc" -eq 0 ] && [ "$(cat "$CHAOS_DIR/jtotal")" = "$exact" ]; then
		if [ "$rounds" -gt 0 ]; then
			count "resumed to exact"
		else
			count "exact at once"
		fi
	elif [ "$journal_rc" -eq 0 ]; then
		count "wrong totals"
		FAILURES+=("trial $n: WRONG journal total $(cat "$CHAOS_DIR/jtotal"), exact $exact")
	else
		count "not resumed"
		FAILURES+=("trial $n: not resumed ($TR $kind, status $journal_rc: $(head -c 300 "$CHAOS_DIR/jmerge.err"))")
	fi

	# Stragglers end in their own time (a part lasts a few seconds);
	# their records come on top of the resumed ones.
	[ "$kind" != straggler ] || quiet 60
	# (Run untagged, so that the check does not find itself.)
	left=$(
		tag=$CHAOS_TAG
		unset CHAOS_TAG
		leftovers "$tag"
	)
	CURRENT_TAG=
	if [ -n "$left" ]; then
		count leftovers
		FAILURES+=("trial $n: left behind: $(tr '\n' ';' <<<"$left")")
	fi
	# Once nothing runs: every late record too must agree.
	sum-merge --expect "$A" "$B" "$CHAOS_DIR/recs" >"$CHAOS_DIR/ltotal" \
		2>"$CHAOS_DIR/lmerge.err"
	late_rc=$?
	if [ "$late_rc" -eq 0 ] && [ "$(cat "$CHAOS_DIR/ltotal")" != "$exact" ]; then
		count "wrong totals"
		FAILURES+=("trial $n: WRONG total $(cat "$CHAOS_DIR/ltotal") once all ended, exact $exact")
	elif [ "$late_rc" -ne 0 ] && [ "$journal_rc" -eq 0 ]; then
		count "refused once all ended"
		FAILURES+=("trial $n: refused once all ended ($TR $kind, status $late_rc: $(head -c 300 "$CHAOS_DIR/lmerge.err"))")
	fi
	[ "${#FAILURES[@]}" -gt "$failed" ] || count "kind $kind ok"
	printf 'trial %d: %-8s %-12s %-7s [%s, %s) %d parts: %s; first merge %s, %s%s (%ds)\n' \
		"$n" "$TR$([ "$TR" != slurm ] || echo "/$SLURM_HOW")" "$kind" "$sig" "$A" "$B" "$parts" \
		"${what% [0-9_]*}" "$verdict" \
		"$([ "$rounds" -gt 0 ] && echo "resumed in $rounds by $HOW" || echo "no gap")" \
		"${left:+, LEFTOVERS}" $((SECONDS - t0))
	[ -n "$CHAOS_VERBOSE" ] || rm -rf "$CHAOS_DIR"
}

# wait_bounded PID SECONDS: wait for a job; kill its tree after SECONDS.
wait_bounded() {
	local pid=$1 i
	for i in $(seq $(($2 * 10))); do
		kill -0 "$pid" 2>/dev/null || {
			wait "$pid"
			return 0
		}
		sleep 0.1
	done
	kill_tagged "$CHAOS_TAG" >/dev/null
	# Jobs of our own Slurm cluster (SLURM_CONF) that are still queued.
	[ -z "$SLURM_UP" ] || scancel --full --quiet --user="$(id -un)" 2>/dev/null
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	return 1
}

# same_gaps MISSING ERR: the lines --missing printed name the very ranges
# the gap message named ("missing: [a, b) [c, d)").
same_gaps() {
	local named listed
	named=$(grep -o '\[[-0-9]*, [-0-9]*)' "$2" | tr -d '[,)' | tr -s ' ')
	listed=$(tr -s ' \t' ' ' <"$1")
	[ "$named" = "$listed" ]
}

# --- the run --------------------------------------------------------------

clusters_up
[ -z "$SETUP_FAILED" ] || {
	printf 'chaos: %s\n' "${NOTES[@]}" >&2
	exit 2
}
ACTIVE=
for t in $CHAOS_TRANSPORTS; do
	case $t in
	ssh) [ -n "$SSH_UP" ] || continue ;;
	slurm) [ -n "$SLURM_UP" ] || continue ;;
	pipe | xargs | parallel | procs | mq | shm) ;;
	*) die "unknown transport: $t" ;;
	esac
	ACTIVE="$ACTIVE $t"
done
[ -n "$ACTIVE" ] || die "no transport to try"

mq_list >/dev/null ||
	NOTES+=("cannot list the queues here (not root, or no mount \
namespace): only the queues a trial names are checked")
# Resume by plan where sum-merge takes one.
PLAN=
! sum-merge --help 2>&1 | grep -q -- '--plan' || PLAN=1
[ -n "$PLAN" ] || NOTES+=("sum-merge takes no --plan: every resume names the gaps")
echo "chaos: $CHAOS_TRIALS trials, seed $CHAOS_SEED, at most ${CHAOS_TIME}s; transports:$ACTIVE"
for note in "${NOTES[@]}"; do
	echo "chaos: note: $note"
done
done_trials=0
for n in $(seq "$CHAOS_TRIALS"); do
	if [ "$SECONDS" -ge "$CHAOS_TIME" ]; then
		echo "chaos: time is up (${CHAOS_TIME}s) after $done_trials trials"
		break
	fi
	# (bash reports the death of each ssh host it started: not news.)
	trial "$n" 2> >(grep -v '^.*: line [0-9]*: *[0-9]* Killed .*sshd' >&2)
	done_trials=$n
done

echo "chaos: summary (seed $CHAOS_SEED, ${SECONDS}s)"
printf '  %-36s %d\n' trials "$done_trials"
for k in "faults hit" gaps "resumed to exact" "exact at once" \
	"wrong totals" leftovers "not resumed" "refused once all ended" hung \
	"stragglers running at the resume"; do
	printf '  %-36s %d\n' "$k" "${COUNT[$k]:-0}"
done
for k in "${!COUNT[@]}"; do
	case $k in
	transport* | fault\ * | first\ merge* | resume\ by*)
		printf '  %-36s %d\n' "$k" "${COUNT[$k]}"
		;;
	esac
done | sort
# Per kind of trial: how many ran, and how many ended with no failure.
for k in worker producer consumer host straggler twice retry requeue \
	resume-twice; do
	[ -n "${COUNT[kind $k]:-}" ] || continue
	printf '  %-36s %d\n' "kind $k" "${COUNT[kind $k]}" \
		"kind $k ok" "${COUNT[kind $k ok]:-0}"
done
if [ "${#FAILURES[@]}" -gt 0 ]; then
	printf 'chaos: FAIL: %s\n' "${FAILURES[@]}"
	exit 1
fi
echo "chaos: OK"
