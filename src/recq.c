/*
 * recq.c: the record queue over POSIX message queues.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <assert.h>
#include <err.h>
#include <limits.h>
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

/* A STOP waits this long for its reader to create the queue. */
#define STOP_WAIT_MS 2000

static void
sleep_ms(long ms)
{
	struct timespec ts = ns_to_ts((int64_t)ms * 1000000);

	nanosleep(&ts, NULL);
}

/* Opens the name as role does: a STOP never creates, and waits a little. */
static mqd_t
open_name(const char *name, enum recq_role role)
{
	struct mq_attr attr = {.mq_maxmsg = RECQ_DEPTH,
			       .mq_msgsize = RECQ_MSGSIZE};
	/* A producer reads only to make room for ABORT (sink.c). */
	int oflag = role == RECQ_STOPPER ? O_WRONLY : O_RDWR;
	long waited;
	mqd_t d;

	if (role != RECQ_STOPPER)
		return mq_open(name, oflag | O_CREAT, 0600, &attr);
	for (waited = 0;; waited += 10) {
		d = mq_open(name, oflag);
		if (d != (mqd_t)-1 || errno != ENOENT || waited >= STOP_WAIT_MS)
			return d;
		sleep_ms(10);
	}
}

/* Is it a queue rangetools made?  0, or -1 after a message. */
static int
check_attrs(struct recq *q)
{
	struct mq_attr attr;
	/* Its one error is a closed descriptor (EBADF): this one is open. */
	int rc = mq_getattr(q->q, &attr);

	assert(rc == 0);
	(void)rc;
	if (attr.mq_maxmsg != RECQ_DEPTH || attr.mq_msgsize != RECQ_MSGSIZE) {
		warnx("queue %s is not a rangetools queue (%ld messages of "
		      "%ld bytes, not %d of %d): left alone",
		      q->name, attr.mq_maxmsg, attr.mq_msgsize, RECQ_DEPTH,
		      RECQ_MSGSIZE);
		return -1;
	}
	q->msgsize = attr.mq_msgsize;
	return 0;
}

int
recq_reader_gone(const struct recq *q)
{
	struct stat st;

	ipc_fstat(q->q, &st);
	if (st.st_nlink == 0)
		return 1;
	return (st.st_mode & S_IXUSR) != 0 && ipc_lock_holder(q->q) == 0;
}

int
recq_has_reader(const struct recq *q)
{
	struct stat st;

	return fstat(q->q, &st) == 0 && st.st_nlink > 0 &&
	       (st.st_mode & S_IXUSR) != 0 && ipc_lock_holder(q->q) > 0;
}

/*
 * The reader's part: the lock, then the mark (owner execute, which no
 * umask takes away: fchmod() ignores it).  1 when the queue was removed
 * meanwhile (a reader that finished), so that the caller opens anew.
 */
static int
take_reader(struct recq *q)
{
	struct stat st;
	long pid;

	if ((pid = ipc_lock(q->q)) != 0) {
		if (pid > 0)
			warnx("queue %s is being read by another sum-merge "
			      "(pid %ld): one reader per queue",
			      q->name, pid);
		else
			warn("queue %s: lock", q->name);
		return -1;
	}
	ipc_fstat(q->q, &st);
	if (st.st_nlink == 0)
		return 1;
	if ((st.st_mode & S_IXUSR) != 0)
		q->left = 1;
	else if (fchmod(q->q, (st.st_mode & 07777) | S_IXUSR) != 0) {
		warn("queue %s: mark it read", q->name);
		return -1;
	}
	return 0;
}

static void
close_fail(struct recq *q)
{
	mq_close(q->q);
	q->q = (mqd_t)-1;
	free(q->buf);
	q->buf = NULL;
}

int
recq_open(struct recq *q, const char *name, enum recq_role role)
{
	int tries, rv;

	memset(q, 0, sizeof(*q));
	q->name = name;
	/* Before the queue is opened: a failure here leaves nothing behind. */
	if ((q->buf = malloc(RECQ_MSGSIZE + 1)) == NULL) {
		warn("queue %s: malloc of a message buffer", name);
		return -1;
	}
	for (tries = 0;; tries++) {
		if ((q->q = open_name(name, role)) == (mqd_t)-1) {
			if (role == RECQ_STOPPER && errno == ENOENT)
				warnx("queue %s does not exist: its reader "
				      "has not started, or is gone (a STOP "
				      "never creates a queue)",
				      name);
			else
				explain_open(name);
			return -1;
		}
		if (ipc_check_owner(q->q, IPC_MQ, name) != 0 ||
		    check_attrs(q) != 0) {
			close_fail(q);
			return -1;
		}
		ipc_identify(q->q, &q->id);
		rv = role == RECQ_READER ? take_reader(q) : 0;
		if (rv == 1 && tries < 100) {
			mq_close(q->q);
			continue;
		}
		break;
	}
	if (rv != 0) {
		close_fail(q);
		return -1;
	}
	if (role != RECQ_READER && recq_reader_gone(q)) {
		ipc_reader_gone = 1;
		warnx("queue %s: its reader is gone (sum-merge was killed); "
		      "sum-merge --mq %s removes it",
		      name, name);
		close_fail(q);
		return -1;
	}
	return 0;
}

