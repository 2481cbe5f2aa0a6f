/*
 * trace.c: range-sum --trace FILE, the locked-thread model's lock as
 * Chrome Trace Event JSON (the object form), which Perfetto,
 * chrome://tracing and speedscope open.  The format is the one shared
 * with the CPython recorder (bench/gil_record.py):
 *
 *   hold  ph X   a worker holds the lock (stamped under the lock's mutex,
 *                so that the hold slices of two workers never overlap)
 *   take  ph X   taking the lock: its mutex and the timed waits in it
 *   wait  ph X   one timed wait for the lock, args acquired and woken
 *   forced_wait  ph X   after dropping the lock on request, until
 *                another thread has taken it (forced switching)
 *   io    ph X   a blocking call, without the lock: an --io-wait sleep
 *                or an --io-echo request served to a client
 *   run   ph X   without --gil: a worker runs, between blocking calls
 *
 * Each of a worker's slices starts where its last one ended, so that its
 * lane has no gaps: the waits nest inside a take, and with --io-echo the
 * take and hold between the write and the read nest inside the io.
 *   drop_request, forced_switch   ph i, scope t
 *   switches     ph C   the hand-offs so far, at each hand-off
 *   process_name, thread_name, thread_sort_index   ph M
 *
 * ts and dur are microseconds since trace_open() on CLOCK_MONOTONIC with
 * three decimals, so nanoseconds exactly, each slice's dur one
 * nanosecond short (ts_dur()); pid is the process id, tid the
 * worker's number, 1 to N.  The array's elements are in no particular
 * order (each worker's own are in time order): viewers sort them.
 * "wait" always carries "woken" ("signal" or "timeout"), not only on a
 * failed wake-up.
 *
 * Memory stays bounded by streaming: each worker formats its events into
 * its own buffer of TRACE_BUF bytes and, when that is full, writes it to
 * the file under the file's mutex.  Nothing is dropped, unless
 * --trace-max caps the file: then the events past the cap are counted.  The
 * file is a temporary one beside FILE, renamed to FILE when the trace is
 * complete.  On SIGINT, SIGTERM, SIGHUP and SIGPIPE, stopsig.c's thread
 * runs on_stop() after the other actions: it stops the workers at their
 * next event, writes out what the buffers hold and the closing of the
 * object and renames the file, before the process dies of the signal,
 * so an interrupted run leaves a valid JSON up to that point.  An exit
 * on an error removes the temporary file.
 */
#include <assert.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "stopsig.h"
#include "trace.h"

#define TRACE_BUF   65536 /* bytes buffered per worker */
#define TRACE_EVENT 256	  /* the longest event, with room to spare */
#define TRACE_TAIL  512	  /* the longest tail, with room to spare */

/*
 * A worker's buffer, alone in its 128 bytes: buffers of two workers that
 * shared a cache line (or a pair that the CPU fetches together) would
 * send it back and forth at every event.
 */
#define TBUF_ALIGN 128

struct tbuf {
	/* Taken by the owner, or to stop it. */
	alignas(TBUF_ALIGN) pthread_mutex_t mu;
	size_t len;
	uint64_t events;
	char *buf;
};

struct trace {
	const char *path;
	char *tmp;
	int fd;
	int64_t t0;
	long pid;
	char pid_at[32]; /* "pid":PID,"tid": formatted once, for pid_tid() */
	size_t pid_len;
	struct trace_info info;
	atomic_ulong switches;
	_Atomic uint64_t bytes;	 /* --trace-max: the bytes taken so far */
	atomic_int full;	 /* --trace-max reached: drop the rest */
	atomic_ulong dropped;	 /* events dropped since */
	pthread_mutex_t file_mu; /* guards fd and error */
	int error;		 /* the first failed write's errno */
	pthread_mutex_t end_mu;	 /* guards closed */
	int closed;
	int nbuf; /* buffer 0: the main thread's metadata */
	struct tbuf *b;
};

/* The open trace, for the exit handler. */
static struct trace *active;

