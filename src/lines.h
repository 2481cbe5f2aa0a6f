/*
 * lines.h: reading input one line at a time (range-sum's ranges), and
 * splitting a line into its fields (the record parsers).
 */
#ifndef LINES_H
#define LINES_H

#include <stdio.h>

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
long lines_get(struct lines *l, int *nul);

/* Splits a line at runs of blanks; returns the field count, at most max+1. */
int lines_fields(char *line, char **f, int max);

#endif
