/*
 * cli.c: what the three programs' command lines share: operands that
 * look like negative numbers, quoting an operand in a message, --version,
 * usage errors (of numbers, durations and IPC names too), and closing
 * stdout.
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ipc.h"
#include "num.h"

extern char *program_invocation_short_name;

/* How many bytes of an operand a message quotes. */
#define CLI_QUOTE_MAX 64

/*
 * The rearranged argument vector lives as long as the program, like argv
 * itself; holding it here keeps it reachable, so that leak checkers
 * (LeakSanitizer, valgrind) do not report it once main() has returned.
 */
static char **cli_argv;

static int
is_negative_number(const char *s)
{
	return s[0] == '-' && s[1] >= '0' && s[1] <= '9';
}

/* How many of the next words does the option word w (one dash off) take? */
static int
takes_next(const char *w, const char *shortopts, const struct option *lo,
	   const char *pairopt)
{
	const char *p;
	size_t n;

	if (w[0] == '-') { /* --long or --long=value */
		w++;
		n = strcspn(w, "=");
		for (; lo->name != NULL; lo++) {
			if (strncmp(lo->name, w, n) != 0)
				continue;
			if (pairopt != NULL && strcmp(lo->name, pairopt) == 0)
				return w[n] == '=' ? 1 : 2;
			return w[n] == '\0' && lo->has_arg == required_argument;
		}
		return 0;
	}
	for (; *w != '\0'; w++) {
		if ((p = strchr(shortopts, *w)) == NULL)
			return 0;
		if (p[1] == ':')
			return w[1] == '\0';
	}
	return 0;
}

char **
cli_numeric_operands(const struct cli *c, int *argcp, char **argv)
{
	char **out, **ops;
	int i, k, nout = 0, nops = 0, argc = *argcp;

	if ((out = calloc((size_t)argc + 2, sizeof(*out))) == NULL ||
	    (ops = calloc((size_t)argc + 1, sizeof(*ops))) == NULL)
		err(1, "calloc: a copy of the %d arguments", argc);
	opterr = 0; /* bad_option() says what is wrong, in one line */
	out[nout++] = argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (++i < argc)
				ops[nops++] = argv[i];
			break;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0' ||
		    is_negative_number(argv[i])) {
			ops[nops++] = argv[i];
			continue;
		}
		out[nout++] = argv[i];
		k = takes_next(argv[i] + 1, c->shortopts, c->longopts,
			       c->pairopt);
		if (i + k >= argc)
			cli_usage_error("option '%s' needs %s",
					cli_quote(argv[i]),
					k > 1 ? "two values" : "a value");
		while (k-- > 0)
			out[nout++] = argv[++i];
	}
	out[nout++] = "--";
	memcpy(out + nout, ops, (size_t)nops * sizeof(*ops));
	out[nout + nops] = NULL;
	*argcp = nout + nops;
	free(ops);
	free(cli_argv);
	return cli_argv = out;
}

const char *
cli_quote(const char *s)
{
	/* Each byte takes at most 4 ("\xHH"); a UTF-8 tail up to 3 more. */
	static char bufs[4][4 * CLI_QUOTE_MAX + 3 + sizeof("...")];
	static int turn;
	char *buf = bufs[turn++ % 4], *p = buf;
	const unsigned char *u = (const unsigned char *)s;
	size_t n;

	for (n = 0; u[n] != '\0'; n++) {
		/*
		 * Stop at a character boundary, not inside a UTF-8 sequence,
		 * but after 3 continuation bytes at most: invalid UTF-8 may
		 * have a run of them as long as it likes.
		 */
		if (n >= CLI_QUOTE_MAX &&
		    ((u[n] & 0xc0) != 0x80 || n >= CLI_QUOTE_MAX + 3)) {
			memcpy(p, "...", 3);
			p += 3;
			break;
		}
		if (u[n] == '\n' || u[n] == '\t' || u[n] == '\r') {
			*p++ = '\\';
			*p++ = u[n] == '\n' ? 'n' : u[n] == '\t' ? 't' : 'r';
		} else if (u[n] < 0x20 || u[n] == 0x7f) {
			p += sprintf(p, "\\x%02x", u[n]);
		} else {
			*p++ = (char)u[n];
		}
	}
	*p = '\0';
	return buf;
}

