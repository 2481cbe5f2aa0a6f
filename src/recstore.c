/*
 * recstore.c: the merge's record store: records added as they arrive,
 * their sources copied, then sorted by range with identical repeats
 * dropped, and the walks over the sorted records that the verdict, the
 * messages and the re-run planning share.
 */
#include <assert.h>
#include <err.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gapset.h"
#include "kernel.h"
#include "merge.h"
#include "range.h"
#include "recstore.h"

void
merge_init(struct merge *m, int expect, int64_t xstart, int64_t xend)
{
	memset(m, 0, sizeof(*m));
	m->expect = expect;
	m->xstart = xstart;
	m->xend = xend;
	m->unit = "line";
}

void
merge_free(struct merge *m)
{
	size_t i;

	for (i = 0; i < m->nsources; i++)
		free(m->sources[i]);
	free(m->sources);
	free(m->recs);
	if (m->gaps != NULL)
		gapset_free(m->gaps);
	free(m->gaps);
	m->gaps = NULL;
	m->recs = NULL;
	m->nrecs = m->cap = m->sorted = 0;
	m->sources = NULL;
	m->nsources = 0;
}

/*
 * The merge's big arrays (a million records take 48 MiB, and the radix
 * sort's copy as much again) ask Linux for transparent huge pages, which
 * it gives only on request in its default mode ("madvise").  With 4 KiB
 * pages, the faults that brought them in and the TLB misses of the
 * radix sort's scattered writes were a large share of bench (g)'s time
 * (doc/design.md).  Advice only: where there is none, nothing changes.
 */
static void
advise_huge(void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + page - 1) / page * page;

	if (size >= ((size_t)4 << 20))
		(void)madvise((void *)a, (uintptr_t)p + size - a,
			      MADV_HUGEPAGE);
#else
	(void)p;
	(void)size;
#endif
}

void *
store_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL)
		err(1, "calloc: %zu merge entries of %zu bytes", n, size);
	advise_huge(p, n * size);
	return p;
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
store_record(struct merge *m, const struct rec *r, const char *source,
	     long long lineno)
{
	struct merge_rec *p;
	const char *copy = source_copy(m, source);

	if (m->nrecs == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		/* Not realloc(): the advice must come before the copy. */
		if ((p = reallocarray(NULL, m->cap, sizeof(*p))) == NULL)
			err(1, "reallocarray: room for %zu records", m->cap);
		advise_huge(p, m->cap * sizeof(*p));
		if (m->nrecs > 0)
			memcpy(p, m->recs, m->nrecs * sizeof(*p));
		free(m->recs);
		m->recs = p;
	}
	p = &m->recs[m->nrecs++];
	p->start = r->start;
	p->end = r->end;
	p->sum = r->sum;
	p->source = copy;
	p->lineno = lineno;
}

/* Refuses what cannot be added; 0 for what can. */
static int
refuse_record(struct merge *m, int kind, const struct rec *r,
	      const char *source, long long lineno)
{
	const char *kept;

	if (kind == REC_BARE && m->expect) {
		kept = merge_save_records(m);
		warnx("%s %s %lld: a bare sum cannot be checked against "
		      "--expect (use range-sum -t)%s",
		      source, m->unit, lineno, kept);
		return -1;
	}
	if (kind == REC_RECORD && m->expect &&
	    (r->start < m->xstart || r->end > m->xend) && r->start < r->end) {
		kept = merge_save_records(m);
		warnx("%s %s %lld: record %jd %jd lies outside --expect "
		      "%jd %jd%s",
		      source, m->unit, lineno, (intmax_t)r->start,
		      (intmax_t)r->end, (intmax_t)m->xstart, (intmax_t)m->xend,
		      kept);
		return -1;
	}
	return 0;
}

