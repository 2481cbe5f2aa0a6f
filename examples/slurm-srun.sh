#!/bin/sh
# slurm-srun.sh: the article's processes as the tasks of one Slurm job step.
#
#	examples/slurm-srun.sh [start end [tasks]]
#
# srun starts `tasks` copies of one command; each takes its own part of
# [start, end) by its rank, with range-split --only, and prints its record.
# The records come back through srun's standard output to sum-merge, which
# checks with --expect that they cover the range exactly once: a task that
# was killed, or a node that died, is a named gap and exit 3, never a
# wrong total.  Run it where srun works: on a login node, or inside an
# salloc or sbatch allocation (then `tasks` must fit in it).
#
# Environment: SRUN_OPTS, more srun options (e.g. '-p short -t 10').
# range-sum and range-split must be on the PATH of the tasks: srun passes
# on this PATH, to which a checkout's bin/ is added first.
set -eu

PATH="${RANGETOOLS_BIN:-$(cd "$(dirname "$0")" && pwd)/../bin}:$PATH"
export PATH

start=${1:-0}
end=${2:-1e11}
tasks=${3:-4}

# Single quotes: $SLURM_NTASKS and $SLURM_PROCID are each task's own.
# shellcheck disable=SC2016,SC2086
srun -n "$tasks" ${SRUN_OPTS:-} sh -c \
	'range-sum -t $(range-split -n "$SLURM_NTASKS" --only "$SLURM_PROCID" -- "$0" "$1")' \
	"$start" "$end" </dev/null |
	sum-merge --expect "$start" "$end"
