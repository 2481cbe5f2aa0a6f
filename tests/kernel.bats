#!/usr/bin/env bats
# range-sum's kernels: every kernel this CPU can run, forced through
# RANGETOOLS_KERNEL, gives exact sums where the 128-bit folding is
# stressed; forcing a kernel that does not exist or that the CPU cannot
# run is a one-line usage error; --stats names the kernel.

load test_helper

# The kernels of the build under test, as its usage error lists them
# ("(kernels: sse2, avx2, avx512)"), one a line.
build_kernels() {
	local err
	err=$(RANGETOOLS_KERNEL=no-such range-sum 0 1 2>&1 >/dev/null) || :
	[[ $err =~ \(kernels:\ ([a-z0-9, ]+)\)$ ]] ||
		fail "no kernel list in: $err"
	tr -d ' ' <<<"${BASH_REMATCH[1]}" | tr ',' '\n'
}

# The kernels this CPU runs: those that sum [0, 10) when forced.
runnable_kernels() {
	local k
	for k in $(build_kernels); do
		if RANGETOOLS_KERNEL=$k range-sum 0 10 >/dev/null 2>&1; then
			echo "$k"
		fi
	done
}

# The ranges whose sums stress the kernels, one "start end" a line.
#  - Blocks of 2^24 integers that cross 0, +-2^32 and the int64 extremes,
#    so that a block's base n*lo and its wrapped sum cross 2^64 and 2^128
#    boundaries of their own.
#  - Every length from 0 to 70 (up to twice the 32 integers of the widest
#    kernel's step, and more), at starts near -2^63, -2^32, 0, 2^32, 2^63.
#  - The int64 extremes themselves.
stress_ranges() {
	python3 - <<'PY'
M, B, P = 2**63, 2**24, 2**32
r = []
for c in (-M, -P, 0, P, M - 1):
    lo, hi = max(c - B - 12345, -M), min(c + B + 6789, M - 1)
    r.append((lo, hi))
for s in (-M, -M + 3, -P - 35, -37, 0, P - 33, M - 71, M - 1 - 70):
    for n in range(71):
        if s + n <= M - 1:
            r.append((s, s + n))
r += [(-M, -M), (-M, -M + 1), (M - 2, M - 1), (M - 1, M - 1), (-1, 0),
      (-M, -M + 2 * B + 5), (M - 1 - 2 * B - 5, M - 1)]
for s, e in r:
    print(s, e)
PY
}

# random_ranges N SEED: N random ranges over the whole int64 domain, of
# lengths up to 20000 (the lane counts' leftovers all appear).
random_ranges() {
	python3 - "$1" "$2" <<'PY'
import random, sys
n, rnd = int(sys.argv[1]), random.Random(int(sys.argv[2]))
M = 2**63
for i in range(n):
    length = rnd.choice((rnd.randrange(70), rnd.randrange(20000)))
    kind = i % 3
    if kind == 0:
        s = rnd.randrange(-M, M - length)
    elif kind == 1:  # near a power of two, either sign
        s = rnd.choice((1, -1)) * 2**rnd.randrange(20, 63) \
            + rnd.randrange(-length - 40, 40)
    else:  # near the extremes
        s = rnd.choice((-M + rnd.randrange(100), M - 1 - length -
                        rnd.randrange(100)))
    s = max(-M, min(s, M - 1 - length))
    print(s, s + length)
PY
}

# sums_of FILE: the exact sum of each range of FILE, by Python.
sums_of() {
	python3 - "$1" <<'PY'
import sys
for line in open(sys.argv[1]):
    s, e = map(int, line.split())
    print((s + e - 1) * (e - s) // 2)
PY
}

# check_kernels FILE: every runnable kernel sums every range of FILE
# exactly, in one range-sum filter run each.
check_kernels() {
	local k kernels n=0
	sums_of "$1" >"$BATS_TEST_TMPDIR/want"
	kernels=$(runnable_kernels)
	[ -n "$kernels" ] || fail "no kernel runs"
	for k in $kernels; do
		RANGETOOLS_KERNEL=$k range-sum <"$1" >"$BATS_TEST_TMPDIR/got" ||
			fail "kernel $k failed"
		cmp -s "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got" ||
			fail "kernel $k: $(diff "$BATS_TEST_TMPDIR/want" \
			    "$BATS_TEST_TMPDIR/got" | head -5)"
		n=$((n + 1))
	done
	echo "# $n kernels:" $kernels >&3
}

@test "the build lists its kernels; x86-64 has sse2, avx2, avx512" {
	run build_kernels
	assert_success
	[ "${#lines[@]}" -ge 1 ] || fail "no kernels"
	# make check-aarch64 runs an aarch64 build under qemu-user on any host
	# and says so in RANGETOOLS_QEMU.
	if [ "$(uname -m)" = x86_64 ] && [ -z "${RANGETOOLS_QEMU:-}" ]; then
		assert_output "$(printf 'sse2\navx2\navx512')"
	else
		assert_output portable
	fi
}

@test "the kernels this CPU runs are the ones its flags name" {
	local k flags
	flags=$(grep -o -w -E 'avx2|avx512f' /proc/cpuinfo | sort -u) || :
	for k in $(build_kernels); do
		run --separate-stderr env RANGETOOLS_KERNEL="$k" range-sum 0 10
		case $k in
		avx2) want=$([[ $flags == *avx2* ]] && echo yes || echo no) ;;
		avx512) want=$([[ $flags == *avx512f* ]] && echo yes || echo no) ;;
		*) want=yes ;;
		esac
		if [ "$want" = yes ]; then
			assert_success
			assert_output 45
		else
			assert_fails_with 2 range-sum
			assert_stderr_has "RANGETOOLS_KERNEL=$k: this CPU cannot run that kernel"
		fi
	done
}

