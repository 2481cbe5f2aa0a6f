#!/bin/bash
# lifecycle.sh: random runs over queues and tables under reused names, as
# rangetools(7) "One run per queue or table" promises them: random orders
# of producers, STOPs and readers, producers and readers killed with
# SIGINT, SIGTERM or SIGKILL, second readers, late producers and late
# STOPs.  Each run's total is exact or refused, never wrong; no process
# outlives its bound; nothing is left behind that the rules do not name.
#
#	LIFECYCLE_RUNS=2000 LIFECYCLE_SEED=7 bash tests/lifecycle.sh
#
# Prints the counts per kind of event and outcome; exits 1 on any wrong
# total, stranded process or leftover.
set -u
RUNS=${LIFECYCLE_RUNS:-40}
SEED=${LIFECYCLE_SEED:-$$}
BOUND=${LIFECYCLE_BOUND:-30} # seconds any one process may take
TIMEOUT=${LIFECYCLE_TIMEOUT:-3s} # a reader's --timeout: a SIGKILLed producer's bound
RANDOM=$SEED
repo=$(cd "$(dirname "$0")/.." && pwd)
PATH="${RANGETOOLS_BIN:-$repo/bin}:$PATH"
PROBE=$repo/tests/ipc-probe
tmp=$(mktemp -d)
names=(/rtl-$$-a /rtl-$$-b)
declare -A n dirty
wrong=0 stranded=0 leftovers=0

note() { n[$1]=$((${n[$1]:-0} + 1)); }
# Draws are made in this shell: a $(...) subshell's would not advance
# RANDOM here, and a seed would not repeat a run.
sigs=(INT TERM KILL)

cleanup() {
	local p
	for p in $(jobs -p); do kill -KILL "$p" 2>/dev/null; done
	python3 - "${names[@]}" <<'PY'
import ctypes, ctypes.util, sys
rt = ctypes.CDLL(ctypes.util.find_library("rt") or "librt.so.1")
for name in sys.argv[1:]:
    rt.mq_unlink(name.encode())
    rt.shm_unlink(name.encode())
PY
	rm -rf "$tmp"
}
trap cleanup EXIT

