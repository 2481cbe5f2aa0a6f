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

#include "clock.h"
#include "ipc.h"
#include "kernel.h"
#include "recq.h"
#include "shmtab.h"
#include "transport.h"

/* Where a run over the queue stands. */
struct mqrun {
	struct merge *m;
	struct recq q;
	const struct mqopts *o;
	char source[300]; /* "queue /name", for merge_add()'s messages */
	long long nmsg;	  /* messages received */
	long long nrec;	  /* records among them */
	int stopped;	  /* STOP arrived */
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
		warnx("%s message %lld: %s", r->source, r->nmsg, why);
		return MERGE_EXIT_BAD;
	}
	r->nrec++;
	if (merge_add(r->m, REC_RECORD, &rec, r->source, r->nmsg) != 0)
		return MERGE_EXIT_BAD;
	return 0;
}

/* Has the run ended by --count or by --expect coverage? */
static int
complete(const struct mqrun *r)
{
	if (r->o->count > 0 && r->nrec >= r->o->count)
		return 1;
	return r->m->expect && merge_covered(r->m);
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
		warnx("queue %s: %s", r->q.name, why);
	return MERGE_EXIT_MISSING;
}

/* Receives until --count, --expect coverage or STOP.  An exit status. */
static int
receive_all(struct mqrun *r)
{
	struct timespec deadline;
	long len;
	int rv;

	while (!r->stopped && !complete(r)) {
		if (r->o->timeout_ns >= 0)
			deadline =
			    ns_deadline(CLOCK_REALTIME, r->o->timeout_ns);
		len = recq_receive(&r->q,
				   r->o->timeout_ns >= 0 ? &deadline : NULL);
		if (len == -2)
			return timed_out(r);
		if (len < 0)
			return MERGE_EXIT_BAD;
		if ((rv = take_message(r, len)) != 0)
			return rv;
	}
	return 0;
}

/*
 * After the end: a STOP may follow the last record; a record may not.
 * One still waiting is a stale record of an earlier run or one producer
 * too many, and either way the total would be wrong.
 */
static int
check_rest(struct mqrun *r)
{
	struct timespec now;
	char got[64];
	long len;

	for (;;) {
		now = ns_deadline(CLOCK_REALTIME, 0);
		if ((len = recq_receive(&r->q, &now)) == -2)
			return 0;
		if (len < 0)
			return MERGE_EXIT_BAD;
		if (strcmp(r->q.buf, RECQ_STOP) != 0 || r->stopped)
			break;
		r->stopped = 1;
	}
	warnx("queue %s: another message after the run was complete (%s%s): "
	      "a stale record of an earlier run, or a producer too many",
	      r->q.name, received(r, got, sizeof(got)),
	      r->stopped ? " and STOP" : "");
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
		warnx("queue %s: %s", r->q.name, why);
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
	ipc_guard_unblock(&old);
	rv = receive_all(&r);
	if (rv == 0)
		rv = check_stop(&r);
	/* Overlapping records are named first: the clearer message. */
	if (rv == 0 && merge_check_overlaps(m) != 0)
		rv = MERGE_EXIT_BAD;
	if (rv == 0)
		rv = check_rest(&r);
	recq_close(&r.q);
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
			warnx("%s record %zu is corrupt", source, i + 1);
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
