/*
 * merge.c: exact totals, repeats, overlaps and coverage for sum-merge.
 *
 * Records that tile their stretches, the common case, are only sorted,
 * checked and added, as they always were.  Records that overlap go
 * through a weighted union-find over their boundaries (merge.h): each
 * point knows P(point) - P(its root), so whether two points are linked,
 * and by what sum, costs two finds, and a record whose two ends are
 * already linked by a different sum is a disagreement.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "merge.h"
#include "range.h"

extern char *program_invocation_short_name;

/* At most this many ranges or records in one message (the rest counted). */
#define SHOWN 5

void
merge_init(struct merge *m, int expect, int64_t xstart, int64_t xend)
{
	memset(m, 0, sizeof(*m));
	m->expect = expect;
	m->xstart = xstart;
	m->xend = xend;
}

void
merge_free(struct merge *m)
{
	size_t i;

	for (i = 0; i < m->nsources; i++)
		free(m->sources[i]);
	free(m->sources);
	free(m->recs);
	m->recs = NULL;
	m->nrecs = m->cap = m->sorted = 0;
	m->sources = NULL;
	m->nsources = 0;
}

/*
 * The merge's own copy of source, which a caller may keep on its stack
 * (a queue's "queue /name"): the messages that name a record's source
 * come after that caller has returned.  Records of one source arrive
 * together, so the last copy is the one to look at.
 */
static const char *
source_copy(struct merge *m, const char *source)
{
	char **p;

	if (m->nsources > 0 && strcmp(m->sources[m->nsources - 1], source) == 0)
		return m->sources[m->nsources - 1];
	if ((p = reallocarray(m->sources, m->nsources + 1, sizeof(*p))) == NULL)
		err(1, "reallocarray: the list of record sources");
	m->sources = p;
	if ((p[m->nsources] = strdup(source)) == NULL)
		err(1, "strdup: the source name %s", source);
	return p[m->nsources++];
}

static void
keep(struct merge *m, const struct rec *r, const char *source, long long lineno)
{
	struct merge_rec *p;
	const char *copy = source_copy(m, source);

	if (m->nrecs == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		if ((p = reallocarray(m->recs, m->cap, sizeof(*p))) == NULL)
			err(1, "reallocarray: room for %zu records", m->cap);
		m->recs = p;
	}
	p = &m->recs[m->nrecs++];
	p->start = r->start;
	p->end = r->end;
	p->sum = r->sum;
	p->source = copy;
	p->lineno = lineno;
}

int
merge_add(struct merge *m, int kind, const struct rec *r, const char *source,
	  long long lineno)
{
	if (kind == REC_BARE && m->expect) {
		warnx("%s line %lld: a bare sum cannot be checked against "
		      "--expect (use range-sum -t)%s",
		      source, lineno, merge_kept(m));
		return -1;
	}
	if (kind == REC_RECORD && m->expect &&
	    (r->start < m->xstart || r->end > m->xend) && r->start < r->end) {
		warnx("%s line %lld: record %jd %jd lies outside --expect "
		      "%jd %jd%s",
		      source, lineno, (intmax_t)r->start, (intmax_t)r->end,
		      (intmax_t)m->xstart, (intmax_t)m->xend, merge_kept(m));
		return -1;
	}
	if (kind == REC_BARE) {
		/*
		 * A partial total may leave 128 bits and come back: whether
		 * the same sums add up must not depend on the order they
		 * arrive in.  Count the wraps; the end refuses a total that
		 * ends outside.
		 */
		if (__builtin_add_overflow(m->total, r->sum, &m->total))
			m->wraps += r->sum < 0 ? -1 : 1;
		m->nbare++;
		return 0;
	}
	m->nread++;
	m->covered += range_len(r->start, r->end);
	if (r->start < r->end)
		keep(m, r, source, lineno);
	return 0;
}

/* ---- sorting and repeats ---- */

static int
by_range(const void *a, const void *b)
{
	const struct merge_rec *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->sum < y->sum ? -1 : x->sum > y->sum;
}

/* A radix pass's 65536 counts become where each bucket starts. */
static void
bucket_starts(size_t *count)
{
	size_t i, c, sum = 0;

	for (i = 0; i < 65536; i++) {
		c = count[i];
		count[i] = sum;
		sum += c;
	}
}

/*
 * Sorts many records by range and sum: a stable radix sort of the starts,
 * 16 bits a pass (passes where every start has the same digit skipped),
 * then runs of one start sorted by the rest.  qsort() of a million
 * 48-byte records, shuffled, took most of the merge's time.
 */
