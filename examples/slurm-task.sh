#!/bin/sh
# slurm-task.sh: one task of the Slurm job array that slurm-array.sh
# submits.  Task K sums part K and writes its record to a file of its own,
# $OUT/START_END.rec: of [START, END) cut in PARTS parts (by default as many
# as the array has tasks; PARTS lets a resubmission of some tasks only, as
# sum-merge --missing --plan --array names them, repeat their parts), or,
# with PARTS_FILE, the K-th line of that file (ranges that sum-merge
# --missing named).  The record appears under
# its name only once it is whole, so a task killed half-way leaves a gap,
# never half a record.
#
#	sbatch --array=0-3 --export=ALL,START=0,END=1e11,OUT=$PWD/recs slurm-task.sh
#
# Environment: START, END, OUT (an absolute path), PARTS, PARTS_FILE, and
# RANGE_SUM_OPTS, more range-sum options (e.g. '--threads 4' with
# --cpus-per-task=4).
#SBATCH --job-name=range-sum
#SBATCH --output=/dev/null
set -eu

k=$SLURM_ARRAY_TASK_ID
if [ -n "${PARTS_FILE:-}" ]; then
	part=$(range-split -n 1 --only "$k" <"$PARTS_FILE")
else
	part=$(range-split -n "${PARTS:-$SLURM_ARRAY_TASK_COUNT}" --only "$k" \
		-- "$START" "$END")
fi
# A task beyond the integers of a short range has nothing to do.
[ -n "$part" ] || exit 0
# shellcheck disable=SC2086 # "start end": two words
set -- $part
# shellcheck disable=SC2086
range-sum -t ${RANGE_SUM_OPTS:-} -- "$1" "$2" >"$OUT/.$1_$2.rec.$$"
mv "$OUT/.$1_$2.rec.$$" "$OUT/$1_$2.rec"
