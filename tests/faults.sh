#!/bin/bash
# tests/faults.sh: seeded random pipelines under injected failures (make
# faults).
#
# Each trial sums a random range [A, B) through a random pipeline:
#   threads  range-sum --threads K A B
#   procs    range-sum --procs K A B
#   pipe     range-split -n K A B | range-sum -t | sum-merge --expect A B
#   file     range-sum -t (each part) > recs; sum-merge --expect A B recs
#   mq       range-sum --mq Q (each part); range-sum --mq Q --stop;
#            sum-merge --mq Q --expect A B
#   shm      range-sum --shm T (each part); sum-merge --shm T --expect A B
# and makes one of its commands, drawn at random, fail at one injection
# point: libfiu's fiu-run fails fopen, read, write, mmap, fork, malloc,
# calloc or realloc with a random probability; tests/inject.so fails the
# Nth call, or calls at random from the trial's seed, of mq_open, mq_send,
# mq_receive, shm_open, pthread_create or posix_fallocate.  A trial in
# eight injects nothing, to show the pipeline itself passes.  Every
# command runs under timeout(1).  Then it checks:
#   total     a number on the last stage's stdout is the exact sum;
#   crash     no command died of a signal (none is injected here);
#   hang      no command was stopped by the timeout;
#   message   every stderr line starts with the program's name and says
#             more than an error string: it names the operation or the
#             object (a line that is only "range-sum: Cannot allocate
#             memory" fails), and a failed trial has at least one;
#   clean     a trial with nothing injected fails nowhere;
#   leftover  the trial's queue and table are gone, no /dev/shm segment of
#             range-sum --procs whose owner is gone appeared, and the
#             trial's TMPDIR holds nothing but the files sum-merge said it
#             kept.
# It prints one line per trial that breaks a check (with the seed that
# repeats it), the counts per injection point, and a summary line; it
# exits 1 if any check broke.
#
#	FAULT_TRIALS=N (200)  FAULT_SEED=S (random)  FAULT_TIMEOUT=SECONDS (30)
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bin=${RANGETOOLS_BIN:-$repo/bin}
lib=$here/inject.so
probe=$here/ipc-probe
trials=${FAULT_TRIALS:-200}
seed=${FAULT_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
limit=${FAULT_TIMEOUT:-30}
export PATH="$bin:/usr/sbin:/usr/bin:/sbin:/bin" LC_ALL=C

for need in fiu-run:fiu-utils timeout:coreutils python3:python3; do
	command -v "${need%%:*}" >/dev/null || {
		echo "make faults: needs ${need%%:*} (Debian ${need#*:});" \
		    "as root: apt-get install ${need#*:}" >&2
		exit 1
	}
done
for f in "$bin/range-split" "$bin/range-sum" "$bin/sum-merge" "$lib" "$probe"; do
	[ -x "$f" ] || [ -f "$f" ] || {
		echo "make faults: no $f: run make first" >&2
		exit 1
	}
done

work=$(mktemp -d "${TMPDIR:-/tmp}/rt-faults.XXXXXX")
[ -n "${FAULT_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
# The programs and the library as they are now: a rebuild during the
# run must not pull them from under a trial.
mkdir "$work/bin"
cp "$bin/range-split" "$bin/range-sum" "$bin/sum-merge" "$lib" "$work/bin/"
bin=$work/bin
lib=$bin/inject.so
export PATH="$bin:$PATH"
# What each error string reads, so that a line made of one is caught.
python3 -c 'import os
for e in range(1, 134): print(os.strerror(e))' >"$work/strerror"

fiu_points=(posix/stdio/oc/fopen posix/io/rw/read posix/io/rw/write
	posix/mm/mmap posix/proc/fork libc/mm/malloc libc/mm/calloc
	libc/mm/realloc)
lib_points=(mq_open mq_send mq_receive shm_open pthread_create
	posix_fallocate)
kinds=(threads procs pipe file mq shm)
# The points each pipeline reaches (the others would fire nowhere).
declare -A reach=(
	[threads]="pthread_create libc/mm/calloc libc/mm/malloc posix/io/rw/write"
	[procs]="posix/proc/fork posix/mm/mmap shm_open posix_fallocate libc/mm/calloc"
	[pipe]="posix/io/rw/read libc/mm/calloc libc/mm/malloc libc/mm/realloc"
	[file]="posix/stdio/oc/fopen posix/io/rw/read posix/mm/mmap libc/mm/realloc libc/mm/calloc"
	[mq]="mq_open mq_send mq_receive libc/mm/malloc libc/mm/calloc libc/mm/realloc"
	[shm]="shm_open posix_fallocate posix/mm/mmap libc/mm/malloc libc/mm/calloc libc/mm/realloc"
)
declare -A fired tried failed
bad_total=0 crashes=0 hangs=0 leftovers=0 unnamed=0 broken=0 kept_ipc=0
unprovoked=0

# pick N: a number in [0, N) from bash's generator, seeded per trial.
pick() {
	echo $((RANDOM % $1))
}

# wrap: the injection for the command it lands on, as a prefix.
wrap() {
	if [ "$point" = none ]; then
		:
	elif [[ $point == */* ]]; then
		printf 'fiu-run -x -f "" -c "enable_random name=%s,probability=%s" ' \
		    "$point" "$prob"
	else
		printf 'env RT_INJECT=%s RT_INJECT_SEED=%s RT_INJECT_LOG=%s LD_PRELOAD=%s ' \
		    "$spec" "$tseed" "$dir/log" "$lib"
	fi
}

# cmd I COMMAND...: the Ith command of the trial, injected if it is the
# one drawn, under timeout; its status goes to $dir/st.I, its stderr to
# $dir/err.I.
cmd() {
	local i=$1 pre=""
	shift
	[ "$i" -ne "$target" ] || pre=$(wrap)
	echo "timeout -k 2 $limit $pre$* 2>\"$dir/err.$i\"; echo \$? >\"$dir/st.$i\""
}

# parts K: K parts of [A, B) as "start end" lines.
parts() {
	range-split -n "$1" "$A" "$B"
}

# script: the trial's pipeline as a bash script; ncmds: how many commands.
script() {
	local k=$K i=0 s e
	case $kind in
	threads)
		cmd 0 range-sum --threads "$k" "$A" "$B" ;;
	procs)
		cmd 0 range-sum --procs "$k" "$A" "$B" ;;
	pipe)
		echo "{ $(cmd 0 range-split -n "$k" "$A" "$B"); } |"
		echo "{ $(cmd 1 range-sum -t); } |"
		echo "{ $(cmd 2 sum-merge --expect "$A" "$B"); }" ;;
	file)
		echo ": >\"$dir/recs\""
		while read -r s e; do
			echo "{ $(cmd $i range-sum -t "$s" "$e"); } >>\"$dir/recs\""
			i=$((i + 1))
		done < <(parts "$k")
		cmd $i sum-merge --expect "$A" "$B" "$dir/recs" ;;
	mq)
		while read -r s e; do
			cmd $i range-sum --mq "$Q" "$s" "$e"
			i=$((i + 1))
		done < <(parts "$k")
		cmd $i range-sum --mq "$Q" --stop
		cmd $((i + 1)) sum-merge --mq "$Q" --timeout 3 --expect "$A" "$B" ;;
	shm)
		while read -r s e; do
			cmd $i range-sum --shm "$T" "$s" "$e"
			i=$((i + 1))
		done < <(parts "$k")
		cmd $i sum-merge --shm "$T" --expect "$A" "$B" ;;
	esac
}

ncmds() {
	case $kind in
	threads | procs) echo 1 ;;
	pipe) echo 3 ;;
	file | shm) echo $((nparts + 1)) ;;
	mq) echo $((nparts + 2)) ;;
	esac
}

# problem WHAT TEXT: one broken check of this trial.
problem() {
	echo "faults: trial $t (FAULT_SEED=$seed, trial seed $tseed):" \
	    "$kind K=$K [$A, $B) $point${spec:+ $spec}${prob:+ p=$prob}" \
	    "on command $target: $1: $2"
	broken=$((broken + 1))
}

# shm_segments: the names in /dev/shm of range-sum --procs' segments.
shm_segments() {
	ls /dev/shm 2>/dev/null | grep '^range-sum\.[0-9]*\.[0-9]*$' | sort
}

# resume mq|shm NAME: sum-merge run again on NAME prints the exact total
# or names a gap (status 3), and removes it.
resume() {
	local how=--$1 out st=0 extra=()
	[ "$1" = shm ] || extra=(--timeout 1)
	out=$(cd "$dir/tmp" && TMPDIR=$dir/tmp timeout -k 2 "$limit" sum-merge \
	    "$how" "$2" "${extra[@]}" --expect "$A" "$B" 2>/dev/null) || st=$?
	rm -f "$dir"/tmp/sum-merge.*
	if [ "$st" -eq 0 ] && [ "$out" = "$want" ] ||
	    { [ "$st" -eq 3 ] && [ -z "$out" ] && [ "$producers_ok" -eq 0 ]; }; then
		"$probe" "$1" "$2" >/dev/null 2>&1
		[ $? -eq 1 ] && kept_ipc=$((kept_ipc + 1)) && return 0
	fi
	problem resume "sum-merge $how $2 again: status $st, '$out'"
	return 1
}

check() {
	local i n st out want failing=0 line body kept="" f seg pid
	producers_ok=1
	n=$(ncmds)
	want=$(((A + B - 1) * (B - A) / 2))
	[ "$B" -gt "$A" ] || want=0
	out=$(cat "$dir/out")
	if [ -n "$out" ] && [ "$out" != "$want" ]; then
		problem total "printed $out, the sum is $want"
		bad_total=$((bad_total + 1))
	fi
	for ((i = 0; i < n; i++)); do
		st=$(cat "$dir/st.$i" 2>/dev/null) || st=0
		if [ "$st" -eq 124 ] || [ "$st" -eq 137 ]; then
			problem hang "command $i stopped after $limit s"
			hangs=$((hangs + 1))
		elif [ "$st" -eq 141 ] && [ "$kind" = pipe ]; then
			# SIGPIPE: the next stage failed and is gone.
			:
		elif [ "$st" -gt 128 ]; then
			problem crash "command $i died of signal $((st - 128))"
			crashes=$((crashes + 1))
		fi
		[ "$st" -eq 0 ] || failing=1
		# Every command but the last makes records.
		[ "$st" -eq 0 ] || [ "$i" -eq $((n - 1)) ] || producers_ok=0
		while IFS= read -r line; do
			case $line in
			range-split:* | range-sum:* | sum-merge:*)
				body=${line#*: } ;;
			*)
				body="" ;;
			esac
			if [ -z "$body" ] || grep -qxF -- "$body" "$work/strerror"; then
				problem message "command $i: '$line'"
				unnamed=$((unnamed + 1))
			fi
			if [[ $line =~ kept\ in\ ([^ ]*) ]]; then
				kept+=" ${BASH_REMATCH[1]%[.;,]}"
			fi
		done <"$dir/err.$i"
	done
	if [ "$failing" -eq 1 ] && [ -z "$(cat "$dir"/err.* 2>/dev/null)" ]; then
		problem message "a command failed and no line says why"
		unnamed=$((unnamed + 1))
	fi
	[ "$failing" -eq 0 ] || failed[$point]=$((${failed[$point]:-0} + 1))
	if [ "$failing" -eq 1 ] && [ "$point" = none ]; then
		problem unprovoked "a command failed with nothing injected: $(
		    cat "$dir"/err.* | head -3)"
		unprovoked=$((unprovoked + 1))
	fi
	[ ! -s "$dir/log" ] || fired[$point]=$((${fired[$point]:-0} + 1))
	# Leftovers.  A queue or table still there after a consumer that
	# failed before it took anything holds the producers' records, as
	# before sum-merge ran: a sum-merge run again must then add them up
	# exactly (or name the gap, if a producer failed) and remove it.
	# One that lost records on the way is left behind.
	for name in "$Q" "$T"; do
		for kind_ in mq shm; do
			st=0
			"$probe" "$kind_" "$name" >/dev/null 2>&1 || st=$?
			[ "$st" -ne 1 ] || continue
			resume "$kind_" "$name" && continue
			problem leftover "$kind_ $name is still there"
			leftovers=$((leftovers + 1))
		done
	done
	for seg in $(comm -13 "$work/before" <(shm_segments)); do
		pid=${seg#range-sum.}
		pid=${pid%%.*}
		kill -0 "$pid" 2>/dev/null && continue
		problem leftover "/dev/shm/$seg, of a process that is gone"
		leftovers=$((leftovers + 1))
		rm -f "/dev/shm/$seg"
	done
	for f in "$dir"/tmp/*; do
		[ -e "$f" ] || continue
		[[ " $kept " == *" $f "* ]] && continue
		problem leftover "$f"
		leftovers=$((leftovers + 1))
	done
}

echo "faults: $trials trials, FAULT_SEED=$seed, each command bounded by" \
    "${limit} s"
for ((t = 1; t <= trials; t++)); do
	RANDOM=$((seed * 7919 + t))
	tseed=$((seed * 100003 + t))
	dir=$work/t$t
	mkdir -p "$dir/tmp"
	: >"$dir/out"
	kind=${kinds[$(pick ${#kinds[@]})]}
	K=$(($(pick 4) + 1))
	A=$(($(pick 1000) * $(pick 1000)))
	B=$((A + $(pick 100000) * $(pick 100) + $(pick 2)))
	# sum-merge --shm with no producer at all finds no table: an error.
	[ "$kind" != shm ] || [ "$B" -gt "$A" ] || B=$((A + 1))
	Q=/rt-faults-$$-$t-q
	T=/rt-faults-$$-$t-t
	spec="" prob=""
	read -ra points <<<"${reach[$kind]}"
	point=${points[$(pick ${#points[@]})]}
	if [ "$(pick 8)" -eq 0 ]; then
		point=none
	elif [[ $point == */* ]]; then
		prob=0.$(($(pick 9) + 1))
	else
		if [ "$(pick 2)" -eq 0 ]; then
			spec="$point:$(($(pick 4) + 1))"
		else
			spec="$point:%$(($(pick 60) + 10))"
		fi
	fi
	tried[$point]=$((${tried[$point]:-0} + 1))
	nparts=$(parts "$K" | wc -l)
	target=$(pick "$(ncmds)")
	shm_segments >"$work/before"
	script >"$dir/script"
	(cd "$dir" && TMPDIR=$dir/tmp bash "$dir/script" >"$dir/out" 2>/dev/null)
	check
	[ -n "${FAULT_KEEP:-}" ] || rm -rf "$dir"
	{ "$probe" mq "$Q" || "$probe" shm "$T"; } >/dev/null 2>&1 &&
	    python3 - "$Q" "$T" <<'PY'
import ctypes, sys
rt = ctypes.CDLL("librt.so.1")
for n in sys.argv[1:]:
    rt.mq_unlink(n.encode()); rt.shm_unlink(n.encode())
PY
	[ $((t % 100)) -ne 0 ] || echo "faults: $t trials"
done

# fired: trials where inject.so logged a failure (fiu-run keeps no log);
# failed: trials where a command exited non-zero.
printf '%-22s %6s %6s %6s\n' "injection point" trials fired failed
for point in none "${fiu_points[@]}" "${lib_points[@]}"; do
	f=${fired[$point]:-0}
	[[ $point != */* ]] || f=-
	printf '%-22s %6d %6s %6d\n' "$point" "${tried[$point]:-0}" "$f" \
	    "${failed[$point]:-0}"
done
echo "faults: $trials trials (FAULT_SEED=$seed): $bad_total wrong totals," \
    "$crashes crashes, $hangs hangs, $leftovers leftovers," \
    "$unprovoked failures with nothing injected," \
    "$unnamed messages naming neither operation nor object;" \
    "$kept_ipc queues or tables left to a consumer that failed before" \
    "reaching them, each summed again exactly or its gap named"
[ "$broken" -eq 0 ]
