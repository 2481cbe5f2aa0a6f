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

@test "make check runs every file of tests/ once: the core at TEST_JOBS, the services after" {
	run make -s -C "$RANGETOOLS_REPO" -n check
	assert_success
	assert_line --regexp '^bats --jobs [0-9]+ tests/'
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
	run find bin src tests build/coverage/bin -maxdepth 1 \
		-newer "$BATS_TEST_TMPDIR/before" \( -name '*.o' -o -name '*.so' \
		-o -name range-split -o -name range-sum -o -name sum-merge \
		-o -name ipc-probe \)
	assert_output ""
}
