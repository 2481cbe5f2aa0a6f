/*
 * tests/inject.c: a preload library, built for the tests only, that makes
 * the calls libfiu's posix preload does not cover fail on request:
 * mq_open, mq_send (and mq_timedsend), mq_receive (and mq_timedreceive),
 * shm_open, pthread_create and posix_fallocate; accept4, which libfiu's
 * accept point does not reach; and fork and waitpid,
 * whose Nth call libfiu cannot choose.  Each wrapper finds the
 * real function with dlsym(RTLD_NEXT) and calls it unless told to fail.
 *
 *	RT_INJECT="OP:WHEN[:ERRNO],..."
 *
 * WHEN is N, to fail the Nth call of OP in each process (a forked child
 * goes on counting from its parent's count), or %P, to fail each call
 * with P percent chance, drawn from RT_INJECT_SEED (the same seed, the
 * same draws).  ERRNO is a number; without it each OP fails as the
 * kernel would when a limit is reached (EMFILE, ENOSPC, EAGAIN...).
 * RT_INJECT_LOG names a file where each injected failure appends the
 * line "OP N PID", so that a test knows the failure happened.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum op {
	MQ_OPEN,
	MQ_SEND,
	MQ_RECEIVE,
	SHM_OPEN,
	PTHREAD_CREATE,
	FALLOCATE,
	FORK,
	WAITPID,
	ACCEPT4,
	NOPS
};

static const struct {
	const char *name;
	int err; /* what the kernel or libc says when the limit is hit */
} ops[NOPS] = {
    [MQ_OPEN] = {"mq_open", EMFILE},
    [MQ_SEND] = {"mq_send", EMSGSIZE},
    [MQ_RECEIVE] = {"mq_receive", EBADF},
    [SHM_OPEN] = {"shm_open", EMFILE},
    [PTHREAD_CREATE] = {"pthread_create", EAGAIN},
    [FALLOCATE] = {"posix_fallocate", ENOSPC},
    [FORK] = {"fork", EAGAIN},
    [WAITPID] = {"waitpid", ECHILD},
    [ACCEPT4] = {"accept4", EMFILE},
};

static struct rule {
	long nth;    /* fail this call, or 0 */
	int percent; /* or fail with this chance */
	int err;
	long calls;
} rules[NOPS];
static uint64_t seed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Parses RT_INJECT once, before main. */
__attribute__((constructor)) static void
inject_init(void)
{
	const char *spec = getenv("RT_INJECT"), *s;
	char op[32];
	int i, n;

	if ((s = getenv("RT_INJECT_SEED")) != NULL)
		seed = strtoull(s, NULL, 10);
	seed = seed * 2654435761u + 1;
	for (s = spec; s != NULL && *s != '\0'; s += *s == ',') {
		long when = 0, e = 0;
		int pct = 0;

		if (sscanf(s, "%31[^:]:%n", op, &n) != 1)
			break;
		s += n;
		if (*s == '%' && sscanf(s + 1, "%d%n", &pct, &n) == 1)
			s += n + 1;
		else if (sscanf(s, "%ld%n", &when, &n) == 1)
			s += n;
		if (*s == ':' && sscanf(s + 1, "%ld%n", &e, &n) == 1)
			s += n + 1;
		for (i = 0; i < NOPS; i++)
			if (strcmp(op, ops[i].name) == 0) {
				rules[i].nth = when;
				rules[i].percent = pct;
				rules[i].err = e ? (int)e : ops[i].err;
			}
		while (*s != '\0' && *s != ',')
			s++;
	}
}

/* xorshift64: the draws of a seed are the same on every run. */
static unsigned
draw(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed % 100);
}

static void
note(enum op i, long n)
{
	const char *log = getenv("RT_INJECT_LOG");
	char line[96];
	int fd, len;

	if (log == NULL ||
	    (fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644)) < 0)
		return;
	len = snprintf(line, sizeof(line), "%s %ld %ld\n", ops[i].name, n,
		       (long)getpid());
	(void)!write(fd, line, (size_t)len);
	close(fd);
}

/* Whether this call of OP fails; its error number then in *e. */
static int
fails(enum op i, int *e)
{
	struct rule *r = &rules[i];
	int yes;

	pthread_mutex_lock(&lock);
	r->calls++;
	yes = (r->nth != 0 && r->calls == r->nth) ||
	      (r->percent > 0 && draw() < (unsigned)r->percent);
	pthread_mutex_unlock(&lock);
	if (yes) {
		note(i, r->calls);
		*e = r->err;
	}
	return yes;
}

