#!/bin/sh
# lines.sh: count the lines of a large file that match a pattern, by line
# ranges, over parallel workers, resumed until the count is exact.
#
#	examples/lines.sh [-j jobs] [-n parts] pattern file
#
# range-split cuts the file's lines [0, L) into parts; a worker counts the
# lines of its part [s, e) that match the pattern (grep -c -e, a basic
# regular expression), and prints the record "s e count".  sum-merge
# --values adds the counts: a part that ran twice counts once, and one
# whose worker died is named by --missing --plan and run again.  The
# total is what grep -c -e pattern file prints, in parts.
#
# Environment:
#	ROUNDS	resumes at most (default 3); after that sum-merge names what
#		is still missing and exits 3
set -eu

here=$(cd "$(dirname "$0")" && pwd)
PATH="${RANGETOOLS_BIN:-$here/../bin}:$PATH"
me=$here/$(basename "$0")

usage() {
	echo "usage: lines.sh [-j jobs] [-n parts] pattern file" >&2
	exit 2
}

# count PATTERN FILE S E: the record of lines [S, E) of FILE, counted
# from 0.  grep -c exits 1 when it counts 0 lines, 2 on trouble.
count() {
	n=$(tail -n "+$(($3 + 1))" -- "$2" | head -n "$(($4 - $3))" |
		grep -c -e "$1") || [ $? -eq 1 ] || return 1
	printf '%s %s %s\n' "$3" "$4" "$n"
}

case ${1:-} in
--worker)
	shift
	count "$@"
	exit ;;
-h | --help)
	sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0 ;;
esac

jobs=2 parts=8
while getopts j:n: opt; do
	case $opt in
	j) jobs=$OPTARG ;;
	n) parts=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
pattern=$1 file=$2
[ -f "$file" ] && [ -r "$file" ] || {
	echo "lines.sh: $file: not a readable file" >&2
	exit 1
}
rounds=${ROUNDS:-3}
total=$(wc -l <"$file")

recs=$(mktemp "${TMPDIR:-/tmp}/rangetools-lines.XXXXXX")
trap 'rm -f "$recs" "$recs.plan"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
plan=$recs.plan
range-split -n "$parts" 0 "$total" >"$plan"

# run: "start end" lines in, records appended to $recs, once every worker
# has ended (the sh -c wrapper: see primes.sh).
run() {
	xargs -P "$jobs" -L 1 sh -c '"$0" --worker "$1" "$2" "$3" "$4" || exit 1' \
		"$me" "$pattern" "$file" >>"$recs" || true
}

run <"$plan"
round=0
while [ "$round" -lt "$rounds" ] &&
	missing=$(sum-merge --values --expect 0 "$total" --missing \
		--plan "$plan" "$recs") &&
	[ -n "$missing" ]; do
	echo "lines.sh: running again: $(printf '%s' "$missing" | tr '\n' ' ')" >&2
	printf '%s\n' "$missing" | run
	round=$((round + 1))
done
sum-merge --values --expect 0 "$total" "$recs"
