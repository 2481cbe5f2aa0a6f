#!/bin/sh
# python-ft-check.sh: make demo's free-threaded rows, checked (make
# check-python-ft, which .ci/run runs after make python-ft).
#
# Runs examples/article.sh as make demo does, so that it must find the
# free-threaded CPython in the cache by itself (PYTHON_FT is unset), and
# checks its rows (RANGETOOLS_DEMO_FT_ROWS keeps them, "mode workers wall
# cpu sum" a line):
#   - the article's three programs found the exact sum of [0, 1e8);
#   - two threads took at most 1/1.6 of one thread's wall time, in one
#     of up to three runs of the demo: a shared machine's other work only
#     ever slows a run down, and most often the run with two workers, so
#     a run that shows the speed-up is the measurement, and three that
#     all miss it are a failure;
#   - that Python runs without the GIL: sys._is_gil_enabled() is false,
#     with PYTHON_GIL=0 as the demo runs it and without it too (a
#     free-threaded build's default).
# A speed-up is a measurement, not a test of the suite: it is checked
# here, once, on the machine CI runs on, and the figures are printed.
# Exits 1 if any check fails, naming it.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
PATH="${RANGETOOLS_BIN:-$here/bin}:$PATH"
end=${1:-1e8}
min=1.6
cache=${RANGETOOLS_PYTHON_FT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rangetools/python-ft}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0
ok() {
	pass=$((pass + 1))
	echo "ok: $*"
}
notok() {
	fail=$((fail + 1))
	echo "FAILED: $*"
}

ft=
for p in "$cache"/bin/python3.*t; do
	[ -x "$p" ] && ft=$p && break
done
if [ -z "$ft" ]; then
	echo "python-ft-check: no python3.*t in $cache/bin (make python-ft)" >&2
	exit 1
fi
echo "python-ft-check: $ft; $(grep -m1 'model name' /proc/cpuinfo |
	sed 's/.*: //'), $(nproc) cores, load $(cut -d ' ' -f 1-3 /proc/loadavg)"

# demo N: make demo's article.sh, its output in $tmp/out.N and its
# free-threaded rows in $tmp/rows.N.
demo() {
	env -u PYTHON_FT RANGETOOLS_PYTHON_FT_CACHE="$cache" \
		RANGETOOLS_DEMO_FT_ROWS="$tmp/rows.$1" \
		bash "$here/examples/article.sh" "" "$end" >"$tmp/out.$1" 2>&1 || {
		cat "$tmp/out.$1"
		echo "FAILED: examples/article.sh"
		exit 1
	}
	sed -n '/^Free-threaded Python/,$p' "$tmp/out.$1"
}

# speedup N: prints "1 thread T1 s, 2 threads T2 s: Rx" of run N; true
# when R is at least $min.
speedup() {
	awk -v min="$min" '$1 == "thread" { one = $3 }
		$1 == "threads" { two = $3 }
		END {
			if (!(one > 0 && two > 0))
				exit 1
			printf "1 thread %.3f s, 2 threads %.3f s: %.2fx\n", one,
			    two, one / two
			exit !(one / two >= min)
		}' "$tmp/rows.$1"
}

want=$(range-sum --method formula 0 "$end")
run=1
demo $run
if grep -q "^Free-threaded Python .*($ft, PYTHON_GIL=0)" "$tmp/out.1" &&
	[ -s "$tmp/rows.1" ]; then
	ok "make demo found $ft and printed its rows"
else
	notok "make demo printed no rows for $ft:"
	tail -n 3 "$tmp/out.1"
fi
while :; do
	for mode in thread threads processes; do
		sum=$(awk -v m="$mode" '$1 == m { print $5 }' "$tmp/rows.$run" \
			2>/dev/null)
		if [ "$sum" = "$want" ]; then
			ok "run $run: $mode: the sum of [0, $end) is exact ($sum)"
		else
			notok "run $run: $mode: summed '${sum}', not $want"
		fi
	done
	if speedup $run >"$tmp/ratio"; then
		ok "2 threads at least ${min}x one thread in run $run:" \
			"$(cat "$tmp/ratio")"
		break
	fi
	echo "run $run: 2 threads less than ${min}x one thread:" \
		"$(cat "$tmp/ratio")"
	if [ "$run" -eq 3 ]; then
		notok "2 threads less than ${min}x one thread in 3 runs"
		break
	fi
	run=$((run + 1))
	demo $run
done

# no_gil WHAT [NAME=VALUE...]: sys._is_gil_enabled() under env ENV... is False.
no_gil() {
	what=$1
	shift
	gil=$(env -u PYTHON_GIL "$@" "$ft" -c \
		'import sys; print(sys._is_gil_enabled())' 2>&1) || :
	if [ "$gil" = False ]; then
		ok "sys._is_gil_enabled() is False $what"
	else
		notok "sys._is_gil_enabled() printed '$gil' $what"
	fi
}
no_gil "with PYTHON_GIL=0, as make demo runs it" PYTHON_GIL=0
no_gil "without PYTHON_GIL"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