@test "an unknown RANGETOOLS_KERNEL is a one-line usage error naming the kernels" {
	run --separate-stderr env RANGETOOLS_KERNEL=avx1024 range-sum 0 10
	assert_fails_with 2 range-sum
	[[ $stderr =~ ^range-sum:\ RANGETOOLS_KERNEL=avx1024:\ no\ such\ kernel\ \(kernels:\ [a-z0-9,\ ]+\)$ ]] ||
		fail "$stderr"
	# Names are exact: no prefixes, no case folding.
	run --separate-stderr env RANGETOOLS_KERNEL=SSE2 range-sum 0 10
	assert_fails_with 2 range-sum
	run --separate-stderr env RANGETOOLS_KERNEL=avx range-sum 0 10
	assert_fails_with 2 range-sum
	# Also in the filter, before any input is read.
	run --separate-stderr env RANGETOOLS_KERNEL=x range-sum <<<"0 10"
	assert_fails_with 2 range-sum
}

@test "an empty or unset RANGETOOLS_KERNEL runs the widest kernel the CPU has" {
	local best
	best=$(runnable_kernels | tail -n 1)
	[ -n "$best" ] || fail "no kernel runs"
	run --separate-stderr env -u RANGETOOLS_KERNEL range-sum --stats 0 1000
	assert_success
	assert_output "$(pysum 0 1000)"
	[[ ${stderr_lines[-1]} == "range-sum: kernel $best: "* ]] ||
		fail "$stderr"
	run --separate-stderr env RANGETOOLS_KERNEL= range-sum --stats 0 1000
	assert_success
	[[ ${stderr_lines[-1]} == "range-sum: kernel $best: "* ]] ||
		fail "$stderr"
}

@test "--stats names the forced kernel and its rate, with threads and processes" {
	needs_threads
	needs_fork
	local k
	for k in $(runnable_kernels); do
		for mode in "" "--threads 2" "--procs 2"; do
			# shellcheck disable=SC2086
			run --separate-stderr env RANGETOOLS_KERNEL="$k" \
			    range-sum --stats $mode 0 3e6
			assert_success
			assert_output "$(pysum 0 3000000)"
			[[ ${stderr_lines[-1]} =~ ^range-sum:\ kernel\ $k:\ 3000000\ integers,\ cpu\ [0-9]+\.[0-9]{3}\ s,\ ([0-9]+\.[0-9]{2}\ integers/ns|too\ fast\ to\ time)$ ]] ||
				fail "$k $mode: $stderr"
		done
	done
}

@test "--stats names no kernel for --method formula" {
	run --separate-stderr range-sum --stats --method formula 0 1000
	assert_success
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "$stderr"
	[[ $stderr != *kernel* ]] || fail "$stderr"
}

@test "every kernel is exact where the folding is stressed: 2^32, 2^63, extremes, odd lengths" {
	stress_ranges >"$BATS_TEST_TMPDIR/ranges"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ranges")" -gt 500 ]
	check_kernels "$BATS_TEST_TMPDIR/ranges"
}

@test "every kernel agrees with the closed form on 4000 random ranges" {
	random_ranges 4000 "${RANGETOOLS_SEED:-20261125}" \
	    >"$BATS_TEST_TMPDIR/ranges"
	check_kernels "$BATS_TEST_TMPDIR/ranges"
}

@test "every kernel is exact on the whole int64 domain's first and last blocks, across threads" {
	needs_threads
	local k M=9223372036854775808 want
	# Two threads split [-2^63, -2^63 + 3e7) and [2^63 - 1 - 3e7, 2^63 - 1):
	# chunks and blocks start at odd offsets from the extremes.
	for k in $(runnable_kernels); do
		run env RANGETOOLS_KERNEL="$k" range-sum --threads 3 -- \
		    "-$M" "$(py "-$M + 30000001")"
		assert_success
		assert_output "$(pysum "-$M" "$(py "-$M + 30000001")")"
		run env RANGETOOLS_KERNEL="$k" range-sum --threads 3 -- \
		    "$(py "$M - 30000002")" "$(py "$M - 1")"
		assert_success
		assert_output "$(pysum "$(py "$M - 30000002")" "$(py "$M - 1")")"
	done
}

