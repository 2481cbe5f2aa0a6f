/*
 * rerun.c: re-run planning (rerun.h): the plan reader, the ranges to run
 * again, and the fewest plan lines that complete and settle --expect.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lines.h"
#include "mergemsg.h"
#include "rerun.h"

/* A usage error naming a line of the plan. */
#define PLAN_ERROR(name, lineno, ...)                                          \
	do {                                                                   \
		char what_[200];                                               \
		snprintf(what_, sizeof(what_), __VA_ARGS__);                   \
		cli_usage_error("--plan %s line %lld: %s", cli_quote(name),    \
				(lineno), what_);                              \
	} while (0)

/*
 * A records file given as the plan: "start end sum" lines read as
 * "index start end" do not tile, but as records they start where the
 * plan should.  Says so, a usage error, if the line is such a record.
 */
static void
refuse_records(const char *name, const struct lines *in, const char *text,
	       int64_t at)
{
	char *copy = strdup(text);
	const char *why;
	struct rec r;

	if (copy == NULL)
		err(1, "strdup: a plan line");
	if (rec_parse_value(copy, &r, &why) == REC_RECORD && r.start == at)
		PLAN_ERROR(name, in->lineno,
			   "%s is a record 'start end sum' (what range-sum "
			   "-t or a worker prints), not a part: --plan takes "
			   "the parts range-split printed",
			   cli_quote(text));
	free(copy);
}

/* Parses one line of the plan into *p; a usage error if it is no range. */
static void
parse_part(const char *name, struct lines *in, struct merge_part *p, size_t n,
	   int64_t at)
{
	const char *why;
	char *copy, *f[3];

	if ((p->text = strdup(in->buf)) == NULL ||
	    (copy = strdup(in->buf)) == NULL)
		err(1, "strdup: plan line %lld", (long long)in->lineno);
	if (rec_parse_range(in->buf, &p->start, &p->end, &why) != 0) {
		refuse_records(name, in, p->text, at);
		PLAN_ERROR(name, in->lineno, "%s, not a range: %s", why,
			   cli_quote(p->text));
	}
	p->index = (long long)n;
	if (lines_fields(copy, f, 3) == 3)
		p->index = num_parse(f[0], 0, INT64_MAX, &why);
	free(copy);
}

/*
 * Without indexes a part's index is its place in the plan, from 0, as
 * range-split -i would number it.
 */
struct merge_part *
merge_read_plan(const char *name, int64_t xstart, int64_t xend, size_t *np)
{
	struct lines in = {.name = name};
	struct merge_part *plan = NULL, *p;
	size_t n = 0, cap = 0;
	int64_t at = xstart;
	long len;
	int nul;

	if ((in.fp = fopen(name, "r")) == NULL)
		cli_usage_error("--plan %s: %s", cli_quote(name),
				strerror(errno));
	while ((len = lines_get(&in, &nul)) >= 0) {
		if (strspn(in.buf, " \t") == (size_t)len)
			continue;
		if (nul)
			PLAN_ERROR(name, in.lineno, "contains a NUL byte");
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((plan = reallocarray(plan, cap, sizeof(*plan))) ==
			    NULL)
				err(1, "reallocarray: room for %zu plan parts",
				    cap);
		}
		p = &plan[n];
		parse_part(name, &in, p, n, at);
		if (p->start != at)
			refuse_records(name, &in, p->text, at);
		if (p->start != at)
			PLAN_ERROR(name, in.lineno,
				   "part %jd %jd starts at %jd, not at %jd "
				   "where %s: the plan must tile --expect",
				   (intmax_t)p->start, (intmax_t)p->end,
				   (intmax_t)p->start, (intmax_t)at,
				   n ? "the part before ends"
				     : "--expect starts");
		at = p->end;
		n++;
	}
	if (at != xend)
		PLAN_ERROR(name, in.lineno,
			   "the plan ends at %jd, not at --expect's "
			   "end %jd: it must tile --expect",
			   (intmax_t)at, (intmax_t)xend);
	fclose(in.fp);
	free(in.buf);
	*np = n;
	return plan;
}

void
merge_free_plan(struct merge_part *plan, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		free((char *)plan[k].text);
	free(plan);
}

static void
print_gap(int64_t a, int64_t b, size_t k, void *arg)
{
	(void)k;
	(void)arg;
	printf("%jd %jd\n", (intmax_t)a, (intmax_t)b);
}

/* As if the gap's record had come: its ends linked. */
static void
join_gap(int64_t a, int64_t b, size_t k, void *arg)
{
	struct graph *g = arg;

	(void)k;
	graph_join(g, graph_point(g, a), graph_point(g, b), 0);
}

/* The settling range [a, b), printed before the first gap after a. */
struct settle {
	int64_t a, b;
};

