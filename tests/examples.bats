#!/usr/bin/env bats
#
# The man pages' EXAMPLES and the scripts in examples/ do what they say.
#
# The examples are not copied here: man-examples.awk reads them from the
# pages, runs them, and the test compares the transcript with the page,
# so a page and its test cannot drift apart.

load test_helper

setup() {
	REPO="$RANGETOOLS_REPO"
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
}

# Timing figures vary from run to run: in a line that reports them as
# range-sum --time and --stats do ("wall 1.02 s, cpu 1.01 s"), any
# figures match.  Everything else in the line must be as shown.
timing_wildcard() {
	sed -E 's/wall [0-9]+(\.[0-9]+)? s, cpu [0-9]+(\.[0-9]+)? s/wall # s, cpu # s/g'
}

# Runs the checked examples of one page (mdoc, or Markdown: a name
# ending in .md); fails with a diff if the output differs from the page,
# or if the page has no checked example at all.
check_examples() {
	local page="$1" ex="$BATS_TEST_TMPDIR/expect" sc="$BATS_TEST_TMPDIR/script"

	if ! awk -v out=expect -f "$BATS_TEST_DIRNAME/man-examples.awk" \
	    "$page" >"$ex"; then
		fail "$page: no checked example in EXAMPLES"
		return 1
	fi
	awk -v out=script -f "$BATS_TEST_DIRNAME/man-examples.awk" "$page" >"$sc"
	# A refusing sum-merge keeps the records it read in $TMPDIR.
	(cd "$WORK" && TMPDIR=$WORK sh "$sc" </dev/null >"$BATS_TEST_TMPDIR/actual" 2>&1) || true
	diff -u <(timing_wildcard <"$ex") \
	    <(timing_wildcard <"$BATS_TEST_TMPDIR/actual")
}

