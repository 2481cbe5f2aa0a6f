/*
 * recq.c: the record queue over POSIX message queues.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "ipc.h"
#include "recq.h"

/* A limit from /proc/sys/fs/mqueue, or -1. */
static long
mq_sysctl(const char *leaf)
{
	char path[64];
	long v = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/sys/fs/mqueue/%s", leaf);
	if ((fp = fopen(path, "r")) != NULL) {
		if (fscanf(fp, "%ld", &v) != 1)
			v = -1;
		fclose(fp);
	}
	return v;
}

/* mq_open() failed: say which limit, in words a user can act on. */
static void
explain_open(const char *name)
{
	struct rlimit rl;
	int e = errno;

	if (e == EMFILE && getrlimit(RLIMIT_MSGQUEUE, &rl) == 0)
		warnx("queue %s: cannot open it: your queues would exceed "
		      "RLIMIT_MSGQUEUE (ulimit -q: %jd bytes), or too many "
		      "files are open",
		      name, (intmax_t)rl.rlim_cur);
	else if (e == ENOSPC)
		warnx("queue %s: cannot create it: the system holds "
		      "queues_max (%ld) queues already",
		      name, mq_sysctl("queues_max"));
	else if (e == EINVAL)
		warnx("queue %s: cannot create it: %d messages of %d bytes "
		      "exceed /proc/sys/fs/mqueue msg_max (%ld) or "
		      "msgsize_max (%ld)",
		      name, RECQ_DEPTH, RECQ_MSGSIZE, mq_sysctl("msg_max"),
		      mq_sysctl("msgsize_max"));
	else if (e == ENOSYS)
		warnx("queue %s: this kernel has no POSIX message queues",
		      name);
	else
		warnx("queue %s: %s", name, strerror(e));
}

int
recq_open(struct recq *q, const char *name, int oflag)
{
	struct mq_attr attr = {.mq_maxmsg = RECQ_DEPTH,
			       .mq_msgsize = RECQ_MSGSIZE};

	memset(q, 0, sizeof(*q));
	q->name = name;
	q->q = (mqd_t)-1;
	/* Before the queue is made: a failure here leaves nothing behind. */
	if ((q->buf = malloc(RECQ_MSGSIZE + 1)) == NULL) {
		warn("queue %s: malloc of a message buffer", name);
		return -1;
	}
	q->q = mq_open(name, oflag | O_CREAT, 0600, &attr);
	if (q->q == (mqd_t)-1) {
		explain_open(name);
		recq_close(q);
		return -1;
	}
	if (ipc_check_owner(q->q, IPC_MQ, name) != 0 ||
	    mq_getattr(q->q, &attr) != 0) {
		recq_close(q);
		q->q = (mqd_t)-1;
		return -1;
	}
	q->msgsize = attr.mq_msgsize;
	/* A queue made by another program may hold longer messages. */
	if (q->msgsize > RECQ_MSGSIZE) {
		char *p = realloc(q->buf, (size_t)q->msgsize + 1);

		if (p == NULL)
			err(1, "queue %s: realloc of a %ld-byte message buffer",
			    name, q->msgsize);
		q->buf = p;
	}
	return 0;
}

/* A sender waiting on a full queue: is the name still this queue? */
static int
still_linked(struct recq *q)
{
	struct stat a, b;
	mqd_t again;
	int same;

	if ((again = mq_open(q->name, O_RDONLY)) == (mqd_t)-1)
		return errno != ENOENT;
	same = fstat(q->q, &a) == 0 && fstat(again, &b) == 0 &&
	       a.st_ino == b.st_ino && a.st_dev == b.st_dev;
	mq_close(again);
	return same;
}

/*
 * A full queue blocks the sender (back-pressure), but once a second the
 * sender checks that a consumer could still read it: a consumer that
 * gave up removes the queue, and waiting on it would then be for ever.
 */
int
recq_send(struct recq *q, const char *msg, size_t len)
{
	static int hinted;
	struct timespec when;
	int64_t waited = 0;

	if ((long)len > q->msgsize) {
		warnx("queue %s: its messages hold %ld bytes, a record "
		      "needs %zu",
		      q->name, q->msgsize, len);
		return -1;
	}
	for (;;) {
		when = ns_deadline(CLOCK_REALTIME, NS_PER_S);
		if (mq_timedsend(q->q, msg, len, 0, &when) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != ETIMEDOUT) {
			warn("queue %s: send", q->name);
			return -1;
		}
		if (!still_linked(q)) {
			warnx("queue %s was removed while full: its consumer "
			      "is gone",
			      q->name);
			return -1;
		}
		/* A queue holds 10 records: without a reader, we wait. */
		waited += NS_PER_S;
		if (!hinted && waited >= CLI_HINT_MS * (int64_t)1000000 &&
		    isatty(STDERR_FILENO)) {
			hinted = 1;
			cli_hint("waiting for a reader: sum-merge --mq %s",
				 q->name);
		}
	}
}

long
recq_receive(struct recq *q, const struct timespec *deadline)
{
	ssize_t n;

	do {
		n = deadline == NULL
			? mq_receive(q->q, q->buf, (size_t)q->msgsize, NULL)
			: mq_timedreceive(q->q, q->buf, (size_t)q->msgsize,
					  NULL, deadline);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == ETIMEDOUT)
			return -2;
		warn("queue %s: receive", q->name);
		return -1;
	}
	q->buf[n] = '\0';
	return (long)n;
}

void
recq_close(struct recq *q)
{
	if (q->q != (mqd_t)-1)
		mq_close(q->q);
	free(q->buf);
	q->buf = NULL;
}