static char *
put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *
put_u64(char *p, uint64_t v)
{
	char d[24];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

/* Nanoseconds as microseconds with three decimals: exact. */
static char *
put_us(char *p, int64_t ns)
{
	if (ns < 0)
		ns = 0;
	p = put_u64(p, (uint64_t)ns / 1000);
	*p++ = '.';
	*p++ = (char)('0' + ns / 100 % 10);
	*p++ = (char)('0' + ns / 10 % 10);
	*p++ = (char)('0' + ns % 10);
	return p;
}

/* Writes all of buf; a failure is kept for trace_close() to report. */
static void
write_all(struct trace *tr, const char *buf, size_t len)
{
	ssize_t n;

	pthread_mutex_lock(&tr->file_mu);
	while (len > 0 && tr->error == 0) {
		n = write(tr->fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			tr->error = n < 0 ? errno : EIO;
			break;
		}
		buf += n;
		len -= (size_t)n;
	}
	pthread_mutex_unlock(&tr->file_mu);
}

static void
flush_locked(struct trace *tr, struct tbuf *b)
{
	write_all(tr, b->buf, b->len);
	b->len = 0;
}

/*
 * --trace-max: does an event of n bytes still fit, with room for the
 * tail?  The first that does not closes the trace to all later ones, so
 * that what is kept is each worker's timeline up to one moment, and is
 * counted as dropped.  The head (the names) is always written.
 */
static int
fits(struct trace *tr, size_t n)
{
	uint64_t had;

	if (!atomic_load_explicit(&tr->full, memory_order_relaxed)) {
		had = atomic_fetch_add(&tr->bytes, n);
		if (had + n + TRACE_TAIL <= (uint64_t)tr->info.max_bytes)
			return 1;
		atomic_store(&tr->full, 1);
	}
	atomic_fetch_add_explicit(&tr->dropped, 1, memory_order_relaxed);
	return 0;
}

/* Appends one event, begun with its separator, to the buffer of tid. */
static void
append(struct trace *tr, int tid, const char *ev, size_t n)
{
	struct tbuf *b;

	/*
	 * Every event was built in a buffer of TRACE_EVENT bytes, with no
	 * check as it was written: one longer has already overrun it.  Each
	 * thread has a buffer: 0 the head's, 1..nbuf-1 the workers'.
	 */
	assert(n <= TRACE_EVENT && tid >= 0 && tid < tr->nbuf);
	b = &tr->b[tid];
	pthread_mutex_lock(&b->mu);
	if (b->len + n > TRACE_BUF)
		flush_locked(tr, b);
	/* A flushed buffer holds any event: TRACE_BUF is far larger. */
	assert(b->len + n <= TRACE_BUF);
	memcpy(b->buf + b->len, ev, n);
	b->len += n;
	b->events++;
	pthread_mutex_unlock(&b->mu);
}

static void
emit(struct trace *tr, int tid, const char *ev, size_t n)
{
	if (tr->info.max_bytes == 0 || fits(tr, n))
		append(tr, tid, ev, n);
}

/* The head: always written, but counted against --trace-max. */
static void
emit_head(struct trace *tr, const char *ev, size_t n)
{
	atomic_fetch_add(&tr->bytes, n);
	append(tr, 0, ev, n);
}

/* ",\n{"name":NAME,"ph":PH, up to the fields that follow. */
static char *
head(char *p, const char *name, const char *ph)
{
	p = put_str(p, ",\n{\"name\":\"");
	p = put_str(p, name);
	p = put_str(p, "\",\"ph\":\"");
	p = put_str(p, ph);
	return put_str(p, "\",");
}

static char *
pid_tid(struct trace *tr, char *p, int tid)
{
	memcpy(p, tr->pid_at, tr->pid_len);
	return put_u64(p + tr->pid_len, (uint64_t)tid);
}

static char *
ts(struct trace *tr, char *p, int64_t t)
{
	p = put_str(p, "\"ts\":");
	return put_us(p, t - tr->t0);
}

/*
 * "ts":T,"dur":D of a slice from t0 to t1, ended one nanosecond early.
 * Viewers add ts and dur in binary floating point, speedscope after
 * subtracting the thread's first ts: a slice that ends exactly where
 * the next one begins can then end a hair after it (456.495 + 1.208 is
 * 457.70300000000003), and the viewer nests the next one inside it.  A
 * nanosecond is millions of units in the last place of any ts below
 * days, so no rounding crosses it.  Slices shorter than 2 ns are not
 * written at all.
 */
static char *
ts_dur(struct trace *tr, char *p, int64_t t0, int64_t t1)
{
	int64_t r0 = t0 - tr->t0;

	if (r0 < 0)
		r0 = 0;
	p = put_str(p, "\"ts\":");
	p = put_us(p, r0);
	p = put_str(p, ",\"dur\":");
	return put_us(p, t1 - t0 - 1);
}

/*
 * Each slice's head, as head() would write it, and its length, written
 * once here (as pid_tid()'s prefix is, in trace_open()).  With a 1 us
 * --io-wait a worker writes two slices a microsecond: these two cut what
 * --trace costs there from 8.4% to 6.6% of wall time (2 threads, 60 runs
 * each way, doc/trace-format.md).
 */
#define SLICE_HEAD(name) ",\n{\"name\":\"" name "\",\"ph\":\"X\","
/* clang-format off */
#define SLICE(name) {SLICE_HEAD(name), sizeof(SLICE_HEAD(name)) - 1}
/* clang-format on */
static const struct {
	const char *s;
	size_t n;
} slice_heads[] = {
    [TRACE_HOLD] = SLICE("hold"),
    [TRACE_IO] = SLICE("io"),
    [TRACE_RUN] = SLICE("run"),
    [TRACE_TAKE] = SLICE("take"),
    [TRACE_FORCED] = SLICE("forced_wait"),
};

void
trace_slice(struct trace *tr, int tid, enum trace_slice what, int64_t t0,
	    int64_t t1)
{
	char ev[TRACE_EVENT], *p = ev;

	if (t1 - t0 < 2)
		return; /* nothing a viewer could draw, and ts_dur() needs 2 */
	memcpy(p, slice_heads[what].s, slice_heads[what].n);
	p = ts_dur(tr, p + slice_heads[what].n, t0, t1);
	*p++ = ',';
	p = pid_tid(tr, p, tid);
	*p++ = '}';
	emit(tr, tid, ev, (size_t)(p - ev));
}

void
trace_wait(struct trace *tr, int tid, int64_t t0, int64_t t1, int acquired,
	   int timeout)
{
	char ev[TRACE_EVENT], *p = ev;

	if (t1 - t0 < 2)
		return; /* as in trace_slice() */
	p = head(p, "wait", "X");
	p = ts_dur(tr, p, t0, t1);
	*p++ = ',';
	p = pid_tid(tr, p, tid);
	p = put_str(p, ",\"args\":{\"acquired\":");
	p = put_str(p, acquired ? "true" : "false");
	p = put_str(p, ",\"woken\":");
	p = put_str(p, timeout ? "\"timeout\"}}" : "\"signal\"}}");
	emit(tr, tid, ev, (size_t)(p - ev));
}

void
trace_instant(struct trace *tr, int tid, enum trace_instant what, int64_t t)
{
	char ev[TRACE_EVENT], *p = ev;

	p = head(p,
		 what == TRACE_DROP_REQUEST ? "drop_request" : "forced_switch",
		 "i");
	p = put_str(p, "\"s\":\"t\",");
	p = ts(tr, p, t);
	*p++ = ',';
	p = pid_tid(tr, p, tid);
	*p++ = '}';
	emit(tr, tid, ev, (size_t)(p - ev));
}

void
trace_switch(struct trace *tr, int tid, int64_t t)
{
	char ev[TRACE_EVENT], *p = ev;
	unsigned long n = atomic_fetch_add(&tr->switches, 1) + 1;

	p = head(p, "switches", "C");
	p = ts(tr, p, t);
	p = put_str(p, ",\"pid\":");
	p = put_u64(p, (uint64_t)tr->pid);
	p = put_str(p, ",\"args\":{\"switches\":");
	p = put_u64(p, n);
	p = put_str(p, "}}");
	emit(tr, tid, ev, (size_t)(p - ev));
}

/* A worker's metadata event: its name and args, as "key":value. */
static void
thread_meta(struct trace *tr, int k, const char *name, const char *args)
{
	char ev[TRACE_EVENT];
	int n;

	n = snprintf(ev, sizeof(ev),
		     ",\n{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%ld,\"tid\":%d,"
		     "\"args\":{%s}}",
		     name, tr->pid, k, args);
	emit_head(tr, ev, (size_t)n);
}

/* The metadata: the process's and each worker's name, workers in order. */
static void
metadata(struct trace *tr)
{
	char ev[TRACE_EVENT], args[64];
	int k, n;

	n = snprintf(ev, sizeof(ev),
		     "{\"traceEvents\":[\n{\"name\":\"process_name\","
		     "\"ph\":\"M\",\"pid\":%ld,\"args\":{\"name\":\"%s\"}}",
		     tr->pid,
		     tr->info.gil ? "range-sum --gil" : "range-sum --threads");
	emit_head(tr, ev, (size_t)n);
	for (k = 1; k <= tr->info.threads; k++) {
		snprintf(args, sizeof(args), "\"name\":\"worker %d\"", k);
		thread_meta(tr, k, "thread_name", args);
		snprintf(args, sizeof(args), "\"sort_index\":%d", k);
		thread_meta(tr, k, "thread_sort_index", args);
	}
	/* The head goes first: the workers' buffers follow it. */
	flush_locked(tr, &tr->b[0]);
}

static const char *
signal_name(int sig)
{
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	default:
		return "SIGPIPE";
	}
}