# Fails naming the Markdown file if one of its code blocks holds a
# "$ command" line that the checker does not run: every transcript is
# checked, or marked "<!-- unchecked: why -->".
check_md_all_run() {
	local md="$1" shown ran

	shown=$(awk '/^<!-- unchecked:/ { skip = 1; next }
	    /^```/ { f = !f; if (!f) skip = 0; next }
	    f || /^    / { if (!skip && /^(    )?\$ /) n++; next }
	    /./ { skip = 0 }
	    END { print n + 0 }' "$md")
	ran=$(awk -v out=expect -f "$BATS_TEST_DIRNAME/man-examples.awk" "$md" |
	    grep -c '^\$ ') || :
	[ "$shown" -eq "$ran" ] ||
		fail "$md: $shown \$ lines in code blocks, $ran of them checked"
}

@test "the examples in range-split(1) print what the page shows" {
	check_examples "$REPO/man/range-split.1"
}

@test "the examples in range-sum(1) print what the page shows" {
	only_in_check
	check_examples "$REPO/man/range-sum.1"
}

@test "the examples in sum-merge(1) print what the page shows" {
	only_in_check
	check_examples "$REPO/man/sum-merge.1"
}

@test "the examples in rangetools(7) print what the page shows" {
	only_in_check
	check_examples "$REPO/man/rangetools.7"
}

@test "the transcripts in README.md print what the README shows" {
	only_in_check
	check_md_all_run "$REPO/README.md"
	check_examples "$REPO/README.md"
}

@test "the transcripts in doc/*.md print what the pages show" {
	local md checked=0

	for md in "$REPO"/doc/*.md; do
		check_md_all_run "$md"
		awk -v out=expect -f "$BATS_TEST_DIRNAME/man-examples.awk" \
		    "$md" >/dev/null || continue
		check_examples "$md"
		checked=$((checked + 1))
	done
	[ "$checked" -gt 0 ] || fail "no transcript in doc/*.md"
}

@test "a Markdown transcript whose output is wrong fails the check" {
	cat >"$BATS_TEST_TMPDIR/wrong.md" <<-'EOF'
	# Some page

	    $ echo one
	    one

	```
	$ echo 'two' \
	    three
	two three
	$ echo four
	five
	```
	EOF
	run check_examples "$BATS_TEST_TMPDIR/wrong.md"
	assert_failure
	assert_line -- '-five'
	assert_line -- '+four'
	refute_line -- '-one'
	refute_line -- '-two three'
}

@test "a Markdown transcript marked unchecked is left out" {
	cat >"$BATS_TEST_TMPDIR/marked.md" <<-'EOF'
	<!-- unchecked: the date changes -->

	    $ date
	    Wed Nov 25 15:00:00 UTC 2026

	    $ echo checked
	    checked
	EOF
	run check_examples "$BATS_TEST_TMPDIR/marked.md"
	assert_success
	run awk -v out=expect -f "$BATS_TEST_DIRNAME/man-examples.awk" \
	    "$BATS_TEST_TMPDIR/marked.md"
	refute_output --partial 'date'
	assert_output --partial '$ echo checked'
}

@test "a Markdown code block with an unrun transcript fails the check" {
	printf '    make demo\n    $ echo hidden\n    hidden\n' \
	    >"$BATS_TEST_TMPDIR/hidden.md"
	run check_md_all_run "$BATS_TEST_TMPDIR/hidden.md"
	assert_failure
	assert_output --partial '1 $ lines in code blocks, 0 of them checked'
}

@test "timing figures in a transcript match any figures, nothing else" {
	cat >"$BATS_TEST_TMPDIR/time.md" <<-'EOF'
	    $ echo 'range-sum: wall 1.00 s, cpu 0.99 s' >&2
	    range-sum: wall 3.25 s, cpu 12 s
	EOF
	run check_examples "$BATS_TEST_TMPDIR/time.md"
	assert_success
	cat >"$BATS_TEST_TMPDIR/time.md" <<-'EOF'
	    $ echo 'range-sum: wall 1.00 s, cpu 0.99 s, switches 3' >&2
	    range-sum: wall 1.00 s, cpu 0.99 s, switches 4
	EOF
	run check_examples "$BATS_TEST_TMPDIR/time.md"
	assert_failure
}

@test "a page whose example output is wrong fails the check" {
	cat >"$BATS_TEST_TMPDIR/wrong.1" <<-'EOF'
	.Sh EXAMPLES
	.Bd -literal
	$ echo 'one' \e
	    two
	one two
	$ false; echo $?
	1
	$ echo $?
	0
	$ echo four
	five
	.Ed
	EOF
	run check_examples "$BATS_TEST_TMPDIR/wrong.1"
	assert_failure
	assert_line -- '-five'
	assert_line -- '+four'
	refute_line -- '-one two'
}

@test "a page without a checked example fails the check" {
	cat >"$BATS_TEST_TMPDIR/none.1" <<-'EOF'
	.Sh EXAMPLES
	.\" unchecked: the output varies
	.Bd -literal
	$ date
	Wed Nov 25 15:00:00 UTC 2026
	.Ed
	.Sh SEE ALSO
	.Bd -literal
	$ echo not an example
	.Ed
	EOF
	run check_examples "$BATS_TEST_TMPDIR/none.1"
	assert_failure
	assert_output --partial 'no checked example'
}

@test "examples/pipe.sh sums the article's range" {
	run "$REPO/examples/pipe.sh"
	assert_success
	assert_output "$(pysum 0 100000000)"
}

@test "examples/xargs.sh sums the article's range" {
	run "$REPO/examples/xargs.sh"
	assert_success
	assert_output "$(pysum 0 100000000)"
}

@test "examples/parallel.sh sums the article's range" {
	run "$REPO/examples/parallel.sh"
	assert_success
	assert_output "$(pysum 0 100000000)"
}

# Once pipe.sh summed its usage lines, xargs.sh tripped on a quote, and
# cluster.sh ran ssh with --help as the host.
@test "the example scripts print their usage on --help and exit 0, running nothing" {
	local s
	for s in pipe xargs parallel resume cluster; do
		run --separate-stderr env PATH=/nonexistent:/usr/bin:/bin \
			"$REPO/examples/$s.sh" --help
		assert_success
		assert_line --index 0 --regexp "^$s\.sh: "
		assert_line --regexp "^	examples/$s\.sh "
		[ -z "$stderr" ] || fail "$s.sh: $stderr"
	done
}

# Once it resubmitted three times and left rangetools-slurm/ behind.
@test "examples/slurm-array.sh without a working Slurm fails once and leaves nothing" {
	local fake=$BATS_TEST_TMPDIR/fakebin
	mkdir -p "$fake"
	printf '%s\n' '#!/bin/sh' 'echo x >>"$SBATCH_CALLS"' \
		'echo "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)" >&2' \
		'exit 1' >"$fake/sbatch"
	chmod +x "$fake/sbatch"
	cd "$WORK"
	SBATCH_CALLS=$BATS_TEST_TMPDIR/calls run --separate-stderr \
		env PATH="$fake:$PATH" "$REPO/examples/slurm-array.sh" 0 100 2
	assert_failure 1
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_stderr_has "sbatch submitted nothing; is Slurm working? sbatch said: sbatch: error: Batch job submission failed: Unable to contact slurm controller"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/calls")" 1
	assert_equal "$(ls -A "$WORK")" ""
}

# rangetools(7)'s "Seeing the lock" names the recorder as $D/gil_record.py;
# from the top of a checkout the page's own lines find it in bench/.
@test "rangetools(7)'s GIL recorder lines find the scripts from a checkout" {
	local lines
	lines=$(grep -E '^(D=|test -d )' "$REPO/man/rangetools.7")
	[ "$(wc -l <<<"$lines")" -eq 2 ] || fail "page lines: $lines"
	run bash -c "cd '$REPO' && $lines && python3 \$D/gil_record.py --help && test -f \$D/gil_analyze.py"
	assert_success
}

# The README's "man 7 rangetools" needs make install; in a clone it says
# to name the file.
@test "the README's man commands for a checkout show the pages" {
	command -v man >/dev/null || skip "no man(1)"
	grep -qF 'man ./man/rangetools.7' "$REPO/README.md"
	run bash -c "cd '$REPO' && MANPAGER=cat MANWIDTH=80 man ./man/rangetools.7"
	assert_success
	assert_output --partial "Seeing the lock"
}

@test "the example scripts take a negative range and a part count" {
	for s in pipe xargs parallel; do
		run "$REPO/examples/$s.sh" -1234567 7654321 5
		assert_success
		assert_output "$(pysum -1234567 7654321)"
	done
}

@test "the example scripts find the programs without bin/ on PATH" {
	cd "$WORK"
	for s in pipe xargs parallel; do
		run env PATH=/usr/local/bin:/usr/bin:/bin sh "$REPO/examples/$s.sh" -10 10 3
		assert_success
		assert_output "$(pysum -10 10)"
	done
}

# fake_range_sum: $FAKE holds range-split and sum-merge, and a range-sum
# that runs the real one after the script on stdin (which sees the part's
# start as $s, and $FAKE as $F).
fake_range_sum() {
	FAKE="$BATS_TEST_TMPDIR/bin"
	mkdir -p "$FAKE"
	ln -sf "$REPO/bin/range-split" "$REPO/bin/sum-merge" "$FAKE/"
	{
		echo '#!/bin/sh'
		echo "F=$FAKE"
		echo 's=$(printf "%s\n" "$@" | tail -n 2 | head -n 1)'
		cat
		echo "exec $REPO/bin/range-sum \"\$@\""
	} >"$FAKE/range-sum"
	chmod +x "$FAKE/range-sum"
}

@test "GNU xargs exits at once when its last command dies of a signal, leaving the others running" {
	# What rangetools(7) and examples/resume.sh say of xargs: worker 1
	# runs on after xargs has exited 125, until the test lets it end.
	cd "$WORK"
	printf '1\n2\n' | {
		run xargs -P 2 -L 1 sh -c '
			if [ "$0" = 1 ]; then
				# (Not holding the output that run reads.)
				exec >/dev/null 2>&1 3>&-
				touch started
				while [ ! -e go ]; do sleep 0.05; done
				echo late >>out
			else
				while [ ! -e started ]; do sleep 0.05; done
				kill -KILL $$
			fi'
		assert_failure 125
	}
	[ ! -e out ]
	touch go
	wait_until grep -q late out
}

@test "the sh -c wrapper of examples/resume.sh makes xargs wait for every worker" {
	cd "$WORK"
	printf '1\n2\n' | {
		run xargs -P 2 -L 1 sh -c 'sh -c "
			if [ \$0 = 1 ]; then
				touch started
				while [ ! -e dead ]; do sleep 0.05; done
				sleep 0.5
				echo late >>out
			else
				while [ ! -e started ]; do sleep 0.05; done
				touch dead
				kill -KILL \$\$
			fi" "$0" || exit 1'
		# 123: a command failed; the others ran to their end.
		assert_failure 123
	}
	assert_equal "$(cat out)" late
}

@test "examples/resume.sh waits for every worker and runs again only the part whose worker was killed" {
	# The second part's first worker is killed; the others are still at
	# work then, and end after it.
	fake_range_sum <<-'EOF'
	if [ "$s" = 25000000 ] && mkdir "$F/killed" 2>/dev/null; then
		kill -KILL $$
	fi
	while [ ! -d "$F/killed" ]; do sleep 0.05; done
	sleep 0.3
	EOF
	RANGETOOLS_BIN=$FAKE run --separate-stderr "$REPO/examples/resume.sh" 0 1e8 4 3
	assert_success
	assert_output "$(pysum 0 100000000)"
	# One resume, of that part alone: without the wrapper, xargs would
	# have started no part after the killed one.
	[ "$(grep -c 'running again' <<<"$stderr")" -eq 1 ]
	assert_stderr_has "resume.sh: running again: 25000000 50000000"
}

@test "examples/xargs.sh runs every other part when a worker is killed, and names only its part" {
	fake_range_sum <<-'EOF'
	[ "$s" != 25000000 ] || kill -KILL $$
	EOF
	RANGETOOLS_BIN=$FAKE run --separate-stderr "$REPO/examples/xargs.sh" 0 1e8 4 2
	assert_failure 3
	assert_output ''
	assert_stderr_has 'missing: [25000000, 50000000)'
	! grep -q 'missing: .*) \[' <<<"$stderr"
}

@test "examples/resume.sh keeps its records in RECS and resumes from them" {
	local recs="$WORK/recs"
	range-split -n 4 -5 1000 | sed 3d | xargs -L 1 range-sum -t >"$recs"
	RECS=$recs run --separate-stderr "$REPO/examples/resume.sh" -5 1000
	assert_success
	assert_output "$(pysum -5 1000)"
	assert_equal "$stderr" \
		"$REPO/examples/resume.sh: running again: $(range-split -n 4 -5 1000 | sed -n 3p)"
	[ "$(wc -l <"$recs")" -eq 4 ]
}

@test "examples/resume.sh counts a late record of a part it ran again once" {
	local recs="$WORK/recs" late
	late=$(range-split -n 4 -5 1000 | sed -n 3p | xargs range-sum -t --)
	range-split -n 4 -5 1000 | sed 3d | xargs -L 1 range-sum -t >"$recs"
	RECS=$recs run --separate-stderr "$REPO/examples/resume.sh" -5 1000
	assert_success
	# The straggler's record of the part run again comes after all.
	echo "$late" >>"$recs"
	RECS=$recs run --separate-stderr "$REPO/examples/resume.sh" -5 1000
	assert_success
	assert_output "$(pysum -5 1000)"
	assert_equal "$stderr" ''
	[ "$(grep -c -x -F "$late" "$recs")" -eq 2 ]
}

@test "examples/resume.sh gives up after ROUNDS, naming what is still missing" {
	fake_range_sum <<-'EOF'
	[ "$s" != 0 ] || kill -KILL $$
	EOF
	ROUNDS=1 RANGETOOLS_BIN=$FAKE run --separate-stderr "$REPO/examples/resume.sh" 0 100 2
	assert_failure 3
	assert_output ''
	assert_stderr_has 'missing: [0, 50)'
}

@test "examples/parallel.sh retries a part whose worker was killed twice" {
	fake_range_sum <<-'EOF'
	if [ "$s" = 50000000 ]; then
		n=$(cat "$F/tries" 2>/dev/null || echo 0)
		echo $((n + 1)) >"$F/tries"
		[ "$n" -ge 2 ] || kill -KILL $$
	fi
	EOF
	RANGETOOLS_BIN=$FAKE run --separate-stderr "$REPO/examples/parallel.sh" 0 1e8 4
	assert_success
	assert_output "$(pysum 0 100000000)"
	assert_equal "$(cat "$FAKE/tries")" 3
}

# Every option in a program's getopt tables has an entry (.It Fl ...) in
# its page, so that an option added to the code cannot go undocumented.
check_options_documented() {
	local src="$REPO/src/$1.c" page="$REPO/man/$2" name short missing=

	for name in $(sed -n 's/^ *{"\([a-z-]*\)", *[a-z_]*_argument,.*/\1/p' "$src"); do
		grep -q "^\.It .*Fl \\\\-$name\\b" "$page" || missing="$missing --$name"
	done
	short=$(sed -n 's/^static const char shortopts\[\] = "\(.*\)";/\1/p' "$src" | tr -d :)
	[ -n "$short" ] || missing="$missing (no shortopts found in $src)"
	for name in $(printf '%s' "$short" | fold -w 1); do
		grep -q "^\.It Fl $name\\b" "$page" || missing="$missing -$name"
	done
	[ -z "$missing" ] || fail "$2 does not document:$missing"
}

@test "range-split(1) documents every option range-split accepts" {
	check_options_documented range-split range-split.1
}

@test "range-sum(1) documents every option range-sum accepts" {
	check_options_documented range-sum range-sum.1
}

@test "sum-merge(1) documents every option sum-merge accepts" {
	check_options_documented sum-merge sum-merge.1
}

@test "the README's map of src/ names every module once, and only those" {
	local f name missing= stale= twice
	for f in "$REPO"/src/*.c; do
		name=src/${f##*/}
		grep -qF "| \`$name\` |" "$REPO/README.md" || missing="$missing $name"
	done
	for name in $(sed -n 's/^| `\(src\/[^`]*\)` |.*/\1/p' "$REPO/README.md"); do
		[ -f "$REPO/$name" ] || stale="$stale $name"
	done
	twice=$(sed -n 's/^| `\(src\/[^`]*\)` |.*/\1/p' "$REPO/README.md" |
		sort | uniq -d | tr '\n' ' ')
	[ -z "$missing$stale$twice" ] ||
		fail "README's map of src/: missing:${missing:- none}; stale:${stale:- none}; twice: ${twice:-none}"
}
