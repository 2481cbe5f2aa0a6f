/*
 * lanes-draw WIDTH THREADS: draws range-sum --lanes' picture (src/lanes.c)
 * of the holds read on stdin, one "TID A B" a line (thread TID held the
 * lock from A to B, nanoseconds from the run's start), on stderr, WIDTH
 * columns wide (0: the terminal's).  tests/lanes.bats gives it spans and
 * widths a real run cannot be made to have (a nanosecond, a century),
 * with holds whose picture it knows; the coverage and ASan builds have
 * their own (make coverage, make sanitize).
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "../src/lanes.h"

int
main(int argc, char *argv[])
{
	struct lanes *l;
	int64_t a, b;
	int width, n, tid, got, line = 0;
	char *end;

	if (argc != 3)
		errx(2, "usage: lanes-draw WIDTH THREADS < holds");
	width = (int)strtol(argv[1], &end, 10);
	if (*end != '\0' || width < 0)
		errx(2, "WIDTH: not a width: %s", argv[1]);
	n = (int)strtol(argv[2], &end, 10);
	if (*end != '\0' || n < 1 || n > 999)
		errx(2, "THREADS: not 1 to 999: %s", argv[2]);
	/* The run starts at 0: a hold may begin before it (A < 0). */
	l = lanes_new(n, 0);
	while ((got = scanf("%d %" SCNd64 " %" SCNd64, &tid, &a, &b)) != EOF) {
		line++;
		if (got != 3 || tid < 1 || tid > n)
			errx(2, "line %d: not TID A B, TID 1 to %d", line, n);
		lanes_add(l, tid, a, b);
	}
	lanes_print(l, width);
	lanes_free(l);
	return 0;
}