static void
sort_many(struct merge_rec *r, size_t n)
{
	struct merge_rec *tmp, *from = r, *to;
	size_t *count, i, j, k;
	int shift;

	if ((tmp = malloc(n * sizeof(*tmp))) == NULL ||
	    (count = malloc(65536 * sizeof(*count))) == NULL) {
		free(tmp);
		qsort(r, n, sizeof(*r), by_range);
		return;
	}
	to = tmp;
	for (shift = 0; shift < 64; shift += 16) {
		memset(count, 0, 65536 * sizeof(*count));
		for (i = 0; i < n; i++)
			count[(((uint64_t)from[i].start ^ UINT64_C(1) << 63) >>
			       shift) &
			      0xffff]++;
		if (count[(((uint64_t)from[0].start ^ UINT64_C(1) << 63) >>
			   shift) &
			  0xffff] == n)
			continue;
		bucket_starts(count);
		for (i = 0; i < n; i++)
			to[count[(((uint64_t)from[i].start ^ UINT64_C(1)
								 << 63) >>
				  shift) &
				 0xffff]++] = from[i];
		to = from;
		from = from == r ? tmp : r;
	}
	if (from != r)
		memcpy(r, from, n * sizeof(*r));
	free(tmp);
	free(count);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && r[j].start == r[i].start; j++)
			;
		for (k = i + 1; k < j; k++) /* insertion: such runs are short */
			for (size_t q = k;
			     q > i && by_range(&r[q], &r[q - 1]) < 0; q--) {
				struct merge_rec t = r[q];

				r[q] = r[q - 1];
				r[q - 1] = t;
			}
	}
}

/* The first two records of one range with different sums, if any. */
struct clash {
	int found;
	struct merge_rec a, b;
};

/*
 * Sorts the records and drops identical repeats, counting them; two
 * records of one range with different sums are both kept, and the first
 * such pair noted.
 */
static void
tidy(struct merge *m, struct clash *c)
{
	size_t i, j;

	memset(c, 0, sizeof(*c));
	if (m->nrecs > 1 && m->sorted < m->nrecs) {
		if (m->nrecs > 4096)
			sort_many(m->recs, m->nrecs);
		else
			qsort(m->recs, m->nrecs, sizeof(*m->recs), by_range);
	}
	for (i = j = 0; i < m->nrecs; i++) {
		struct merge_rec *p = &m->recs[i];

		if (j > 0 && p->start == m->recs[j - 1].start &&
		    p->end == m->recs[j - 1].end) {
			if (p->sum == m->recs[j - 1].sum) {
				m->ndup++;
				continue;
			}
			if (!c->found) {
				c->found = 1;
				c->a = m->recs[j - 1];
				c->b = *p;
			}
		}
		m->recs[j++] = *p;
	}
	m->nrecs = m->sorted = j;
}

int
merge_has(struct merge *m, const struct rec *r)
{
	struct merge_rec key = {
	    .start = r->start, .end = r->end, .sum = r->sum};
	struct clash c;

	tidy(m, &c);
	return m->nrecs > 0 && bsearch(&key, m->recs, m->nrecs,
				       sizeof(*m->recs), by_range) != NULL;
}

/* ---- the weighted union-find over boundary points ---- */

struct graph {
	int64_t *pt; /* the distinct boundary points, ascending */
	uint32_t n;
	uint32_t *up;
	uint8_t *rank;
	i128 *pot; /* P(pt[i]) - P(pt[up[i]]) */
	int overflow;
};

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL)
		err(1, "calloc: %zu merge entries of %zu bytes", n, size);
	return p;
}

/* Sorts 64-bit integers: the radix sort of sort_many(), on bare keys. */
static void
sort_points(int64_t *p, size_t n)
{
	uint64_t *tmp, *from = (uint64_t *)p, *to;
	size_t *count, i;
	int shift;

	if (n < 4096 || (tmp = malloc(n * sizeof(*tmp))) == NULL ||
	    (count = calloc(65536, sizeof(*count))) == NULL) {
		if (n >= 4096)
			free(tmp);
		qsort(p, n, sizeof(*p), cmp_i64);
		return;
	}
	for (i = 0; i < n; i++)
		from[i] ^= UINT64_C(1) << 63;
	to = tmp;
	for (shift = 0; shift < 64; shift += 16) {
		memset(count, 0, 65536 * sizeof(*count));
		for (i = 0; i < n; i++)
			count[(from[i] >> shift) & 0xffff]++;
		if (count[(from[0] >> shift) & 0xffff] == n)
			continue;
		bucket_starts(count);
		for (i = 0; i < n; i++)
			to[count[(from[i] >> shift) & 0xffff]++] = from[i];
		to = from;
		from = from == (uint64_t *)p ? tmp : (uint64_t *)p;
	}
	if (from != (uint64_t *)p)
		memcpy(p, from, n * sizeof(*p));
	for (i = 0; i < n; i++)
		p[i] = (int64_t)((uint64_t)p[i] ^ UINT64_C(1) << 63);
	free(tmp);
	free(count);
}

