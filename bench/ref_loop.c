/*
 * ref_loop: the plainest loop over int64 that sums [start, end), built
 * with -O3 -march=native: what this CPU does with no care at all, the
 * yardstick for range-sum's loop.  The bounds come from the command line
 * and the sum is printed, so the loop can be neither dropped nor
 * computed at compile time; make bench checks that its time grows with
 * the range (gcc does not replace this loop by the closed form).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char *argv[])
{
	int64_t i, start, end, sum = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: ref_loop start end\n");
		return 2;
	}
	start = (int64_t)strtod(argv[1], NULL);
	end = (int64_t)strtod(argv[2], NULL);
	for (i = start; i < end; i++)
		sum += i;
	printf("%" PRId64 "\n", sum);
	return 0;
}