# bounded PID: waits for PID at most BOUND s; its status, or 254 if it
# had to be killed (a stranded process).
bounded() {
	local i
	for ((i = 0; i < BOUND * 50; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.02
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1" 2>/dev/null
		stranded=$((stranded + 1))
		echo "lifecycle: run $run ($what): pid $1 stranded" >&2
	fi
	wait "$1" 2>/dev/null
}

# holds PID NAME: PID has the queue or table NAME open (a table mapped).
holds() {
	local f
	grep -q " /dev/shm$2\( (deleted)\)\?\$" /proc/"$1"/maps 2>/dev/null && return 0
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f" 2>/dev/null) in
		"$2" | "/dev/shm$2") return 0 ;;
		esac
	done
	return 1
}

# joined_or_gone PID NAME: PID holds NAME open, or has ended.
joined_or_gone() { holds "$1" "$2" || ! kill -0 "$1" 2>/dev/null; }
# marked_or_gone PID NAME: the reader PID has marked NAME read, or ended.
marked_or_gone() { marked "$2" || ! kill -0 "$1" 2>/dev/null; }

until_true() { # at most BOUND s
	local i
	for ((i = 0; i < BOUND * 100; i++)); do
		"$@" && return 0
		sleep 0.01
	done
	return 1
}

exists() { # KIND NAME
	if [ "$1" = mq ]; then
		"$PROBE" mq "$2" >/dev/null 2>&1
	else
		[ -e "/dev/shm$2" ]
	fi
}
marked() { [ "$("$PROBE" mq-stat "$1" 2>/dev/null | cut -d ' ' -f 4)" = 0700 ]; }

# fifo_producer KIND NAME FD: a producer that has joined and waits for
# its line on FD; sets fp (its pid).
fifo_producer() {
	local ff=$tmp/in.$RANDOM.$run
	mkfifo "$ff"
	range-sum "--$1" "$2" <"$ff" >/dev/null 2>>"$tmp/perr" &
	fp=$!
	eval "exec $3>\"\$ff\""
	until_true joined_or_gone "$fp" "$2" || true
}

# The reader's verdict: exit 0 must print the exact total.
judge() { # STATUS OUTFILE EXPECTED
	if [ "$1" -eq 0 ]; then
		if [ "$(cat "$2")" = "$3" ]; then note exact; else
			wrong=$((wrong + 1))
			echo "lifecycle: run $run ($what): printed $(cat "$2"), want $3" >&2
			tail -n 5 "$tmp/rerr" "$tmp/perr" >&2
		fi
	else
		note refused
	fi
}

# late_producer joined|after KIND NAME PID: a producer after its reader
# ended: the one that joined before (PID, waiting on fd 8) gets its line,
# or a new one starts.  Either may begin the next run (rangetools(7)).
late_producer() {
	local st
	if [ "$1" = joined ]; then
		echo "0 10" >&8
		exec 8>&-
		st=0 && bounded "$4" || st=$?
		[ "$st" -ne 0 ] || { dirty[$3]=1; note late-joined-delivered; }
	else
		note late-producer-after
		range-sum "--$2" "$3" 0 10 2>>"$tmp/perr" || true
		dirty[$3]=1 # the next run's, by the rules
	fi
}

queue_run() {
	local q=$1 parts=$(($((RANDOM % 6)) + 1)) size=$(($((RANDOM % 9)) * 1000 + 1000))
	local end=$((parts * size)) want order ending args=() r r2= st i
	local kp=-1 kr= late= ks lp=
	want=$((end * (end - 1) / 2))
	local orders=(reader producers) endings=(expect count stop)
	local lates=(joined after stop)
	order=${orders[RANDOM % 2]}
	ending=${endings[RANDOM % 3]}
	# A name a run may have left records in gets --expect (rangetools(7)),
	# and its reader first: those records and this run's might fill the
	# queue's 10 places before a reader comes.
	[ -z "${dirty[$q]:-}" ] || { ending=expect; order=reader; }
	case $ending in
	expect) args=(--expect 0 "$end") ;;
	count) args=(--count "$parts") ;;
	esac
	[ "$((RANDOM % 4))" -ne 0 ] || kp=$((RANDOM % parts))
	ks=${sigs[RANDOM % 3]}
	# A producer killed with SIGKILL cannot tell its reader: only --expect
	# or --count can find its part missing (rangetools(7)).
	if [ "$kp" -ge 0 ] && [ "$ks" = KILL ] && [ "$ending" = stop ]; then
		ending=expect args=(--expect 0 "$end")
	fi
	[ "$order" = reader ] && [ "$((RANDOM % 5))" -eq 0 ] && kr=${sigs[RANDOM % 3]}
	[ "$((RANDOM % 4))" -ne 0 ] || late=${lates[RANDOM % 3]}
	what="queue $order $ending${kp/#-1/}${kr:+ kill-reader-$kr}${late:+ late-$late}"
	note "queue-$order-$ending"
	dirty[$q]=
	: >"$tmp/out"
	if [ "$order" = reader ]; then
		sum-merge --mq "$q" "${args[@]}" --timeout "$TIMEOUT" >"$tmp/out" 2>>"$tmp/rerr" &
		r=$!
		until_true marked_or_gone "$r" "$q" || true
		if [ "$((RANDOM % 5))" -eq 0 ]; then
			note second-reader
			sum-merge --mq "$q" --timeout 1s >/dev/null 2>>"$tmp/rerr" &
			r2=$!
		fi
	fi
	[ "$late" = joined ] && fifo_producer mq "$q" 8 && lp=$fp && note late-producer-joined
	for ((i = 0; i < parts; i++)); do
		if [ "$i" -eq "$kp" ]; then
			note "producer-killed-$ks"
			fifo_producer mq "$q" 9
			kill -"$ks" "$fp"
			exec 9>&-
			bounded "$fp"
			continue
		fi
		range-sum --mq "$q" $((i * size)) $(((i + 1) * size)) 2>>"$tmp/perr"
		if [ -n "$kr" ] && [ "$i" -eq 0 ]; then
			note "reader-killed-$kr"
			kill -"$kr" "$r" 2>/dev/null
			bounded "$r"
			r=
			# Its producers that come now begin the next run, or (after
			# SIGKILL) find the reader gone.
			dirty[$q]=1
		fi
	done
	if [ "$ending" = stop ]; then
		range-sum --mq "$q" --stop 2>>"$tmp/perr"
		if [ "$order" = producers ] && [ "$((RANDOM % 3))" -eq 0 ]; then
			note second-stop
			range-sum --mq "$q" --stop 2>>"$tmp/perr"
		fi
	fi
	if [ "$order" = producers ]; then
		sum-merge --mq "$q" "${args[@]}" --timeout "$TIMEOUT" >"$tmp/out" 2>>"$tmp/rerr" &
		r=$!
	fi
	if [ -n "$r" ]; then
		st=0 && bounded "$r" || st=$?
		judge "$st" "$tmp/out" "$want"
		# A reader that ended early: the producers that came after it
		# began the next run (rangetools(7)).
		[ "$st" -eq 0 ] || dirty[$q]=1
	fi
	[ -z "$r2" ] || bounded "$r2" || true
	case $late in
	joined | after) late_producer "$late" mq "$q" "$lp" ;;
	stop)
		note late-stop
		range-sum --mq "$q" --stop 2>>"$tmp/perr" && dirty[$q]=1
		;;
	esac
	{ exec 8>&- 9>&-; } 2>/dev/null
}

