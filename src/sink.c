/*
 * sink.c: delivering range-sum's results.
 */
#include <assert.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "ipc.h"
#include "rec.h"
#include "recq.h"
#include "shmtab.h"
#include "sink.h"

enum sink_kind { SINK_STDOUT, SINK_MQ, SINK_SHM };

struct sink {
	enum sink_kind kind;
	int tag;
	const char *name;
	struct recq q;
	struct shmtab *t;
};

/* The open sink, for the STOPSIG_RUN action: one per process. */
static struct sink *armed_sink;

/* "ABORT pid sig", built without stdio. */
static size_t
abort_message(char *buf, size_t size, int sig)
{
	char digits[24];
	long v[2] = {(long)getpid(), sig};
	size_t len = strlen(RECQ_ABORT), i, k;

	memcpy(buf, RECQ_ABORT, len);
	for (i = 0; i < 2; i++) {
		k = 0;
		do
			digits[k++] = (char)('0' + v[i] % 10);
		while ((v[i] /= 10) > 0 && k < sizeof(digits));
		assert(len + k + 1 < size); /* size holds two longs and more */
		buf[len++] = ' ';
		while (k > 0)
			buf[len++] = digits[--k];
	}
	return len;
}

/*
 * An interrupted producer tells its run instead of removing anything:
 * ABORT for a queue's reader (at most a second's wait for room), a mark
 * for a table's.  With no reader yet, the object waits for it, and the
 * message names it.
 */
static void
on_interrupt(int sig)
{
	struct sink *s = armed_sink;
	struct timespec when;
	char msg[64 + RECQ_MSGSIZE];
	size_t len;
	int reader;

	if (s->kind == SINK_SHM) {
		if (shmtab_mark_interrupted(s->t, sig) == 0)
			ipc_say("range-sum: interrupted: table ", s->name,
				" is kept, marked incomplete, for sum-merge "
				"--shm to report and remove\n");
		return;
	}
	if (recq_reader_gone(&s->q))
		return;
	reader = recq_has_reader(&s->q);
	len = abort_message(msg, sizeof(msg), sig);
	when = ns_deadline(CLOCK_REALTIME, reader ? NS_PER_S : 0);
	if (mq_timedsend(s->q.q, msg, len, 0, &when) != 0) {
		/*
		 * Full: a record makes room for ABORT.  Its run is refused
		 * anyway, and a reader that came later would wait for
		 * ever on a full queue that says nothing.
		 */
		when = ns_deadline(CLOCK_REALTIME, 0);
		if (mq_timedreceive(s->q.q, msg + len + 1,
				    sizeof(msg) - len - 1, NULL, &when) < 0 &&
		    errno != ETIMEDOUT)
			return;
		if (mq_timedsend(s->q.q, msg, len, 0, &when) != 0)
			return;
	}
	if (!reader)
		ipc_say("range-sum: interrupted: queue ", s->name,
			" keeps ABORT for its reader: sum-merge --mq reports "
			"what is missing and removes it\n");
}

/* A queue or table failed: see IPC_EXIT_GONE. */
static _Noreturn void
fail(void)
{
	exit(ipc_reader_gone ? IPC_EXIT_GONE : 1);
}

struct sink *
sink_open(const char *mq, const char *shm, int tag, int stop)
{
	struct sink *s;
	sigset_t old;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		err(1, "calloc: the record sink");
	s->tag = tag;
	if (mq == NULL && shm == NULL)
		return s;
	/*
	 * The object is opened now, before any work: the producer belongs
	 * to the run of the object the name holds as it starts
	 * (rangetools(7)), and removes nothing.
	 */
	ipc_guard_block(&old);
	if (mq != NULL) {
		s->kind = SINK_MQ;
		s->name = mq;
		if (recq_open(&s->q, mq, stop ? RECQ_STOPPER : RECQ_PRODUCER) !=
		    0)
			fail();
	} else {
		s->kind = SINK_SHM;
		s->name = shm;
		if ((s->t = shmtab_join(shm)) == NULL)
			fail();
	}
	armed_sink = s;
	ipc_guard_arm_producer(on_interrupt);
	ipc_guard_unblock(&old);
	return s;
}

void
sink_put(struct sink *s, int64_t start, int64_t end, i128 sum)
{
	char buf[REC_LEN], *line = buf;
	int len;

	/* A full table or a vanished queue fails every later record too. */
	switch (s->kind) {
	case SINK_MQ:
		len = rec_format(buf, start, end, sum);
		if (recq_send(&s->q, buf, (size_t)len) != 0)
			fail();
		return;
	case SINK_SHM:
		if (shmtab_insert(s->t, start, end, sum) != 0)
			fail();
		return;
	default:
		break;
	}
	if (s->tag)
		rec_format(buf, start, end, sum);
	else
		line = num_fmt128(sum, buf);
	puts(line);
}

int
sink_stop(struct sink *s)
{
	/* range-sum refuses --stop without --mq. */
	assert(s->kind == SINK_MQ);
	return recq_send(&s->q, RECQ_STOP, strlen(RECQ_STOP));
}

int
sink_close(struct sink *s)
{
	int rv = 0;

	/* The table's last records go while the guard can still tell. */
	if (s->t != NULL && shmtab_flush(s->t) != 0)
		rv = -1;
	if (s->kind == SINK_MQ && recq_finish(&s->q) != 0)
		rv = -1;
	ipc_guard_disarm();
	if (s->kind == SINK_MQ)
		recq_close(&s->q);
	if (shmtab_leave(s->t) != 0)
		rv = -1;
	free(s);
	cli_close_stdout();
	return rv;
}
