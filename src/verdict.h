/*
 * verdict.h: what the records give: a total, or why there is none.
 * The messages (mergemsg.c) and the re-run planning (rerun.c) start
 * from it.
 */
#ifndef VERDICT_H
#define VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "merge.h"
#include "recstore.h"
#include "unionfind.h"

enum verdict_kind {
	V_TOTAL,     /* total, wraps */
	V_SAME,	     /* two records of one range, clash.a and clash.b */
	V_DISAGREE,  /* recs[bad] against the records linking its ends */
	V_GAPS,	     /* the records do not cover the expectation */
	V_UNSETTLED, /* the stretch [lo, hi) covered, not determined */
	V_TOOBIG     /* values too large to compare: recs[bad], if any */
};

struct verdict {
	enum verdict_kind kind;
	i128 total;
	long long wraps;
	struct clash clash;
	size_t bad;
	int64_t lo, hi; /* V_UNSETTLED */
	int graph;	/* g is built */
	struct graph g;
};

/*
 * Sorts the records, drops repeats, then finds the total or why there is
 * none.  With need_graph (and extra points) the union-find is built even
 * for records that tile.  verdict_free() releases it.
 */
void verdict_find(struct merge *m, struct verdict *v, int need_graph,
		  const int64_t *extra, size_t nextra);
void verdict_free(struct verdict *v);

/* Is verdict_find()'s point of a record's start linked to lo's? */
int verdict_linked_to(struct verdict *v, int64_t lo, int64_t x);

#endif