/* Prints "NAME (rangetools) VERSION" and exits 0. */
static void __attribute__((noreturn)) version(void)
{
	printf("%s (rangetools) %s\n", program_invocation_short_name,
	       RANGETOOLS_VERSION);
	cli_close_stdout();
	exit(0);
}

void
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see '%s --help')\n", program_invocation_short_name);
	va_end(ap);
	exit(2);
}

/*
 * Reports what getopt_long() (with opterr = 0) refused: an unknown
 * option, or one missing its value.  Exits 2.
 */
static void __attribute__((noreturn))
bad_option(char **argv, const char *shortopts)
{
	const char *word = argv[optind - 1];

	if (optopt != 0 && strchr(shortopts, optopt) != NULL)
		cli_usage_error("option '%s' needs a value", cli_quote(word));
	if (optopt != 0)
		cli_usage_error("unknown option '-%c'", optopt);
	cli_usage_error("unknown option '%s'", cli_quote(word));
}

int
cli_option(const struct cli *c, int argc, char **argv)
{
	int ch = getopt_long(argc, argv, c->shortopts, c->longopts, NULL);

	if (ch == '?')
		bad_option(argv, c->shortopts);
	if (ch == CLI_OPT_VERSION)
		version();
	if (ch == 'h') {
		fputs(c->help, stdout);
		cli_close_stdout();
		exit(0);
	}
	return ch;
}

int64_t
cli_num_arg(const char *what, const char *s, int64_t min, int64_t max)
{
	const char *errstr;
	int64_t v;

	v = num_parse(s, min, max, &errstr);
	if (errstr != NULL) {
		if (strcmp(errstr, "invalid") == 0)
			cli_usage_error("%s: not an integer: '%s'", what,
					cli_quote(s));
		cli_usage_error("%s: %s (must be %jd..%jd): '%s'", what, errstr,
				(intmax_t)min, (intmax_t)max, cli_quote(s));
	}
	return v;
}

int64_t
cli_duration_arg(const char *what, const char *s)
{
	const char *errstr;
	int64_t ns;

	ns = num_duration(s, &errstr);
	if ((errstr != NULL && strcmp(errstr, "too large") == 0) ||
	    ns > NUM_DURATION_MAX_NS)
		cli_usage_error("%s: too large duration (at most %dh, a week): "
				"'%s'",
				what, NUM_DURATION_MAX_H, cli_quote(s));
	if (errstr != NULL)
		cli_usage_error(
		    "%s: %s duration (use e.g. 200us, 5ms, 10s, 2m, 1h, or "
		    "seconds as 0.005): '%s'",
		    what, errstr, cli_quote(s));
	return ns;
}

void
cli_ipc_name_arg(const char *what, const char *name)
{
	const char *why;

	if ((why = ipc_name_problem(name)) != NULL)
		cli_usage_error("%s: the name '%s' %s", what, cli_quote(name),
				why);
}

void
cli_close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "write error on stdout");
	if (fclose(stdout) != 0)
		err(1, "write error on stdout");
}

void
cli_hint(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n, m;
	ssize_t w;

	n = snprintf(line, sizeof(line), "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = m < 0 ? n : n + m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	w = write(STDERR_FILENO, line, (size_t)n);
	(void)w; /* a hint that cannot be shown is not worth an error */
}

void
cli_stdin_hint(const char *what)
{
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	int n;

	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return;
	while ((n = poll(&pfd, 1, CLI_HINT_MS)) < 0 && errno == EINTR)
		;
	if (n == 0)
		cli_hint("reading %s from the terminal; end with Ctrl-D, or "
			 "see '%s --help'",
			 what, program_invocation_short_name);
}
