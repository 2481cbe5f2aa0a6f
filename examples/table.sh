#!/bin/sh
# table.sh: the article's shared Value/Array, on the shell.
#
#	examples/table.sh [xargs|parallel] [start end [workers]]
#
# Sums [start, end) (default 0 1e8) with `workers` (default 2) concurrent
# range-sum processes, started by xargs -P or by GNU parallel, that add
# their records to one shared-memory table; sum-merge then reads the
# table, checks that the records cover [start, end) exactly, prints the
# total and removes the table.
set -eu
PATH="${RANGETOOLS_BIN:-$(dirname "$0")/../bin}:$PATH"

usage="usage: table.sh [xargs|parallel] [start end [workers]]"
# The tool is optional: without one, the first operand is start.
tool="xargs"
case ${1:-} in
-h | --help)
	echo "$usage"
	exit 0
	;;
xargs | parallel)
	tool=$1
	shift
	;;
[a-z]* | -[a-z-]*)
	echo "table.sh: unknown tool '$1'" >&2
	echo "$usage" >&2
	exit 2
	;;
esac
start=${1:-0}
end=${2:-1e8}
workers=${3:-2}
t=/rangetools-table-$$

# If a worker fails, sum-merge never runs below: remove the table anyway.
trap 'st=$?; [ "$st" -eq 0 ] || sum-merge --shm "$t" >/dev/null 2>&1 || :
    exit "$st"' EXIT

case $tool in
xargs)
	range-split -n "$workers" "$start" "$end" |
	    xargs -P "$workers" -L 1 range-sum --shm "$t"
	;;
parallel)
	range-split -n "$workers" "$start" "$end" |
	    parallel -j "$workers" --colsep ' ' range-sum --shm "$t" {1} {2}
	;;
*)
	echo "$usage" >&2
	exit 2
	;;
esac
sum-merge --shm "$t" --expect "$start" "$end"
