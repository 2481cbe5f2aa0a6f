#!/bin/sh
# article.sh: the article's experiment on this machine (make demo).
#
#	examples/article.sh [end]
#
# Interim version: one process, and two processes joined by pipes through
# xargs -P 2.  The threads, --gil, --procs and queue rows come with the
# parallel and transport work.  Our loop is far faster than Python's, so
# the range is longer than the article's 0..1e8 (default 0..5e10).
set -eu
PATH="${RANGETOOLS_BIN:-$(dirname "$0")/../bin}:$PATH"

end=${1:-5e10}

now() { date +%s%N; }

# run LABEL WORKERS COMMAND: prints one row of the table.
run() {
	t0=$(now)
	sum=$(sh -c "$3")
	t1=$(now)
	echo "$1 $2 $t0 $t1 $sum"
}

echo "sum of [0, $end) on $(nproc) cores"
{
	run "one-process" 1 "range-sum 0 $end"
	run "pipe+xargs" 2 "range-split -n 2 0 $end |
	    xargs -P 2 -L 1 range-sum -t | sum-merge --expect 0 $end"
} | awk '{ s = ($4 - $3) / 1e9; if (NR == 1) base = s
	printf "%-12s %2d workers  %7.3f s  %5.2fx  %s\n", $1, $2, s, base / s, $5 }'