@test "every kernel is exact when a worker's running sum spans blocks of 2^24, chunk after chunk" {
	needs_threads
	needs_fork
	local k M=9223372036854775808 lo hi mode
	# Shares of 2^24 + 3 * 16384 + 7 integers and more: the accumulators
	# kept across chunks are folded at each block of 2^24, mid-share, and
	# the last chunk of each share is short.  Near both extremes, where
	# the block's base and its sum cross 2^64 and 2^127.
	for k in $(runnable_kernels); do
		for mode in "--threads 2" "--procs 3"; do
			for lo in "-$M" "$(py "$M - 2 - 3 * (2**24 + 3 * 16384 + 7)")"; do
				hi=$(py "$lo + 3 * (2**24 + 3 * 16384 + 7)")
				# shellcheck disable=SC2086
				run env RANGETOOLS_KERNEL="$k" range-sum $mode -- "$lo" "$hi"
				assert_success
				assert_output "$(pysum "$lo" "$hi")"
			done
		done
	done
}

@test "make demo's examples/article.sh sizes its range to this CPU and says so" {
	only_in_check
	needs_threads
	needs_fork
	local end kernel rate want
	# A tenth of a second a thread instead of two, and Python's range small.
	RANGETOOLS_DEMO_SECONDS=0.1 run --separate-stderr \
	    "$RANGETOOLS_REPO/examples/article.sh" '' 1e5
	assert_success
	[[ ${lines[0]} =~ ^Sized\ for\ this\ CPU:\ one\ thread\ sums\ \[0,\ ([0-9]+e[0-9]+)\)\ in\ about\ 0\.1\ s\ \(kernel\ ([a-z0-9]+),\ ([0-9.]+)\ integers/ns ]] ||
		fail "first line: ${lines[0]}"
	end=${BASH_REMATCH[1]} kernel=${BASH_REMATCH[2]} rate=${BASH_REMATCH[3]}
	# The kernel range-sum runs by default, and the range at its rate for
	# 0.1 s, to two significant digits.
	[ "$kernel" = "$(runnable_kernels | tail -n 1)" ] || fail "kernel $kernel"
	want=$(py "$rate * 0.1e9")
	[ "$(py "abs(float('$end') - $want) <= 0.05 * $want")" = True ] ||
		fail "end $end for rate $rate"
	assert_line "rangetools sums [0, $end) = $(pysum 0 "$(py "int(float('$end'))")")"
	assert_line --regexp '^1 thread +1 '
}

@test "on emulated x86-64 CPUs without AVX2 or AVX-512 the default falls back and forcing more fails" {
	local rs
	[ "$(uname -m)" = x86_64 ] && [ -z "${RANGETOOLS_QEMU:-}" ] ||
		skip "an x86-64 build run natively only"
	[ -z "${RANGETOOLS_SANITIZE:-}" ] ||
		skip "a $RANGETOOLS_SANITIZE build does not run under qemu-user"
	command -v qemu-x86_64 >/dev/null || skip "no qemu-x86_64 (qemu-user)"
	rs=$(command -v range-sum)
	# qemu64: the x86-64 baseline (SSE2), no AVX.
	run --separate-stderr qemu-x86_64 -cpu qemu64 "$rs" --stats 0 1e6
	assert_success
	assert_output "$(pysum 0 1000000)"
	[[ ${stderr_lines[-1]} == "range-sum: kernel sse2: 1000000 integers, "* ]] ||
		fail "$stderr"
	for k in avx2 avx512; do
		run --separate-stderr env RANGETOOLS_KERNEL=$k \
		    qemu-x86_64 -cpu qemu64 "$rs" 0 10
		assert_fails_with 2 range-sum
		assert_stderr_has "RANGETOOLS_KERNEL=$k: this CPU cannot run that kernel"
	done
	# AVX2 but no AVX-512: the avx2 kernel, exact on the stressed ranges.
	stress_ranges >"$BATS_TEST_TMPDIR/ranges"
	sums_of "$BATS_TEST_TMPDIR/ranges" >"$BATS_TEST_TMPDIR/want"
	run --separate-stderr qemu-x86_64 -cpu max,-avx512f "$rs" --stats 0 1e6
	assert_success
	[[ ${stderr_lines[-1]} == "range-sum: kernel avx2: 1000000 integers, "* ]] ||
		fail "$stderr"
	run --separate-stderr env RANGETOOLS_KERNEL=avx512 \
	    qemu-x86_64 -cpu max,-avx512f "$rs" 0 10
	assert_fails_with 2 range-sum
	assert_stderr_has "this CPU cannot run that kernel"
	qemu-x86_64 -cpu max,-avx512f "$rs" <"$BATS_TEST_TMPDIR/ranges" \
	    >"$BATS_TEST_TMPDIR/got"
	cmp -s "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got" ||
		fail "$(diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got" | head -5)"
}
