# bash completion for range-split, range-sum and sum-merge.
#
# make install puts this file in bash-completion's completions folder under
# each program's name, where bash-completion finds it the first time one of
# them is completed; or source it from ~/.bashrc.  It needs nothing but
# bash: option names after "-", the values of --method and --progress,
# file names for sum-merge and range-sum --trace, and nothing where a
# number or a name is due.
# The option lists must match each program's --help (tests/completion.bats
# checks them).

_rangetools_split_opts='-h -i -n -s --index --parts --size --only --help
	--version'
_rangetools_sum_opts='-h -t --tag --method --threads --gil --switch-interval
	--io-wait --io-echo --io-threads --procs --mq --shm --stop --stats --progress
	--progress=always --time --lanes --trace --trace-max --help --version'
_rangetools_merge_opts='-h --expect --values --missing --plan --array --mq --count
	--timeout --shm --stats --progress --progress=always --help --version'

# _rangetools_reply WORDLIST WORD [PREFIX]: the words of WORDLIST that
# begin with WORD, each with PREFIX in front, one per COMPREPLY element.
_rangetools_reply() {
	mapfile -t COMPREPLY < <(compgen -W "$1" -P "${3:-}" -- "$2")
}

# _rangetools_dashdash: true if "--" comes before the word being completed,
# so that what follows are operands, never options.
_rangetools_dashdash() {
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -- ]] && return 0
	done
	return 1
}

# _rangetools_value OPTION: true if the word being completed is OPTION's
# value, given as "OPTION VALUE" or "OPTION=VALUE"; sets _rangetools_cur
# to the value typed so far, and _rangetools_pre to what the completion
# must put in front of it.  bash splits "OPTION=VALUE" into three words
# when COMP_WORDBREAKS holds "=" (the default), and then replaces only
# what follows the "=", even when the word being completed is "=" itself.
_rangetools_value() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local pprev=
	((COMP_CWORD < 2)) || pprev=${COMP_WORDS[COMP_CWORD - 2]}
	_rangetools_pre=
	if [[ $prev == "$1" && $cur == = ]]; then
		_rangetools_cur=
	elif [[ $prev == "$1" && $cur != -* ]]; then
		_rangetools_cur=$cur
	elif [[ $prev == = && $pprev == "$1" ]]; then
		_rangetools_cur=$cur
	elif [[ $cur == "$1="* ]]; then
		_rangetools_cur=${cur#"$1="}
		_rangetools_pre="$1="
	else
		return 1
	fi
}

# _rangetools_takes_value OPTIONS...: the word being completed is the
# value of one of OPTIONS (a number or a name: nothing to offer).
_rangetools_takes_value() {
	local opt
	for opt; do
		_rangetools_value "$opt" && return 0
	done
	return 1
}

_rangetools_range_split() {
	local cur=${COMP_WORDS[COMP_CWORD]} _rangetools_cur _rangetools_pre
	COMPREPLY=()
	_rangetools_takes_value -n --parts -s --size --only && return
	[[ $cur == -* ]] && ! _rangetools_dashdash &&
		_rangetools_reply "$_rangetools_split_opts" "$cur"
	return 0
}

_rangetools_range_sum() {
	local cur=${COMP_WORDS[COMP_CWORD]} _rangetools_cur _rangetools_pre
	COMPREPLY=()
	if _rangetools_value --method; then
		_rangetools_reply 'loop formula' "$_rangetools_cur" "$_rangetools_pre"
		return
	fi
	# --progress has an optional value, so it takes one only after "=":
	# in "--progress always", always is an operand.
	if ! [[ ${COMP_WORDS[COMP_CWORD - 1]} == --progress && $cur != = ]] &&
		_rangetools_value --progress; then
		_rangetools_reply always "$_rangetools_cur" "$_rangetools_pre"
		return
	fi
	if _rangetools_value --trace; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -P "$_rangetools_pre" \
			-- "$_rangetools_cur")
		return
	fi
	_rangetools_takes_value --threads --switch-interval --io-wait \
		--io-threads --procs --mq --shm --trace-max && return
	[[ $cur == -* ]] && ! _rangetools_dashdash &&
		_rangetools_reply "$_rangetools_sum_opts" "$cur"
	return 0
}

_rangetools_sum_merge() {
	local cur=${COMP_WORDS[COMP_CWORD]} _rangetools_cur _rangetools_pre
	COMPREPLY=()
	if ! [[ ${COMP_WORDS[COMP_CWORD - 1]} == --progress && $cur != = ]] &&
		_rangetools_value --progress; then
		_rangetools_reply always "$_rangetools_cur" "$_rangetools_pre"
		return
	fi
	_rangetools_takes_value --mq --count --timeout --shm && return
	# --expect takes two numbers.
	[[ ${COMP_WORDS[COMP_CWORD - 1]} == --expect ]] && return
	((COMP_CWORD < 2)) || [[ ${COMP_WORDS[COMP_CWORD - 2]} != --expect ]] ||
		return
	if [[ $cur == -* ]] && ! _rangetools_dashdash; then
		_rangetools_reply "$_rangetools_merge_opts" "$cur"
		return
	fi
	# One name per line, so that names with blanks survive.
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

complete -F _rangetools_range_split range-split
complete -F _rangetools_range_sum range-sum
complete -F _rangetools_sum_merge sum-merge