/* The end of the array and the object: otherData says how it ended. */
static void
tail(struct trace *tr, int sig)
{
	char ev[TRACE_TAIL], *p = ev;
	uint64_t events = 0;
	int i;

	for (i = 0; i < tr->nbuf; i++)
		events += tr->b[i].events;
	p = put_str(p,
		    "\n],\"displayTimeUnit\":\"ms\",\"otherData\":{"
		    "\"tool\":\"range-sum\",\"version\":\"" RANGETOOLS_VERSION
		    "\",\"clock\":\"CLOCK_MONOTONIC\",\"threads\":");
	p = put_u64(p, (uint64_t)tr->info.threads);
	p = put_str(p, ",\"gil\":");
	p = put_str(p, tr->info.gil ? "true" : "false");
	if (tr->info.gil) {
		p = put_str(p, ",\"switch_interval_us\":");
		p = put_us(p, tr->info.switch_ns);
	}
	p = put_str(p, ",\"io_wait_us\":");
	p = put_us(p, tr->info.io_ns);
	p = put_str(p, ",\"io_echo\":");
	p = put_str(p, tr->info.io_echo ? "true" : "false");
	p = put_str(p, ",\"switches\":");
	p = put_u64(p, atomic_load(&tr->switches));
	p = put_str(p, ",\"events\":");
	p = put_u64(p, events);
	p = put_str(p, ",\"dropped_events\":");
	p = put_u64(p, atomic_load(&tr->dropped));
	p = put_str(p, ",\"max_bytes\":");
	p = put_u64(p, (uint64_t)tr->info.max_bytes);
	p = put_str(p, ",\"buffer_bytes\":");
	p = put_u64(p, TRACE_BUF);
	p = put_str(p, ",\"complete\":");
	p = put_str(p, sig == 0 ? "true" : "false");
	if (sig != 0) {
		p = put_str(p, ",\"signal\":\"");
		p = put_str(p, signal_name(sig));
		*p++ = '"';
	}
	p = put_str(p, "}}\n");
	write_all(tr, ev, (size_t)(p - ev));
}

