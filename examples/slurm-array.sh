#!/bin/sh
# slurm-array.sh: the article's processes as a Slurm job array, resumed
# until no part is missing.
#
#	examples/slurm-array.sh [start end [tasks]]
#
# sbatch --array=0-(tasks-1) runs slurm-task.sh once per part; each task
# writes its record to a file of its own in OUT.  When the array is done,
# sum-merge --missing --plan names the parts that no record covers (tasks
# that were cancelled, failed, or ran on a node that died), and --array
# their task numbers: only those tasks are submitted again.  Then sum-merge
# --expect prints the exact total of all the records.  After ROUNDS
# resubmissions with parts still missing, it gives up: sum-merge names
# them and exits 3.  Run it again with the same OUT to resume: the records
# already there count.
#
# Environment:
#	OUT		the folder for the records (default ./rangetools-slurm)
#	ROUNDS		resubmissions at most (default 3)
#	SBATCH_OPTS	more sbatch options (e.g. '-p short -t 60')
#	RANGE_SUM_OPTS	more range-sum options for each task
# range-sum and range-split must be on the PATH of the tasks: sbatch passes
# on this PATH, to which a checkout's bin/ is added first.
#
# Without a working Slurm (no sbatch, or an sbatch that submits nothing),
# it says so once and exits 1, leaving no OUT folder it made.
set -eu

# --help prints this file's opening comment, which is its usage.
case ${1-} in
-h | --help)
	sed -n '2,/^set -eu$/{/^set -eu$/d;s/^# \{0,1\}//;p;}' "$0"
	exit 0
	;;
esac

if ! command -v sbatch >/dev/null 2>&1; then
	echo "$0: no sbatch on PATH: this example needs Slurm" \
		"(examples/xargs.sh runs the parts on this machine)" >&2
	exit 1
fi

here=$(cd "$(dirname "$0")" && pwd)
PATH="${RANGETOOLS_BIN:-$here/../bin}:$PATH"
export PATH

START=${1:-0}
END=${2:-1e11}
tasks=${3:-4}
OUT=${OUT:-rangetools-slurm}
rounds=${ROUNDS:-3}
made=
[ -d "$OUT" ] || made=1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export START END OUT
# A run that ends with no record removes the OUT it made: nothing to keep.
trap '[ -z "$made" ] || [ -n "$(find "$OUT" -name "*.rec" | head -n 1)" ] ||
	rm -rf "$OUT"' EXIT

# The plan: the parts of the first array, one line each, kept in OUT so
# that a resubmission, even by a later run of this script, repeats them.
plan=$OUT/plan
[ -s "$plan" ] || range-split -n "$tasks" -- "$START" "$END" >"$plan"
PARTS=$(wc -l <"$plan")
export PARTS

# submit ARRAY: the tasks ARRAY (a Slurm array list, "0-3" or "1,4-5"):
# task K sums line K of the plan, counted from 0; waits until all have
# ended.  A task that failed makes sbatch --wait fail: the records say
# what is missing, so that is not an error here.  --requeue: a task that
# is preempted, or whose node fails, runs again from its start (as does
# one that scontrol requeue names), and sbatch --wait waits for that run
# too.  A task moves its record into place only once it is whole, under
# the name of its part, so a task run twice leaves the one record.
#
# An array that was never submitted (no controller, a bad option in
# SBATCH_OPTS: sbatch printed no job id) would fail again on every
# resubmission: that ends the run at once, with sbatch's last word.
submit() {
	# shellcheck disable=SC2086
	if job=$(sbatch --parsable --wait --requeue --array="$1" \
		--export=ALL ${SBATCH_OPTS:-} "$here/slurm-task.sh" \
		2>"$OUT/sbatch.err"); then
		rm -f "$OUT/sbatch.err"
		return 0
	fi
	if [ -z "$job" ]; then
		echo "$0: sbatch submitted nothing; is Slurm working?" \
			"sbatch said: $(tail -n 1 "$OUT/sbatch.err")" >&2
		exit 1
	fi
	rm -f "$OUT/sbatch.err"
	echo "$0: some tasks of the array failed" >&2
}

records() {
	find "$OUT" -name '*.rec' -exec cat {} +
}

# Resubmit by plan: sum-merge --missing --plan names the plan's lines that
# the records lack, and --array their indexes, the tasks to run again.
round=0
[ -n "$(find "$OUT" -name '*.rec' | head -n 1)" ] || submit "0-$((PARTS - 1))"
while :; do
	records | sum-merge --expect "$START" "$END" --missing --plan "$plan" \
		>"$OUT/missing.$round"
	if [ ! -s "$OUT/missing.$round" ] || [ "$round" -ge "$rounds" ]; then
		break
	fi
	n=$(wc -l <"$OUT/missing.$round")
	echo "$0: resubmitting $n missing part(s):" \
		"$(tr '\n' ' ' <"$OUT/missing.$round")" >&2
	submit "$(records | sum-merge --expect "$START" "$END" --missing \
		--plan "$plan" --array)"
	round=$((round + 1))
done
records | sum-merge --expect "$START" "$END"
