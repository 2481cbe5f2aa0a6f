/*
 * merge-fuzz: the merge of records taken at least once, against an
 * oracle that knows the true totals.
 *
 * Each input (libFuzzer's bytes, or a seed in the standalone build that
 * make check runs) makes one record set: random cuts of a random range,
 * some below zero and some whose sum passes 2^64; parts run twice,
 * nested re-runs of larger gaps with stragglers inside, stretches cut
 * two ways, dropped parts, records anywhere.  A record's value is its
 * range's sum, or (a worker's count, as sum-merge --values takes it)
 * P(end) - P(start) of a hidden random P, which any consistent worker's
 * values are.  Sometimes a value is off by one, or a part's retry
 * returns another value beside the first.  Then:
 *
 *   parsing	a record's line is refused exactly when its sum is not
 *		its range's, as sum-merge refuses it before merging.
 *   checked	the merge of the good records of sums: the closed form
 *		when they cover the range, a gap when they do not.
 *   values	the merge of the good records: the true total when they
 *		cover the range and link its ends; a gap when they do not
 *		cover it; undetermined when they cover it without linking
 *		its ends.
 *   values, all of them	disagreement whenever two chains of records
 *		give one stretch two totals, as a plain search over the
 *		records finds; otherwise the same verdicts, the total
 *		being the sum along any chain.
 *
 * A refusal only where records disagree or leave the total open; never
 * a total other than the oracle's.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "kernel.h"
#include "merge.h"
#include "rec.h"
#include "verdict.h"

/* What the records give. */
enum merge_verdict {
	MERGE_TOTAL,	 /* *total is the total */
	MERGE_DISAGREE,	 /* one range or one stretch, two sums */
	MERGE_GAPS,	 /* the expectation is not covered */
	MERGE_UNSETTLED, /* a stretch covered, its total not determined */
	MERGE_TOOBIG	 /* sums too large to compare, or a total */
};

/* sum-merge's judgement (verdict_find()) without a word printed. */
static enum merge_verdict
merge_verdict(struct merge *m, i128 *total)
{
	static const enum merge_verdict of[] = {
	    [V_TOTAL] = MERGE_TOTAL,	     [V_SAME] = MERGE_DISAGREE,
	    [V_DISAGREE] = MERGE_DISAGREE,   [V_GAPS] = MERGE_GAPS,
	    [V_UNSETTLED] = MERGE_UNSETTLED, [V_TOOBIG] = MERGE_TOOBIG};
	struct verdict v;
	enum merge_verdict r;

	verdict_find(m, &v, 0, NULL, 0);
	r = of[v.kind];
	if (r == MERGE_TOTAL && v.wraps != 0)
		r = MERGE_TOOBIG;
	*total = v.total;
	verdict_free(&v);
	return r;
}

#define MAXR 64

struct src {
	const uint8_t *data;
	size_t size, off;
	uint64_t state;
	int seeded;
};