/*
 * Writes out every buffer and the tail and renames the file.  The
 * buffers stay locked: a worker stops at its next event.  Called with
 * end_mu held; 0, or the errno of what failed.
 */
static int
finish(struct trace *tr, int sig)
{
	int i, e;

	for (i = 0; i < tr->nbuf; i++) {
		pthread_mutex_lock(&tr->b[i].mu);
		flush_locked(tr, &tr->b[i]);
	}
	tail(tr, sig);
	tr->closed = 1;
	e = tr->error;
	if (close(tr->fd) != 0 && e == 0)
		e = errno;
	if (e == 0 && rename(tr->tmp, tr->path) != 0)
		e = errno;
	if (e != 0)
		unlink(tr->tmp);
	return e;
}

/*
 * stopsig.c's STOPSIG_TRACE action, last: the trace up to here, with the
 * signal in its tail.  The buffers stay locked: the workers stop at
 * their next event, and the process dies of the signal.
 */
static void
on_stop(int sig)
{
	struct trace *tr = active;

	pthread_mutex_lock(&tr->end_mu);
	if (!tr->closed)
		finish(tr, sig);
}

/* An exit on an error leaves no file behind. */
static void
remove_tmp(void)
{
	if (active != NULL && !active->closed)
		unlink(active->tmp);
}

