#!/usr/bin/env bats
#
# The chaos runner itself (tests/chaos.sh, `make chaos`): a few trials of
# the transports that need no cluster end exact with nothing left, and the
# runner does fail when a total is wrong or when a trial leaves a table or
# a process behind.  The long run, over ssh and Slurm too, is `make chaos`;
# CI runs 30 trials of it after `make check`.

load test_helper

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}

setup() {
	BIN=$(cd "${RANGETOOLS_BIN:-$RANGETOOLS_REPO/bin}" && pwd)
	FAKE="$BATS_TEST_TMPDIR/bin"
	mkdir -p "$FAKE"
	ln -s "$BIN/range-split" "$BIN/range-sum" "$BIN/sum-merge" "$FAKE/"
	export CHAOS_TIME=200 CHAOS_GRACE=1
	export CHAOS_TRANSPORTS="pipe xargs parallel procs mq shm"
}

# chaos: run the runner (on the programs in $FAKE when RANGETOOLS_BIN says so).
chaos() {
	run --separate-stderr bash "$RANGETOOLS_REPO/tests/chaos.sh"
}

# count NAME: the number the summary gives for NAME.
count() {
	sed -n "s/^  $1  *\([0-9][0-9]*\)\$/\1/p" <<<"$output"
}

# fake PROGRAM: replace PROGRAM in $FAKE by the script on stdin.
fake() {
	rm -f "$FAKE/$1"
	cat >"$FAKE/$1"
	chmod +x "$FAKE/$1"
}

# fake_trial: one trial over xargs (seed 5) with the programs of $FAKE.
fake_trial() {
	CHAOS_TRANSPORTS=xargs CHAOS_TRIALS=1 CHAOS_SEED=5 RANGETOOLS_BIN=$FAKE \
		chaos
}

# one_leftover: fake_trial fails, and counts one thing left behind.
one_leftover() {
	fake_trial
	assert_failure 1
	[ "$(count leftovers)" -eq 1 ]
}

# dead PID: PID is gone, or a zombie waiting to be reaped.
dead() {
	[ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat" 2>/dev/null
}

@test "chaos trials of the local transports end exact, with nothing left" {
	CHAOS_TRIALS=7 CHAOS_SEED=12 chaos
	assert_success
	assert_line "chaos: OK"
	[ "$(count trials)" -eq 7 ]
	[ "$(count 'wrong totals')" -eq 0 ]
	[ "$(count leftovers)" -eq 0 ]
	[ "$(count 'not resumed')" -eq 0 ]
	# Every trial ends exact, at once or resumed, and every gap resumed.
	[ $(($(count 'exact at once') + $(count 'resumed to exact'))) -eq 7 ]
	[ "$(count gaps)" -eq "$(count 'resumed to exact')" ]
}

@test "seven chaos trials try every kind of part run twice or late that needs no cluster" {
	CHAOS_TRIALS=7 CHAOS_SEED=3 chaos
	assert_success
	local k
	for k in straggler twice retry resume-twice; do
		[ "$(count "kind $k")" -ge 1 ] || fail "no $k trial"
		[ "$(count "kind $k ok")" -eq "$(count "kind $k")" ]
	done
}

# choices: what the trials chose: transport, fault, signal, range, parts.
choices() {
	grep -o -E '^trial [0-9]+: [a-z/]+ +[a-z-]+ +(SIG[A-Z]+|-) +\[[-0-9]+, [-0-9]+\) [0-9]+ parts' <<<"$output"
}

@test "the same seed makes the same choices" {
	local first
	CHAOS_TRIALS=2 CHAOS_SEED=99 chaos
	assert_success
	first=$(choices)
	[ "$(wc -l <<<"$first")" -eq 2 ]
	CHAOS_TRIALS=2 CHAOS_SEED=99 chaos
	assert_success
	[ "$(choices)" = "$first" ]
	CHAOS_TRIALS=2 CHAOS_SEED=100 chaos
	assert_success
	[ "$(choices)" != "$first" ]
}

@test "the chaos runner fails on a wrong total" {
	# A sum-merge whose totals are one too large.
	fake sum-merge <<EOF
#!/bin/bash
out=\$("$BIN/sum-merge" "\$@")
rc=\$?
if [ \$rc -eq 0 ] && [[ \$out =~ ^-?[0-9]+\$ ]]; then
	python3 -c 'import sys; print(int(sys.argv[1]) + 1)' "\$out"
elif [ -n "\$out" ]; then
	printf '%s\n' "\$out"
fi
exit \$rc
EOF
	fake_trial
	assert_failure 1
	[ "$(count 'wrong totals')" -ge 1 ]
	assert_line --partial "chaos: FAIL: trial 1: WRONG"
}

@test "the chaos runner fails on a table left behind, and removes it" {
	fake range-sum <<EOF
#!/bin/sh
: >"/dev/shm/\$CHAOS_TAG-leak"
exec "$BIN/range-sum" "\$@"
EOF
	one_leftover
	local f
	f=$(grep -o '/dev/shm/rtchaos-[0-9]*-1-leak' <<<"$output" | head -n 1)
	[ -n "$f" ]
	[ ! -e "$f" ]
}

@test "the chaos runner fails on a process left running, and kills it" {
	fake range-sum <<EOF
#!/bin/sh
sleep 300 </dev/null >/dev/null 2>&1 &
exec "$BIN/range-sum" "\$@"
EOF
	one_leftover
	local pids p
	pids=$(grep -o 'process [0-9]* [0-9]* sleep' <<<"$output" | cut -d' ' -f2)
	[ -n "$pids" ]
	for p in $pids; do
		wait_until dead "$p"
	done
}

@test "the chaos runner fails on a queue left behind, and removes it" {
	[ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null ||
		skip "listing the queues needs root and unshare"
	# A queue the runner was never told of: found by listing them all.
	# (A record, not a STOP: a STOP never creates a queue.)
	fake range-sum <<EOF
#!/bin/sh
"$BIN/range-sum" --mq "/\$CHAOS_TAG-stray" 0 1
exec "$BIN/range-sum" "\$@"
EOF
	one_leftover
	local q
	q=$(grep -o 'mq /rtchaos-[0-9]*-1-stray' <<<"$output" | head -n 1)
	[ -n "$q" ]
	run "$RANGETOOLS_REPO/tests/ipc-probe" mq "${q#mq }"
	assert_failure 1
}
