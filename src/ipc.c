/*
 * ipc.c: names, ownership and removal of the transports' objects.
 */
#include <sys/stat.h>

#include <assert.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "stopsig.h"

const char *
ipc_name_problem(const char *name)
{
	size_t len = strlen(name);

	if (name[0] != '/')
		return "must begin with a slash, as in /name";
	if (len == 1)
		return "needs a name after the slash";
	if (strchr(name + 1, '/') != NULL)
		return "must have no slash after the first";
	if (len - 1 > NAME_MAX)
		return "is longer than NAME_MAX (255) after the slash";
	if (strcmp(name, "/.") == 0 || strcmp(name, "/..") == 0)
		return "cannot be . or ..";
	/* Legal on Linux, but no message or listing could show them. */
	for (; *name != '\0'; name++)
		if ((unsigned char)*name < 0x20 || *name == 0x7f)
			return "must hold no control characters";
	return NULL;
}

const char *
ipc_what(enum ipc_kind k)
{
	return k == IPC_MQ ? "queue" : "table";
}

int
ipc_check_owner(int fd, enum ipc_kind k, const char *name)
{
	struct stat st;

	ipc_fstat(fd, &st);
	if (st.st_uid != geteuid()) {
		warnx("%s %s belongs to uid %ju, not to you (uid %ju): "
		      "refusing to join it",
		      ipc_what(k), name, (uintmax_t)st.st_uid,
		      (uintmax_t)geteuid());
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		warnx("%s %s is writable by other users (mode %04o): "
		      "refusing to join it",
		      ipc_what(k), name, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

void
ipc_fstat(int fd, struct stat *st)
{
	int rc = fstat(fd, st);

	assert(rc == 0);
	(void)rc;
}

void
ipc_identify(int fd, struct ipc_id *id)
{
	struct stat st;

	ipc_fstat(fd, &st);
	id->dev = st.st_dev;
	id->ino = st.st_ino;
}

long
ipc_lock_holder(int fd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	if (fcntl(fd, F_GETLK, &fl) != 0)
		return -1;
	return fl.l_type == F_UNLCK ? 0 : (long)fl.l_pid;
}

long
ipc_lock(int fd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	long pid;

	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	pid = ipc_lock_holder(fd);
	return pid > 0 ? pid : -1;
}

int ipc_reader_gone;

/* The armed reader's object, which the STOPSIG_RUN action removes. */
static int armed;
static enum ipc_kind armed_kind;
static const char *armed_name;
static struct ipc_id armed_id;

void
ipc_say(const char *a, const char *b, const char *c)
{
	const char *part[3] = {a, b, c};
	int i;

	for (i = 0; i < 3; i++)
		if (part[i] != NULL &&
		    write(STDERR_FILENO, part[i], strlen(part[i])) < 0)
			return;
}

/*
 * mq_open(), shm_open(), fstat() and the unlinks are single system calls
 * on Linux (glibc builds shm_open's path on the stack), so this is safe
 * in a handler.  Between the check and the unlink no other process can
 * replace the object: only its one reader, the caller, removes it.
 */
/*
 * Opens the name to see what it holds.  A limit met for a moment (the
 * system's files, memory) is tried again twice, 10 ms apart: a name it
 * cannot check is never removed, and its object would be left behind.
 */
static int
open_to_check(enum ipc_kind k, const char *name)
{
	const struct timespec pause = {0, 10 * 1000 * 1000};
	int fd, tries = 0;

	while ((fd = k == IPC_MQ ? (int)mq_open(name, O_RDONLY)
				 : shm_open(name, O_RDONLY, 0)) < 0 &&
	       ++tries < 3 &&
	       (errno == EMFILE || errno == ENFILE || errno == ENOMEM))
		nanosleep(&pause, NULL);
	return fd;
}

int
ipc_remove_same_quiet(enum ipc_kind k, const char *name,
		      const struct ipc_id *id)
{
	struct stat st;
	int fd, same;

	if ((fd = open_to_check(k, name)) < 0)
		return errno == ENOENT ? 0 : -1;
	same =
	    fstat(fd, &st) == 0 && st.st_dev == id->dev && st.st_ino == id->ino;
	close(fd);
	if (!same)
		return 0;
	if ((k == IPC_MQ ? mq_unlink(name) : shm_unlink(name)) != 0 &&
	    errno != ENOENT)
		return -1;
	return 0;
}

int
ipc_remove_same(enum ipc_kind k, const char *name, const struct ipc_id *id)
{
	if (ipc_remove_same_quiet(k, name, id) != 0) {
		warn("cannot remove %s %s", ipc_what(k), name);
		return -1;
	}
	return 0;
}

/* The reader's action: the object goes, only while the name holds it. */
static void
on_stop(int sig)
{
	(void)sig;
	if (armed) {
		armed = 0;
		ipc_remove_same_quiet(armed_kind, armed_name, &armed_id);
	}
}

/*
 * A critical section of stopsig.c: a stop signal waits until the object
 * is open and the guard armed, or until the caller gave up.  Whether a
 * signal ignored at start still ends the program is stopsig.c's rule.
 */
void
ipc_guard_block(sigset_t *old)
{
	stopsig_hold(old);
}

void
ipc_guard_unblock(const sigset_t *old)
{
	stopsig_release(old);
}

static pid_t armed_by;

void
ipc_guard_arm(enum ipc_kind k, const char *name, const struct ipc_id *id)
{
	armed_by = getpid();
	sigset_t old;

	stopsig_hold(&old);
	armed_kind = k;
	armed_name = name;
	armed_id = *id;
	armed = 1;
	stopsig_register(STOPSIG_RUN, on_stop);
	stopsig_release(&old);
}

void
ipc_guard_arm_producer(void (*fn)(int sig))
{
	stopsig_register(STOPSIG_RUN, fn);
}

static void
remove_at_exit(void)
{
	if (armed && getpid() == armed_by)
		(void)ipc_guard_remove();
}

/*
 * A consumer that exits while armed (err(3) after a failed allocation,
 * once it took the table or read from the queue) leaves what it took as
 * a signal would: removed.  Not a producer's: a full table keeps its
 * records for sum-merge.
 */
void
ipc_guard_remove_at_exit(void)
{
	static int registered;

	if (!registered && atexit(remove_at_exit) == 0)
		registered = 1;
}

int
ipc_guard_remove_quiet(void)
{
	sigset_t old;
	int rv = 0, e = 0;

	stopsig_hold(&old);
	if (armed) {
		armed = 0;
		stopsig_register(STOPSIG_RUN, NULL);
		rv = ipc_remove_same_quiet(armed_kind, armed_name, &armed_id);
		e = errno;
	}
	stopsig_release(&old);
	errno = e;
	return rv;
}

int
ipc_guard_remove(void)
{
	if (ipc_guard_remove_quiet() != 0) {
		warn("cannot remove %s %s", ipc_what(armed_kind), armed_name);
		return -1;
	}
	return 0;
}

void
ipc_guard_disarm(void)
{
	sigset_t old;

	stopsig_hold(&old);
	/*
	 * A stop that came before the producer's end but is not acted on
	 * yet acts now, while the guard can still tell the run: otherwise
	 * which came first, the end or the signal, would depend on when
	 * the waiting thread was scheduled.
	 */
	if (stopsig_caught()) {
		stopsig_release(&old);
		stopsig_await();
	}
	armed = 0;
	stopsig_register(STOPSIG_RUN, NULL);
	stopsig_release(&old);
}
