/*
 * merge.h: adding up partial results, and proving they are all there.
 *
 * Bare sums are only added.  Records (start end sum) are also kept, so
 * that merge_finish() can drop repeats and overlaps and, with an
 * expected range, name every part of it that no record covers.
 *
 * Records are taken at least once: a part that ran twice, a straggler
 * whose part was re-run as part of a larger gap, or a stretch cut two
 * ways all arrive.  One trust model per kind of record:
 *
 * checked (the default)  each record's sum was checked against its
 *	range's closed form before it came here, so it is a true fact:
 *	any records that cover a stretch give its total.
 * values  each record's value is whatever a worker computed for its
 *	range, unchecked.  A record [s, e) with value w says P(e) - P(s) =
 *	w of the prefix totals P; the total of [S, E) is P(E) - P(S)
 *	whenever the records link S to E, along any path (a signed one
 *	too: [0, 15) is [0, 10) - [5, 10) + [5, 15)), and every path must
 *	give the same: two that do not are a disagreement.
 */
#ifndef MERGE_H
#define MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "num.h"
#include "rec.h"

/* Exit statuses of sum-merge. */
#define MERGE_EXIT_BAD	 1 /* malformed, out of range, overflow, I/O */
#define MERGE_EXIT_USAGE 2
/* a gap, --timeout or an early STOP; with values also an undetermined
 * stretch or disagreeing values */
#define MERGE_EXIT_MISSING 3

struct merge_rec {
	int64_t start, end;
	i128 sum;
	const char *source; /* "stdin", a file name, "queue" ...: a copy */
	long long lineno;   /* line or message number within it */
};

struct gapset;

struct merge {
	int values;	 /* the values model; 0: checked records */
	i128 total;	 /* of the bare sums, modulo 2^128 */
	long long wraps; /* the true total is total + wraps * 2^128 */
	int expect;
	int64_t xstart, xend;
	unsigned __int128
	    covered; /* integers covered, repeats counted each time */
	long long nbare, nread; /* bare sums; records read */
	long long ndup;		/* identical repeats dropped */
	long long nover;	/* records overlapping another one */
	long long nloose;	/* records linked to no end: not added */
	struct merge_rec *recs;
	size_t nrecs, cap;
	size_t sorted;	     /* recs[0, sorted) are sorted, without repeats */
	int save_on_refusal; /* read from a queue or table: gone from it */
	const char *unit;    /* what lineno counts: "line", "message" ... */
	char kept[4200];     /* merge_save_records()'s words, once written */
	/* The records' source names, copied: the callers' may not last. */
	char **sources;
	size_t nsources;
	struct gapset *gaps; /* merge_settled()'s, once it has looked */
};

void merge_init(struct merge *m, int expect, int64_t xstart, int64_t xend);

/* Releases the records and the copies of their source names. */
void merge_free(struct merge *m);

/*
 * Adds one parsed line: rec_parse_result()'s kind (REC_BARE or
 * REC_RECORD) and record, or with values rec_parse_value()'s.  Returns 0, or -1
 * after a message naming source and lineno.  source must live as long as m.
 */
int merge_add(struct merge *m, int kind, const struct rec *r,
	      const char *source, long long lineno);

/*
 * With --expect: do the records, checked sums (a queue's or a table's,
 * which --values cannot read), cover the expected range, so that
 * reading more cannot help?  Quiet; O(log n) a record added since the
 * last call.
 */
int merge_settled(struct merge *m);

/* Is a record with this range and sum among the records (a repeat)? */
int merge_has(struct merge *m, const struct rec *r);

/*
 * Drops repeats, checks agreement and coverage, then prints the total.
 * Returns the exit status: 0, MERGE_EXIT_BAD or MERGE_EXIT_MISSING.
 */
int merge_finish(struct merge *m);

/*
 * Says on stderr, after why, what the records lack: the ranges of the
 * expectation that no record covers, or the stretch they leave
 * undetermined.
 */
void merge_missing(struct merge *m, const char *why);

/*
 * Records read from a queue or table (save_on_refusal set) are gone from
 * it: a refusal must not lose them.  Call it before the refusal's
 * message: the first call writes them to a new file and returns "; the N
 * records read are kept in FILE" for the end of that message's one line;
 * "" without save_on_refusal or records.
 */
const char *merge_save_records(struct merge *m);

/* sum-merge --stats: what was read, dropped and not added, on stderr. */
void merge_stats(const struct merge *m);

#endif
