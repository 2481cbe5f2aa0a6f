/*
 * transport.c: sum-merge's consumer side of the queue and the table.
 *
 * Both remove their object when sum-merge is done, on every path: the
 * next run must start from an empty queue or table, never from records
 * a crashed run left behind.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "coverage.h"
#include "ipc.h"
#include "kernel.h"
#include "recq.h"
#include "shmtab.h"
#include "transport.h"

/*
 * The ranges received, so that --count counts a part once however often
 * it arrives: an open-addressing hash set of (start, end).
 */
struct rangeset {
	int64_t (*slot)[2];
	char *used;
	size_t cap, n;
};

static size_t
hash(int64_t a, int64_t b, size_t cap)
{
	uint64_t h = (uint64_t)a * 0x9e3779b97f4a7c15u ^ (uint64_t)b;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9u;
	return (size_t)(h ^ (h >> 32)) & (cap - 1);
}

/* Adds [a, b); returns 1 if it is new, 0 if it was there. */
static int
rangeset_add(struct rangeset *s, int64_t a, int64_t b)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct rangeset t = {.cap = s->cap ? 2 * s->cap : 64};

		if ((t.slot = calloc(t.cap, sizeof(*t.slot))) == NULL ||
		    (t.used = calloc(t.cap, 1)) == NULL)
			err(1, "calloc: a set of %zu ranges", (size_t)t.cap);
		for (i = 0; i < s->cap; i++)
			if (s->used[i])
				rangeset_add(&t, s->slot[i][0], s->slot[i][1]);
		free(s->slot);
		free(s->used);
		*s = t;
	}
	for (i = hash(a, b, s->cap); s->used[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i][0] == a && s->slot[i][1] == b)
			return 0;
	s->used[i] = 1;
	s->slot[i][0] = a;
	s->slot[i][1] = b;
	s->n++;
	return 1;
}

/* Where a run over the queue stands. */
struct mqrun {
	struct merge *m;
	struct recq q;
	const struct mqopts *o;
	char source[300];     /* "queue /name", for merge_add()'s messages */
	long long nmsg;	      /* messages received */
	long long nrec;	      /* records among them, repeats not counted */
	struct rangeset seen; /* their ranges, for --count */
	int stopped;	      /* STOP arrived */
};

/* "3 records", or "3 of 4 records" with --count. */
static const char *
received(const struct mqrun *r, char *buf, size_t size)
{
	if (r->o->count > 0)
		snprintf(buf, size, "%lld of %lld records", r->nrec,
			 r->o->count);
	else
		snprintf(buf, size, "%lld record%s", r->nrec,
			 r->nrec == 1 ? "" : "s");
	return buf;
}

/* Adds one message: a record, or STOP.  0, or an exit status. */
static int
take_message(struct mqrun *r, long len)
{
	const char *why;
	struct rec rec;
	int kind;

	r->nmsg++;
	if (strcmp(r->q.buf, RECQ_STOP) == 0) {
		r->stopped = 1;
		return 0;
	}
	if ((long)strlen(r->q.buf) != len)
		why = "contains a NUL byte";
	else if ((kind = rec_parse_result(r->q.buf, &rec, &why)) == REC_BARE)
		why = "is a bare sum, not a record 'start end sum'";
	else if (kind == REC_RECORD)
		why = NULL;
	if (why != NULL) {
		warnx("%s message %lld: %s%s", r->source, r->nmsg, why,
		      merge_kept(r->m));
		return MERGE_EXIT_BAD;
	}
	r->nrec += rangeset_add(&r->seen, rec.start, rec.end);
	if (merge_add(r->m, REC_RECORD, &rec, r->source, r->nmsg) != 0)
		return MERGE_EXIT_BAD;
	coverage_update(r->m);
	return 0;
}

/* Has the run ended by --count or by --expect coverage? */
static int
complete(const struct mqrun *r)
{
	if (r->o->count > 0 && r->nrec >= r->o->count)
		return 1;
	return r->m->expect && merge_settled(r->m);
}

