#!/usr/bin/env bats
#
# Bash completion (completion/rangetools.bash): options, the values of
# --method and --progress, file names for sum-merge and range-sum --trace,
# and option lists that match each program's --help.

load test_helper

setup() {
	source "$RANGETOOLS_REPO/completion/rangetools.bash"
}

# complete_words WORD...: what the completion registered for the first
# word offers for the last one, one per line.  The words are given as
# bash splits them: "--method=lo" is "--method" "=" "lo".
complete_words() {
	local spec func
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	spec=$(complete -p "$1") || return
	func=${spec#*-F }
	func=${func%% *}
	COMPREPLY=()
	"$func" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	[ "${#COMPREPLY[@]}" -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"
}

# help_options PROG: the options in the table of PROG --help, sorted: the
# lines that begin with an option, indented less than the descriptions
# that go on from one line to the next.
help_options() {
	"$1" --help | python3 -c '
import re, sys
opts = set()
for line in sys.stdin:
    if re.match(r" {1,8}-", line):
        field = re.split(r"\s{2,}", line.strip())[0]
        opts.update(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", field))
print("\n".join(sorted(opts)))'
}

# completed_options PROG: the options the completion offers after "-",
# without their "=value", sorted.
completed_options() {
	complete_words "$1" - | sed 's/=.*//' | sort -u
}

@test "range-sum --method offers loop and formula" {
	run complete_words range-sum --method ''
	assert_output $'loop\nformula'
}

@test "range-sum --method f completes to formula" {
	run complete_words range-sum --method f
	assert_output formula
}

@test "range-sum --method=lo completes to loop" {
	run complete_words range-sum --method = lo
	assert_output loop
	run complete_words range-sum --method =
	assert_output $'loop\nformula'
}

@test "range-sum --method=lo completes with its prefix where = does not split words" {
	run complete_words range-sum --method=lo
	assert_output --method=loop
}

@test "range-sum --prog offers --progress and --progress=always" {
	run complete_words range-sum 0 1e8 --prog
	assert_output $'--progress\n--progress=always'
}

@test "range-sum --progress= offers always" {
	run complete_words range-sum --progress =
	assert_output always
}

@test "range-sum offers nothing where a number is due" {
	run complete_words range-sum --threads ''
	assert_output ''
	run complete_words range-sum 0 ''
	assert_output ''
}

@test "range-split -- offers no options after --" {
	run complete_words range-split -- -
	assert_output ''
}

@test "range-split -n offers nothing, and its options after -" {
	run complete_words range-split -n ''
	assert_output ''
	run complete_words range-split -
	assert_line -- --parts
	assert_line -- -i
}

@test "sum-merge offers file names" {
	mkdir "$BATS_TEST_TMPDIR/d"
	touch "$BATS_TEST_TMPDIR/d/part 1" "$BATS_TEST_TMPDIR/d/part2" "$BATS_TEST_TMPDIR/d/other"
	cd "$BATS_TEST_TMPDIR/d"
	run complete_words sum-merge --expect 0 10 pa
	assert_output $'part 1\npart2'
}

@test "range-sum --trace offers file names, as --trace FILE and --trace=FILE" {
	mkdir "$BATS_TEST_TMPDIR/d"
	touch "$BATS_TEST_TMPDIR/d/gil 1.json" "$BATS_TEST_TMPDIR/d/gil2.json" "$BATS_TEST_TMPDIR/d/other"
	cd "$BATS_TEST_TMPDIR/d"
	run complete_words range-sum --threads 2 --trace gi
	assert_output $'gil 1.json\ngil2.json'
	run complete_words range-sum --trace = gil2
	assert_output gil2.json
}

@test "sum-merge offers no file names for the numbers of --expect" {
	cd "$BATS_TEST_TMPDIR"
	touch 0file
	run complete_words sum-merge --expect ''
	assert_output ''
	run complete_words sum-merge --expect 0 ''
	assert_output ''
}

@test "sum-merge --progress= offers always" {
	run complete_words sum-merge --progress =
	assert_output always
}

@test "sum-merge --t offers --timeout" {
	run complete_words sum-merge --mq /q --t
	assert_output --timeout
}

@test "the completion of range-split offers exactly the options of its --help" {
	assert_equal "$(completed_options range-split)" "$(help_options range-split)"
}

@test "the completion of range-sum offers exactly the options of its --help" {
	assert_equal "$(completed_options range-sum)" "$(help_options range-sum)"
}

@test "the completion of sum-merge offers exactly the options of its --help" {
	assert_equal "$(completed_options sum-merge)" "$(help_options sum-merge)"
}

@test "make install puts a completion under each program's name, make uninstall removes it" {
	only_in_check
	local dest=$BATS_TEST_TMPDIR/dest p
	local dir=$dest/usr/local/share/bash-completion/completions
	make -s -C "$RANGETOOLS_REPO" install DESTDIR="$dest" PREFIX=/usr/local >/dev/null
	for p in range-split range-sum sum-merge; do
		[ -f "$dir/$p" ] || fail "$dir/$p not installed"
		# What bash-completion does the first time it completes $p.
		run bash -c 'complete -r; source "$1"; complete -p "$2"' - "$dir/$p" "$p"
		assert_success
		assert_output --partial " $p"
	done
	make -s -C "$RANGETOOLS_REPO" uninstall DESTDIR="$dest" PREFIX=/usr/local >/dev/null
	run find "$dir" ! -type d
	assert_output ''
}
