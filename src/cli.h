/*
 * cli.h: what the three programs' command lines have in common.  Reading
 * input is elsewhere: lines.h (a line at a time, fields) and chunks.h
 * (sum-merge's block reader).
 */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>

#define RANGETOOLS_VERSION "1.0.0"

/*
 * Returns argv rearranged so that every operand that looks like a
 * negative number ("-5", "-1e3") comes after a "--": then getopt_long()
 * never mistakes it for an option, and "range-sum -5 5" works as
 * "range-sum -- -5 5" does.  Option arguments stay with their options;
 * the long option pairopt (may be NULL) takes two words, as sum-merge's
 * "--expect start end".
 */
char **cli_numeric_operands(int argc, char **argv, const char *shortopts,
			    const struct option *longopts, const char *pairopt);

/*
 * s made safe to quote in a one-line message: control bytes escaped
 * (\n, \x1b ...), and cut to about 64 bytes with "..." if longer.  The
 * result lives in one of four static buffers, reused in turn.
 */
const char *cli_quote(const char *s);

/* Prints "NAME (rangetools) VERSION" and exits 0. */
void cli_version(void);

/* A usage error: the message, a pointer to --help, exit status 2. */
void cli_usage_error(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/*
 * Reports what getopt_long() (with opterr = 0) refused: an unknown
 * option, or one missing its value.  Exits 2.
 */
void cli_bad_option(char **argv, const char *shortopts)
    __attribute__((noreturn));

/*
 * How long a program waits, at a terminal, before it says what it is
 * waiting for: long enough that a quick answer shows no hint.
 */
#define CLI_HINT_MS 2000

/*
 * Before reading stdin: when stdin and stderr are both a terminal and
 * nothing is typed for CLI_HINT_MS, one line on stderr says that the
 * program reads what (e.g. "ranges, one 'start end' a line") from the
 * terminal, and how to end.  Then it returns, and the program reads on.
 */
void cli_stdin_hint(const char *what);

/* Flushes and closes stdout; a lost write is an error (exit 1). */
void cli_close_stdout(void);

#endif
