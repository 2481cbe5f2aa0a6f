/*
 * clock: the CPU's clock as a chain of dependent adds measures it, for
 * make bench (there are no cycle counters on a virtual machine).  Each add
 * needs the one before it, and an integer add takes one cycle on every
 * CPU we run on, so the chain runs at one add per cycle; the empty asm
 * after each add keeps the compiler from folding the chain (it emits
 * nothing).  Prints the adds per nanosecond, that is GHz, of the fastest
 * of a few timed runs of about 0.1 s each.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ADD(x, y)                                                              \
	do {                                                                   \
		x += y;                                                        \
		__asm__("" : "+r"(x));                                         \
	} while (0)
#define ADD8(x, y)                                                             \
	do {                                                                   \
		ADD(x, y);                                                     \
		ADD(x, y);                                                     \
		ADD(x, y);                                                     \
		ADD(x, y);                                                     \
		ADD(x, y);                                                     \
		ADD(x, y);                                                     \
		ADD(x, y);                                                     \
		ADD(x, y);                                                     \
	} while (0)

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	uint64_t x = 0, y = argc, k, n = 1 << 20;
	double t, best = 0;
	int rep;

	(void)argv;
	for (rep = 0; rep < 7; rep++) {
		t = now();
		for (k = n; k > 0; k--) {
			ADD8(x, y);
			ADD8(x, y);
			ADD8(x, y);
			ADD8(x, y);
		}
		t = now() - t;
		if (t < 0.05 && rep < 6) {
			n *= 2; /* too short to time: longer, once more */
			rep--;
			continue;
		}
		if (32.0 * n / t / 1e9 > best)
			best = 32.0 * n / t / 1e9;
	}
	if (x == 0)
		return 1; /* never: y >= 1; keeps x live */
	printf("%.3f\n", best);
	return 0;
}
