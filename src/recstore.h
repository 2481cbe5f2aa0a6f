/*
 * recstore.h: the merge's records as the verdict and the messages walk
 * them: sorted by range, identical repeats dropped, gaps and stretches.
 */
#ifndef RECSTORE_H
#define RECSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "merge.h"

/* The first two records of one range with different sums, if any. */
struct clash {
	int found;
	struct merge_rec a, b;
};

/*
 * Sorts the records by range and sum, and drops identical repeats,
 * counting them; two records of one range with different sums are both
 * kept, and the first such pair is noted in *c (which may be NULL).
 */
void store_sort_unique(struct merge *m, struct clash *c);

/* Sorts n elements of size bytes by the int64_t at keyoff in each. */
void store_radix_sort(void *base, size_t n, size_t size, size_t keyoff);

/*
 * In a[0, n), ascending, with a[from] <= x: the index of the last
 * element <= x, by steps of 1, 2, 4 ... from from on until one passes
 * x, then halving back: O(log d) for an element d places on.
 */
size_t store_search_from(const int64_t *a, size_t n, size_t from, int64_t x);

/* Do the sorted records overlap anywhere? */
int store_overlapping(const struct merge *m);

/* How many sorted records overlap another one. */
long long store_count_overlaps(const struct merge *m);

/*
 * Visits, in order, the ranges of --expect that no sorted record covers
 * (each may be NULL); returns how many there are.
 */
size_t store_gaps(const struct merge *m,
		  void (*each)(int64_t, int64_t, size_t, void *), void *arg);

/*
 * The stretch of sorted records from recs[first]: the records that
 * overlap or touch one another, [*lo, *hi) their union.  Returns the
 * index after its last record.
 */
size_t store_stretch(const struct merge *m, size_t first, int64_t *lo,
		     int64_t *hi);

/*
 * calloc() that exits on failure, gives memory for n == 0 too, and asks
 * for huge pages for a big array.
 */
void *store_calloc(size_t n, size_t size);

#endif
