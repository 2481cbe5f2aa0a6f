/*
 * gapset.c: the gaps of --expect (gapset.h) in a tsearch(3) tree.  The
 * gaps are disjoint, so "a ends before b starts" orders them, and a
 * range compares equal to any gap it overlaps: tfind() finds one such
 * gap in O(log n).  Each record removes the gaps it overlaps and puts
 * back at most two pieces, so n records cost O(n log n) in all.
 */
#include <err.h>
#include <search.h>
#include <stdlib.h>

#include "gapset.h"

struct gap {
	int64_t a, b;
};

static int
by_place(const void *x, const void *y)
{
	const struct gap *p = x, *q = y;

	if (p->b <= q->a)
		return -1;
	if (q->b <= p->a)
		return 1;
	return 0; /* they overlap */
}

void
gapset_add(struct gapset *s, int64_t a, int64_t b)
{
	struct gap *g;

	if (a >= b)
		return;
	if ((g = malloc(sizeof(*g))) == NULL)
		err(1, "malloc: a gap of a queue's run");
	g->a = a;
	g->b = b;
	if (tsearch(g, &s->root, by_place) == NULL)
		err(1, "tsearch: a gap of a queue's run");
	s->n++;
}

void
gapset_init(struct gapset *s)
{
	s->root = NULL;
	s->n = 0;
}

void
gapset_cover(struct gapset *s, int64_t start, int64_t end)
{
	struct gap key = {start, end}, *g, cut;
	void *node;

	if (start >= end)
		return;
	while ((node = tfind(&key, &s->root, by_place)) != NULL) {
		g = *(struct gap **)node;
		cut = *g;
		tdelete(g, &s->root, by_place);
		free(g);
		s->n--;
		gapset_add(s, cut.a, start);
		gapset_add(s, end, cut.b);
	}
}

void
gapset_free(struct gapset *s)
{
	tdestroy(s->root, free);
	s->root = NULL;
	s->n = 0;
}