/* The points: every record's ends, the expectation's and extra's. */
static void
graph_build(struct graph *g, const struct merge *m, const int64_t *extra,
	    size_t nextra)
{
	size_t i, k = 0, n = 2 * m->nrecs + 2 + nextra;

	memset(g, 0, sizeof(*g));
	if (n > UINT32_MAX)
		errx(1, "too many records");
	g->pt = xcalloc(n, sizeof(*g->pt));
	for (i = 0; i < m->nrecs; i++) {
		g->pt[k++] = m->recs[i].start;
		g->pt[k++] = m->recs[i].end;
	}
	if (m->expect) {
		g->pt[k++] = m->xstart;
		g->pt[k++] = m->xend;
	}
	for (i = 0; i < nextra; i++)
		g->pt[k++] = extra[i];
	sort_points(g->pt, k);
	for (i = 0, n = 0; i < k; i++)
		if (n == 0 || g->pt[i] != g->pt[n - 1])
			g->pt[n++] = g->pt[i];
	g->n = (uint32_t)n;
	g->up = xcalloc(n, sizeof(*g->up));
	g->rank = xcalloc(n, sizeof(*g->rank));
	g->pot = xcalloc(n, sizeof(*g->pot));
	for (i = 0; i < n; i++)
		g->up[i] = (uint32_t)i;
}

static void
graph_free(struct graph *g)
{
	free(g->pt);
	free(g->up);
	free(g->rank);
	free(g->pot);
	memset(g, 0, sizeof(*g));
}

/* The index of point x, which must be one of them. */
static uint32_t
point(const struct graph *g, int64_t x)
{
	const int64_t *p = bsearch(&x, g->pt, g->n, sizeof(*g->pt), cmp_i64);

	return (uint32_t)(p - g->pt);
}

/*
 * The root of u, and in *p P(u) - P(root).  Union by rank keeps every
 * path shorter than 64 links (a rank-r root has 2^r points below it).
 */
static uint32_t
find(struct graph *g, uint32_t u, i128 *p)
{
	uint32_t path[64], root;
	int k = 0, j;

	while (g->up[u] != u) {
		path[k++] = u;
		u = g->up[u];
	}
	root = u;
	for (j = k - 2; j >= 0; j--) {
		if (__builtin_add_overflow(g->pot[path[j]], g->pot[path[j + 1]],
					   &g->pot[path[j]]))
			g->overflow = 1;
		g->up[path[j]] = root;
	}
	*p = k > 0 ? g->pot[path[0]] : 0;
	return root;
}

/* Are a and b linked?  If so, *d = P(b) - P(a). */
static int
linked(struct graph *g, uint32_t a, uint32_t b, i128 *d)
{
	i128 pa, pb;

	if (find(g, a, &pa) != find(g, b, &pb))
		return 0;
	if (__builtin_sub_overflow(pb, pa, d))
		g->overflow = 1;
	return 1;
}

/*
 * Links a to b by P(b) - P(a) = w.  Returns 0, or 1 if they are already
 * linked by another sum.  Sums too far apart to compare set overflow;
 * true sums of 64-bit ranges never are.
 */
static int
join(struct graph *g, uint32_t a, uint32_t b, i128 w)
{
	i128 pa, pb, d, neg;
	uint32_t ra = find(g, a, &pa), rb = find(g, b, &pb);

	if (ra == rb) {
		if (__builtin_sub_overflow(pb, pa, &d)) {
			g->overflow = 1;
			return 0;
		}
		return d != w;
	}
	/* P(rb) - P(ra) = pa + w - pb, and P(ra) - P(rb) its negation */
	if (__builtin_add_overflow(pa, w, &d) ||
	    __builtin_sub_overflow(d, pb, &d) ||
	    __builtin_sub_overflow((i128)0, d, &neg)) {
		g->overflow = 1;
		return 0;
	}
	if (g->rank[ra] < g->rank[rb]) {
		g->up[ra] = rb;
		g->pot[ra] = neg;
	} else {
		g->up[rb] = ra;
		g->pot[rb] = d;
		if (g->rank[ra] == g->rank[rb])
			g->rank[ra]++;
	}
	return 0;
}

/* ---- the verdict ---- */

