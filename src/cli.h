/*
 * cli.h: what the three programs' command lines have in common.
 */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <stdio.h>

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

/* Flushes and closes stdout; a lost write is an error (exit 1). */
void cli_close_stdout(void);

/*
 * Reads one line without a fixed-size buffer, dropping the newline and
 * a CR before it.  Returns its length, or -1 at end of input; a read
 * error exits 1.  *nul is set if the line holds a NUL byte.
 */
struct lines {
	FILE *fp;
	const char *name; /* for messages: a file name, or "stdin" */
	char *buf;
	size_t cap;
	long long lineno;
};
long cli_getline(struct lines *l, int *nul);

/*
 * The same lines read in large blocks, or mapped from a regular file, for
 * input of many short lines (sum-merge): buf[off, len) is input not yet
 * consumed, which a parser
 * may take whole lines from directly, advancing off and lineno, before
 * it asks cli_chunkline() for the next line.
 */
struct chunks {
	int fd;
	const char *name; /* for messages: a file name, or "stdin" */
	char *buf;
	size_t cap, off, len;
	size_t maplen; /* > 0: buf is a mapping of the file, not malloc'd */
	int eof;
	long long lineno;
};

/*
 * As cli_getline(): the next line without its newline and a CR before
 * it, NUL-terminated in place (valid until the next call), its length in
 * *n and *nul set if it holds a NUL byte; NULL at end of input.  A read
 * error exits 1.
 */
char *cli_chunkline(struct chunks *c, size_t *n, int *nul);

/* Releases the buffer or mapping of a struct chunks. */
void cli_chunkfree(struct chunks *c);

/* Splits a line at runs of blanks; returns the field count, at most max+1. */
int cli_fields(char *line, char **f, int max);

#endif
