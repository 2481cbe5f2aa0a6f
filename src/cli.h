/*
 * cli.h: what the three programs' command lines have in common.  Reading
 * input is elsewhere: lines.h (a line at a time, fields) and chunks.h
 * (sum-merge's block reader).
 */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <stdint.h>

#define RANGETOOLS_VERSION "1.0.0"

/*
 * The long options that more than one program has, the same in each:
 * their codes (past any a program numbers from 256 on), and their
 * entries.  CLI_OPTIONS_END ends every program's table: -h and --help,
 * --version (cli_option() answers both), the terminator.
 */
enum {
	CLI_OPT_MQ = 0x1000,
	CLI_OPT_SHM,
	CLI_OPT_STATS,
	CLI_OPT_PROGRESS,
	CLI_OPT_VERSION,
};
/* clang-format off */
#define CLI_OPTIONS_SHARED \
	{"mq", required_argument, NULL, CLI_OPT_MQ}, \
	{"shm", required_argument, NULL, CLI_OPT_SHM}, \
	{"stats", no_argument, NULL, CLI_OPT_STATS}, \
	{"progress", optional_argument, NULL, CLI_OPT_PROGRESS}
#define CLI_OPTIONS_END \
	{"help", no_argument, NULL, 'h'}, \
	{"version", no_argument, NULL, CLI_OPT_VERSION}, \
	{NULL, 0, NULL, 0}
/* clang-format on */

/* A program's command line: its options, and what --help prints. */
struct cli {
	const char *shortopts;
	const struct option *longopts;
	const char *pairopt; /* a long option of two words, or NULL */
	const char *help;
};

/*
 * Returns argv rearranged so that every operand that looks like a
 * negative number ("-5", "-1e3") comes after a "--", and sets *argc to
 * its length: then getopt_long() never mistakes such an operand for an
 * option, and "range-sum -5 5" works as "range-sum -- -5 5" does.
 * Option arguments stay with their options; the long option c->pairopt
 * takes two words, as sum-merge's "--expect start end".
 */
char **cli_numeric_operands(const struct cli *c, int *argc, char **argv);

/*
 * The next option of argv, as getopt_long() returns it, or -1 after
 * the last.  -h and --help print c->help and --version the version,
 * and exit 0; an unknown option, or one missing its value, is a usage
 * error (exit 2).
 */
int cli_option(const struct cli *c, int argc, char **argv);

/*
 * s made safe to quote in a one-line message: control bytes escaped
 * (\n, \x1b ...), and cut to about 64 bytes with "..." if longer.  The
 * result lives in one of four static buffers, reused in turn.
 */
const char *cli_quote(const char *s);

/* A usage error: the message, a pointer to --help, exit status 2. */
void cli_usage_error(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/*
 * The parsers of num.h and ipc.h as usage errors (exit 2) naming the
 * option or operand what: an integer in [min, max], a duration in
 * nanoseconds of at most NUM_DURATION_MAX_NS, a POSIX IPC name.
 */
int64_t cli_num_arg(const char *what, const char *s, int64_t min, int64_t max);
int64_t cli_duration_arg(const char *what, const char *s);
void cli_ipc_name_arg(const char *what, const char *name);

/*
 * How long a program waits, at a terminal, before it says what it is
 * waiting for: long enough that a quick answer shows no hint.
 */
#define CLI_HINT_MS 2000

/*
 * A hint at the terminal: "prog: " and the message, written whole by one
 * write(2), so that the hints of workers sharing a terminal (producers
 * that xargs -P started, all waiting on one full queue) never interleave.
 */
void cli_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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
