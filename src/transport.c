/*
 * transport.c: sum-merge's consumer side of the queue and the table.
 *
 * A queue or table holds one run (rangetools(7)): sum-merge is its one
 * reader, holding an fcntl() lock on it and marking it read, and the
 * one process that removes it, when done, on every path, and only while
 * the name still holds the object it read.  A producer whose reader is
 * gone fails by itself (recq.c, shmtab.c); what this side refuses is an
 * ABORT, a marked table, and a queue or table a killed reader left.
 */
#include <assert.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/*
 * A refused message is consumed, and it is no record the kept file could
 * hold (that file must stay records a resume reads): the refusal quotes
 * it instead, printable characters only.
 */
static const char *
quoted(const char *msg, long len, char *buf, size_t size)
{
	size_t k = 0;
	long i;

	assert(size > 8);
	buf[k++] = '\'';
	for (i = 0; i < len && k + 5 < size; i++)
		buf[k++] = msg[i] >= 0x20 && msg[i] < 0x7f ? msg[i] : '?';
	if (i < len)
		k += (size_t)snprintf(buf + k, size - k, "...");
	buf[k++] = '\'';
	buf[k] = '\0';
	return buf;
}

/* Is the message ABORT from an interrupted producer?  Its pid, signal. */
static int
is_abort(const char *msg, long *pid, int *sig)
{
	size_t n = strlen(RECQ_ABORT);

	if (strncmp(msg, RECQ_ABORT, n) != 0 || (msg[n] != ' ' && msg[n]))
		return 0;
	*pid = 0;
	*sig = 0;
	if (sscanf(msg + n, "%ld %d", pid, sig) != 2)
		*sig = 0;
	return 1;
}

/* A producer was interrupted: the run cannot be whole.  Returns 3. */
static int
aborted(struct mqrun *r, long pid, int sig)
{
	char why[300], got[64];
	const char *name = sig > 0 ? sigabbrev_np(sig) : NULL;

	snprintf(why, sizeof(why),
		 "queue %s: producer pid %ld was interrupted%s%s before it "
		 "delivered all its records, after %s",
		 r->q.name, pid, name != NULL ? " by SIG" : "",
		 name != NULL ? name : "", received(r, got, sizeof(got)));
	if (r->m->expect)
		merge_missing(r->m, why);
	else {
		const char *kept = merge_save_records(r->m);

		warnx("%s%s", why, kept);
	}
	return MERGE_EXIT_MISSING;
}

/*
 * Nearly every message is a record of plain decimal fields: the fast
 * reader takes it, made a line, if it takes the whole message ('\r' at
 * its end is no line end here, and the full parser refuses it).
 */
static int
fast_message(const char *msg, long len, struct rec *rec)
{
	char line[RECQ_MSGSIZE + REC_FAST_SPAN];

	if (len < 1 || len > RECQ_MSGSIZE || msg[len - 1] == '\r')
		return 0;
	memcpy(line, msg, (size_t)len);
	memset(line + len, '\n', sizeof(line) - (size_t)len);
	return rec_fast_record(line, line + sizeof(line), 1, rec) ==
	       line + len + 1;
}

/*
 * The message in q->buf as a record: NULL, or why it is none, with the
 * message quoted into q (before the full parser cuts it up).
 */
static const char *
message_record(struct mqrun *r, long len, struct rec *rec, char *q, size_t size)
{
	const char *why;
	int kind;

	if (fast_message(r->q.buf, len, rec))
		return NULL;
	quoted(r->q.buf, len, q, size);
	if ((long)strlen(r->q.buf) != len)
		return "contains a NUL byte";
	if ((kind = rec_parse_result(r->q.buf, rec, &why)) == REC_BARE)
		return "is a bare sum, not a record 'start end sum'";
	return kind == REC_RECORD ? NULL : why;
}

