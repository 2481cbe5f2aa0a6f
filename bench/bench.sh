#!/bin/sh
# make bench: build with the release flags, then measure (bench/bench.py).
# BENCH_REPS=N for more repetitions; arguments pick sections:
# loop modes merge fanout records rss.
set -eu
cd "$(dirname "$0")/.."
mkdir -p bench/out
# The Makefile's own CFLAGS are the release flags: drop any from the
# environment or the calling make (a sanitizer or -O0 build), and rebuild
# everything.
env -u CFLAGS -u MAKEFLAGS -u MFLAGS "${MAKE:-make}" -s -B all
"${CC:-cc}" -O3 -march=native -o bench/out/ref_loop bench/ref_loop.c
"${CC:-cc}" -O2 -o bench/out/clock bench/clock.c
exec python3 bench/bench.py "$@"
