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

/* The gaps of [start, end) before any record: itself, unless empty. */
void gapset_init(struct gapset *s, int64_t start, int64_t end);

/* Removes [start, end) from the gaps. */
void gapset_cover(struct gapset *s, int64_t start, int64_t end);

void gapset_free(struct gapset *s);

#endif
