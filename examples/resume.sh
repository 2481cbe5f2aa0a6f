#!/bin/sh
# resume.sh: keep the records in a file, wait for every worker, and run
# again only what is missing, until the total is exact.
#
#	examples/resume.sh [start end [parts [jobs]]]
#
# GNU xargs stops at a command that dies of a signal (SIGKILL from the
# out-of-memory killer, SIGTERM from an impatient user): it starts no more
# commands and exits with status 125.  Once it has started the last one,
# it exits at once, and the workers still running go on without it; their
# records reach the file after xargs, and this script, returned.  A resume
# started then would re-run parts that are still being summed.
#
# So each command is wrapped in `sh -c '... || exit 1'`: a death by signal
# becomes exit status 1, which xargs only notes (it exits 123 at the end),
# so it starts every part and returns once every worker has ended.  Then
# sum-merge --missing --plan names the lines of the plan (range-split's
# parts, kept in a file) that the records lack, only those run again, and
# the records, old and new, give the exact total.  Since a re-run repeats
# a part exactly, a record that still comes late (from a run that was
# interrupted, or from this script run twice at once) is an identical
# repeat, which sum-merge counts once.
#
# Environment:
#	RECS	the records file (default: a temporary one, removed at the
#		end); run again with the same RECS to resume a run that was
#		interrupted, its records count.  The plan is kept beside it,
#		in RECS.plan
#	ROUNDS	resumes at most (default 3); after that sum-merge names
#		what is still missing and exits 3
set -eu

# --help prints this file's opening comment, which is its usage.
case ${1-} in
-h | --help)
	sed -n '2,/^set -eu$/{/^set -eu$/d;s/^# \{0,1\}//;p;}' "$0"
	exit 0
	;;
esac

PATH="${RANGETOOLS_BIN:-$(dirname "$0")/../bin}:$PATH"

start=${1:-0}
end=${2:-1e8}
parts=${3:-4}
jobs=${4:-2}
rounds=${ROUNDS:-3}

if [ -n "${RECS:-}" ]; then
	recs=$RECS
	touch "$recs"
else
	recs=$(mktemp "${TMPDIR:-/tmp}/rangetools-recs.XXXXXX")
	trap 'rm -f "$recs" "$recs.plan"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
fi

# run: "start end" lines in, records appended to $recs; returns once every
# worker has ended.  (xargs' own status says a part failed: the records
# say which, so it is not an error here.)
run() {
	xargs -P "$jobs" -L 1 sh -c 'range-sum -t -- "$@" || exit 1' sh \
		>>"$recs" || true
}

plan=$recs.plan
[ -s "$plan" ] || range-split -n "$parts" -- "$start" "$end" >"$plan"
[ -s "$recs" ] || run <"$plan"
round=0
while [ "$round" -lt "$rounds" ] &&
	missing=$(sum-merge --expect "$start" "$end" --missing --plan "$plan" \
		"$recs") &&
	[ -n "$missing" ]; do
	echo "$0: running again: $(printf '%s' "$missing" | tr '\n' ' ')" >&2
	printf '%s\n' "$missing" | run
	round=$((round + 1))
done
sum-merge --expect "$start" "$end" "$recs"