int
merge_add(struct merge *m, int kind, const struct rec *r, const char *source,
	  long long lineno)
{
	if (refuse_record(m, kind, r, source, lineno) != 0)
		return -1;
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
	/* The checked model trusts what the parser checked. */
	assert(m->values || r->sum == sum_formula(r->start, r->end));
	m->nread++;
	m->covered += range_len(r->start, r->end);
	if (r->start < r->end)
		store_record(m, r, source, lineno);
	if (m->gaps != NULL)
		gapset_cover(m->gaps, r->start, r->end);
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

#define RADIX_BITS 11
#define RADIX	   (1 << RADIX_BITS)
#define NDIGITS	   ((64 + RADIX_BITS - 1) / RADIX_BITS)

/* Digit d of an element's key, the sign bit flipped. */
static unsigned
digit(const char *elem, size_t keyoff, int d)
{
	int64_t key;

	memcpy(&key, elem + keyoff, sizeof(key));
	return (unsigned)((((uint64_t)key ^ UINT64_C(1) << 63) >>
			   (d * RADIX_BITS)) &
			  (RADIX - 1));
}

/* How many keys have each value of each digit, in one pass. */
static void
count_digits(const char *base, size_t n, size_t size, size_t keyoff,
	     size_t (*count)[RADIX])
{
	size_t i;
	int d;

	memset(count, 0, NDIGITS * sizeof(*count));
	for (i = 0; i < n; i++)
		for (d = 0; d < NDIGITS; d++)
			count[d][digit(base + i * size, keyoff, d)]++;
}

/*
 * An element's copy, eight bytes at a time: inline moves, where memcpy()
 * of a size not known here is a call for each element.
 */
static void
copy_words(char *to, const char *from, size_t size)
{
	size_t w;

	for (w = 0; w < size; w += 8)
		memcpy(to + w, from + w, 8);
}

/* One stable pass of the radix sort, by digit d; count is d's. */
static void
radix_pass(const char *from, char *to, size_t n, size_t size, size_t keyoff,
	   int d, size_t *count)
{
	size_t i, c, sum = 0;

	for (i = 0; i < RADIX; i++) { /* the counts become where each starts */
		c = count[i];
		count[i] = sum;
		sum += c;
	}
	for (i = 0; i < n; i++)
		copy_words(to + count[digit(from + i * size, keyoff, d)]++ *
				    size,
			   from + i * size, size);
}

static int
cmp_key(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Are the keys ascending already, so that a stable sort has no work? */
static int
in_order(const char *base, size_t n, size_t size, size_t keyoff)
{
	int64_t a, b;
	size_t i;

	for (i = 1; i < n; i++) {
		memcpy(&a, base + (i - 1) * size + keyoff, sizeof(a));
		memcpy(&b, base + i * size + keyoff, sizeof(b));
		if (a > b)
			return 0;
	}
	return 1;
}

/*
 * A stable radix sort, 16 bits a pass, passes where every key has the
 * same digit skipped: qsort() of a million 48-byte records, shuffled,
 * took most of the merge's time.  Few elements, or no memory: qsort(),
 * which then sorts by the key alone (only keyoff 0 is asked for so).
 * Keys in order (one producer's records, most points of the union-find)
 * are left as they are.
 */
void
store_radix_sort(void *base, size_t n, size_t size, size_t keyoff)
{
	char *tmp = NULL, *from = base, *to;
	size_t(*count)[RADIX] = NULL;
	int d;

	assert(size % 8 == 0); /* copy_words() */
	if (in_order(base, n, size, keyoff))
		return;
	if (n < 4096 || (tmp = malloc(n * size)) == NULL ||
	    (count = malloc(NDIGITS * sizeof(*count))) == NULL) {
		if (n >= 4096 && count == NULL)
			free(tmp);
		assert(keyoff == 0);
		qsort(base, n, size, cmp_key);
		return;
	}
	to = tmp;
	advise_huge(tmp, n * size);
	count_digits(base, n, size, keyoff, count);
	for (d = 0; d < NDIGITS; d++) {
		/* A digit every key shares moves nothing. */
		if (count[d][digit(base, keyoff, d)] == n)
			continue;
		radix_pass(from, to, n, size, keyoff, d, count[d]);
		to = from;
		from = from == (char *)base ? tmp : base;
	}
	if (from != (char *)base)
		memcpy(base, from, n * size);
	free(tmp);
	free(count);
}

/* Most runs of one start are a record and its repeat or two. */
static void
insertion_sort(struct merge_rec *r, size_t n)
{
	struct merge_rec t;
	size_t k, q;

	for (k = 1; k < n; k++)
		for (q = k; q > 0 && by_range(&r[q], &r[q - 1]) < 0; q--) {
			t = r[q];
			r[q] = r[q - 1];
			r[q - 1] = t;
		}
}

/*
 * Sorts records by range and sum: by start first, then each run of one
 * start by the rest, which keeps 200,000 records sharing a start at
 * n log n.
 */
static void
sort_records(struct merge_rec *r, size_t n)
{
	size_t i, j;

	if (n < 4096) {
		qsort(r, n, sizeof(*r), by_range);
		return;
	}
	store_radix_sort(r, n, sizeof(*r), offsetof(struct merge_rec, start));
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && r[j].start == r[i].start; j++)
			;
		if (j - i > 16)
			qsort(r + i, j - i, sizeof(*r), by_range);
		else if (j - i > 1)
			insertion_sort(r + i, j - i);
	}
}

void
store_sort_unique(struct merge *m, struct clash *c)
{
	size_t i, j;

	if (c != NULL)
		memset(c, 0, sizeof(*c));
	if (m->nrecs > 1 && m->sorted < m->nrecs)
		sort_records(m->recs, m->nrecs);
	for (i = j = 0; i < m->nrecs; i++) {
		struct merge_rec *p = &m->recs[i];

		if (j > 0 && p->start == m->recs[j - 1].start &&
		    p->end == m->recs[j - 1].end) {
			if (p->sum == m->recs[j - 1].sum) {
				m->ndup++;
				continue;
			}
			if (c != NULL && !c->found) {
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

	store_sort_unique(m, NULL);
	return m->nrecs > 0 && bsearch(&key, m->recs, m->nrecs,
				       sizeof(*m->recs), by_range) != NULL;
}

/* ---- walks over the sorted records ---- */

size_t
store_search_from(const int64_t *a, size_t n, size_t from, int64_t x)
{
	size_t lo = from, hi, mid, step = 1;

	assert(from < n && a[from] <= x);
	while (step < n - lo && a[lo + step] <= x) {
		lo += step;
		step *= 2;
	}
	hi = step < n - lo ? lo + step : n; /* a[lo] <= x < a[hi] */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (a[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int
store_overlapping(const struct merge *m)
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

long long
store_count_overlaps(const struct merge *m)
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

size_t
store_gaps(const struct merge *m,
	   void (*each)(int64_t, int64_t, size_t, void *), void *arg)
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

size_t
store_stretch(const struct merge *m, size_t first, int64_t *lo, int64_t *hi)
{
	size_t i;

	*lo = m->recs[first].start;
	*hi = m->recs[first].end;
	for (i = first + 1; i < m->nrecs && m->recs[i].start <= *hi; i++)
		if (m->recs[i].end > *hi)
			*hi = m->recs[i].end;
	return i;
}
