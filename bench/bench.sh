#!/bin/sh
# make bench: build with the release flags, then measure (bench/bench.py).
# BENCH_REPS=N for more repetitions; arguments pick sections:
# loop modes merge fanout records rss repeats trace split.
set -eu
cd "$(dirname "$0")/.."
mkdir -p bench/out
# The Makefile's own CFLAGS are the release flags: drop any from the
# environment or the calling make (a sanitizer or -O0 build), and rebuild
# everything.
env -u CFLAGS -u MAKEFLAGS -u MFLAGS "${MAKE:-make}" -s -B all
"${CC:-cc}" -O3 -march=native -o bench/out/ref_loop bench/ref_loop.c
# On a CPU with AVX-512, also the loop as -march=native builds it on one
# without (an AVX2 machine such as AMD's Zen 3): the yardstick of the
# avx2 kernel forced here.
rm -f bench/out/ref_loop_avx2
if grep -q -w avx512f /proc/cpuinfo 2>/dev/null; then
	"${CC:-cc}" -O3 -march=native -mno-avx512f -o bench/out/ref_loop_avx2 \
	    bench/ref_loop.c
fi
"${CC:-cc}" -O2 -o bench/out/clock bench/clock.c
exec python3 bench/bench.py "$@"