enum verdict_kind {
	V_TOTAL,     /* total, wraps */
	V_SAME,	     /* two records of one range, clash.a and clash.b */
	V_DISAGREE,  /* recs[bad] against the records linking its ends */
	V_GAPS,	     /* the records do not cover the expectation */
	V_UNSETTLED, /* the stretch [lo, hi) covered, not determined */
	V_TOOBIG     /* sums too large to compare */
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

/* Do sorted records overlap anywhere? */
static int
overlapping(const struct merge *m)
{
	size_t i;
	int64_t far = INT64_MIN;

	for (i = 0; i < m->nrecs; i++) {
		if (i > 0 && m->recs[i].start < far)
			return 1;
		if (i == 0 || m->recs[i].end > far)
			far = m->recs[i].end;
	}
	return 0;
}

/* Is every integer of the expected range covered by a record? */
static int
complete(const struct merge *m)
{
	int64_t at = m->xstart;
	size_t i;

	for (i = 0; i < m->nrecs && at < m->xend; i++) {
		if (m->recs[i].start > at)
			return 0;
		if (m->recs[i].end > at)
			at = m->recs[i].end;
	}
	return at >= m->xend;
}

static void
add_wrapping(i128 *total, long long *wraps, i128 x)
{
	if (__builtin_add_overflow(*total, x, total))
		*wraps += x < 0 ? -1 : 1;
}

/* Counts the records that overlap another one (sorted, no repeats). */
static long long
count_overlaps(const struct merge *m)
{
	long long n = 0;
	int64_t far = INT64_MIN;
	size_t i;

	for (i = 0; i < m->nrecs; i++) {
		int prev = i > 0 && m->recs[i].start < far;
		int next =
		    i + 1 < m->nrecs && m->recs[i + 1].start < m->recs[i].end;

		n += prev || next;
		if (i == 0 || m->recs[i].end > far)
			far = m->recs[i].end;
	}
	return n;
}

/*
 * The stretch [lo, hi) is covered but lo and hi are not linked: a range
 * whose record would link them, from the last point linked to lo to the
 * first one after it linked to hi.  For [0, 10) and [5, 15): [10, 15).
 */
static void
settling_range(struct graph *g, int64_t lo, int64_t hi, int64_t *a, int64_t *b)
{
	uint32_t i, ilo = point(g, lo), ihi = point(g, hi), k;
	i128 p;
	uint32_t rlo = find(g, ilo, &p), rhi = find(g, ihi, &p);

	k = ilo;
	for (i = ilo; i < ihi; i++)
		if (find(g, i, &p) == rlo)
			k = i;
	*a = g->pt[k];
	for (i = k + 1; i <= ihi; i++)
		if (find(g, i, &p) == rhi)
			break;
	*b = g->pt[i];
}

/*
 * Judges the records: repeats dropped, then the total, or why there is
 * none.  With need_graph (and extra points) the union-find is built even
 * for records that tile.
 */
static void
judge(struct merge *m, struct verdict *v, int need_graph, const int64_t *extra,
      size_t nextra)
{
	size_t i, first;
	int64_t lo, far;
	uint32_t at;
	i128 d;

	memset(v, 0, sizeof(*v));
	v->total = m->total;
	v->wraps = m->wraps;
	tidy(m, &v->clash);
	if (v->clash.found) {
		v->kind = V_SAME;
		return;
	}
	if (!overlapping(m) && !need_graph) {
		/* Tiling records: the sum of their sums, as always. */
		m->nover = 0;
		if (m->expect && !complete(m)) {
			v->kind = V_GAPS;
			return;
		}
		for (i = 0; i < m->nrecs; i++)
			add_wrapping(&v->total, &v->wraps, m->recs[i].sum);
		v->kind = V_TOTAL;
		return;
	}
	m->nover = count_overlaps(m);
	v->graph = 1;
	graph_build(&v->g, m, extra, nextra);
	for (i = 0, at = 0; i < m->nrecs; i++) {
		/* The starts ascend: their points are found by walking. */
		while (v->g.pt[at] < m->recs[i].start)
			at++;
		if (join(&v->g, at, point(&v->g, m->recs[i].end),
			 m->recs[i].sum)) {
			v->kind = V_DISAGREE;
			v->bad = i;
			return;
		}
	}
	if (v->g.overflow) {
		v->kind = V_TOOBIG;
		return;
	}
	if (m->expect && !complete(m)) {
		v->kind = V_GAPS;
		return;
	}
	/*
	 * Each stretch the records cover (with --expect, the expectation)
	 * adds P(hi) - P(lo); a record linked to neither end adds nothing.
	 */
	m->nloose = 0;
	for (first = 0; first < m->nrecs; first = i) {
		lo = m->recs[first].start;
		far = m->recs[first].end;
		for (i = first + 1; i < m->nrecs && m->recs[i].start <= far;
		     i++)
			if (m->recs[i].end > far)
				far = m->recs[i].end;
		if (m->expect) {
			lo = m->xstart;
			far = m->xend;
			i = m->nrecs;
		}
		if (!linked(&v->g, point(&v->g, lo), point(&v->g, far), &d)) {
			v->kind = V_UNSETTLED;
			v->lo = lo;
			v->hi = far;
			return;
		}
		add_wrapping(&v->total, &v->wraps, d);
		{
			i128 p;
			uint32_t rlo = find(&v->g, point(&v->g, lo), &p);

			for (size_t j = first; j < i; j++)
				if (find(&v->g, point(&v->g, m->recs[j].start),
					 &p) != rlo)
					m->nloose++;
		}
	}
	v->kind = v->g.overflow ? V_TOOBIG : V_TOTAL;
}

static void
unjudge(struct verdict *v)
{
	if (v->graph)
		graph_free(&v->g);
}

int
merge_settled(struct merge *m)
{
	struct verdict v;
	int settled;

	if (!m->expect || m->covered < range_len(m->xstart, m->xend) ||
	    m->covered < m->recheck)
		return 0;
	judge(m, &v, 0, NULL, 0);
	settled = v.kind != V_GAPS && v.kind != V_UNSETTLED;
	if (v.kind == V_GAPS) {
		/* No check until records as long as the gaps have come. */
		unsigned __int128 gap = range_len(m->xstart, m->xend);
		int64_t at = m->xstart;

		for (size_t i = 0; i < m->nrecs; i++) {
			if (m->recs[i].end > at) {
				gap -= range_len(at > m->recs[i].start
						     ? at
						     : m->recs[i].start,
						 m->recs[i].end);
				at = m->recs[i].end;
			}
		}
		m->recheck = m->covered + gap;
	} else if (v.kind == V_UNSETTLED) {
		m->recheck = m->covered + 1;
	}
	unjudge(&v);
	return settled;
}

/* ---- messages ---- */

static void
say_rec(const struct merge_rec *r)
{
	fprintf(stderr, "%jd %jd (%s line %lld)", (intmax_t)r->start,
		(intmax_t)r->end, r->source, r->lineno);
}

/* Visits the gaps of the expectation in order; returns how many. */
static size_t
gaps(const struct merge *m, void (*each)(int64_t, int64_t, size_t, void *),
     void *arg)
{
	int64_t at = m->xstart;
	size_t i, n = 0;

	for (i = 0; i <= m->nrecs; i++) {
		int64_t next = i < m->nrecs ? m->recs[i].start : m->xend;

		if (next > at) {
			if (each != NULL)
				each(at, next, n, arg);
			n++;
		}
		if (i < m->nrecs && m->recs[i].end > at)
			at = m->recs[i].end;
	}
	return n;
}

static void
say_gap(int64_t a, int64_t b, size_t k, void *arg)
{
	(void)arg;
	if (k < SHOWN)
		fprintf(stderr, " [%jd, %jd)", (intmax_t)a, (intmax_t)b);
}

static void
say_more(size_t n)
{
	if (n > SHOWN)
		fprintf(stderr,
			" and %zu more (sum-merge --missing lists them)",
			n - SHOWN);
}

/*
 * The records linking the ends of recs[bad], which disagree with it: a
 * breadth-first search over the records before it, all of which agree.
 */
static void
say_disagreement(const struct merge *m, struct verdict *v)
{
	const struct merge_rec *bad = &m->recs[v->bad];
	uint32_t n = v->g.n, *head, *next, *via, *queue, qh = 0, qt = 0, u;
	size_t i, k, e, shown = 0, count = 0;
	const uint32_t none = UINT32_MAX;

	/* Adjacency lists of the records before bad: edge 2i and 2i+1. */
	head = xcalloc(n, sizeof(*head));
	next = xcalloc(2 * v->bad + 1, sizeof(*next));
	via = xcalloc(n, sizeof(*via));
	queue = xcalloc(n, sizeof(*queue));
	for (u = 0; u < n; u++)
		head[u] = via[u] = none;
	for (i = 0; i < 2 * v->bad; i++) {
		const struct merge_rec *r = &m->recs[i / 2];
		uint32_t from = point(&v->g, i % 2 ? r->end : r->start);

		next[i] = head[from];
		head[from] = (uint32_t)i;
	}
	u = point(&v->g, bad->start);
	via[u] = u; /* the start: its own */
	queue[qt++] = u;
	while (qh < qt) {
		u = queue[qh++];
		for (e = head[u]; e != none; e = next[e]) {
			const struct merge_rec *r = &m->recs[e / 2];
			uint32_t to = point(&v->g, e % 2 ? r->start : r->end);

			if (via[to] == none) {
				via[to] = (uint32_t)e;
				queue[qt++] = to;
			}
		}
	}
	fprintf(stderr,
		"%s: records disagree: ", program_invocation_short_name);
	say_rec(bad);
	fprintf(stderr, " against");
	u = point(&v->g, bad->end);
	while (via[u] != none && via[u] != u && count < n) {
		k = via[u];
		if (shown < SHOWN) {
			fprintf(stderr, "%s", shown ? "," : "");
			fputc(' ', stderr);
			say_rec(&m->recs[k / 2]);
			shown++;
		}
		count++;
		u = point(&v->g,
			  k % 2 ? m->recs[k / 2].end : m->recs[k / 2].start);
	}
	if (count > shown)
		fprintf(stderr, " and %zu more", count - shown);
	fprintf(stderr, ", which cover the same stretch with another sum%s\n",
		merge_kept((struct merge *)m));
	free(head);
	free(next);
	free(via);
	free(queue);
}

/* Says why there is no total, for a verdict other than V_TOTAL. */
static void
say_verdict(struct merge *m, struct verdict *v, const char *why)
{
	const char *name = program_invocation_short_name;
	int64_t a, b;

	switch (v->kind) {
	case V_TOTAL:
		break;
	case V_SAME:
		fprintf(stderr, "%s: one range, two sums: ", name);
		say_rec(&v->clash.a);
		fprintf(stderr, " and ");
		say_rec(&v->clash.b);
		fprintf(stderr, "%s\n", merge_kept(m));
		break;
	case V_DISAGREE:
		say_disagreement(m, v);
		break;
	case V_GAPS:
		fprintf(stderr, "%s: %s; missing:", name,
			why ? why : "the records do not cover --expect");
		say_more(gaps(m, say_gap, NULL));
		fprintf(stderr, "%s\n", merge_kept(m));
		break;
	case V_UNSETTLED:
		settling_range(&v->g, v->lo, v->hi, &a, &b);
		fprintf(stderr,
			"%s: %s%sthe records cover [%jd, %jd) but do not "
			"determine its sum: nothing gives the sum of [%jd, "
			"%jd) alone; re-run it (sum-merge --missing names "
			"it)%s\n",
			name, why ? why : "", why ? "; " : "", (intmax_t)v->lo,
			(intmax_t)v->hi, (intmax_t)a, (intmax_t)b,
			merge_kept(m));
		break;
	case V_TOOBIG:
		fprintf(stderr,
			"%s: the records' sums are too large to compare: "
			"they cannot be sums of 64-bit ranges%s\n",
			name, merge_kept(m));
		break;
	}
}

/* The status of a verdict without a total. */
static int
status(const struct verdict *v)
{
	return v->kind == V_TOOBIG ? MERGE_EXIT_BAD : MERGE_EXIT_MISSING;
}

/* Names records linked to neither end of their stretch: not added. */
static void
say_loose(struct merge *m, struct verdict *v)
{
	size_t i, shown = 0, first;
	int64_t lo, far;
	i128 p;

	if (m->nloose == 0)
		return;
	fprintf(stderr,
		"%s: %lld record%s linked to neither end of %s, not "
		"added:",
		program_invocation_short_name, m->nloose,
		m->nloose == 1 ? "" : "s",
		m->expect ? "--expect" : "its stretch");
	for (first = 0; first < m->nrecs && shown < SHOWN; first = i) {
		lo = m->expect ? m->xstart : m->recs[first].start;
		far = m->recs[first].end;
		for (i = first + 1;
		     i < m->nrecs && (m->expect || m->recs[i].start <= far);
		     i++)
			if (m->recs[i].end > far)
				far = m->recs[i].end;
		for (size_t j = first; j < i && shown < SHOWN; j++) {
			if (find(&v->g, point(&v->g, m->recs[j].start), &p) ==
			    find(&v->g, point(&v->g, lo), &p))
				continue;
			fputc(' ', stderr);
			say_rec(&m->recs[j]);
			shown++;
		}
	}
	if (m->nloose > (long long)shown)
		fprintf(stderr, " and %lld more", m->nloose - (long long)shown);
	fputc('\n', stderr);
}

int
merge_finish(struct merge *m)
{
	char buf[NUM_I128_LEN];
	struct verdict v;
	int rv = 0;

	judge(m, &v, 0, NULL, 0);
	if (v.kind != V_TOTAL) {
		say_verdict(m, &v, NULL);
		rv = status(&v);
	} else if (v.wraps != 0) {
		warnx("the total does not fit in 128 bits%s", merge_kept(m));
		rv = MERGE_EXIT_BAD;
	} else {
		if (v.graph)
			say_loose(m, &v);
		puts(num_fmt128(v.total, buf));
	}
	unjudge(&v);
	return rv;
}

enum merge_verdict
merge_verdict(struct merge *m, i128 *total)
{
	static const enum merge_verdict of[] = {
	    [V_TOTAL] = MERGE_TOTAL,	     [V_SAME] = MERGE_DISAGREE,
	    [V_DISAGREE] = MERGE_DISAGREE,   [V_GAPS] = MERGE_GAPS,
	    [V_UNSETTLED] = MERGE_UNSETTLED, [V_TOOBIG] = MERGE_TOOBIG};
	struct verdict v;
	enum merge_verdict r;

	judge(m, &v, 0, NULL, 0);
	r = of[v.kind];
	if (r == MERGE_TOTAL && v.wraps != 0)
		r = MERGE_TOOBIG;
	*total = v.total;
	unjudge(&v);
	return r;
}

void
merge_missing(struct merge *m, const char *why)
{
	struct verdict v;

	judge(m, &v, 0, NULL, 0);
	if (v.kind == V_TOTAL) /* only for a why that is no verdict */
		v.kind = V_GAPS;
	say_verdict(m, &v, why);
	unjudge(&v);
}

static void
print_gap(int64_t a, int64_t b, size_t k, void *arg)
{
	(void)k;
	(void)arg;
	printf("%jd %jd\n", (intmax_t)a, (intmax_t)b);
}

int
merge_list_missing(struct merge *m)
{
	struct verdict v;
	int64_t a, b, at;
	int rv = 0;
	size_t i;

	judge(m, &v, 0, NULL, 0);
	switch (v.kind) {
	case V_SAME:
	case V_DISAGREE:
	case V_TOOBIG:
		say_verdict(m, &v, NULL);
		rv = status(&v);
		break;
	case V_TOTAL:
		break;
	case V_GAPS:
	case V_UNSETTLED:
		if (!v.graph) {
			gaps(m, print_gap, NULL);
			break;
		}
		/*
		 * Were the gaps re-run, would the records settle the total?
		 * If not, one more range, printed in its place among them.
		 */
		at = m->xstart;
		for (i = 0; i <= m->nrecs; i++) {
			int64_t next =
			    i < m->nrecs ? m->recs[i].start : m->xend;

			if (next > at)
				join(&v.g, point(&v.g, at), point(&v.g, next),
				     0);
			if (i < m->nrecs && m->recs[i].end > at)
				at = m->recs[i].end;
		}
		a = b = m->xend;
		if (!linked(&v.g, point(&v.g, m->xstart), point(&v.g, m->xend),
			    &(i128){0}))
			settling_range(&v.g, m->xstart, m->xend, &a, &b);
		at = m->xstart;
		for (i = 0; i <= m->nrecs; i++) {
			int64_t next =
			    i < m->nrecs ? m->recs[i].start : m->xend;

			if (a < b && a <= at) {
				printf("%jd %jd\n", (intmax_t)a, (intmax_t)b);
				a = b;
			}
			if (next > at)
				printf("%jd %jd\n", (intmax_t)at,
				       (intmax_t)next);
			if (i < m->nrecs && m->recs[i].end > at)
				at = m->recs[i].end;
		}
		if (a < b)
			printf("%jd %jd\n", (intmax_t)a, (intmax_t)b);
		break;
	}
	unjudge(&v);
	return rv;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* "3,5,7-9": Slurm's --array list of sorted indexes. */
static void
print_array(long long *ix, size_t n)
{
	size_t i, j;

	qsort(ix, n, sizeof(*ix), cmp_ll);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && ix[j] == ix[j - 1] + 1; j++)
			;
		printf("%s%lld", i ? "," : "", ix[i]);
		if (j - i > 1)
			printf("-%lld", ix[j - 1]);
	}
	if (n > 0)
		putchar('\n');
}

