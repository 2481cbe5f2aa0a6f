/*
 * chunks.h: sum-merge's reader, for input of many short lines: whole
 * blocks read at once, and lines taken from them in place.
 */
#ifndef CHUNKS_H
#define CHUNKS_H

#include <stddef.h>

/*
 * One input read in blocks: buf[off, len) is input not yet consumed,
 * which a parser may take whole lines from directly, advancing off and
 * lineno, before it asks chunks_line() for the next line.
 */
struct chunks {
	int fd;
	const char *name; /* for messages: a file name, or "stdin" */
	char *buf;
	size_t cap, off, len;
	int eof;
	long long lineno;
};

/*
 * As lines_get() in lines.h: the next line without its newline and a
 * CR before it, NUL-terminated in place (valid until the next call), its
 * length in *n and *nul set if it holds a NUL byte; NULL at end of
 * input.  A read error exits 1.
 */
char *chunks_line(struct chunks *c, size_t *n, int *nul);

/* Releases the buffer of a struct chunks. */
void chunks_free(struct chunks *c);

#endif
