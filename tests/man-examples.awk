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
# A Markdown file (a name ending in .md) is read the same way: each code
# block, indented by four spaces or fenced by ```, is a display, and a
# block right after the line
#	<!-- unchecked: <why> -->
# is left out.  The whole file counts, as if it were an EXAMPLES section.
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

FNR == 1 {
	md = (FILENAME ~ /\.md$/)
}

md {
	markdown()
	next
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
	take(unescape($0))
}

# markdown(): one line of a Markdown file, as the mdoc rules above.
function markdown() {
	if ($0 ~ /^<!-- unchecked:/) {
		skip = 1
		return
	}
	if (fenced) {
		if ($0 ~ /^```/) {
			fenced = 0
			if (inblock)
				end_block()
			display = 0
			skip = 0
		} else if (display)
			take($0)
		return
	}
	if ($0 ~ /^```/) {
		fenced = display = first = 1
		return
	}
	if (substr($0, 1, 4) == "    ") {
		if (!display && !indented) {
			display = first = indented = 1
		}
		if (display)
			take(substr($0, 5))
		return
	}
	if (indented) {
		if (inblock)
			end_block()
		display = indented = 0
	}
	if ($0 != "")
		skip = 0
}

# take(line): one line of a display.
function take(line) {
	if (first) {
		first = 0
		if (skip || substr(line, 1, 2) != "$ ") {
			display = 0
			skip = 0
			return
		}
		inblock = 1
		begin_block()
	}
	if (out == "expect") {
		print line
		return
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
	if (inblock)
		end_block()
	if (out == "expect" && nblocks == 0)
		exit 1
}
