# man-examples.awk: turn the EXAMPLES of an mdoc page into a shell script.
#
# Every literal display (.Bd -literal ... .Ed) in the EXAMPLES section whose
# first line begins with "$ " is a transcript: "$ command" lines, each
# followed by what the command prints (standard output and standard error).
# A command line ending in a backslash goes on to the next line.  A display
# right after the comment line
#	.\" unchecked: <why>
# is left out, as are displays that do not begin with "$ ".
#
# With -v out=expect this prints the transcripts as the page shows them;
# with -v out=script it prints a sh(1) script that prints each "$ command"
# line, runs the command, and so prints the same transcripts when the page
# is right.  Each display runs in a subshell of its own; "echo $?" works
# within one.  Both outputs mark where each display begins.

function unescape(s,	r, c, i) {
	r = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c != "\\") {
			r = r c
			continue
		}
		c = substr(s, i + 1, 1)
		if (c == "e") {
			r = r "\\"; i++
		} else if (c == "&") {
			i++
		} else if (c == "-") {
			r = r "-"; i++
		} else if (c == "(" && substr(s, i + 2, 2) == "aq") {
			r = r "'"; i += 3
		} else if (c == "(" && substr(s, i + 2, 2) == "dq") {
			r = r "\""; i += 3
		} else if (c == "(" && substr(s, i + 2, 2) == "ga") {
			r = r "`"; i += 3
		} else {
			r = r "\\"
		}
	}
	return r
}

function begin_block() {
	nblocks++
	mark = "--- " FILENAME " example " nblocks " (line " NR ")"
	if (out == "expect")
		print mark
	else
		printf "echo '%s'\n(\nst=0\n", mark
}

function end_block() {
	if (out == "script") {
		if (incmd)
			end_command()
		print ")"
	}
	inblock = 0
}

function end_command() {
	print "__RANGETOOLS_EXAMPLE__"
	printf "(exit $st)\n%s\nst=$?\n", cmd
	incmd = 0
}

/^\.Sh / {
	inex = ($0 == ".Sh EXAMPLES")
	next
}

!inex { next }

/^\.\\" unchecked:/ {
	skip = 1
	next
}

/^\.Bd -literal/ {
	display = 1
	first = 1
	next
}

/^\.Ed/ {
	if (inblock)
		end_block()
	display = 0
	skip = 0
	next
}

display {
	line = unescape($0)
	if (first) {
		first = 0
		if (skip || substr(line, 1, 2) != "$ ") {
			display = 0
			skip = 0
			next
		}
		inblock = 1
		begin_block()
	}
	if (out == "expect") {
		print line
		next
	}
	if (incmd && cont) {
		print line
		cmd = cmd "\n" line
	} else if (substr(line, 1, 2) == "$ ") {
		if (incmd)
			end_command()
		print "cat <<'__RANGETOOLS_EXAMPLE__'"
		print line
		cmd = substr(line, 3)
		incmd = 1
	}
	cont = incmd && substr(line, length(line), 1) == "\\"
	if (incmd && !cont)
		end_command()
}

END {
	if (out == "expect" && nblocks == 0)
		exit 1
}