/* Nothing arrived for --timeout: name what is missing.  Returns 3. */
static int
timed_out(struct mqrun *r)
{
	char why[200], got[64];

	snprintf(why, sizeof(why), "--timeout %.9gs expired after %s%s",
		 (double)r->o->timeout_ns / 1e9, received(r, got, sizeof(got)),
		 r->o->count > 0 || r->m->expect ? "" : " and no STOP");
	if (r->m->expect)
		merge_missing(r->m, why);
	else
		warnx("queue %s: %s%s", r->q.name, why, merge_kept(r->m));
	return MERGE_EXIT_MISSING;
}

/*
 * At a terminal, a queue nothing has come to for CLI_HINT_MS gets one
 * line saying what sum-merge waits for (a name mistyped waits for ever).
 * Returns the first message's length, as recq_receive().
 */
static long
receive_first(struct mqrun *r)
{
	int64_t hint = CLI_HINT_MS * (int64_t)1000000, t = r->o->timeout_ns;
	struct timespec deadline;
	long len;

	if (t >= 0 && t <= hint)
		return -3; /* the caller's own wait comes first */
	deadline = ns_deadline(CLOCK_REALTIME, hint);
	if ((len = recq_receive(&r->q, &deadline)) != -2)
		return len;
	cli_hint("waiting for a producer: nothing has come to queue %s yet "
		 "(range-sum --mq %s)",
		 r->q.name, r->q.name);
	if (t < 0)
		return recq_receive(&r->q, NULL);
	deadline = ns_deadline(CLOCK_REALTIME, t - hint);
	return recq_receive(&r->q, &deadline);
}

/* Receives until --count, --expect coverage or STOP.  An exit status. */
static int
receive_all(struct mqrun *r)
{
	struct timespec deadline;
	long len = -3;
	int rv;

	while (!r->stopped && !complete(r)) {
		if (r->nmsg == 0 && isatty(STDERR_FILENO))
			len = receive_first(r);
		if (len == -3 && r->o->timeout_ns >= 0)
			deadline =
			    ns_deadline(CLOCK_REALTIME, r->o->timeout_ns);
		if (len == -3)
			len = recq_receive(
			    &r->q, r->o->timeout_ns >= 0 ? &deadline : NULL);
		if (len == -2)
			return timed_out(r);
		if (len < 0)
			return MERGE_EXIT_BAD;
		if ((rv = take_message(r, len)) != 0)
			return rv;
		len = -3;
	}
	return 0;
}

/*
 * After the end: a STOP may follow the last record, and so may a repeat
 * of a record already read (a part that ran twice) or, with --expect,
 * any record inside it (a straggler).  Without --expect another record
 * is a stale record of an earlier run or one producer too many, and
 * either way the total would be wrong.
 */
static int
check_rest(struct mqrun *r)
{
	struct timespec now;
	char got[64];
	struct rec rec;
	long len, first = 0;
	long long extra = 0;
	const char *why;
	int kind;

	struct mq_attr attr;
	long left = RECQ_DEPTH;

	/*
	 * What the queue holds now is read, so that a refusal keeps every
	 * record; no more, or a producer that keeps sending would keep it
	 * reading.
	 */
	if (mq_getattr(r->q.q, &attr) == 0)
		left = attr.mq_curmsgs;
	while (left-- > 0) {
		now = ns_deadline(CLOCK_REALTIME, 0);
		if ((len = recq_receive(&r->q, &now)) == -2)
			break;
		if (len < 0)
			return MERGE_EXIT_BAD;
		r->nmsg++;
		if (strcmp(r->q.buf, RECQ_STOP) == 0 && !r->stopped) {
			r->stopped = 1;
			continue;
		}
		kind = (long)strlen(r->q.buf) == len
			   ? rec_parse_result(r->q.buf, &rec, &why)
			   : -1;
		/*
		 * With --expect a record inside it cannot make the total
		 * wrong: it agrees with the others or is refused.  Without,
		 * only a repeat is surely of this run.
		 */
		if (kind == REC_RECORD && extra == 0 &&
		    (r->m->expect || merge_has(r->m, &rec))) {
			if (merge_add(r->m, REC_RECORD, &rec, r->source,
				      r->nmsg) != 0)
				return MERGE_EXIT_BAD;
			continue;
		}
		if (extra++ == 0)
			first = (long)r->nmsg;
		if (kind == REC_RECORD &&
		    (!r->m->expect ||
		     (rec.start >= r->m->xstart && rec.end <= r->m->xend)))
			merge_add(r->m, REC_RECORD, &rec, r->source, r->nmsg);
	}
	if (extra == 0)
		return 0;
	warnx("queue %s: another message after the run was complete (%s%s; "
	      "message %ld): a stale record of an earlier run, or a producer "
	      "too many%s",
	      r->q.name, received(r, got, sizeof(got)),
	      r->stopped ? " and STOP" : "", first, merge_kept(r->m));
	return MERGE_EXIT_BAD;
}

