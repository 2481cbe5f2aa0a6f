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

/* a, with room for na + nb, gets b merged in, both ascending. */
static void
merge_sorted(int64_t *a, size_t na, const int64_t *b, size_t nb)
{
	while (nb > 0)
		if (na > 0 && a[na - 1] > b[nb - 1]) {
			a[na + nb - 1] = a[na - 1];
			na--;
		} else {
			a[na + nb - 1] = b[nb - 1];
			nb--;
		}
}

/*
 * The points: every record's ends, the expectation's and extra's.  The
 * starts ascend already, and most ends are another record's start: only
 * the others are sorted, then merged in.
 */
static void
build_points(struct graph *g, const struct merge *m, const int64_t *extra,
	     size_t nextra)
{
	size_t i, at = 0, k = 0, n = 0;
	int64_t *pt = store_calloc(2 * m->nrecs + 2 + nextra, sizeof(*pt));
	int64_t *more = store_calloc(m->nrecs + 2 + nextra, sizeof(*more));

	for (i = 0; i < m->nrecs; i++)
		if (k == 0 || pt[k - 1] != m->recs[i].start)
			pt[k++] = m->recs[i].start;
	for (i = 0; i < m->nrecs; i++) {
		while (pt[at] < m->recs[i].start)
			at++;
		if (pt[store_search_from(pt, k, at, m->recs[i].end)] !=
		    m->recs[i].end)
			more[n++] = m->recs[i].end;
	}
	if (m->expect) {
		more[n++] = m->xstart;
		more[n++] = m->xend;
	}
	for (i = 0; i < nextra; i++)
		more[n++] = extra[i];
	store_radix_sort(more, n, sizeof(*more), 0);
	merge_sorted(pt, k, more, n);
	free(more);
	graph_build(g, pt, k + n);
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
		if (graph_join(&v->g, at,
			       graph_point_from(&v->g, at, m->recs[i].end),
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
 * How many records of recs[first, last) start at a point not linked to
 * lo (in a stretch whose ends are linked, not linked to either end).
 */
static long long
count_loose(const struct merge *m, struct verdict *v, size_t first, size_t last,
	    int64_t lo)
{
	uint32_t at = graph_point(&v->g, m->recs[first].start), root;
	long long n = 0;
	size_t j;
	i128 p;

	root = graph_find(&v->g, graph_point(&v->g, lo), &p);
	for (j = first; j < last; j++) {
		while (v->g.pt[at] < m->recs[j].start) /* as join_records() */
			at++;
		n += graph_find(&v->g, at, &p) != root;
	}
	return n;
}

/*
 * Each stretch the records cover (with --expect, the expectation) adds
 * P(hi) - P(lo); a record linked to neither end adds nothing.
 */
static void
add_stretches(struct merge *m, struct verdict *v)
{
	size_t i, first;
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
		m->nloose += count_loose(m, v, first, i, lo);
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

static void
add_gap(int64_t a, int64_t b, size_t k, void *gaps)
{
	(void)k;
	gapset_add(gaps, a, b);
}

/*
 * Checked records settle --expect once they cover it: the gaps left are
 * kept from the first look on, each record then removing its range.  The
 * first look sorts the records and walks them: a tree cut by each of a
 * queue's 200,000 records in turn took most of the run.
 */
static int
covers_expect(struct merge *m)
{
	if (m->gaps == NULL) {
		if ((m->gaps = malloc(sizeof(*m->gaps))) == NULL)
			err(1, "malloc: the gaps of a queue's run");
		gapset_init(m->gaps);
		store_sort_unique(m, NULL);
		store_gaps(m, add_gap, m->gaps);
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