int
merge_list_plan(struct merge *m, const struct merge_part *plan, size_t n,
		int array)
{
	struct verdict v;
	int64_t *pts;
	uint32_t *root, *head, *next, *via, *queue, qh = 0, qt = 0, u, s, t;
	long long *ix;
	char *pick;
	size_t i, e, npick = 0;
	const uint32_t none = UINT32_MAX;
	i128 p;
	int rv = 0;

	pts = xcalloc(n + 1, sizeof(*pts));
	for (i = 0; i < n; i++)
		pts[i] = plan[i].start;
	pts[n] = m->xend;
	judge(m, &v, 1, pts, n + 1);
	free(pts);
	if (v.kind == V_SAME || v.kind == V_DISAGREE || v.kind == V_TOOBIG) {
		say_verdict(m, &v, NULL);
		rv = status(&v);
		unjudge(&v);
		return rv;
	}
	/*
	 * The fewest parts whose records would link the expectation's ends:
	 * a breadth-first search where the points the records link are one
	 * place and each part is a step between the places of its ends.
	 */
	root = xcalloc(v.g.n, sizeof(*root));
	head = xcalloc(v.g.n, sizeof(*head));
	via = xcalloc(v.g.n, sizeof(*via));
	queue = xcalloc(v.g.n, sizeof(*queue));
	next = xcalloc(2 * n + 1, sizeof(*next));
	pick = xcalloc(n + 1, 1);
	for (u = 0; u < v.g.n; u++) {
		root[u] = find(&v.g, u, &p);
		head[u] = via[u] = none;
	}
	for (e = 0; e < 2 * n; e++) {
		const struct merge_part *q = &plan[e / 2];

		u = root[point(&v.g, e % 2 ? q->end : q->start)];
		next[e] = head[u];
		head[u] = (uint32_t)e;
	}
	s = root[point(&v.g, m->xstart)];
	t = root[point(&v.g, m->xend)];
	via[s] = s;
	queue[qt++] = s;
	while (qh < qt && via[t] == none) {
		u = queue[qh++];
		for (e = head[u]; e != none; e = next[e]) {
			const struct merge_part *q = &plan[e / 2];
			uint32_t to =
			    root[point(&v.g, e % 2 ? q->start : q->end)];

			if (via[to] == none) {
				via[to] = (uint32_t)e;
				queue[qt++] = to;
			}
		}
	}
	for (u = t; u != s && via[u] != none;) {
		const struct merge_part *q = &plan[via[u] / 2];

		pick[via[u] / 2] = 1;
		u = root[point(&v.g, via[u] % 2 ? q->end : q->start)];
	}
	ix = xcalloc(n + 1, sizeof(*ix));
	for (i = 0; i < n; i++) {
		if (!pick[i])
			continue;
		if (array)
			ix[npick++] = plan[i].index;
		else
			printf("%s\n", plan[i].text);
	}
	if (array)
		print_array(ix, npick);
	free(ix);
	free(pick);
	free(root);
	free(head);
	free(next);
	free(via);
	free(queue);
	unjudge(&v);
	return rv;
}