/* Adds one message: a record, or STOP.  0, or an exit status. */
static int
take_message(struct mqrun *r, long len)
{
	const char *why;
	struct rec rec;
	char q[RECQ_MSGSIZE + 8];
	long pid;
	int sig;

	r->nmsg++;
	if (strcmp(r->q.buf, RECQ_STOP) == 0) {
		r->stopped = 1;
		return 0;
	}
	if (is_abort(r->q.buf, &pid, &sig))
		return aborted(r, pid, sig);
	if ((why = message_record(r, len, &rec, q, sizeof(q))) != NULL) {
		const char *kept = merge_save_records(r->m);

		warnx("%s message %lld: %s (%s, not kept)%s", r->source,
		      r->nmsg, why, q, kept);
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
	if (r->m->expect) {
		merge_missing(r->m, why);
	} else {
		const char *kept = merge_save_records(r->m);

		warnx("queue %s: %s%s", r->q.name, why, kept);
	}
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

/*
 * --timeout 0 alone reads what the queue holds, and that is the run: so
 * a queue is emptied (sum-merge(1)).
 */
static int
drain_only(const struct mqrun *r)
{
	return r->o->timeout_ns == 0 && r->o->count == 0 && !r->m->expect;
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
		if (len == -2 && drain_only(r))
			return 0;
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

/* The messages after the end that are no part of the run. */
struct late {
	long long n;
	long first; /* the first one's number */
	int nquoted;
	char quotes[3 * (RECQ_MSGSIZE + 8) + 32]; /* "; not kept: 'a', 'b'" */
};

/*
 * One message after the end.  A STOP may follow the last record, and so
 * may a repeat of a record already read (a part that ran twice) or, with
 * --expect, any record inside it (a straggler).  Without --expect
 * another record is a stale record of an earlier run or one producer too
 * many, and either way the total would be wrong: counted in late, and
 * kept if it is a record.  0, or MERGE_EXIT_BAD.
 */
static int
take_late(struct mqrun *r, long len, struct late *late)
{
	char q[RECQ_MSGSIZE + 8];
	size_t k = strlen(late->quotes);
	const char *why;
	struct rec rec;
	int kind;

	r->nmsg++;
	if (strcmp(r->q.buf, RECQ_STOP) == 0) {
		r->stopped = 1; /* a second STOP is dropped */
		return 0;
	}
	quoted(r->q.buf, len, q, sizeof(q));
	kind = (long)strlen(r->q.buf) == len
		   ? rec_parse_result(r->q.buf, &rec, &why)
		   : -1;
	/*
	 * With --expect a record inside it cannot make the total wrong: it
	 * agrees with the others or is refused.  Without, only a repeat is
	 * surely of this run.
	 */
	if (kind == REC_RECORD && late->n == 0 &&
	    (r->m->expect || merge_has(r->m, &rec)))
		return merge_add(r->m, REC_RECORD, &rec, r->source, r->nmsg) !=
			       0
			   ? MERGE_EXIT_BAD
			   : 0;
	if (late->n++ == 0)
		late->first = (long)r->nmsg;
	if (kind == REC_RECORD &&
	    (!r->m->expect ||
	     (rec.start >= r->m->xstart && rec.end <= r->m->xend)))
		merge_add(r->m, REC_RECORD, &rec, r->source, r->nmsg);
	else if (late->nquoted++ < 3)
		snprintf(late->quotes + k, sizeof(late->quotes) - k, "%s%s",
			 late->nquoted == 1 ? "; not kept: " : ", ", q);
	return 0;
}

/*
 * After the end: what the queue holds now is read, so that a refusal
 * keeps every record; no more, or a producer that keeps sending would
 * keep it reading.
 */
static int
check_rest(struct mqrun *r)
{
	struct late late = {0};
	struct timespec now;
	struct mq_attr attr;
	long len, left = RECQ_DEPTH;
	const char *kept;
	char got[64];

	if (mq_getattr(r->q.q, &attr) == 0)
		left = attr.mq_curmsgs;
	while (left-- > 0) {
		now = ns_deadline(CLOCK_REALTIME, 0);
		if ((len = recq_receive(&r->q, &now)) == -2)
			break;
		if (len < 0 || take_late(r, len, &late) != 0)
			return MERGE_EXIT_BAD;
	}
	if (late.n == 0)
		return 0;
	kept = merge_save_records(r->m);
	warnx("queue %s: another message after the run was complete (%s%s; "
	      "message %ld): a stale record of an earlier run, or a producer "
	      "too many%s%s",
	      r->q.name, received(r, got, sizeof(got)),
	      r->stopped ? " and STOP" : "", late.first, late.quotes, kept);
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
	if (r->m->expect) {
		merge_missing(r->m, why);
	} else {
		const char *kept = merge_save_records(r->m);

		warnx("queue %s: %s%s", r->q.name, why, kept);
	}
	return MERGE_EXIT_MISSING;
}

/*
 * The queue read could not be removed (errno says why): the records it
 * gave are gone from it, so they are kept in a file.
 */
static void
queue_not_removed(struct merge *m, const char *name)
{
	int e = errno;
	const char *kept = merge_save_records(m);

	warnx("cannot remove queue %s: %s%s", name, strerror(e), kept);
}

/*
 * The reader's end: the queue is removed first, then what it still holds
 * is judged, so that a producer sending as the run ends either sent in
 * time to be judged here or finds the queue gone (recq_send()).
 */
int
transport_merge_mq(struct merge *m, const char *name, const struct mqopts *o)
{
	struct mqrun r = {.m = m, .o = o};
	sigset_t old;
	int rv;

	snprintf(r.source, sizeof(r.source), "queue %s", name);
	m->unit = "message";
	ipc_guard_block(&old);
	if (recq_open(&r.q, name, RECQ_READER) != 0 ||
	    (r.q.left && recq_clear_left(&r.q) != 0)) {
		recq_close(&r.q);
		ipc_guard_unblock(&old);
		return MERGE_EXIT_BAD;
	}
	ipc_guard_arm(IPC_MQ, name, &r.q.id);
	ipc_guard_remove_at_exit();
	ipc_guard_unblock(&old);
	rv = receive_all(&r);
	if (rv == 0)
		rv = check_stop(&r);
	if (ipc_guard_remove_quiet() != 0) {
		queue_not_removed(m, name);
		if (rv == 0)
			rv = MERGE_EXIT_BAD;
	}
	if (rv == 0)
		rv = check_rest(&r);
	recq_close(&r.q);
	free(r.seen.slot);
	free(r.seen.used);
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
			const char *kept = merge_save_records(m);

			warnx("%s record %zu is corrupt%s", source, i + 1,
			      kept);
			return MERGE_EXIT_BAD;
		}
		if (merge_add(m, REC_RECORD, &r, source, (long long)i + 1) != 0)
			return MERGE_EXIT_BAD;
	}
	return 0;
}

/* A producer marked the table interrupted: the run cannot be whole. */
static int
table_aborted(struct merge *m, const char *name, const struct shmtab_taken *tk)
{
	char why[300];
	const char *sig =
	    tk->abort_sig > 0 ? sigabbrev_np(tk->abort_sig) : NULL;

	snprintf(why, sizeof(why),
		 "table %s: producer pid %ld was interrupted%s%s before it "
		 "added all its records",
		 name, tk->abort_pid, sig != NULL ? " by SIG" : "",
		 sig != NULL ? sig : "");
	if (m->expect)
		merge_missing(m, why);
	else {
		const char *kept = merge_save_records(m);

		warnx("%s%s", why, kept);
	}
	return MERGE_EXIT_MISSING;
}

/*
 * The table read could not be removed (errno says why): its records
 * stay in it, given back, for the next reader, which sums them again.
 */
static void
not_removed(const char *name, const struct shmtab_taken *tk)
{
	int e = errno;

	if (shmtab_untake(tk) == 0)
		warnx("cannot remove table %s: %s; its records stay in it for "
		      "the next sum-merge --shm %s",
		      name, strerror(e), name);
	else
		warnx("cannot remove table %s: %s", name, strerror(e));
}

int
transport_merge_shm(struct merge *m, const char *name)
{
	char source[300];
	struct shmtab_taken tk;
	sigset_t old;
	int rv;

	snprintf(source, sizeof(source), "table %s", name);
	m->unit = "record";
	ipc_guard_block(&old);
	rv = shmtab_take(name, &tk) == 0 ? 0 : MERGE_EXIT_BAD;
	if (tk.ours)
		ipc_guard_arm(IPC_SHM, name, &tk.id);
	ipc_guard_remove_at_exit();
	ipc_guard_unblock(&old);
	if (rv == 0 && tk.deaths > 0)
		warnx("table %s: %u producer%s died holding its lock", name,
		      tk.deaths, tk.deaths == 1 ? "" : "s");
	if (rv == 0)
		rv = add_table(m, source, tk.recs, tk.n);
	if (rv == 0 && tk.abort_pid != 0)
		rv = table_aborted(m, name, &tk);
	free(tk.recs);
	if (ipc_guard_remove_quiet() != 0) {
		not_removed(name, &tk);
		if (rv == 0)
			rv = MERGE_EXIT_BAD;
	}
	if (tk.fd >= 0)
		close(tk.fd);
	return rv;
}
