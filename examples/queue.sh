#!/bin/sh
# queue.sh: the article's processes joined by a Queue, on the shell.
#
#	examples/queue.sh [stop|first|last] [start end [workers]]
#
# Sums [start, end) (default 0 1e8) with `workers` (default 2) range-sum
# processes that send their records to a POSIX message queue, and prints
# the total that sum-merge reads from it:
#
#   stop   the article's program: the consumer starts and reads up to
#          STOP, the workers run and are joined (wait), then STOP is put on
#          the queue.  Python's Queue grows without bound; a POSIX queue
#          holds 10 records, so the consumer must read while the workers
#          run, or an eleventh worker would wait for ever.
#   first  the consumer starts first and waits; xargs -P fans out.
#   last   xargs -P fans out into the queue (each worker blocks while the
#          queue's 10 places are full), then the consumer starts.
#
# sum-merge removes the queue when it is done, however it ends.
set -eu
PATH="${RANGETOOLS_BIN:-$(dirname "$0")/../bin}:$PATH"

usage="usage: queue.sh [stop|first|last] [start end [workers]]"
# The mode is optional: without one, the first operand is start.
mode=stop
case ${1:-} in
-h | --help)
	echo "$usage"
	exit 0
	;;
stop | first | last)
	mode=$1
	shift
	;;
[a-z]* | -[a-z-]*)
	echo "queue.sh: unknown mode '$1'" >&2
	echo "$usage" >&2
	exit 2
	;;
esac
start=${1:-0}
end=${2:-1e8}
workers=${3:-2}
q=/rangetools-queue-$$
consumer=

# On a failure leave nothing behind: a waiting consumer is ended (on
# SIGTERM it removes the queue) and waited for, so that the queue is
# gone when this script ends; a queue nobody reads is drained and
# removed by a sum-merge that does not wait.
cleanup() {
	st=$?
	if [ "$st" -ne 0 ]; then
		if [ -n "$consumer" ]; then
			kill "$consumer" 2>/dev/null || :
			wait "$consumer" 2>/dev/null || :
		fi
		sum-merge --mq "$q" --timeout 0 >/dev/null 2>&1 || :
	fi
	exit "$st"
}
trap cleanup EXIT

case $mode in
stop)
	# Reads up to STOP, as the article's loop of result.get() does.  Not
	# --expect: it would end at full coverage, before STOP, which would
	# then find its reader gone.
	sum-merge --mq "$q" --timeout 60s &
	consumer=$!
	# for i in range(workers): Process(target=work, args=(...)).start()
	parts="${TMPDIR:-/tmp}/queue.$$"
	range-split -n "$workers" "$start" "$end" > "$parts"
	pids=
	while read -r s e; do
		range-sum --mq "$q" "$s" "$e" &
		pids="$pids $!"
	done < "$parts"
	rm -f "$parts"
	failed=0
	for pid in $pids; do		# th1.join(); th2.join()
		wait "$pid" || failed=1
	done
	# A worker that failed sent no record: the total would be short.
	[ "$failed" -eq 0 ] || exit 1
	range-sum --mq "$q" --stop	# result.put('STOP')
	wait "$consumer"
	consumer=
	;;
first)
	sum-merge --mq "$q" --expect "$start" "$end" --timeout 60s &
	consumer=$!
	range-split -n "$workers" "$start" "$end" |
	    xargs -P "$workers" -L 1 range-sum --mq "$q"
	wait "$consumer"
	consumer=
	;;
last)
	# Without a consumer the queue's 10 places are all there is: more
	# records than that would block their workers for ever.
	if [ "$workers" -gt 10 ]; then
		echo "queue.sh: last: at most 10 workers (the queue's" \
		    "depth: no reader runs until they are done); use" \
		    "first or stop" >&2
		exit 2
	fi
	range-split -n "$workers" "$start" "$end" |
	    xargs -P "$workers" -L 1 range-sum --mq "$q"
	sum-merge --mq "$q" --count "$(range-split -n "$workers" "$start" \
	    "$end" | wc -l)" --timeout 10s
	;;
*)
	echo "$usage" >&2
	exit 2
	;;
esac
