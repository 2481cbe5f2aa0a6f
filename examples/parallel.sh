#!/bin/sh
# parallel.sh: the article's processes, started by GNU parallel.
#
#	examples/parallel.sh [start end [parts]]
#
# GNU parallel runs one range-sum per part, as many at a time as there
# are cores; --colsep ' ' splits each "start end" line into {1} and {2}.
# The article ends by saying that processes carry over to several
# machines: parallel reads its options from the PARALLEL environment
# variable, so
#
#	PARALLEL='-S host1,host2' examples/parallel.sh 0 1e10 16
#
# sends the parts to host1 and host2 (each needs range-sum on its PATH).
# RETRIES (default 3) is how many times parallel tries a part.
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
parts=${3:-4}

# parallel waits for every job it started, whatever became of the others,
# and --retries 3 runs a part whose worker failed again, up to three times
# in all (on another host where it can); only the last try's output is
# kept, so a part gives one record.  Records and --expect: a part that
# failed every time, here or on another machine, is named as missing
# (exit 3) instead of being left out.
range-split -n "$parts" "$start" "$end" |
	parallel --retries "${RETRIES:-3}" --colsep ' ' range-sum -t '{1}' '{2}' |
	sum-merge --expect "$start" "$end"
