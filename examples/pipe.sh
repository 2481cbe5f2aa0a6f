#!/bin/sh
# pipe.sh: the article's sum of 0..100,000,000 as one pipeline.
#
#	examples/pipe.sh [start end [parts]]
#
# Like the article's multiprocessing.Pipe: the stages are processes that
# run at the same time and pass their results down a pipe.  range-split
# cuts [start, end) into parts, one "start end" line each; range-sum sums
# each line into a record "start end sum"; sum-merge adds the records,
# checking each sum and that together they cover [start, end) exactly.
set -eu

# --help prints this file's opening comment, which is its usage.
case ${1-} in
-h | --help)
	sed -n '2,/^set -eu$/{/^set -eu$/d;s/^# \{0,1\}//;p;}' "$0"
	exit 0
	;;
esac

# The programs come from PATH; run from a checkout, its bin/ comes first
# (or RANGETOOLS_BIN's, as the tests do with other builds).
PATH="${RANGETOOLS_BIN:-$(dirname "$0")/../bin}:$PATH"

start=${1:-0}
end=${2:-1e8}
parts=${3:-2}

range-split -n "$parts" "$start" "$end" |
	range-sum -t |
	sum-merge --expect "$start" "$end"
