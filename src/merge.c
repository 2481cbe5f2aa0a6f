/*
 * merge.c: exact totals, overlap and coverage checks for sum-merge.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "range.h"

extern char *program_invocation_short_name;

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
		err(1, NULL);
	m->sources = p;
	if ((p[m->nsources] = strdup(source)) == NULL)
		err(1, NULL);
	return p[m->nsources++];
}

static int
keep(struct merge *m, const struct rec *r, const char *source, long long lineno)
{
	struct merge_rec *p;
	const char *copy = source_copy(m, source);

	if (m->nrecs == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		if ((p = reallocarray(m->recs, m->cap, sizeof(*p))) == NULL)
			err(1, NULL);
		m->recs = p;
	}
	p = &m->recs[m->nrecs++];
	p->start = r->start;
	p->end = r->end;
	p->source = copy;
	p->lineno = lineno;
	return 0;
}

int
merge_add(struct merge *m, int kind, const struct rec *r, const char *source,
	  long long lineno)
{
	if (kind == REC_BARE && m->expect) {
		warnx("%s line %lld: a bare sum cannot be checked against "
		      "--expect (use range-sum -t)",
		      source, lineno);
		return -1;
	}
	if (kind == REC_RECORD && m->expect &&
	    (r->start < m->xstart || r->end > m->xend) && r->start < r->end) {
		warnx("%s line %lld: record %jd %jd lies outside --expect "
		      "%jd %jd",
		      source, lineno, (intmax_t)r->start, (intmax_t)r->end,
		      (intmax_t)m->xstart, (intmax_t)m->xend);
		return -1;
	}
	/*
	 * A partial total may leave 128 bits and come back: whether the
	 * same sums add up must not depend on the order they arrive in.
	 * Count the wraps; merge_finish() refuses a total that ends outside.
	 */
	if (__builtin_add_overflow(m->total, r->sum, &m->total))
		m->wraps += r->sum < 0 ? -1 : 1;
	if (kind == REC_BARE) {
		m->nbare++;
		return 0;
	}
	m->covered += range_len(r->start, r->end);
	return r->start < r->end ? keep(m, r, source, lineno) : 0;
}

int
merge_covered(const struct merge *m)
{
	return m->covered >= range_len(m->xstart, m->xend);
}

static int
by_start(const void *a, const void *b)
{
	const struct merge_rec *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* qsort() must not be handed the null array of a merge without records. */
static void
sort_recs(struct merge *m)
{
	if (m->nrecs > 1)
		qsort(m->recs, m->nrecs, sizeof(*m->recs), by_start);
}

/* After sorting: refuses the first pair of records that overlap. */
static int
check_overlaps(struct merge *m)
{
	size_t i, far = 0;

	for (i = 1; i < m->nrecs; i++) {
		if (m->recs[i].start < m->recs[far].end) {
			const struct merge_rec *a = &m->recs[far],
					       *b = &m->recs[i];
			warnx("records overlap: %jd %jd (%s line %lld) and "
			      "%jd %jd (%s line %lld)",
			      (intmax_t)a->start, (intmax_t)a->end, a->source,
			      a->lineno, (intmax_t)b->start, (intmax_t)b->end,
			      b->source, b->lineno);
			return -1;
		}
		if (m->recs[i].end > m->recs[far].end)
			far = i;
	}
	return 0;
}

int
merge_check_overlaps(struct merge *m)
{
	sort_recs(m);
	return check_overlaps(m);
}

void
merge_missing(struct merge *m, const char *why)
{
	int64_t at = m->xstart;
	size_t i;

	sort_recs(m);
	fprintf(stderr, "%s: %s; missing:", program_invocation_short_name, why);
	for (i = 0; i <= m->nrecs; i++) {
		int64_t next = i < m->nrecs ? m->recs[i].start : m->xend;

		if (next > at)
			fprintf(stderr, " [%jd, %jd)", (intmax_t)at,
				(intmax_t)next);
		if (i < m->nrecs && m->recs[i].end > at)
			at = m->recs[i].end;
	}
	fputc('\n', stderr);
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

int
merge_finish(struct merge *m)
{
	char buf[NUM_I128_LEN];

	sort_recs(m);
	if (check_overlaps(m) != 0)
		return MERGE_EXIT_BAD;
	if (m->expect && !complete(m)) {
		merge_missing(m, "the records do not cover --expect");
		return MERGE_EXIT_MISSING;
	}
	if (m->wraps != 0) {
		warnx("the total does not fit in 128 bits");
		return MERGE_EXIT_BAD;
	}
	puts(num_fmt128(m->total, buf));
	return 0;
}

int
merge_list_missing(struct merge *m)
{
	int64_t at = m->xstart;
	size_t i;

	sort_recs(m);
	if (check_overlaps(m) != 0)
		return MERGE_EXIT_BAD;
	for (i = 0; i <= m->nrecs; i++) {
		int64_t next = i < m->nrecs ? m->recs[i].start : m->xend;

		if (next > at)
			printf("%jd %jd\n", (intmax_t)at, (intmax_t)next);
		if (i < m->nrecs && m->recs[i].end > at)
			at = m->recs[i].end;
	}
	return 0;
}