static void
print_gap_settling(int64_t a, int64_t b, size_t k, void *arg)
{
	struct settle *s = arg;

	if (s->a < s->b && s->a <= a) {
		print_gap(s->a, s->b, k, NULL);
		s->a = s->b;
	}
	print_gap(a, b, k, NULL);
}

/*
 * Were the gaps re-run, would the records settle the total?  If not, one
 * more range, printed in its place among them.
 */
static void
list_with_settling(struct merge *m, struct verdict *v)
{
	struct settle s = {m->xend, m->xend};

	store_gaps(m, join_gap, &v->g);
	if (!graph_linked(&v->g, graph_point(&v->g, m->xstart),
			  graph_point(&v->g, m->xend), &(i128){0}))
		graph_settling_range(&v->g, m->xstart, m->xend, &s.a, &s.b);
	store_gaps(m, print_gap_settling, &s);
	if (s.a < s.b)
		print_gap(s.a, s.b, 0, NULL);
}

int
merge_list_missing(struct merge *m)
{
	struct verdict v;
	int rv = 0;

	verdict_find(m, &v, 0, NULL, 0);
	switch (v.kind) {
	case V_SAME:
	case V_DISAGREE:
	case V_TOOBIG:
		msg_verdict(m, &v, NULL);
		rv = msg_status(&v);
		break;
	case V_TOTAL:
		break;
	case V_GAPS:
	case V_UNSETTLED:
		if (v.graph)
			list_with_settling(m, &v);
		else
			store_gaps(m, print_gap, NULL);
		break;
	}
	verdict_free(&v);
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

/*
 * The fewest parts whose records would link the expectation's ends:
 * the shortest path where the points the records link are one place
 * (their root) and each part is a step between the places of its ends.
 * Marks them in pick.
 */
static void
pick_parts(struct merge *m, struct verdict *v, const struct merge_part *plan,
	   size_t n, char *pick)
{
	uint32_t *from = store_calloc(n, sizeof(*from));
	uint32_t *to = store_calloc(n, sizeof(*to));
	size_t i, k, *path = store_calloc(v->g.n, sizeof(*path));
	i128 p;

	for (i = 0; i < n; i++) {
		from[i] =
		    graph_find(&v->g, graph_point(&v->g, plan[i].start), &p);
		to[i] = graph_find(&v->g, graph_point(&v->g, plan[i].end), &p);
	}
	k = graph_path(v->g.n, n, from, to,
		       graph_find(&v->g, graph_point(&v->g, m->xstart), &p),
		       graph_find(&v->g, graph_point(&v->g, m->xend), &p),
		       path);
	for (i = 0; k != SIZE_MAX && i < k; i++)
		pick[path[i]] = 1;
	free(from);
	free(to);
	free(path);
}

/* Prints the parts picked: their lines, or their indexes with array. */
static void
print_parts(const struct merge_part *plan, size_t n, const char *pick,
	    int array)
{
	long long *ix = store_calloc(n + 1, sizeof(*ix));
	size_t i, npick = 0;

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
}

/* The parts of the plan that a gap overlaps, walked in step. */
struct gap_parts {
	const struct merge_part *plan;
	size_t n, at;
	char *pick;
};

static void
pick_gap_parts(int64_t a, int64_t b, size_t k, void *arg)
{
	struct gap_parts *g = arg;

	(void)k;
	while (g->at < g->n && g->plan[g->at].end <= a)
		g->at++;
	for (; g->at < g->n && g->plan[g->at].start < b; g->at++)
		g->pick[g->at] = 1;
	if (g->at > 0 && g->plan[g->at - 1].end > b)
		g->at--; /* the next gap may start in the same part */
}

int
merge_list_plan(struct merge *m, const struct merge_part *plan, size_t n,
		int array)
{
	struct gap_parts g = {plan, n, 0, store_calloc(n + 1, 1)};
	int64_t *pts = store_calloc(n + 1, sizeof(*pts));
	struct verdict v;
	size_t i;
	int rv = 0;

	for (i = 0; i < n; i++)
		pts[i] = plan[i].start;
	pts[n] = m->xend;
	/* Checked records: the parts with a gap; values: a path. */
	verdict_find(m, &v, m->values, pts, n + 1);
	free(pts);
	if (v.kind == V_SAME || v.kind == V_DISAGREE || v.kind == V_TOOBIG) {
		msg_verdict(m, &v, NULL);
		rv = msg_status(&v);
	} else if (m->values) {
		pick_parts(m, &v, plan, n, g.pick);
	} else if (v.kind == V_GAPS) {
		store_gaps(m, pick_gap_parts, &g);
	}
	if (rv == 0)
		print_parts(plan, n, g.pick, array);
	free(g.pick);
	verdict_free(&v);
	return rv;
}
