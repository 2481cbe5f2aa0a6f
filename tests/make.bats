#!/usr/bin/env bats
# The Makefile's own promises: `make` alone builds the three programs,
# and `make help` names every target, one line each.

load test_helper

# targets: the targets the Makefile declares .PHONY, one a line.
targets() {
	make -s -C "$RANGETOOLS_REPO" -pn help 2>/dev/null |
	    sed -n 's/^\.PHONY: //p' | tr ' ' '\n' | sed '/^$/d' | sort -u
}

@test "make help lists every target of the Makefile, one line each" {
	local t missing=
	run make -s -C "$RANGETOOLS_REPO" help
	assert_success
	[ "$(targets | wc -l)" -gt 10 ] || fail "no .PHONY targets found"
	for t in $(targets); do
		# "make" alone stands for all, with blanks where a name would be.
		[ "$t" = all ] && t=' '
		[ "$(grep -c -E "^make $t " <<<"$output")" -eq 1 ] ||
			missing="$missing ${t/ /all}"
	done
	[ -z "$missing" ] || fail "make help does not list:$missing"
}

@test "make alone builds the three programs and nothing else" {
	run make -s -C "$RANGETOOLS_REPO" -n -B
	assert_success
	assert_output --partial '-o bin/range-split '
	assert_output --partial '-o bin/range-sum '
	assert_output --partial '-o bin/sum-merge '
	refute_output --partial 'ipc-probe'
	[ "$(grep -c -- ' -o bin/' <<<"$output")" -eq 3 ]
}

@test "make test runs no suite that needs root, daemons or valgrind" {
	run make -s -C "$RANGETOOLS_REPO" -n test
	assert_success
	assert_output --regexp 'RANGETOOLS_CORE=1 bats (--jobs [0-9]+ )?tests/'
	local bad
	for bad in cluster slurm chaos memcheck; do
		refute_output --partial "tests/$bad.bats"
	done
	refute_output --partial '.ci/deps'
}

@test "make test skips the slow tests, which make check runs" {
	run make -s -C "$RANGETOOLS_REPO" -n test
	assert_output --partial 'RANGETOOLS_QUICK=1 '
	run make -s -C "$RANGETOOLS_REPO" -n check
	refute_output --partial 'RANGETOOLS_QUICK'
	# Marked tests exist, and only_in_check skips them under make test.
	grep -q '^	only_in_check$' "$RANGETOOLS_REPO"/tests/*.bats
	local d=$BATS_TEST_TMPDIR/t
	mkdir "$d"
	cp "$RANGETOOLS_REPO"/tests/*_helper.bash "$d"
	printf '%s\n' 'load test_helper' '@test "slow" {' only_in_check '}' \
	    >"$d/t.bats"
	run env RANGETOOLS_QUICK=1 bats "$d/t.bats"
	assert_output --partial 'ok 1 slow # skip slow: make check runs it'
	run env -u RANGETOOLS_QUICK bats "$d/t.bats"
	assert_line 'ok 1 slow'
}

@test "make check ends with the ten slowest tests, slowest first" {
	local tap=$BATS_TEST_TMPDIR/report.tap i
	run make -s -C "$RANGETOOLS_REPO" -n check
	assert_line --regexp '^bats .*--timing .*tests/'
	assert_line --partial 'sh tests/slowest build/check/'
	{
		echo 1..12
		for i in 1 2 3 4 5 6 7 8 9 10 11; do
			echo "ok $i test $i # in $((i * 100)) ms"
		done
		echo "not ok 12 a failing one # in 2500 ms"
		echo "ok 13 a skipped one # skip why"
	} >"$tap"
	run sh "$RANGETOOLS_REPO/tests/slowest" "$tap"
	assert_success
	assert_line --index 0 --partial 'ten slowest'
	assert_line --index 1 '    2.5 s  a failing one'
	assert_line --index 2 '    1.1 s  test 11'
	assert_line --index 10 '    0.3 s  test 3'
	[ "${#lines[@]}" -eq 11 ]
}

@test "make check runs every file of tests/ once: the core at TEST_JOBS, the services after" {
	run make -s -C "$RANGETOOLS_REPO" -n check
	assert_success
	assert_line --regexp '^bats --jobs [0-9]+ (-[^ ]+ ([^-][^ ]* )?)*tests/'
	local f n
	for f in "$RANGETOOLS_REPO"/tests/*.bats; do
		n=$(grep '^bats ' <<<"$output" | tr ' ' '\n' |
			grep -c -x "tests/${f##*/}")
		[ "$n" -eq 1 ] || fail "tests/${f##*/} runs $n times in make check"
	done
	if grep '^bats --jobs' <<<"$output" | grep -q 'tests/slurm.bats'; then
		fail "the Slurm clusters run in parallel"
	fi
}

@test "make coverage and make faults without their packages name them and change nothing" {
	local bin=$BATS_TEST_TMPDIR/bin t
	mkdir -p "$bin"
	# The tools the Makefile itself needs, and no gcovr, no fiu-run.
	for t in make sh sed; do
		ln -s "$(command -v "$t")" "$bin/$t"
	done
	touch "$BATS_TEST_TMPDIR/before"
	run --separate-stderr env PATH="$bin" make -s -C "$RANGETOOLS_REPO" coverage
	[ "$status" -ne 0 ] || fail "make coverage succeeded"
	assert_stderr_has "make coverage: needs gcovr"
	assert_stderr_has "apt-get install gcovr"
	run --separate-stderr env PATH="$bin" make -s -C "$RANGETOOLS_REPO" faults
	[ "$status" -ne 0 ] || fail "make faults succeeded"
	assert_stderr_has "make faults: needs fiu-run"
	assert_stderr_has "apt-get install fiu-utils"
	# Nothing built: neither the programs nor the test tools.
	cd "$RANGETOOLS_REPO"
	local dirs=(bin src tests)
	[ ! -d build/coverage/bin ] || dirs+=(build/coverage/bin)
	run find "${dirs[@]}" -maxdepth 1 \
		-newer "$BATS_TEST_TMPDIR/before" \( -name '*.o' -o -name '*.so' \
		-o -name range-split -o -name range-sum -o -name sum-merge \
		-o -name ipc-probe \)
	assert_output ""
}
