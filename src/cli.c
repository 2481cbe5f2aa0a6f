/*
 * cli.c: option-line and I/O helpers shared by the three programs.
 */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

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
cli_numeric_operands(int argc, char **argv, const char *shortopts,
		     const struct option *longopts, const char *pairopt)
{
	char **out, **ops;
	int i, k, nout = 0, nops = 0;

	if ((out = calloc((size_t)argc + 2, sizeof(*out))) == NULL ||
	    (ops = calloc((size_t)argc + 1, sizeof(*ops))) == NULL)
		err(1, NULL);
	opterr = 0; /* cli_bad_option() says what is wrong, in one line */
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
		k = takes_next(argv[i] + 1, shortopts, longopts, pairopt);
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
	free(ops);
	free(cli_argv);
	return cli_argv = out;
}

const char *
cli_quote(const char *s)
{
	static char bufs[4][4 * CLI_QUOTE_MAX + sizeof("...")];
	static int turn;
	char *buf = bufs[turn++ % 4], *p = buf;
	const unsigned char *u = (const unsigned char *)s;
	size_t n;

	for (n = 0; u[n] != '\0'; n++) {
		/* Stop at a character boundary, not inside a UTF-8 sequence. */
		if (n >= CLI_QUOTE_MAX && (u[n] & 0xc0) != 0x80) {
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

void
cli_version(void)
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

void
cli_bad_option(char **argv, const char *shortopts)
{
	const char *word = argv[optind - 1];

	if (optopt != 0 && strchr(shortopts, optopt) != NULL)
		cli_usage_error("option '%s' needs a value", cli_quote(word));
	if (optopt != 0)
		cli_usage_error("unknown option '-%c'", optopt);
	cli_usage_error("unknown option '%s'", cli_quote(word));
}

void
cli_close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "write error on stdout");
	if (fclose(stdout) != 0)
		err(1, "write error on stdout");
}

long
cli_getline(struct lines *l, int *nul)
{
	ssize_t n;

	errno = 0;
	if ((n = getline(&l->buf, &l->cap, l->fp)) < 0) {
		if (ferror(l->fp) || errno == ENOMEM)
			err(1, "%s", l->name);
		return -1;
	}
	l->lineno++;
	if (n > 0 && l->buf[n - 1] == '\n')
		l->buf[--n] = '\0';
	if (n > 0 && l->buf[n - 1] == '\r')
		l->buf[--n] = '\0';
	*nul = memchr(l->buf, '\0', (size_t)n) != NULL;
	return (long)n;
}

#define CHUNK ((size_t)128 * 1024) /* a read's size: fits the L2 cache */

/*
 * A regular file is mapped rather than read, up to its last newline:
 * its lines are then parsed where the page cache holds them, with no
 * copy.  Whatever follows the last newline is read as usual afterwards.
 * Private and writable, so that cli_chunkline() can end a line with a
 * NUL (which copies that one page).
 */
static void
map_file(struct chunks *c)
{
	struct stat st;
	char *p, *nl;
	off_t at;

	if (fstat(c->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (off_t)(size_t)st.st_size != st.st_size ||
	    (at = lseek(c->fd, 0, SEEK_CUR)) < 0 || at >= st.st_size)
		return;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 c->fd, 0);
	if (p == MAP_FAILED)
		return;
	nl = memrchr(p + at, '\n', (size_t)(st.st_size - at));
	if (nl == NULL || lseek(c->fd, nl + 1 - p, SEEK_SET) < 0) {
		munmap(p, (size_t)st.st_size);
		return;
	}
	c->buf = p;
	c->maplen = (size_t)st.st_size;
	c->off = (size_t)at;
	c->len = (size_t)(nl + 1 - p);
}

/* Moves the unread tail to the front and appends what one read(2) gives. */
static void
refill(struct chunks *c)
{
	ssize_t got;
	char *p;

	if (c->maplen > 0) { /* mapped lines all taken: read the rest */
		munmap(c->buf, c->maplen);
		c->buf = NULL;
		c->maplen = c->cap = c->off = c->len = 0;
	}
	if (c->buf != NULL)
		memmove(c->buf, c->buf + c->off, c->len - c->off);
	c->len -= c->off;
	c->off = 0;
	if (c->cap - c->len < CHUNK / 2) { /* a long line: make room */
		if ((p = realloc(c->buf, c->cap + CHUNK)) == NULL)
			err(1, NULL);
		c->buf = p;
		c->cap += CHUNK;
	}
	/* One byte stays free for the NUL after a last line without '\n'. */
	while ((got = read(c->fd, c->buf + c->len, c->cap - c->len - 1)) < 0)
		if (errno != EINTR)
			err(1, "%s", c->name);
	c->len += (size_t)got;
	c->eof = got == 0;
}

char *
cli_chunkline(struct chunks *c, size_t *np, int *nul)
{
	char *line, *nl = NULL;
	size_t n;

	if (c->buf == NULL && !c->eof)
		map_file(c);
	while (c->buf == NULL ||
	       (nl = memchr(c->buf + c->off, '\n', c->len - c->off)) == NULL) {
		if (c->eof)
			break;
		refill(c);
	}
	if (nl == NULL && c->off == c->len)
		return NULL;
	line = c->buf + c->off;
	n = nl != NULL ? (size_t)(nl - line) : c->len - c->off;
	c->off += n + (nl != NULL);
	c->lineno++;
	line[n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	*nul = memchr(line, '\0', n) != NULL;
	*np = n;
	return line;
}

void
cli_chunkfree(struct chunks *c)
{
	if (c->maplen > 0)
		munmap(c->buf, c->maplen);
	else
		free(c->buf);
	c->buf = NULL;
}

int
cli_fields(char *line, char **f, int max)
{
	int n = 0;

	for (;;) {
		while (*line == ' ' || *line == '\t')
			*line++ = '\0';
		if (*line == '\0')
			return n;
		if (n == max)
			return max + 1;
		f[n++] = line;
		while (*line != '\0' && *line != ' ' && *line != '\t')
			line++;
	}
}
