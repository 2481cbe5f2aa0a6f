#!/bin/sh
# bench/transport.sh: records per second through the transports.
#
#	bench/transport.sh [queue-records [table-records]]
#
# Prints two lines, "name records seconds rate":
#   queue  one range-sum producer sends queue-records (default 200000)
#          records through one POSIX message queue of depth 10 to one
#          sum-merge consumer, end to end, both running at once;
#   table  two range-sum processes, running at once, insert table-records
#          (default 1000000; at most 1048576, the table's capacity) in
#          all, half each, into one shared-memory table; sum-merge then
#          checks them, untimed.
# Each range-sum reads all its ranges from stdin, so one process start-up
# is spread over many records.  The targets: queue >= 100000 records/s,
# table >= 1000000 inserts/s.
set -eu
PATH="${RANGETOOLS_BIN:-$(dirname "$0")/../bin}:$PATH"

nq=${1:-200000}
n=${2:-1000000}
tmp=$(mktemp -d)
q=/rangetools-bench-q-$$
t=/rangetools-bench-t-$$
if [ "$n" -gt 1048576 ]; then
	echo "transport.sh: a table holds at most 1048576 records" >&2
	exit 2
fi
# sum-merge removes the queue and the table, even after a failure.
# The trap keeps the script's exit status.
trap 'st=$?; rm -rf "$tmp"; sum-merge --shm "$t" >/dev/null 2>&1 || :
    sum-merge --mq "$q" --timeout 0 >/dev/null 2>&1 || :; exit $st' EXIT

now() { date +%s%N; }

# row NAME RECORDS T0 T1: one result line.
row() {
	python3 -c 'import sys
n, t = int(sys.argv[2]), (int(sys.argv[4]) - int(sys.argv[3])) / 1e9
print("%-6s %8d records %7.3f s %10.0f records/s" % (sys.argv[1], n, t, n / t))' "$@"
}

half=$((n / 2))
range-split -s 1 0 "$nq" >"$tmp/all"
range-split -s 1 0 "$half" >"$tmp/a"
range-split -s 1 "$half" "$n" >"$tmp/b"

# The queue: the consumer waits first, so the time is the transfer's.
t0=$(now)
sum-merge --mq "$q" --expect 0 "$nq" --timeout 30 >"$tmp/qsum" &
range-sum --method formula --mq "$q" <"$tmp/all"
wait $!
t1=$(now)
row queue "$nq" "$t0" "$t1"

# The table: two producers at once; the check afterwards is not timed.
t0=$(now)
range-sum --method formula --shm "$t" <"$tmp/a" &
range-sum --method formula --shm "$t" <"$tmp/b"
wait $!
t1=$(now)
sum-merge --shm "$t" --expect 0 "$n" >"$tmp/tsum"
row table "$n" "$t0" "$t1"

sum() { python3 -c "print($1 * ($1 - 1) // 2)"; }
[ "$(cat "$tmp/qsum")" = "$(sum "$nq")" ] &&
    [ "$(cat "$tmp/tsum")" = "$(sum "$n")" ] ||
    { echo "transport.sh: wrong total" >&2; exit 1; }
