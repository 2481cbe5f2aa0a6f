#!/bin/sh
# cluster.sh: the article's processes, spread over several machines.
#
#	examples/cluster.sh host ...
#	RANGETOOLS_HOSTS=host1,host2 examples/cluster.sh
#
# GNU parallel logs in to each host with ssh and runs one range-sum per
# part there; the records come back over the ssh connections and
# sum-merge --expect checks that they cover the range exactly once.  A host
# that dies mid-run costs the run (--halt now,fail=1 stops the other jobs,
# sum-merge names the parts that never came back, exit 3), never the
# total's correctness.  Hosts are written as parallel -S takes them: host,
# user@host, 4/host to run at most 4 jobs there, ":" for this machine.
#
# Environment:
#	START, END	the range (default 0 and 1e11)
#	PARTS		how many parts (default 4 per host)
#	JOBLOG		keep parallel's job log there; without it, the log goes
#			to a temporary file, summarised on stderr, then removed
#	REMOTE_BIN	the folder that holds range-sum on the hosts, put first
#			on their PATH; without it, range-sum must already be on
#			the PATH of a non-interactive ssh session there (make
#			install's /usr/local/bin is)
#	SHIP=1		copy this machine's range-sum to each host with
#			--basefile (the hosts need rsync, and the same CPU and
#			C library as here) into REMOTE_WD, relative to the
#			login folder (default .rangetools-tmp.PID), which
#			--cleanup removes at the end
#	PARALLEL_SSH	the ssh command parallel uses, e.g. 'ssh -F my.cfg'
#
# The hosts need a POSIX shell and perl (parallel's job wrapper runs
# there), and ssh must log in without a password (keys, BatchMode).
set -eu

# --help prints this file's opening comment, which is its usage.
case ${1-} in
-h | --help)
	sed -n '2,/^set -eu$/{/^set -eu$/d;s/^# \{0,1\}//;p;}' "$0"
	exit 0
	;;
esac

PATH="${RANGETOOLS_BIN:-$(dirname "$0")/../bin}:$PATH"

if [ "$#" -gt 0 ]; then
	hosts=$(printf '%s,' "$@")
	hosts=${hosts%,}
elif [ -n "${RANGETOOLS_HOSTS:-}" ]; then
	hosts=$RANGETOOLS_HOSTS
else
	echo "usage: $0 host ... (or set RANGETOOLS_HOSTS)" >&2
	exit 2
fi
start=${START:-0}
end=${END:-1e11}
nhosts=$(printf '%s\n' "$hosts" | tr ', ' '\n\n' | grep -c .)
parts=${PARTS:-$((4 * nhosts))}

joblog=${JOBLOG:-}
if [ -z "$joblog" ]; then
	joblog=$(mktemp "${TMPDIR:-/tmp}/cluster.joblog.XXXXXX")
	trap 'rm -f "$joblog"' EXIT
fi
case $joblog in
/*) ;;
*) joblog=$PWD/$joblog ;;
esac

# What runs on a host, and how it finds range-sum there.
if [ "${SHIP:-}" = 1 ]; then
	# --basefile paths are relative to the current folder here and to
	# --workdir there: run from the folder that holds range-sum.
	here=$(command -v range-sum) || {
		echo "$0: no range-sum here to ship" >&2
		exit 1
	}
	cd "$(dirname "$here")"
	set -- --basefile range-sum --workdir "${REMOTE_WD:-.rangetools-tmp.$$}" \
		--cleanup
	job='./range-sum -t {1} {2}'
elif [ -n "${REMOTE_BIN:-}" ]; then
	set --
	job="PATH=$REMOTE_BIN:\$PATH range-sum -t {1} {2}"
else
	set --
	job='range-sum -t {1} {2}'
fi

status=0
range-split -n "$parts" -- "$start" "$end" |
	parallel -S "$hosts" --colsep ' ' --halt now,fail=1 \
		--joblog "$joblog" "$@" "$job" |
	sum-merge --expect "$start" "$end" || status=$?

# The job log has one line per finished job: its number (column 1), its
# host (2), its exit status (7) and its command (9): which host summed
# which part.  A job that --halt killed has no line.
tab=$(printf '\t')
echo "host	exit	job" >&2
tail -n +2 "$joblog" | sort -t "$tab" -k 2,2 -k 1,1n | cut -f 2,7,9 >&2
exit "$status"
