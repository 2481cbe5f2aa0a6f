#!/bin/sh
# xargs.sh: the article's two processes, started by xargs(1).
#
#	examples/xargs.sh [start end [parts [jobs]]]
#
# Like the article's two multiprocessing.Process'es: xargs -P runs up to
# `jobs` range-sum processes at a time, one per part (-L 1 hands each one
# line of range-split's output, "start end", as its two operands).  Their
# records meet in one pipe to sum-merge.
set -eu

# The programs come from PATH; run from a checkout, its bin/ comes first
# (or RANGETOOLS_BIN's, as the tests do with other builds).
PATH="${RANGETOOLS_BIN:-$(dirname "$0")/../bin}:$PATH"

start=${1:-0}
end=${2:-1e8}
parts=${3:-2}
jobs=${4:-$parts}

# xargs may not report a worker that failed, and sh has no pipefail: the
# records and --expect are what catch a lost part.  sum-merge then names
# the missing range and exits 3 instead of printing a wrong total.
range-split -n "$parts" "$start" "$end" |
	xargs -P "$jobs" -L 1 range-sum -t |
	sum-merge --expect "$start" "$end"
