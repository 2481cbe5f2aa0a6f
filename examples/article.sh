#!/bin/bash
# article.sh: the article's experiment on this machine (make demo).
#
#	examples/article.sh [end [python_end]]
#
# Sums [0, end) the article's ways -- one thread, two threads under a GIL,
# two processes -- plus what C adds: two threads without a GIL, and the
# two processes as a shell pipeline.  Prints one row per way: workers,
# wall-clock and CPU seconds, and the speed-up against one thread.  When
# python3 is there, examples/article.py runs the article's own Python
# programs on [0, python_end) and their figures stand beside ours.
#
# Our loop adds from about 10 to 30 integers a nanosecond, depending on
# the CPU and its vector width, where CPython adds one in about 28, so the
# C range is longer than the article's 0..1e8 (Python's default here):
# long enough that starting threads and processes costs next to nothing.
# Without an end, it is sized to this CPU: a short timed run (range-sum
# --stats) gives one thread's rate, and the range is what one thread sums
# in about 2 s, so that the whole demo takes about half a minute anywhere
# (an empty end sizes it too; RANGETOOLS_DEMO_SECONDS=s for s seconds).
set -eu -o pipefail

here=$(dirname "$0")
PATH="${RANGETOOLS_BIN:-$here/../bin}:$PATH"

# size_range SECONDS: prints "END KERNEL RATE": the end of the range
# [0, END) one thread sums in about SECONDS here, in the MeK shorthand
# with two significant digits, the kernel range-sum runs and its integers
# per CPU ns.  Its trial runs grow tenfold until one takes 0.2 s of CPU.
size_range() {
	local secs=$1 n=8 stats
	while :; do
		stats=$(range-sum --stats 0 "1e$n" 2>&1 >/dev/null | tail -n 1)
		# range-sum: kernel K: N integers, cpu C s, R integers/ns
		# shellcheck disable=SC2086
		set -- $stats
		if [ "$#" -ne 10 ]; then
			n=$((n + 1)) # too fast to time
		elif [ "$n" -ge 11 ] || awk -v c="$7" 'BEGIN { exit !(c >= 0.2) }'; then
			break
		else
			n=$((n + 1))
		fi
		if [ "$n" -gt 12 ]; then
			echo "article.sh: cannot time range-sum: $stats" >&2
			return 1
		fi
	done
	awk -v r="$9" -v s="$secs" -v k="${3%:}" 'BEGIN {
		x = r * s * 1e9
		if (x < 1e6)
			x = 1e6
		for (e = 0; x >= 100; e++)
			x /= 10
		printf "%de%d %s %s\n", int(x + 0.5), e, k, r
	}' /dev/null
}

if [ -n "${1:-}" ]; then
	end=$1
else
	secs=${RANGETOOLS_DEMO_SECONDS:-2}
	sized=$(size_range "$secs")
	read -r end kernel rate <<<"$sized"
	echo "Sized for this CPU: one thread sums [0, $end) in about $secs s" \
	    "(kernel $kernel, $rate integers/ns; examples/article.sh END to choose)."
fi
pyend=${2:-1e8}
tmp=$(mktemp -d)
# A failed queue row may leave its queue: sum-merge drains and removes it.
# The trap keeps the script's exit status.
trap 'st=$?; rm -rf "$tmp"
    [ -z "${q:-}" ] || sum-merge --mq "$q" --timeout 0 >/dev/null 2>&1 || :
    exit $st' EXIT

# row KEY WORKERS COMMAND: runs the shell command COMMAND and appends
# "KEY WORKERS wall cpu sum" to $tmp/c.  CPU time is user + system of
# every process the command ran, as bash's `time` counts it.
row() {
	local real user sys
	TIMEFORMAT='%R %U %S'
	if ! { time eval "$3" >"$tmp/out"; } 2>"$tmp/time"; then
		echo "article.sh: failed: $3" >&2
		return 1
	fi
	read -r real user sys <"$tmp/time"
	echo "$1 $2 $real $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $(cat "$tmp/out")" \
	    >>"$tmp/c"
}