const char *
merge_kept(struct merge *m)
{
	const char *dir = getenv("TMPDIR");
	char path[4096], line[REC_LEN + 1];
	size_t i, n;
	FILE *fp;
	int fd;

	struct clash c;

	if (!m->keep || m->nrecs == 0)
		return "";
	if (m->kept[0] != '\0')
		return m->kept;
	tidy(m, &c);
	snprintf(path, sizeof(path), "%s/sum-merge.XXXXXX",
		 dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		snprintf(m->kept, sizeof(m->kept),
			 "; the records read are lost: %s: %s", path,
			 strerror(errno));
		return m->kept;
	}
	for (i = 0; i < m->nrecs; i++) {
		n = (size_t)rec_format(line, m->recs[i].start, m->recs[i].end,
				       m->recs[i].sum);
		line[n++] = '\n';
		fwrite(line, 1, n, fp);
	}
	if (fclose(fp) != 0)
		snprintf(m->kept, sizeof(m->kept),
			 "; the records read are lost: %s: %s", path,
			 strerror(errno));
	else
		snprintf(m->kept, sizeof(m->kept),
			 "; the %zu record%s read %s kept in %s", m->nrecs,
			 m->nrecs == 1 ? "" : "s", m->nrecs == 1 ? "is" : "are",
			 path);
	return m->kept;
}

void
merge_stats(const struct merge *m)
{
	fflush(stdout); /* after the total, at a terminal too */
	fprintf(stderr,
		"%s: %lld record%s read, %lld identical repeat%s dropped, "
		"%lld overlapping, %lld not added; %lld bare sum%s\n",
		program_invocation_short_name, m->nread,
		m->nread == 1 ? "" : "s", m->ndup, m->ndup == 1 ? "" : "s",
		m->nover, m->nloose, m->nbare, m->nbare == 1 ? "" : "s");
}
