/*
 * unionfind.h: the weighted union-find over the records' boundary
 * points.  A record [s, e) with sum w says P(e) - P(s) = w of the prefix
 * sums P; each point knows P(point) - P(its root), so whether two points
 * are linked, and by what sum, costs two finds.
 */
#ifndef UNIONFIND_H
#define UNIONFIND_H

#include <stddef.h>
#include <stdint.h>

#include "num.h"

struct graph {
	int64_t *pt; /* the distinct boundary points, ascending */
	uint32_t n;
	uint32_t *up;
	uint8_t *rank;
	i128 *pot; /* P(pt[i]) - P(pt[up[i]]) */
	int overflow;
};

/* Takes pts (malloc'd, n of them, any order, repeats allowed). */
void graph_build(struct graph *g, int64_t *pts, size_t n);
void graph_free(struct graph *g);

/* The index of point x, which must be one of them. */
uint32_t graph_point(const struct graph *g, int64_t x);

/* The same, for an x known to lie at or after point from. */
uint32_t graph_point_from(const struct graph *g, uint32_t from, int64_t x);

/* The root of u, and in *p P(u) - P(root). */
uint32_t graph_find(struct graph *g, uint32_t u, i128 *p);

/* Are a and b linked?  If so, *d = P(b) - P(a). */
int graph_linked(struct graph *g, uint32_t a, uint32_t b, i128 *d);

/*
 * Links a to b by P(b) - P(a) = w.  Returns 0, or 1 if they are already
 * linked by another sum.  Sums too far apart to compare set overflow.
 */
int graph_join(struct graph *g, uint32_t a, uint32_t b, i128 w);

/*
 * The stretch [lo, hi) is covered but lo and hi are not linked: in
 * [*a, *b) a range whose record would link them.
 */
void graph_settling_range(struct graph *g, int64_t lo, int64_t hi, int64_t *a,
			  int64_t *b);

/*
 * The fewest edges from node s to node t, where edge e joins nodes
 * from[e] and to[e] either way: a breadth-first search.  Writes the
 * edges in path, from t's end back to s, and returns how many there
 * are, or SIZE_MAX if t cannot be reached.
 */
size_t graph_path(uint32_t nnodes, size_t nedges, const uint32_t *from,
		  const uint32_t *to, uint32_t s, uint32_t t, size_t *path);

#endif