/*
 * The file is replaced by a rename: refuse what is not a regular file,
 * and replace a symbolic link's target, not the link.
 */
static const char *
check_path(const char *path)
{
	struct stat st;
	char *real;

	if (stat(path, &st) != 0)
		return path;
	if (S_ISDIR(st.st_mode))
		errx(1, "--trace %s: %s", cli_quote(path), strerror(EISDIR));
	if (!S_ISREG(st.st_mode))
		errx(1, "--trace %s: not a regular file", cli_quote(path));
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    (real = realpath(path, NULL)) != NULL)
		return real;
	return path;
}

struct trace *
trace_open(const char *path, const struct trace_info *info)
{
	struct trace *tr;
	const char *file = check_path(path);
	mode_t mask;
	size_t n;
	int i;

	if ((tr = calloc(1, sizeof(*tr))) == NULL)
		err(1, "--trace %s: calloc", file);
	n = strlen(file) + sizeof(".XXXXXX");
	if ((tr->tmp = malloc(n)) == NULL)
		err(1, "--trace %s: malloc", file);
	snprintf(tr->tmp, n, "%s.XXXXXX", file);
	if ((tr->fd = mkostemp(tr->tmp, O_CLOEXEC)) < 0)
		err(1, "--trace %s", cli_quote(path));
	active = tr;
	atexit(remove_tmp);
	/* mkstemp() makes it 0600: give it an ordinary file's mode. */
	mask = umask(0);
	umask(mask);
	if (fchmod(tr->fd, 0666 & ~mask) != 0)
		err(1, "--trace %s", cli_quote(path));
	tr->path = file;
	tr->pid = (long)getpid();
	tr->pid_len = (size_t)snprintf(tr->pid_at, sizeof(tr->pid_at),
				       "\"pid\":%ld,\"tid\":", tr->pid);
	tr->info = *info;
	tr->nbuf = info->threads + 1;
	atomic_init(&tr->switches, 0);
	atomic_init(&tr->bytes, 0);
	atomic_init(&tr->full, 0);
	atomic_init(&tr->dropped, 0);
	pthread_mutex_init(&tr->file_mu, NULL);
	pthread_mutex_init(&tr->end_mu, NULL);
	if ((tr->b = aligned_alloc(TBUF_ALIGN,
				   (size_t)tr->nbuf * sizeof(*tr->b))) == NULL)
		err(1, "--trace %s: aligned_alloc of %d buffers", file,
		    tr->nbuf);
	memset(tr->b, 0, (size_t)tr->nbuf * sizeof(*tr->b));
	for (i = 0; i < tr->nbuf; i++) {
		pthread_mutex_init(&tr->b[i].mu, NULL);
		if ((tr->b[i].buf = malloc(TRACE_BUF)) == NULL)
			err(1, "--trace %s: malloc of buffer %d", file, i);
	}
	tr->t0 = now_ns(CLOCK_MONOTONIC);
	metadata(tr);
	stopsig_register(STOPSIG_TRACE, on_stop);
	stopsig_catch_pipe();
	return tr;
}

int
trace_close(struct trace *tr)
{
	int e = 0;

	stopsig_register(STOPSIG_TRACE, NULL);
	pthread_mutex_lock(&tr->end_mu);
	if (!tr->closed) {
		e = finish(tr, 0);
		for (int i = 0; i < tr->nbuf; i++)
			pthread_mutex_unlock(&tr->b[i].mu);
	}
	pthread_mutex_unlock(&tr->end_mu);
	if (e != 0) {
		warnx("--trace %s: write: %s", cli_quote(tr->path),
		      strerror(e));
		return -1;
	}
	return 0;
}
