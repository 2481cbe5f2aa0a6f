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
jobs=${4:-$parts}

# When a command dies of a signal, GNU xargs starts no more commands, and
# once it has started the last one it exits at once (status 125), the
# workers still running left behind.  The sh -c wrapper turns such a death
# into exit status 1, which xargs only notes: every part is started, and
# xargs returns once every worker has ended.  (Here sum-merge would wait
# for the stragglers anyway, as they hold its pipe; a records file would
# not: examples/resume.sh.)
#
# xargs may not report a worker that failed, and sh has no pipefail: the
# records and --expect are what catch a lost part.  sum-merge then names
# the missing range and exits 3 instead of printing a wrong total.
range-split -n "$parts" "$start" "$end" |
	xargs -P "$jobs" -L 1 sh -c 'range-sum -t -- "$@" || exit 1' sh |
	sum-merge --expect "$start" "$end"
