#!/usr/bin/env bats
# The suite's own checks: the patterns that let a test pass whatever the
# programs do, and the helpers that must not hide a failure.

load test_helper

# The suite's shell files: the bats files and their helpers.
suite_files() {
	ls "$BATS_TEST_DIRNAME"/*.bats "$BATS_TEST_DIRNAME"/*.bash
}

@test "no statement in tests/ is a list of conditions joined by &&" {
	# set -e ignores a failure in any but the last command of an &&
	# list: "[ -z a ] && [ -z b ]" passes when a is not empty.
	run awk '
		/^[ \t]*(\[\[? |test ).*(\]\]?)[ \t]*&&[ \t]*(\[\[? |test ).*\]\]?[ \t]*$/ &&
		    prev !~ /(&&|\|\||\||\\)[ \t]*$/ {
			print FILENAME ":" FNR ": " $0
		}
		{ prev = $0 }
	' $(suite_files)
	assert_success
	assert_output ""
}

@test "the && check finds the pattern it looks for" {
	printf '@test "x" {\n\t[ -z "$a" ] && [ -z "$b" ]\n\ttrue\n}\n' \
		>"$BATS_TEST_TMPDIR/bad.bats"
	run awk '
		/^[ \t]*(\[\[? |test ).*(\]\]?)[ \t]*&&[ \t]*(\[\[? |test ).*\]\]?[ \t]*$/
	' "$BATS_TEST_TMPDIR/bad.bats"
	assert_output --partial '[ -z "$a" ] && [ -z "$b" ]'
}

@test "no test polls with a loop of its own: waits go through wait_until" {
	# A loop over seq that sleeps: wait_until is the one such loop, with
	# a bound that fails the test rather than letting it go on.
	run awk '
		FNR == 1 { at = 0 }
		/for [a-z_]+ in \$\(seq/ { at = FNR }
		/(^|[ \t;])done([ \t;|&)]|$)/ { at = 0 }
		at && /^[ \t]*sleep / { print FILENAME ":" at; at = 0 }
	' $(suite_files)
	assert_success
	assert_output ""
}

@test "mq_gone leaves the caller's output and status alone" {
	run echo kept
	mq_gone "$(ipc_name q)"
	assert_output kept
	assert_success
}

@test "shm_gone leaves the caller's output and status alone" {
	run echo kept
	shm_gone "$(ipc_name t)"
	assert_output kept
	assert_success
}

@test "wait_until fails, naming the condition, when it never holds" {
	run wait_until -t 1 false
	assert_failure
	assert_output --partial "never true in 1 s: false"
}

@test "the tests see the programs under test first, then only system directories" {
	local d first=1
	IFS=: read -r -a dirs <<<"$PATH"
	for d in "${dirs[@]}"; do
		if [ "$first" = 1 ]; then
			[ "$d" = "${RANGETOOLS_BIN:-$RANGETOOLS_REPO/bin}" ] ||
				fail "PATH starts with $d"
			first=0
			continue
		fi
		case $d in
		/usr/local/sbin | /usr/local/bin | /usr/sbin | /usr/bin | /sbin | /bin) ;;
		*) fail "PATH holds $d" ;;
		esac
	done
	[ "$(command -v range-sum)" = "${RANGETOOLS_BIN:-$RANGETOOLS_REPO/bin}/range-sum" ]
}

@test "HOME is an empty directory of the test's own" {
	[ -d "$HOME" ]
	[[ $HOME == "$BATS_TEST_TMPDIR"/* ]] || fail "HOME is $HOME"
	[ -z "$(ls -A "$HOME")" ] || fail "HOME holds $(ls -A "$HOME")"
}

@test "RANGETOOLS_KERNEL from the caller's environment does not reach the tests" {
	[ -z "${RANGETOOLS_KERNEL+set}" ] || fail "RANGETOOLS_KERNEL is set"
}