table_run() {
	local t=$1 parts=$(($((RANDOM % 6)) + 1)) size=$(($((RANDOM % 9)) * 1000 + 1000))
	local end=$((parts * size)) want i s args=() late= st lp=
	want=$((end * (end - 1) / 2))
	local lates=(joined after)
	[ "$((RANDOM % 4))" -ne 0 ] || late=${lates[RANDOM % 2]}
	what="table${late:+ late-$late}"
	note table
	dirty[$t]=
	[ "$late" = joined ] && fifo_producer shm "$t" 8 && lp=$fp && note late-producer-joined
	local kp=-1
	[ "$((RANDOM % 4))" -ne 0 ] || kp=$((RANDOM % parts))
	for ((i = 0; i < parts; i++)); do
		if [ "$i" -eq "$kp" ]; then
			s=${sigs[RANDOM % 3]}
			note "producer-killed-$s"
			fifo_producer shm "$t" 9
			kill -"$s" "$fp"
			exec 9>&-
			bounded "$fp"
			args=(--expect 0 "$end") # a lost worker: --expect names it
			continue
		fi
		range-sum --shm "$t" $((i * size)) $(((i + 1) * size)) 2>>"$tmp/perr"
	done
	[ "$((RANDOM % 2))" -eq 0 ] && args=(--expect 0 "$end")
	[ -z "${dirty[$t]:-}" ] || args=(--expect 0 "$end")
	: >"$tmp/out"
	sum-merge --shm "$t" "${args[@]}" >"$tmp/out" 2>>"$tmp/rerr" &
	st=0 && bounded $! || st=$?
	judge "$st" "$tmp/out" "$want"
	[ -z "$late" ] || late_producer "$late" shm "$t" "$lp"
	{ exec 8>&- 9>&-; } 2>/dev/null
}

for ((run = 1; run <= RUNS; run++)); do
	: >"$tmp/rerr"
	: >"$tmp/perr"
	name=${names[$((RANDOM % 2))]}
	# Records carried from a run before can complete this one's --expect
	# early: then its own later producers begin the next run, by the rules.
	if [ "$((RANDOM % 3))" -eq 0 ]; then
		kind=shm obj=$name-t
		was_dirty=${dirty[$obj]:-}
		table_run "$obj"
	else
		kind=mq obj=$name-q
		was_dirty=${dirty[$obj]:-}
		queue_run "$obj"
	fi
	# What a run may leave by the rules: a next run's records (a late
	# producer, a reader killed), which that run refuses or counts
	# under --expect; anything else is a leftover.
	if exists "$kind" "$obj"; then
		if [ -n "${dirty[$obj]:-}" ] || [ -n "$was_dirty" ]; then
			note carried-to-next-run
			dirty[$obj]=1 # its next run gets --expect
		else
			leftovers=$((leftovers + 1))
			echo "lifecycle: run $run ($what): $obj left behind" >&2
			tail -n 5 "$tmp/rerr" "$tmp/perr" >&2
			dirty[$obj]=1
		fi
	fi
done
# The end: what the rules keep for a next run is read by one, and then
# nothing may be left.
for name in "${names[@]}"; do
	! exists mq "$name-q" || sum-merge --mq "$name-q" --timeout 0 >/dev/null 2>&1
	! exists shm "$name-t" || sum-merge --shm "$name-t" >/dev/null 2>&1
	for kind in mq shm; do
		obj=$name-$([ $kind = mq ] && echo q || echo t)
		if exists "$kind" "$obj"; then
			leftovers=$((leftovers + 1))
			echo "lifecycle: $obj left after its last reader" >&2
		fi
	done
done
echo "lifecycle: seed $SEED, $RUNS runs"
for k in $(printf '%s\n' "${!n[@]}" | sort); do
	printf 'lifecycle:   %-28s %d\n' "$k" "${n[$k]}"
done
echo "lifecycle: $wrong wrong, $stranded stranded, $leftovers leftovers"
[ "$wrong" -eq 0 ] && [ "$stranded" -eq 0 ] && [ "$leftovers" -eq 0 ]
