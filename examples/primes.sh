#!/bin/sh
# primes.sh: count the primes below N with any worker, here coreutils'
# factor(1), over xargs, GNU parallel or a Slurm job array, resumed until
# the count is exact.
#
#	examples/primes.sh [-m xargs|parallel|slurm] [-j jobs] [-n parts] N
#
# range-split cuts [0, N) into parts; a worker counts the primes of its
# part [s, e), `seq s e-1 | factor`, whose line for a prime p is "p: p",
# and prints the record "s e count".  No formula checks a count, so
# sum-merge --values adds them: a part that ran twice counts once, a
# part whose worker died is named by --missing --plan and run again, and
# a retry that counted differently is refused (exit 3), never added.
# pi(10^7) = 664579.
#
# Environment:
#	RECS	the records file (default: a temporary one, removed at the
#		end); run again with the same RECS to resume, its records
#		count.  The plan is kept beside it, in RECS.plan
#	ROUNDS	resumes at most (default 3); after that sum-merge names what
#		is still missing and exits 3
#	OUT	with -m slurm: a folder every node sees (default
#		./rangetools-primes)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
PATH="${RANGETOOLS_BIN:-$here/../bin}:$PATH"
export PATH
me=$here/$(basename "$0")

usage() {
	echo "usage: primes.sh [-m xargs|parallel|slurm] [-j jobs] [-n parts] N" >&2
	exit 2
}

# count S E: the record of [S, E), as any worker would print it.  The
# factor(1) line of a prime p is "p: p": two fields.  A factor that died
# part way would give a count too small: fewer lines than numbers is a
# failure, and no record.
count() {
	n=$(seq -- "$1" "$(($2 - 1))" | factor |
		awk -v want="$(($2 - $1))" 'NF == 2 { p++ }
		END { if (NR != want) exit 1; print p + 0 }') || return 1
	printf '%s %s %s\n' "$1" "$2" "$n"
}

case ${1:-} in
--worker) # one part
	shift
	count "$@"
	exit ;;
--slurm-task) # task K of the array: line K of the plan, into OUT
	line=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$OUT/plan")
	# shellcheck disable=SC2086
	count $line >"$OUT/$SLURM_ARRAY_TASK_ID.tmp"
	mv "$OUT/$SLURM_ARRAY_TASK_ID.tmp" "$OUT/$SLURM_ARRAY_TASK_ID.rec"
	exit 0 ;;
-h | --help)
	sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0 ;;
esac

mode=xargs jobs=2 parts=8
while getopts m:j:n: opt; do
	case $opt in
	m) mode=$OPTARG ;;
	j) jobs=$OPTARG ;;
	n) parts=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
case $1 in *[!0-9]* | '') echo "primes.sh: N: not a count: '$1'" >&2; exit 2 ;; esac
N=$1
rounds=${ROUNDS:-3}

if [ "$mode" = slurm ]; then
	OUT=${OUT:-rangetools-primes}
	mkdir -p "$OUT"
	OUT=$(cd "$OUT" && pwd)
	export OUT
	recs=$OUT/recs
	: >"$recs"
elif [ -n "${RECS:-}" ]; then
	recs=$RECS
	touch "$recs"
else
	recs=$(mktemp "${TMPDIR:-/tmp}/rangetools-primes.XXXXXX")
	trap 'rm -f "$recs" "$recs.plan"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
fi
plan=${OUT:+$OUT/plan}
plan=${plan:-$recs.plan}
[ -s "$plan" ] || range-split -i -n "$parts" 0 "$N" >"$plan"

# run: plan lines "index start end" in, records appended to $recs; returns
# once every worker has ended.  For xargs, a sh -c wrapper turns a
# worker's death by signal into exit status 1, so that xargs starts every
# part and waits for them all (rangetools(7), "Workers that die").
run() {
	case $mode in
	xargs)
		cut -d ' ' -f 2,3 | xargs -P "$jobs" -L 1 \
			sh -c '"$0" --worker "$@" || exit 1' "$me" \
			>>"$recs" || true ;;
	parallel)
		parallel -j "$jobs" --colsep ' ' "$me" --worker {2} {3} \
			>>"$recs" || true ;;
	slurm)
		sbatch --wait --quiet --requeue --export=ALL \
			--array="$(cut -d ' ' -f 1 | paste -sd, -)" \
			"$me" --slurm-task ||
			echo "primes.sh: some tasks of the array failed" >&2
		find "$OUT" -name '*.rec' -exec cat {} + >"$recs" ;;
	*) usage ;;
	esac
}

[ -s "$recs" ] || run <"$plan"
round=0
while [ "$round" -lt "$rounds" ] &&
	missing=$(sum-merge --values --expect 0 "$N" --missing --plan "$plan" \
		"$recs") &&
	[ -n "$missing" ]; do
	echo "primes.sh: running again: $(printf '%s' "$missing" |
		cut -d ' ' -f 2,3 | tr '\n' ' ')" >&2
	printf '%s\n' "$missing" | run
	round=$((round + 1))
done
sum-merge --values --expect 0 "$N" "$recs"
