/*
 * chunks.c: sum-merge's block reader: any input, a regular file too, is
 * read 128 KiB at a time, and each line is handed out where it lies,
 * NUL-terminated in place.
 *
 * Files are read, not mapped: a mapped file that another process
 * truncates while it is read kills the reader with SIGBUS, with no
 * message, where read(2) returns what is left and the merge reports the
 * file as it found it.  The copy read(2) makes costs little beside the
 * parsing (doc/design.md, "sum-merge's reader").
 */
#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chunks.h"

#define CHUNK ((size_t)128 * 1024) /* a read's size: fits the L2 cache */

/*
 * At end of input: a regular file now shorter than the offset read to
 * was truncated while it was read, and what was read of it is not the
 * file: that is an error, not a short total.
 */
static void
check_truncated(const struct chunks *c)
{
	struct stat st;
	off_t at;

	if (fstat(c->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (at = lseek(c->fd, 0, SEEK_CUR)) < 0 || at <= st.st_size)
		return;
	errx(1,
	     "%s: truncated while it was read (to %jd bytes, after %jd "
	     "were read)",
	     c->name, (intmax_t)st.st_size, (intmax_t)at);
}

/* Moves the unread tail to the front and appends what one read(2) gives. */
static void
refill(struct chunks *c)
{
	ssize_t got;
	char *p;

	if (c->off > 0)
		memmove(c->buf, c->buf + c->off, c->len - c->off);
	c->len -= c->off;
	c->off = 0;
	/*
	 * A long line: make room, doubling, so that a line of n bytes
	 * costs O(n) copying, not O(n^2 / CHUNK).
	 */
	if (c->cap - c->len < CHUNK / 2) {
		size_t cap = c->cap < CHUNK ? CHUNK : 2 * c->cap;

		if (cap < c->cap)
			errx(1, "%s: a line too long to hold", c->name);
		if ((p = realloc(c->buf, cap)) == NULL)
			err(1, "realloc: %s: a line too long to hold", c->name);
		c->buf = p;
		c->cap = cap;
	}
	/* One byte stays free for the NUL after a last line without '\n'. */
	while ((got = read(c->fd, c->buf + c->len, c->cap - c->len - 1)) < 0)
		if (errno != EINTR)
			err(1, "read %s", c->name);
	c->len += (size_t)got;
	c->eof = got == 0;
	if (c->eof)
		check_truncated(c);
}

char *
chunks_line(struct chunks *c, size_t *np, int *nul)
{
	char *line, *nl = NULL;
	size_t n, seen = 0; /* bytes of this line searched for '\n' */

	/* Each byte is searched once, however many reads a line takes. */
	while (c->buf == NULL ||
	       (nl = memchr(c->buf + c->off + seen, '\n',
			    c->len - c->off - seen)) == NULL) {
		if (c->eof)
			break;
		seen = c->buf != NULL ? c->len - c->off : 0;
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
chunks_free(struct chunks *c)
{
	free(c->buf);
	c->buf = NULL;
}
