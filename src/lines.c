/*
 * lines.c: reading a line at a time, and splitting a line into fields.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "lines.h"

long
lines_get(struct lines *l, int *nul)
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

int
lines_fields(char *line, char **f, int max)
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
