/*
 * sink.c: delivering range-sum's results.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ipc.h"
#include "rec.h"
#include "recq.h"
#include "shmtab.h"
#include "sink.h"

enum sink_kind { SINK_STDOUT, SINK_MQ, SINK_SHM };

struct sink {
	enum sink_kind kind;
	int tag;
	struct recq q;
	struct shmtab *t;
};

struct sink *
sink_open(const char *mq, const char *shm, int tag)
{
	struct sink *s;
	sigset_t old;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		err(1, "calloc: the record sink");
	s->tag = tag;
	if (mq == NULL && shm == NULL)
		return s;
	/*
	 * An interrupted producer leaves its run incomplete: it removes the
	 * queue or table so that no later sum-merge can add what the run
	 * did deliver to records of another run (see range-sum(1)).
	 */
	ipc_guard_block(&old);
	if (mq != NULL) {
		s->kind = SINK_MQ;
		if (recq_open(&s->q, mq, O_WRONLY) != 0)
			exit(1);
		ipc_guard_arm(IPC_MQ, mq);
	} else {
		s->kind = SINK_SHM;
		if ((s->t = shmtab_join(shm)) == NULL)
			exit(1);
		ipc_guard_arm(IPC_SHM, shm);
	}
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
			exit(1);
		return;
	case SINK_SHM:
		if (shmtab_insert(s->t, start, end, sum) != 0)
			exit(1);
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
	if (s->kind != SINK_MQ) {
		warnx("STOP is a queue's message: --stop needs --mq");
		return -1;
	}
	return recq_send(&s->q, RECQ_STOP, strlen(RECQ_STOP));
}

int
sink_close(struct sink *s)
{
	int rv = 0;

	if (s->kind == SINK_MQ)
		recq_close(&s->q);
	if (shmtab_leave(s->t) != 0)
		rv = -1;
	ipc_guard_disarm();
	free(s);
	cli_close_stdout();
	return rv;
}