/* Writes what a killed reader left to a new file; its name, or NULL. */
static const char *
keep_left(struct recq *q, long *n, char *path, size_t size)
{
	const char *dir = getenv("TMPDIR");
	struct timespec now;
	FILE *fp;
	long len;
	int fd;

	snprintf(path, size, "%s/sum-merge-left.XXXXXX",
		 dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		warn("queue %s: keep what it held: %s", q->name, path);
		return NULL;
	}
	for (*n = 0;; ++*n) {
		now = ns_deadline(CLOCK_REALTIME, 0);
		if ((len = recq_receive(q, &now)) < 0)
			break;
		fprintf(fp, "%s\n", q->buf);
	}
	if (fclose(fp) != 0) {
		warn("%s", path);
		return NULL;
	}
	return path;
}

int
recq_clear_left(struct recq *q)
{
	char path[PATH_MAX];
	const char *name = q->name;
	long n = 0;

	if (keep_left(q, &n, path, sizeof(path)) == NULL)
		return -1;
	warnx("queue %s was left by a sum-merge that was killed: its %ld "
	      "message%s, of no run, are kept in %s; removed it, reading "
	      "a new one",
	      name, n, n == 1 ? "" : "s", path);
	if (ipc_remove_same(IPC_MQ, name, &q->id) != 0)
		return -1;
	recq_close(q);
	if (recq_open(q, name, RECQ_READER) != 0)
		return -1;
	return q->left ? recq_clear_left(q) : 0;
}

/* The reader is gone: say so, with the message it will not read. */
static int
gone(struct recq *q, const char *msg, const char *when)
{
	ipc_reader_gone = 1;
	warnx("queue %s: its reader is gone (sum-merge has finished, failed "
	      "or was killed); %s: %s",
	      q->name, when, msg);
	return -1;
}

/*
 * After a send: was the queue removed, and the message left in it?  The
 * last message of a run is read, and then the queue removed, before the
 * sender looks; so a removed queue is judged once its reader has let go
 * of it (it reads what the queue held first): still holding messages,
 * they were sent too late.
 */
static int
unread(struct recq *q)
{
	struct mq_attr attr;
	struct stat st;
	int waited;

	if (fstat(q->q, &st) != 0 || st.st_nlink > 0)
		return 0;
	for (waited = 0; ipc_lock_holder(q->q) > 0 && waited < STOP_WAIT_MS;
	     waited++)
		sleep_ms(1);
	return mq_getattr(q->q, &attr) == 0 && attr.mq_curmsgs > 0;
}

/*
 * A full queue blocks the sender (back-pressure), but once a second the
 * sender checks that its reader is still there: a reader that gave up
 * removes the queue, and waiting on it would then be for ever.  The
 * check before the first send, and then once a second, and
 * recq_finish() after the last, catch a reader that has finished,
 * without a system call per record (make bench (e)).
 */
int
recq_send(struct recq *q, const char *msg, size_t len)
{
	static int hinted;
	struct timespec when;
	int64_t waited = 0;

	assert(len <= RECQ_MSGSIZE);
	if (now_ns(CLOCK_MONOTONIC) >= q->next_check) {
		if (recq_reader_gone(q))
			return gone(q, msg, "not sent");
		q->next_check = now_ns(CLOCK_MONOTONIC) + NS_PER_S;
	}
	for (;;) {
		when = ns_deadline(CLOCK_REALTIME, NS_PER_S);
		if (mq_timedsend(q->q, msg, len, 0, &when) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != ETIMEDOUT) {
			warn("queue %s: send", q->name);
			return -1;
		}
		if (recq_reader_gone(q))
			return gone(q, msg, "not sent");
		/* A queue holds 10 records: without a reader, we wait. */
		waited += NS_PER_S;
		if (!hinted && waited >= CLI_HINT_MS * (int64_t)1000000 &&
		    isatty(STDERR_FILENO)) {
			hinted = 1;
			cli_hint("waiting for a reader: sum-merge --mq %s",
				 q->name);
		}
	}
	q->sent++;
	return 0;
}

int
recq_finish(struct recq *q)
{
	if (q->sent == 0 || !unread(q))
		return 0;
	ipc_reader_gone = 1;
	warnx("queue %s: its reader is gone (sum-merge has finished, failed "
	      "or was killed): what was sent as it ended was not read",
	      q->name);
	return -1;
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
