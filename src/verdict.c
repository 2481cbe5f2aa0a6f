/*
 * verdict.c: the total of the records, or why there is none.
 *
 * Records that tile their stretches, the common case, are only sorted,
 * checked and added, as they always were.  Records that overlap go
 * through the weighted union-find over their boundaries (unionfind.h),
 * and a record whose two ends are already linked by a different sum is
 * a disagreement.
 */
#include <assert.h>
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "gapset.h"
#include "kernel.h"
#include "range.h"
#include "verdict.h"

static void
add_wrapping(i128 *total, long long *wraps, i128 x)
{
	if (__builtin_add_overflow(*total, x, total))
		*wraps += x < 0 ? -1 : 1;
}

/* The points: every record's ends, the expectation's and extra's. */
static void
build_points(struct graph *g, const struct merge *m, const int64_t *extra,
	     size_t nextra)
{
	size_t i, k = 0, n = 2 * m->nrecs + 2 + nextra;
	int64_t *pt = store_calloc(n, sizeof(*pt));

	for (i = 0; i < m->nrecs; i++) {
		pt[k++] = m->recs[i].start;
		pt[k++] = m->recs[i].end;
	}
	if (m->expect) {
		pt[k++] = m->xstart;
		pt[k++] = m->xend;
	}
	for (i = 0; i < nextra; i++)
		pt[k++] = extra[i];
	graph_build(g, pt, k);
}

/* Tiling records: the sum of their sums, as always. */
static void
add_tiling(struct merge *m, struct verdict *v)
{
	size_t i;

	m->nover = 0;
	if (m->expect && store_gaps(m, NULL, NULL) > 0) {
		v->kind = V_GAPS;
		return;
	}
	for (i = 0; i < m->nrecs; i++)
		add_wrapping(&v->total, &v->wraps, m->recs[i].sum);
	v->kind = V_TOTAL;
}

/*
 * Joins every record: V_TOTAL, or V_DISAGREE or V_TOOBIG with v->bad
 * the first record that disagrees or whose value is too far from the
 * others' to compare.
 */
static enum verdict_kind
join_records(const struct merge *m, struct verdict *v)
{
	uint32_t at = 0;
	size_t i;

	for (i = 0; i < m->nrecs; i++) {
		/* The starts ascend: their points are found by walking. */
		while (v->g.pt[at] < m->recs[i].start)
			at++;
		v->bad = i;
		if (graph_join(&v->g, at, graph_point(&v->g, m->recs[i].end),
			       m->recs[i].sum))
			return V_DISAGREE;
		if (v->g.overflow)
			return V_TOOBIG;
	}
	return V_TOTAL;
}

int
verdict_linked_to(struct verdict *v, int64_t lo, int64_t x)
{
	i128 p;

	return graph_find(&v->g, graph_point(&v->g, x), &p) ==
	       graph_find(&v->g, graph_point(&v->g, lo), &p);
}

/*
 * Each stretch the records cover (with --expect, the expectation) adds
 * P(hi) - P(lo); a record linked to neither end adds nothing.
 */
static void
add_stretches(struct merge *m, struct verdict *v)
{
	size_t i, j, first;
	int64_t lo, hi;
	i128 d;

	m->nloose = 0;
	for (first = 0; first < m->nrecs; first = i) {
		i = store_stretch(m, first, &lo, &hi);
		if (m->expect) {
			lo = m->xstart;
			hi = m->xend;
			i = m->nrecs;
		}
		if (!graph_linked(&v->g, graph_point(&v->g, lo),
				  graph_point(&v->g, hi), &d)) {
			v->kind = V_UNSETTLED;
			v->lo = lo;
			v->hi = hi;
			return;
		}
		add_wrapping(&v->total, &v->wraps, d);
		for (j = first; j < i; j++)
			if (!verdict_linked_to(v, lo, m->recs[j].start))
				m->nloose++;
	}
	if (v->g.overflow) {
		v->kind = V_TOOBIG;
		v->bad = SIZE_MAX; /* no one record: a stretch's total */
		return;
	}
	v->kind = V_TOTAL;
}

/*
 * Checked records are true facts: records that cover a stretch give its
 * closed form, whichever of them overlap, and nothing else can be wrong.
 */
static void
add_checked(struct merge *m, struct verdict *v)
{
	size_t i, first;
	int64_t lo, hi;

	m->nover = store_count_overlaps(m);
	m->nloose = 0;
	v->kind = V_TOTAL;
	if (m->expect && store_gaps(m, NULL, NULL) > 0)
		v->kind = V_GAPS;
	else if (m->expect)
		add_wrapping(&v->total, &v->wraps,
			     sum_formula(m->xstart, m->xend));
	else
		for (first = 0; first < m->nrecs; first = i) {
			i = store_stretch(m, first, &lo, &hi);
			add_wrapping(&v->total, &v->wraps, sum_formula(lo, hi));
		}
}

void
verdict_find(struct merge *m, struct verdict *v, int need_graph,
	     const int64_t *extra, size_t nextra)
{
	memset(v, 0, sizeof(*v));
	v->total = m->total;
	v->wraps = m->wraps;
	store_sort_unique(m, &v->clash);
	if (!m->values) {
		/* Two sums for one range cannot both be checked. */
		assert(!v->clash.found);
		add_checked(m, v);
		return;
	}
	if (v->clash.found) {
		v->kind = V_SAME;
		return;
	}
	if (!store_overlapping(m) && !need_graph) {
		add_tiling(m, v);
		return;
	}
	m->nover = store_count_overlaps(m);
	v->graph = 1;
	build_points(&v->g, m, extra, nextra);
	if ((v->kind = join_records(m, v)) != V_TOTAL)
		return;
	if (m->expect && store_gaps(m, NULL, NULL) > 0)
		v->kind = V_GAPS;
	else
		add_stretches(m, v);
}

void
verdict_free(struct verdict *v)
{
	if (v->graph)
		graph_free(&v->g);
}

/*
 * Checked records settle --expect once they cover it: the gaps left are
 * kept from the first look on, each record then removing its range.
 */
static int
covers_expect(struct merge *m)
{
	size_t i;

	if (m->gaps == NULL) {
		if ((m->gaps = malloc(sizeof(*m->gaps))) == NULL)
			err(1, "malloc: the gaps of a queue's run");
		gapset_init(m->gaps, m->xstart, m->xend);
		for (i = 0; i < m->nrecs; i++)
			gapset_cover(m->gaps, m->recs[i].start, m->recs[i].end);
	}
	return m->gaps->n == 0;
}

int
merge_settled(struct merge *m)
{
	if (!m->expect || m->covered < range_len(m->xstart, m->xend))
		return 0;
	/* Only a queue's or a table's run asks, and sum-merge refuses
	 * --values with them: its records are checked sums. */
	assert(!m->values);
	return covers_expect(m);
}