static uint64_t
next64(struct src *s)
{
	uint64_t z;

	if (!s->seeded) {
		fuzz_take(&z, sizeof(z), s->data, s->size, &s->off);
		return z;
	}
	z = (s->state += 0x9e3779b97f4a7c15u); /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t
below(struct src *s, uint64_t n)
{
	return n ? next64(s) % n : 0;
}

struct grec {
	int64_t a, b;
	i128 sum;
	int bad;
};

struct gcase {
	int64_t S, E;
	uint64_t pot; /* 0: values are sums; else P's seed */
	struct grec r[MAXR];
	int n, nbad;
};

/* The hidden P of a worker's values at x: 62 random bits. */
static i128
potential(uint64_t seed, int64_t x)
{
	uint64_t z = (uint64_t)x * 0x9e3779b97f4a7c15u ^ seed;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return (i128)((z ^ (z >> 31)) >> 2);
}

static i128
value(const struct gcase *c, int64_t a, int64_t b)
{
	if (c->pot == 0)
		return sum_formula(a, b);
	return potential(c->pot, b) - potential(c->pot, a);
}

static void
add(struct gcase *c, int64_t a, int64_t b)
{
	if (c->n < MAXR && a < b)
		c->r[c->n++] = (struct grec){a, b, value(c, a, b), 0};
}

/* A point of [a, b] (unsigned arithmetic: the span may pass 2^63). */
static int64_t
within(struct src *s, int64_t a, int64_t b)
{
	uint64_t span = (uint64_t)b - (uint64_t)a;

	return (int64_t)((uint64_t)a +
			 (span == UINT64_MAX ? next64(s) : below(s, span + 1)));
}

/* Cuts [a, b) at up to k random points; adds the parts. */
static void
cut(struct src *s, struct gcase *c, int64_t a, int64_t b, int k, int64_t *pts,
    int *npts)
{
	int64_t p[16];
	int n = 0, i, j;

	p[n++] = a;
	for (i = 0; i < k && i < 14; i++)
		p[n++] = within(s, a, b);
	p[n++] = b;
	for (i = 1; i < n; i++) /* insertion sort: n is small */
		for (j = i; j > 0 && p[j] < p[j - 1]; j--) {
			int64_t t = p[j];
			p[j] = p[j - 1];
			p[j - 1] = t;
		}
	for (i = 0; i + 1 < n; i++) {
		if (p[i] == p[i + 1])
			continue;
		if (pts != NULL) {
			/* The first cut: some parts are lost. */
			pts[(*npts)++] = p[i];
			if (below(s, 8) == 0)
				continue;
		}
		add(c, p[i], p[i + 1]);
	}
	if (pts != NULL)
		pts[(*npts)] = b;
}

static void
generate(struct src *s, struct gcase *c)
{
	int64_t pts[17];
	int npts = 0, i, k;
	uint64_t len;

	memset(c, 0, sizeof(*c));
	if (below(s, 2) == 0)
		c->pot = next64(s) | 1;
	switch (below(s, 4)) {
	case 0: /* around zero */
		c->S = (int64_t)below(s, 2001) - 1000;
		len = 1 + below(s, 300);
		break;
	case 1: /* the bottom of the domain: sums below zero past 2^64 */
		c->S = INT64_MIN + (int64_t)below(s, 1000);
		len = 1 + next64(s);
		break;
	case 2: /* anywhere, any length */
		c->S = (int64_t)next64(s);
		len = 1 + next64(s);
		break;
	default: /* across zero, sums past 2^64 */
		c->S = -(int64_t)below(s, (uint64_t)1 << 40);
		len = 1 + below(s, (uint64_t)1 << 41);
		break;
	}
	if (c->S == INT64_MAX)
		c->S--;
	if (len == 0) /* 1 + 2^64 - 1 */
		len = 1;
	if (len > (uint64_t)INT64_MAX - (uint64_t)c->S)
		len = (uint64_t)INT64_MAX - (uint64_t)c->S;
	c->E = (int64_t)((uint64_t)c->S + len);
	cut(s, c, c->S, c->E, (int)below(s, 9), pts, &npts);
	/* Parts run twice. */
	for (k = (int)below(s, 4); k > 0 && c->n > 0; k--)
		if (c->n < MAXR) {
			struct grec g = c->r[below(s, (uint64_t)c->n)];

			c->r[c->n++] = g;
		}
	/* A re-run of a larger gap, and a straggler's record inside it. */
	if (below(s, 3) == 0 && npts > 0) {
		int i0 = (int)below(s, (uint64_t)npts),
		    i1 = i0 + 1 + (int)below(s, (uint64_t)(npts - i0));
		int64_t a = pts[i0], b = pts[i1], x, y;

		add(c, a, b);
		if (below(s, 2) == 0) {
			x = within(s, a, b);
			y = within(s, x, b);
			add(c, below(s, 2) ? a : x, y);
		}
	}
	/* One stretch cut two ways. */
	if (below(s, 3) == 0 && npts > 0) {
		int i0 = (int)below(s, (uint64_t)npts),
		    i1 = i0 + 1 + (int)below(s, (uint64_t)(npts - i0));

		cut(s, c, pts[i0], pts[i1], (int)below(s, 4), NULL, NULL);
	}
	/* Records anywhere. */
	for (k = (int)below(s, 4) - 1; k > 0; k--) {
		int64_t x = within(s, c->S, c->E), y = within(s, x, c->E);

		add(c, x, y);
	}
	/* A value off by one. */
	if (below(s, 5) == 0 && c->n > 0) {
		struct grec *g = &c->r[below(s, (uint64_t)c->n)];

		g->sum += below(s, 2) ? 1 : -1;
		g->bad = 1;
		c->nbad++;
	}
	/* A retry that returns another value beside the first one. */
	if (below(s, 5) == 0 && c->n > 0 && c->n < MAXR) {
		struct grec g = c->r[below(s, (uint64_t)c->n)];

		g.sum += (i128)below(s, 1000) + 1;
		g.bad = 1;
		c->r[c->n++] = g;
		c->nbad++;
	}
	for (i = c->n - 1; i > 0; i--) { /* shuffle */
		int j = (int)below(s, (uint64_t)i + 1);
		struct grec t = c->r[i];

		c->r[i] = c->r[j];
		c->r[j] = t;
	}
}

/* ---- the oracle: a plain search over at most 2 * MAXR + 2 points ---- */

struct oracle {
	int covered, consistent, linked;
	i128 total; /* P(E) - P(S) when linked */
};

static int
pindex(int64_t *p, int *np, int64_t x)
{
	int i;

	for (i = 0; i < *np; i++)
		if (p[i] == x)
			return i;
	p[*np] = x;
	return (*np)++;
}

static void
judge_naively(const struct gcase *c, int good_only, struct oracle *o)
{
	int64_t p[2 * MAXR + 2];
	int np = 0, seen[2 * MAXR + 2], queue[2 * MAXR + 2];
	int ea[MAXR], eb[MAXR], i, j, qh, qt, changed, iS, iE;
	i128 pot[2 * MAXR + 2];
	int64_t at;

	memset(o, 0, sizeof(*o));
	iS = pindex(p, &np, c->S);
	iE = pindex(p, &np, c->E);
	for (i = 0; i < c->n; i++) {
		ea[i] = pindex(p, &np, c->r[i].a);
		eb[i] = pindex(p, &np, c->r[i].b);
	}
	/* Coverage: repeatedly extend from S. */
	at = c->S;
	do {
		changed = 0;
		for (i = 0; i < c->n; i++)
			if ((!good_only || !c->r[i].bad) && c->r[i].a <= at &&
			    c->r[i].b > at) {
				at = c->r[i].b;
				changed = 1;
			}
	} while (changed && at < c->E);
	o->covered = at >= c->E;
	/* Potentials by breadth-first search from each point. */
	memset(seen, 0, sizeof(seen));
	for (j = 0; j < np; j++) {
		if (seen[j])
			continue;
		seen[j] = 1;
		pot[j] = 0;
		qh = qt = 0;
		queue[qt++] = j;
		while (qh < qt) {
			int u = queue[qh++];

			for (i = 0; i < c->n; i++) {
				if (good_only && c->r[i].bad)
					continue;
				if (ea[i] == u && !seen[eb[i]]) {
					seen[eb[i]] = 1;
					pot[eb[i]] = pot[u] + c->r[i].sum;
					queue[qt++] = eb[i];
				} else if (eb[i] == u && !seen[ea[i]]) {
					seen[ea[i]] = 1;
					pot[ea[i]] = pot[u] - c->r[i].sum;
					queue[qt++] = ea[i];
				}
			}
		}
		for (qh = 0; qh < qt; qh++)
			seen[queue[qh]] = j + 1; /* the component */
	}
	o->consistent = 1;
	for (i = 0; i < c->n; i++)
		if ((!good_only || !c->r[i].bad) &&
		    pot[eb[i]] - pot[ea[i]] != c->r[i].sum)
			o->consistent = 0;
	o->linked = seen[iS] == seen[iE];
	o->total = pot[iE] - pot[iS];
}

static const char *
describe(const struct gcase *c, char *buf, size_t size)
{
	char s[NUM_I128_LEN];
	size_t off;
	int i;

	off = (size_t)snprintf(buf, size, "expect %" PRId64 " %" PRId64 ":",
			       c->S, c->E);
	for (i = 0; i < c->n && off < size; i++)
		off += (size_t)snprintf(
		    buf + off, size - off, " [%" PRId64 " %" PRId64 " %s%s]",
		    c->r[i].a, c->r[i].b, num_fmt128(c->r[i].sum, s),
		    c->r[i].bad ? " bad" : "");
	return buf;
}

/*
 * Merges the records (the good ones, or all) as checked records or as
 * values, returning the verdict.
 */
static enum merge_verdict
merge_them(const struct gcase *c, int good_only, int values, i128 *total)
{
	struct merge m;
	enum merge_verdict v;
	struct rec r;
	int i;

	merge_init(&m, 1, c->S, c->E);
	m.values = values;
	for (i = 0; i < c->n; i++) {
		if (good_only && c->r[i].bad)
			continue;
		r.start = c->r[i].a;
		r.end = c->r[i].b;
		r.sum = c->r[i].sum;
		PROP(merge_add(&m, REC_RECORD, &r, "gen", i + 1) == 0, "add");
	}
	v = merge_verdict(&m, total);
	merge_free(&m);
	return v;
}

/* Counts of outcomes, for the standalone run's report. */
static long long counts[MERGE_TOOBIG + 1], vcounts[MERGE_TOOBIG + 1],
    badcounts[MERGE_TOOBIG + 1], nbadcases, ncases;

/* The parser refuses exactly the records whose sum is not their range's. */
static void
check_parsing(const struct gcase *c, const char *in)
{
	char line[REC_LEN + 1];
	const char *why;
	struct rec r;
	int i;

	for (i = 0; i < c->n; i++) {
		rec_format(line, c->r[i].a, c->r[i].b, c->r[i].sum);
		PROP((rec_parse_result(line, &r, &why) == REC_RECORD) ==
			 (c->r[i].sum == sum_formula(c->r[i].a, c->r[i].b)),
		     in);
		rec_format(line, c->r[i].a, c->r[i].b, c->r[i].sum);
		PROP(rec_parse_value(line, &r, &why) == REC_RECORD &&
			 r.sum == c->r[i].sum,
		     in);
	}
}

/* A values verdict against the oracle's. */
static void
check_values(const struct oracle *o, enum merge_verdict v, i128 total,
	     const char *in)
{
	if (!o->consistent)
		PROP(v == MERGE_DISAGREE, in);
	else if (!o->covered)
		PROP(v == MERGE_GAPS, in);
	else if (!o->linked)
		PROP(v == MERGE_UNSETTLED, in);
	else
		PROP(v == MERGE_TOTAL && total == o->total, in);
}

static void
check_case(const struct gcase *c)
{
	static char in[MAXR * 140 + 64];
	struct oracle o;
	enum merge_verdict v;
	i128 total;

	describe(c, in, sizeof(in));
	check_parsing(c, in);
	judge_naively(c, 1, &o);
	PROP(o.consistent, in);
	ncases++;
	if (c->pot == 0) {
		/* Checked sums: covered is determined. */
		v = merge_them(c, 1, 0, &total);
		counts[v]++;
		if (!o.covered)
			PROP(v == MERGE_GAPS, in);
		else
			PROP(v == MERGE_TOTAL &&
				 total == sum_formula(c->S, c->E),
			     in);
	}
	v = merge_them(c, 1, 1, &total);
	vcounts[v]++;
	check_values(&o, v, total, in);
	if (o.covered && o.linked)
		PROP(total == value(c, c->S, c->E), in);
	if (c->nbad == 0)
		return;
	/* All of them, as values. */
	nbadcases++;
	judge_naively(c, 0, &o);
	v = merge_them(c, 0, 1, &total);
	badcounts[v]++;
	check_values(&o, v, total, in);
}

#ifdef MERGE_PROP_MAIN
/*
 * Writes case k for sum-merge itself: DIR/k.recs, its records as
 * range-sum -t writes them, and DIR/k.want, "S E", then what sum-merge
 * --expect S E must do, then what sum-merge --values --expect S E must
 * do: "total T", "gap", "undetermined", "disagree" or "refused" (a
 * record whose sum is not its range's, which the checked parser
 * refuses).
 */
static void
emit(const char *dir, long long k, const struct gcase *c)
{
	char path[4096], line[REC_LEN + 1], t[NUM_I128_LEN];
	struct oracle o;
	FILE *fp;
	int i;

	snprintf(path, sizeof(path), "%s/%lld.recs", dir, k);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	for (i = 0; i < c->n; i++) {
		rec_format(line, c->r[i].a, c->r[i].b, c->r[i].sum);
		fprintf(fp, "%s\n", line);
	}
	fclose(fp);
	snprintf(path, sizeof(path), "%s/%lld.want", dir, k);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	judge_naively(c, 0, &o);
	fprintf(fp, "%" PRId64 " %" PRId64 "\n", c->S, c->E);
	for (i = 0; i < c->n; i++)
		if (c->r[i].sum != sum_formula(c->r[i].a, c->r[i].b))
			break;
	if (i < c->n)
		fprintf(fp, "refused\n");
	else if (!o.covered)
		fprintf(fp, "gap\n");
	else
		fprintf(fp, "total %s\n",
			num_fmt128(sum_formula(c->S, c->E), t));
	if (!o.consistent)
		fprintf(fp, "disagree\n");
	else if (!o.covered)
		fprintf(fp, "gap\n");
	else if (!o.linked)
		fprintf(fp, "undetermined\n");
	else
		fprintf(fp, "total %s\n", num_fmt128(o.total, t));
	fclose(fp);
}

/*
 * merge-prop SEED N [DIR]: N cases from SEED; prints how many of each
 * outcome.  A property that fails aborts, naming the case.  With DIR,
 * also writes each case there for sum-merge (emit()).
 */
int
main(int argc, char *argv[])
{
	struct src s = {.seeded = 1};
	struct gcase c;
	long long n, i;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: merge-prop seed cases [dir]\n");
		return 2;
	}
	s.state = strtoull(argv[1], NULL, 10);
	n = strtoll(argv[2], NULL, 10);
	for (i = 0; i < n; i++) {
		generate(&s, &c);
		check_case(&c);
		if (argc == 4)
			emit(argv[3], i, &c);
	}
	printf("%lld cases: checked sums: %lld totals, %lld gaps; values: "
	       "%lld totals, %lld gaps, %lld undetermined; %lld with a value "
	       "off or changed on a retry: %lld disagreeing, %lld totals, "
	       "%lld gaps, %lld undetermined\n",
	       ncases, counts[MERGE_TOTAL], counts[MERGE_GAPS],
	       vcounts[MERGE_TOTAL], vcounts[MERGE_GAPS],
	       vcounts[MERGE_UNSETTLED], nbadcases, badcounts[MERGE_DISAGREE],
	       badcounts[MERGE_TOTAL], badcounts[MERGE_GAPS],
	       badcounts[MERGE_UNSETTLED]);
	return 0;
}
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct src s = {.data = data, .size = size};
	struct gcase c;

	generate(&s, &c);
	check_case(&c);
	return 0;
}
#endif
