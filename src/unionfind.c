/*
 * unionfind.c: the weighted union-find over boundary points
 * (unionfind.h), and the breadth-first search that names the records
 * along a path, for the messages and for re-run planning.
 */
#include <assert.h>
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "recstore.h"
#include "unionfind.h"

void
graph_build(struct graph *g, int64_t *pts, size_t n)
{
	size_t i, k = n;

	memset(g, 0, sizeof(*g));
	if (n > UINT32_MAX)
		errx(1, "too many records");
	store_radix_sort(pts, k, sizeof(*pts), 0);
	for (i = 0, n = 0; i < k; i++)
		if (n == 0 || pts[i] != pts[n - 1])
			pts[n++] = pts[i];
	g->pt = pts;
	g->n = (uint32_t)n;
	g->up = store_calloc(n, sizeof(*g->up));
	g->rank = store_calloc(n, sizeof(*g->rank));
	g->pot = store_calloc(n, sizeof(*g->pot));
	for (i = 0; i < n; i++)
		g->up[i] = (uint32_t)i;
}

void
graph_free(struct graph *g)
{
	free(g->pt);
	free(g->up);
	free(g->rank);
	free(g->pot);
	memset(g, 0, sizeof(*g));
}

uint32_t
graph_point(const struct graph *g, int64_t x)
{
	return graph_point_from(g, 0, x);
}

/* A record's end is most often the very next point. */
uint32_t
graph_point_from(const struct graph *g, uint32_t from, int64_t x)
{
	size_t i = store_search_from(g->pt, g->n, from, x);

	assert(g->pt[i] == x); /* x is one of the points */
	return (uint32_t)i;
}

/*
 * Union by rank keeps every path shorter than 64 links (a rank-r root
 * has 2^r points below it, and there are fewer than 2^32 points).
 */
uint32_t
graph_find(struct graph *g, uint32_t u, i128 *p)
{
	uint32_t path[64], root;
	int k = 0, j;

	while (g->up[u] != u) {
		assert(k < 64); /* the depth bound of union by rank */
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

int
graph_linked(struct graph *g, uint32_t a, uint32_t b, i128 *d)
{
	i128 pa, pb;

	if (graph_find(g, a, &pa) != graph_find(g, b, &pb))
		return 0;
	if (__builtin_sub_overflow(pb, pa, d))
		g->overflow = 1;
	return 1;
}

int
graph_join(struct graph *g, uint32_t a, uint32_t b, i128 w)
{
	i128 pa, pb, d, neg;
	uint32_t ra = graph_find(g, a, &pa), rb = graph_find(g, b, &pb);

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

/*
 * From the last point linked to lo to the first one after it linked to
 * hi.  For [0, 10) and [5, 15): [10, 15).
 */
void
graph_settling_range(struct graph *g, int64_t lo, int64_t hi, int64_t *a,
		     int64_t *b)
{
	uint32_t i, ilo = graph_point(g, lo), ihi = graph_point(g, hi), k;
	i128 p;
	uint32_t rlo = graph_find(g, ilo, &p), rhi = graph_find(g, ihi, &p);

	k = ilo;
	for (i = ilo; i < ihi; i++)
		if (graph_find(g, i, &p) == rlo)
			k = i;
	*a = g->pt[k];
	for (i = k + 1; i <= ihi; i++)
		if (graph_find(g, i, &p) == rhi)
			break;
	assert(i <= ihi); /* hi itself is linked to hi */
	*b = g->pt[i];
}

size_t
graph_path(uint32_t nnodes, size_t nedges, const uint32_t *from,
	   const uint32_t *to, uint32_t s, uint32_t t, size_t *path)
{
	const size_t none = SIZE_MAX, start = SIZE_MAX - 1;
	size_t *head, *next, *via, e, n = 0;
	uint32_t *queue, qh = 0, qt = 0, u, v;

	head = store_calloc(nnodes, sizeof(*head));
	via = store_calloc(nnodes, sizeof(*via));
	queue = store_calloc(nnodes, sizeof(*queue));
	next = store_calloc(2 * nedges, sizeof(*next));
	for (u = 0; u < nnodes; u++)
		head[u] = via[u] = none;
	for (e = 0; e < 2 * nedges; e++) { /* 2e from from[e], 2e+1 from to */
		u = e % 2 ? to[e / 2] : from[e / 2];
		next[e] = head[u];
		head[u] = e;
	}
	via[s] = start; /* not an edge: the walk back ends here */
	queue[qt++] = s;
	while (qh < qt && via[t] == none)
		for (u = queue[qh++], e = head[u]; e != none; e = next[e]) {
			v = e % 2 ? from[e / 2] : to[e / 2];
			if (via[v] == none) {
				via[v] = e;
				queue[qt++] = v;
			}
		}
	if (via[t] == none)
		n = none;
	for (u = t; n != none && via[u] != start; n++) {
		e = via[u];
		path[n] = e / 2;
		u = e % 2 ? to[e / 2] : from[e / 2];
	}
	assert(n == none || u == s); /* the walk back ends at the start */
	free(head);
	free(next);
	free(via);
	free(queue);
	return n;
}