/* STOP came before --count: say how many are missing.  An exit status. */
static int
check_stop(struct mqrun *r)
{
	char why[200], got[64];

	if (!r->stopped || r->o->count == 0 || r->nrec >= r->o->count)
		return 0;
	snprintf(why, sizeof(why), "STOP arrived after %s",
		 received(r, got, sizeof(got)));
	if (r->m->expect)
		merge_missing(r->m, why);
	else
		warnx("queue %s: %s%s", r->q.name, why, merge_kept(r->m));
	return MERGE_EXIT_MISSING;
}

int
transport_merge_mq(struct merge *m, const char *name, const struct mqopts *o)
{
	struct mqrun r = {.m = m, .o = o};
	sigset_t old;
	int rv;

	snprintf(r.source, sizeof(r.source), "queue %s", name);
	ipc_guard_block(&old);
	if (recq_open(&r.q, name, O_RDONLY) != 0) {
		ipc_guard_unblock(&old);
		return MERGE_EXIT_BAD;
	}
	ipc_guard_arm(IPC_MQ, name);
	ipc_guard_remove_at_exit();
	ipc_guard_unblock(&old);
	rv = receive_all(&r);
	if (rv == 0)
		rv = check_stop(&r);
	if (rv == 0)
		rv = check_rest(&r);
	recq_close(&r.q);
	free(r.seen.slot);
	free(r.seen.used);
	if (ipc_guard_remove() != 0 && rv == 0)
		rv = MERGE_EXIT_BAD;
	return rv;
}

/* Adds the table's records; a record whose sum is wrong is corrupt. */
static int
add_table(struct merge *m, const char *source, const struct shmtab_rec *recs,
	  size_t n)
{
	struct rec r;
	size_t i;

	for (i = 0; i < n; i++) {
		r.start = recs[i].start;
		r.end = recs[i].end;
		r.sum = recs[i].sum;
		if (r.start > r.end || r.sum != sum_formula(r.start, r.end)) {
			warnx("%s record %zu is corrupt%s", source, i + 1,
			      merge_kept(m));
			return MERGE_EXIT_BAD;
		}
		if (merge_add(m, REC_RECORD, &r, source, (long long)i + 1) != 0)
			return MERGE_EXIT_BAD;
	}
	return 0;
}

int
transport_merge_shm(struct merge *m, const char *name)
{
	char source[300];
	struct shmtab_rec *recs = NULL;
	unsigned deaths = 0;
	size_t n = 0;
	sigset_t old;
	int ours, rv;

	snprintf(source, sizeof(source), "table %s", name);
	ipc_guard_block(&old);
	rv = shmtab_take(name, &recs, &n, &deaths, &ours) == 0 ? 0
							       : MERGE_EXIT_BAD;
	if (ours)
		ipc_guard_arm(IPC_SHM, name);
	ipc_guard_remove_at_exit();
	ipc_guard_unblock(&old);
	if (rv == 0 && deaths > 0)
		warnx("table %s: %u producer%s died holding its lock", name,
		      deaths, deaths == 1 ? "" : "s");
	if (rv == 0)
		rv = add_table(m, source, recs, n);
	free(recs);
	if (ipc_guard_remove() != 0 && rv == 0)
		rv = MERGE_EXIT_BAD;
	return rv;
}
