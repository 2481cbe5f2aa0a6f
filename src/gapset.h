/*
 * gapset.h: the gaps of --expect as records arrive one by one, so that a
 * queue's consumer knows at each message whether the checked records
 * cover --expect, in O(log n) a record.
 */
#ifndef GAPSET_H
#define GAPSET_H

#include <stdint.h>

struct gapset {
	void *root; /* tsearch(3) tree of disjoint gaps, by position */
	long long n;
};

/* No gaps yet. */
void gapset_init(struct gapset *s);

/* Adds the gap [a, b) (nothing if empty), overlapping none of the others. */
void gapset_add(struct gapset *s, int64_t a, int64_t b);

/* Removes [start, end) from the gaps. */
void gapset_cover(struct gapset *s, int64_t start, int64_t end);

void gapset_free(struct gapset *s);

#endif
