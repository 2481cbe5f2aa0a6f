/*
 * merge.h: adding up partial results, and proving they are all there.
 *
 * Bare sums are only added.  Records (start end sum) are also kept, so
 * that merge_finish() can refuse overlapping records and, with an
 * expected range, name every part of it that no record covers.
 */
#ifndef MERGE_H
#define MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "num.h"
#include "rec.h"

/* Exit statuses of sum-merge. */
#define MERGE_EXIT_BAD	   1 /* malformed, overlapping, overflow, I/O */
#define MERGE_EXIT_USAGE   2
#define MERGE_EXIT_MISSING 3 /* --expect not covered; --timeout expired */

struct merge_rec {
	int64_t start, end;
	const char *source; /* "stdin", a file name, "queue" ...: a copy */
	long long lineno;   /* line or message number within it */
};

struct merge {
	i128 total;	 /* modulo 2^128 */
	long long wraps; /* the true total is total + wraps * 2^128 */
	int expect;
	int64_t xstart, xend;
	unsigned __int128
	    covered; /* integers covered, overlaps counted twice */
	long long nbare;
	struct merge_rec *recs;
	size_t nrecs, cap;
	/* The records' source names, copied: the callers' may not last. */
	char **sources;
	size_t nsources;
};

void merge_init(struct merge *m, int expect, int64_t xstart, int64_t xend);

/* Releases the records and the copies of their source names. */
void merge_free(struct merge *m);

/*
 * Adds one parsed line: rec_parse_result()'s kind (REC_BARE or
 * REC_RECORD) and record.  Returns 0, or -1 after a message naming
 * source and lineno.
 */
int merge_add(struct merge *m, int kind, const struct rec *r,
	      const char *source, long long lineno);

/* Sorts the records and names the first pair that overlaps: 0 or -1. */
int merge_check_overlaps(struct merge *m);

/* Do the records cover the expected range (ignoring overlaps)? */
int merge_covered(const struct merge *m);

/*
 * Checks overlaps and coverage, then prints the total.  Returns the exit
 * status: 0, MERGE_EXIT_BAD or MERGE_EXIT_MISSING.
 */
int merge_finish(struct merge *m);

/* Prints the ranges of the expectation that no record covers. */
void merge_missing(struct merge *m, const char *why);

/*
 * sum-merge --missing: checks overlaps, then prints on stdout, as
 * "start end" lines in order, the ranges of the expectation that no record
 * covers.  Returns the exit status: 0 or MERGE_EXIT_BAD.
 */
int merge_list_missing(struct merge *m);

#endif