q="/article-$$"
# Other jobs holding the cores hide every speed-up: note the load first.
load=$(cut -d ' ' -f 1 /proc/loadavg 2>/dev/null || echo 0)

row thread 1 "range-sum 0 $end"
row gil 2 "range-sum --threads 2 --gil 0 $end"
row threads 2 "range-sum --threads 2 0 $end"
row procs 2 "range-sum --procs 2 0 $end"
row xargs 2 "range-split -n 2 0 $end |
    xargs -P 2 -L 1 range-sum -t | sum-merge --expect 0 $end"
# The article's Queue: the workers put their records on a POSIX message
# queue and are joined (xargs returns), 'STOP' goes on the queue, and the
# consumer drains it up to STOP, checks coverage and removes the queue.
row mq 2 "range-split -n 2 0 $end |
    xargs -P 2 -L 1 range-sum --mq $q && range-sum --mq $q --stop &&
    sum-merge --mq $q --expect 0 $end --timeout 60s"

if command -v python3 >/dev/null; then
	python3 "$here/article.py" "$pyend" >"$tmp/py"
	pyversion=$(python3 -c 'import platform; print(platform.python_version())')
else
	: >"$tmp/py"
fi

# check_sums FILE WANT WHO: every row of FILE found the sum WANT.
check_sums() {
	local key workers real cpu sum
	while read -r key workers real cpu sum; do
		if [ "$sum" != "$2" ]; then
			echo "article.sh: $3$key summed $sum, not $2" >&2
			exit 1
		fi
	done <"$1"
}

# Every way must have found the same, exact sum.
want=$(range-sum --method formula 0 "$end")
check_sums "$tmp/c" "$want" ""
if [ -s "$tmp/py" ]; then
	pywant=$(range-sum --method formula 0 "$pyend")
	check_sums "$tmp/py" "$pywant" "Python's "
fi

cores=$(nproc)
echo "The article's experiment on this machine ($cores cores)."
if awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l > c) }'; then
	echo "Note: load average $load on $cores cores; other jobs hold the" \
	    "CPUs, so the speed-ups below are not what this machine can do."
fi
echo "rangetools sums [0, $end) = $want"
if [ -s "$tmp/py" ]; then
	echo "Python $pyversion sums [0, $pyend) = $pywant (examples/article.py)"
else
	echo "(no python3 here: no Python column)"
fi
echo
# The Python rows stand beside their C counterparts: its two threads
# beside --gil, its two processes and Queue beside --procs.
awk -v py="$tmp/py" '
BEGIN {
	label["thread"] = "1 thread"
	label["gil"] = "2 threads, GIL (--gil)"
	label["threads"] = "2 threads, no GIL"
	label["procs"] = "2 processes (--procs)"
	label["xargs"] = "2 processes, xargs|pipe"
	label["mq"] = "2 processes, xargs|mqueue"
	pykey["threads"] = "gil"
	pykey["thread"] = "thread"
	pykey["processes"] = "procs"
	while ((getline line < py) > 0) {
		split(line, f, " ")
		k = pykey[f[1]]
		pywall[k] = f[3]
		pycpu[k] = f[4]
		if (f[1] == "thread")
			pybase = f[3]
		havepy = 1
	}
	printf "%-26s %7s %8s %8s %8s", "", "", "rangetools", "", ""
	if (havepy)
		printf "   %8s %8s %8s", "Python", "", ""
	printf "\n%-26s %7s %8s %8s %8s", "mode", "workers", "wall s",
	    "CPU s", "speedup"
	if (havepy)
		printf "   %8s %8s %8s", "wall s", "CPU s", "speedup"
	printf "\n"
}
{
	if (NR == 1)
		base = $3
	printf "%-26s %7d %8.3f %8.3f %7.2fx", label[$1], $2, $3, $4,
	    base / $3
	if (havepy && ($1 in pywall))
		printf "   %8.3f %8.3f %7.2fx", pywall[$1], pycpu[$1],
		    pybase / pywall[$1]
	else if (havepy)
		printf "   %8s %8s %8s", "-", "-", "-"
	printf "\n"
}' "$tmp/c"