static void *
real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL) {
		fprintf(stderr, "inject: no %s after this library\n", name);
		abort();
	}
	return f;
}

mqd_t
mq_open(const char *name, int oflag, ...)
{
	static mqd_t (*f)(const char *, int, ...);
	struct mq_attr *attr = NULL;
	mode_t mode = 0;
	va_list ap;
	int e;

	if (oflag & O_CREAT) {
		va_start(ap, oflag);
		mode = va_arg(ap, mode_t);
		attr = va_arg(ap, struct mq_attr *);
		va_end(ap);
	}
	if (fails(MQ_OPEN, &e)) {
		errno = e;
		return (mqd_t)-1;
	}
	if (f == NULL)
		f = real("mq_open");
	return f(name, oflag, mode, attr);
}

int
mq_timedsend(mqd_t q, const char *msg, size_t len, unsigned prio,
	     const struct timespec *when)
{
	static int (*f)(mqd_t, const char *, size_t, unsigned,
			const struct timespec *);
	int e;

	if (fails(MQ_SEND, &e)) {
		errno = e;
		return -1;
	}
	if (f == NULL)
		f = real("mq_timedsend");
	return f(q, msg, len, prio, when);
}

int
mq_send(mqd_t q, const char *msg, size_t len, unsigned prio)
{
	static int (*f)(mqd_t, const char *, size_t, unsigned);
	int e;

	if (fails(MQ_SEND, &e)) {
		errno = e;
		return -1;
	}
	if (f == NULL)
		f = real("mq_send");
	return f(q, msg, len, prio);
}

ssize_t
mq_timedreceive(mqd_t q, char *msg, size_t len, unsigned *prio,
		const struct timespec *when)
{
	static ssize_t (*f)(mqd_t, char *, size_t, unsigned *,
			    const struct timespec *);
	int e;

	if (fails(MQ_RECEIVE, &e)) {
		errno = e;
		return -1;
	}
	if (f == NULL)
		f = real("mq_timedreceive");
	return f(q, msg, len, prio, when);
}

ssize_t
mq_receive(mqd_t q, char *msg, size_t len, unsigned *prio)
{
	static ssize_t (*f)(mqd_t, char *, size_t, unsigned *);
	int e;

	if (fails(MQ_RECEIVE, &e)) {
		errno = e;
		return -1;
	}
	if (f == NULL)
		f = real("mq_receive");
	return f(q, msg, len, prio);
}

int
shm_open(const char *name, int oflag, mode_t mode)
{
	static int (*f)(const char *, int, mode_t);
	int e;

	if (fails(SHM_OPEN, &e)) {
		errno = e;
		return -1;
	}
	if (f == NULL)
		f = real("shm_open");
	return f(name, oflag, mode);
}

int
pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *),
	       void *arg)
{
	static int (*f)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
			void *);
	int e;

	if (fails(PTHREAD_CREATE, &e))
		return e;
	if (f == NULL)
		f = real("pthread_create");
	return f(t, a, fn, arg);
}

int
posix_fallocate(int fd, off_t off, off_t len)
{
	static int (*f)(int, off_t, off_t);
	int e;

	if (fails(FALLOCATE, &e))
		return e;
	if (f == NULL)
		f = real("posix_fallocate");
	return f(fd, off, len);
}

int
posix_fallocate64(int fd, off_t off, off_t len)
{
	return posix_fallocate(fd, off, len);
}

pid_t
fork(void)
{
	static pid_t (*f)(void);
	int e;

	if (fails(FORK, &e)) {
		errno = e;
		return -1;
	}
	if (f == NULL)
		f = real("fork");
	return f();
}

pid_t
waitpid(pid_t pid, int *status, int options)
{
	static pid_t (*f)(pid_t, int *, int);
	int e;

	if (fails(WAITPID, &e)) {
		errno = e;
		return -1;
	}
	if (f == NULL)
		f = real("waitpid");
	return f(pid, status, options);
}

int
accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	static int (*f)(int, struct sockaddr *, socklen_t *, int);
	int e;

	if (fails(ACCEPT4, &e)) {
		errno = e;
		return -1;
	}
	if (f == NULL)
		f = real("accept4");
	return f(fd, addr, len, flags);
}
