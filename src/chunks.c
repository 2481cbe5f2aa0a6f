/*
 * chunks.c: sum-merge's block reader: a regular file is mapped up to its
 * last newline, anything else is read 128 KiB at a time, and each line
 * is handed out where it lies, NUL-terminated in place.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chunks.h"

#define CHUNK ((size_t)128 * 1024) /* a read's size: fits the L2 cache */

/*
 * A regular file is mapped rather than read, up to its last newline:
 * its lines are then parsed where the page cache holds them, with no
 * copy.  Whatever follows the last newline is read as usual afterwards.
 * Private and writable, so that chunks_line() can end a line with a
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

		if (cap < c->cap || (p = realloc(c->buf, cap)) == NULL)
			err(1, "%s: a line too long to hold", c->name);
		c->buf = p;
		c->cap = cap;
	}
	/* One byte stays free for the NUL after a last line without '\n'. */
	while ((got = read(c->fd, c->buf + c->len, c->cap - c->len - 1)) < 0)
		if (errno != EINTR)
			err(1, "read %s", c->name);
	c->len += (size_t)got;
	c->eof = got == 0;
}

char *
chunks_line(struct chunks *c, size_t *np, int *nul)
{
	char *line, *nl = NULL;
	size_t n, seen = 0; /* bytes of this line searched for '\n' */

	if (c->buf == NULL && !c->eof)
		map_file(c);
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
	if (c->maplen > 0)
		munmap(c->buf, c->maplen);
	else
		free(c->buf);
	c->buf = NULL;
}