# A free-threaded CPython (PEP 703), when there is one: the article's
# programs with the GIL switched off (PYTHON_GIL=0), its two threads
# finally faster than one.  PYTHON_FT names one; else the one `make
# python-ft` built into its cache (RANGETOOLS_PYTHON_FT_CACHE, default
# ~/.cache/rangetools/python-ft); else the first of python3.14t and
# python3.13t on PATH.  Without one, or when it fails, its rows are
# skipped with the reason: the demo goes on.  Cron and services may run
# this with no HOME: then there is no cache to look in.
cachehome=${XDG_CACHE_HOME:-${HOME:+$HOME/.cache}}
ftcache=${RANGETOOLS_PYTHON_FT_CACHE:-${cachehome:+$cachehome/rangetools/python-ft}}
ft=${PYTHON_FT:-}
if [ -z "$ft" ] && [ -n "$ftcache" ]; then
	for p in "$ftcache"/bin/python3.*t; do
		[ -x "$p" ] && ft=$p && break
	done
fi
[ -n "$ft" ] || ft=$(command -v python3.14t || command -v python3.13t || :)
echo
if [ -z "$ft" ] && [ -n "$ftcache" ] && [ -s "$ftcache/failed" ]; then
	echo "(no free-threaded Python: make python-ft failed:" \
	    "$(tail -n 1 "$ftcache/failed"))"
elif [ -z "$ft" ] && [ -z "$ftcache" ]; then
	echo "(no free-threaded Python: no HOME for make python-ft's cache;" \
	    "PYTHON_FT=path names one)"
elif [ -z "$ft" ]; then
	echo "(no free-threaded Python: make python-ft builds one into" \
	    "$ftcache; or PYTHON_FT=path)"
elif ! PYTHON_GIL=0 "$ft" -c \
    'import sys; sys.exit(sys._is_gil_enabled())' 2>/dev/null; then
	echo "($ft is not a free-threaded Python: no rows without the GIL)"
elif ! PYTHON_GIL=0 "$ft" "$here/article.py" "$pyend" >"$tmp/ft" \
    2>"$tmp/fterr"; then
	echo "(free-threaded rows skipped: $ft failed:" \
	    "$(tail -n 1 "$tmp/fterr"))"
else
	check_sums "$tmp/ft" "$(range-sum --method formula 0 "$pyend")" \
	    "free-threaded Python's "
	# For .ci/run's check of these rows (tests/python-ft-check.sh).
	[ -z "${RANGETOOLS_DEMO_FT_ROWS:-}" ] ||
		cp "$tmp/ft" "$RANGETOOLS_DEMO_FT_ROWS"
	echo "Free-threaded Python $(PYTHON_GIL=0 "$ft" -c \
	    'import platform; print(platform.python_version())')" \
	    "($ft, PYTHON_GIL=0) sums [0, $pyend):"
	awk '
	BEGIN {
		label["thread"] = "1 thread"
		label["threads"] = "2 threads, no GIL"
		label["processes"] = "2 processes"
	}
	NR == 1 { base = $3 }
	{
		printf "%-26s %7d %8.3f %8.3f %7.2fx\n", label[$1], $2, $3, $4,
		    base / $3
	}' "$tmp/ft"
	# One thread's cost of running without the GIL, against python3
	# with its GIL (another version too: 3.11 against 3.13 on Debian 12).
	if [ -s "$tmp/py" ]; then
		awk -v v="$pyversion" 'NR == FNR && $1 == "thread" { g = $3 }
		NR != FNR && $1 == "thread" { t = $3 }
		END {
			if (g > 0)
				printf "One thread takes %.2fx the time of Python %s " \
				    "with its GIL (%+.0f%%).\n", t / g, v,
				    100 * (t / g - 1)
		}' "$tmp/py" "$tmp/ft"
	fi
fi
