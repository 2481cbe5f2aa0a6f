/*
 * mergemsg.c: the merge's total on stdout and its words on stderr: why
 * there is no total, the records not added, --stats, and the file that
 * keeps the records read from a queue or table when a run is refused.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mergemsg.h"

extern char *program_invocation_short_name;

/* At most this many ranges or records in one message (the rest counted). */
#define SHOWN 5

static void
say_rec(const struct merge *m, const struct merge_rec *r)
{
	fprintf(stderr, "%jd %jd (%s %s %lld)", (intmax_t)r->start,
		(intmax_t)r->end, r->source, m->unit, r->lineno);
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
 * The records linking the ends of recs[bad], which disagree with it: the
 * shortest path over the records before it, all of which agree.
 */
static void
say_disagreement(struct merge *m, struct verdict *v)
{
	const struct merge_rec *bad = &m->recs[v->bad];
	uint32_t *from, *to;
	size_t i, n, *path;
	const char *kept = merge_save_records(m);

	from = store_calloc(v->bad, sizeof(*from));
	to = store_calloc(v->bad, sizeof(*to));
	path = store_calloc(v->g.n, sizeof(*path));
	for (i = 0; i < v->bad; i++) {
		from[i] = graph_point(&v->g, m->recs[i].start);
		to[i] = graph_point(&v->g, m->recs[i].end);
	}
	n = graph_path(v->g.n, v->bad, from, to, graph_point(&v->g, bad->start),
		       graph_point(&v->g, bad->end), path);
	fprintf(stderr,
		"%s: records disagree: ", program_invocation_short_name);
	say_rec(m, bad);
	fprintf(stderr, " against");
	for (i = 0; n != SIZE_MAX && i < n && i < SHOWN; i++) {
		fprintf(stderr, "%s ", i ? "," : "");
		say_rec(m, &m->recs[path[i]]);
	}
	if (n != SIZE_MAX && n > SHOWN)
		fprintf(stderr, " and %zu more", n - SHOWN);
	fprintf(stderr, ", which give the same stretch another total%s\n",
		kept);
	free(from);
	free(to);
	free(path);
}

static void
say_undetermined(struct merge *m, struct verdict *v, const char *why,
		 const char *kept)
{
	int64_t a, b;

	graph_settling_range(&v->g, v->lo, v->hi, &a, &b);
	fprintf(stderr,
		"%s: %s%sthe records cover [%jd, %jd) but do not "
		"determine its total: nothing gives the total of [%jd, "
		"%jd) alone; re-run it (sum-merge --missing names "
		"it)%s\n",
		program_invocation_short_name, why ? why : "", why ? "; " : "",
		(intmax_t)v->lo, (intmax_t)v->hi, (intmax_t)a, (intmax_t)b,
		kept);
	(void)m;
}

/* The place of a record's source among the sources, in arrival order. */
static size_t
source_order(const struct merge *m, const char *source)
{
	size_t i;

	for (i = 0; i < m->nsources; i++)
		if (m->sources[i] == source)
			return i;
	return m->nsources;
}

/* Did a arrive before b? */
static int
arrived_first(const struct merge *m, const struct merge_rec *a,
	      const struct merge_rec *b)
{
	size_t sa = source_order(m, a->source), sb = source_order(m, b->source);

	return sa != sb ? sa < sb : a->lineno < b->lineno;
}

/* One range, two values: the one read first named first. */
static void
say_clash(struct merge *m, const struct clash *c, const char *kept)
{
	const struct merge_rec *a = &c->a, *b = &c->b;

	if (!arrived_first(m, a, b)) {
		a = &c->b;
		b = &c->a;
	}
	fprintf(stderr,
		"%s: one range, two values: ", program_invocation_short_name);
	say_rec(m, a);
	fprintf(stderr, " and ");
	say_rec(m, b);
	fprintf(stderr, "%s\n", kept);
}

void
msg_verdict(struct merge *m, struct verdict *v, const char *why)
{
	const char *name = program_invocation_short_name, *kept;

	if (v->kind == V_DISAGREE) {
		say_disagreement(m, v);
		return;
	}
	kept = merge_save_records(m);
	switch (v->kind) {
	case V_TOTAL:
	case V_DISAGREE:
		break;
	case V_SAME:
		say_clash(m, &v->clash, kept);
		break;
	case V_GAPS:
		fprintf(stderr, "%s: %s; missing:", name,
			why ? why : "the records do not cover --expect");
		say_more(store_gaps(m, say_gap, NULL));
		fprintf(stderr, "%s\n", kept);
		break;
	case V_UNSETTLED:
		say_undetermined(m, v, why, kept);
		break;
	case V_TOOBIG:
		fprintf(stderr, "%s: ", name);
		if (v->bad < m->nrecs) {
			fprintf(stderr, "the value of ");
			say_rec(m, &m->recs[v->bad]);
			fprintf(stderr, " is too far from the others' to "
					"compare");
		} else {
			fprintf(stderr, "a stretch's total does not fit");
		}
		fprintf(stderr, " in 128 bits%s\n", kept);
		break;
	}
}

int
msg_status(const struct verdict *v)
{
	return v->kind == V_TOOBIG ? MERGE_EXIT_BAD : MERGE_EXIT_MISSING;
}

/* Names records linked to neither end of their stretch: not added. */
static void
say_loose(struct merge *m, struct verdict *v)
{
	size_t i, j, shown = 0, first;
	int64_t lo, hi;

	if (m->nloose == 0)
		return;
	fprintf(stderr,
		"%s: %lld record%s linked to neither end of %s, not "
		"added:",
		program_invocation_short_name, m->nloose,
		m->nloose == 1 ? "" : "s",
		m->expect ? "--expect" : "its stretch");
	for (first = 0; first < m->nrecs && shown < SHOWN; first = i) {
		i = store_stretch(m, first, &lo, &hi);
		if (m->expect) {
			lo = m->xstart;
			i = m->nrecs;
		}
		for (j = first; j < i && shown < SHOWN; j++) {
			if (verdict_linked_to(v, lo, m->recs[j].start))
				continue;
			fputc(' ', stderr);
			say_rec(m, &m->recs[j]);
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

	verdict_find(m, &v, 0, NULL, 0);
	if (v.kind != V_TOTAL) {
		msg_verdict(m, &v, NULL);
		rv = msg_status(&v);
	} else if (v.wraps != 0) {
		const char *kept = merge_save_records(m);

		warnx("the total does not fit in 128 bits%s", kept);
		rv = MERGE_EXIT_BAD;
	} else {
		if (v.graph)
			say_loose(m, &v);
		puts(num_fmt128(v.total, buf));
	}
	verdict_free(&v);
	return rv;
}

void
merge_missing(struct merge *m, const char *why)
{
	struct verdict v;

	verdict_find(m, &v, 0, NULL, 0);
	if (v.kind == V_TOTAL) /* only for a why that is no verdict */
		v.kind = V_GAPS;
	msg_verdict(m, &v, why);
	verdict_free(&v);
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

/* Writes the records to a new file; its name in path.  0 or -1. */
static int
write_records(struct merge *m, char *path, size_t size)
{
	const char *dir = getenv("TMPDIR");
	char line[REC_LEN + 1];
	size_t i, n;
	FILE *fp;
	int fd;

	snprintf(path, size, "%s/sum-merge.XXXXXX",
		 dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (i = 0; i < m->nrecs; i++) {
		n = (size_t)rec_format(line, m->recs[i].start, m->recs[i].end,
				       m->recs[i].sum);
		line[n++] = '\n';
		fwrite(line, 1, n, fp);
	}
	return fclose(fp);
}

const char *
merge_save_records(struct merge *m)
{
	char path[4096];

	if (!m->save_on_refusal || m->nrecs == 0)
		return "";
	if (m->kept[0] != '\0')
		return m->kept;
	store_sort_unique(m, NULL);
	if (write_records(m, path, sizeof(path)) != 0)
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
