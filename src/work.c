/*
 * work.c: the worker's loop, shared by threads and forked processes.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "trace.h"
#include "work.h"

int64_t
work_now(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

int64_t
work_cpu(void)
{
	return now_ns(CLOCK_THREAD_CPUTIME_ID);
}

void
work_split(struct work *w, int n, int64_t start, int64_t end)
{
	uint64_t len = range_len(start, end), size, extra;
	int i;

	if (n <= 0)
		return;
	size = len / (uint64_t)n;
	extra = len % (uint64_t)n;
	/* The larger shares first, as range-split -n cuts them. */
	for (i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].start = start;
		start = range_at(start, size + ((uint64_t)i < extra));
		w[i].end = start;
		w[i].lock.tid = i + 1;
	}
}

/*
 * --io-echo: a worker's blocking call is a round-trip of one byte
 * through a pipe to an echo thread of its own, which sends it back, as
 * a write to cat(1) and a read of its answer are.  Unlike a sleep, whose
 * shortest is Linux's timer slack (about 50 us), the answer can be back
 * in a few microseconds: before a thread that the lock's release woke
 * has run (the convoy of rangetools(7)).
 */
struct echo {
	int to[2], from[2]; /* worker -> echo thread -> worker */
	pthread_t thread;
};

static void *
echo_main(void *arg)
{
	struct echo *e = arg;
	char b;

	/* Until the worker closes its end: EOF. */
	while (read(e->to[0], &b, 1) == 1 && write(e->from[1], &b, 1) == 1)
		;
	return NULL;
}

static void
echo_start(struct echo *e)
{
	int rc;

	if (pipe(e->to) == -1 || pipe(e->from) == -1)
		err(1, "--io-echo: pipe");
	if ((rc = pthread_create(&e->thread, NULL, echo_main, e)) != 0) {
		errno = rc;
		err(1, "--io-echo: pthread_create");
	}
}

static void
echo_stop(struct echo *e)
{
	close(e->to[1]);
	pthread_join(e->thread, NULL);
	close(e->to[0]);
	close(e->from[0]);
	close(e->from[1]);
}

static void
echo_send(struct echo *e)
{
	char b = 'x';
	ssize_t n;

	while ((n = write(e->to[1], &b, 1)) == -1 && errno == EINTR)
		;
	if (n != 1)
		err(1, "--io-echo: write");
}

static void
echo_receive(struct echo *e)
{
	char b;
	ssize_t n;

	while ((n = read(e->from[0], &b, 1)) == -1 && errno == EINTR)
		;
	if (n == -1)
		err(1, "--io-echo: read");
	if (n == 0)
		errx(1, "--io-echo: the echo thread is gone");
}

/*
 * A simulated blocking call, made without the lock: a sleep of c->io_ns,
 * resuming after signals; or with --io-echo (e not NULL) a round-trip
 * through e, whose write and read are two calls, as os.write and os.read
 * are in CPython: between them the thread takes the lock and lets it go
 * again, and may have to wait for it.
 */
static void
io_call(struct work *w, const struct workctx *c, struct echo *e)
{
	int64_t t0 = c->iohist != NULL ? work_now() : 0;

	if (e != NULL) {
		echo_send(e);
		if (c->gil != NULL) {
			/* --trace: the lane's take starts inside the call. */
			w->lock.mark_ns = work_now();
			gil_take(c->gil, &w->lock);
			gil_drop(c->gil, &w->lock, 0);
		}
		echo_receive(e);
	} else {
		iowait_sleep(&w->io, c->io_ns);
	}
	if (c->iohist != NULL)
		iohist_add(c->iohist, work_now() - t0);
}

/*
 * Readies the worker's I/O calls and its lane's start; returns its echo
 * thread, if it makes --io-echo calls, or NULL.
 */
static struct echo *
io_start(struct work *w, const struct workctx *c, struct echo *e)
{
	iowait_init(&w->io);
	w->lock.mark_ns = work_now();
	if (!c->io_echo)
		return NULL;
	echo_start(e);
	return e;
}

/*
 * --trace: each slice of a worker's lane begins where the one before it
 * ended (w->lock.mark_ns), so that the lane has no gaps.  Without the
 * lock: a run slice from the start or the last wake-up to now.
 */
static int64_t
traced_run(struct work *w, const struct workctx *c)
{
	int64_t now = work_now();

	if (c->trace != NULL && c->gil == NULL) {
		trace_slice(c->trace, w->lock.tid, TRACE_RUN, w->lock.mark_ns,
			    now);
		w->lock.mark_ns = now;
	}
	return now;
}

/* --trace: the call as an io slice, after the slice before it. */
static void
traced_io(struct work *w, const struct workctx *c, struct echo *e)
{
	int64_t t0;

	traced_run(w, c);
	t0 = w->lock.mark_ns;
	io_call(w, c, e);
	w->lock.mark_ns = work_now();
	trace_slice(c->trace, w->lock.tid, TRACE_IO, t0, w->lock.mark_ns);
}

/* What a worker does between chunks: CPython's eval-breaker check. */
static void
between_chunks(struct work *w, const struct workctx *c, struct echo *e)
{
	if (c->io_ns > 0 || e != NULL) {
		/* CPython releases the GIL around a blocking call. */
		if (c->gil != NULL)
			gil_drop(c->gil, &w->lock, 0);
		if (c->trace != NULL)
			traced_io(w, c, e);
		else
			io_call(w, c, e);
		if (c->gil != NULL)
			gil_take(c->gil, &w->lock);
	} else if (c->gil != NULL && gil_drop_requested(c->gil)) {
		gil_drop(c->gil, &w->lock, 0);
		gil_take(c->gil, &w->lock);
	}
}

void
work_run(struct work *w, const struct workctx *c)
{
	uint64_t left = range_len(w->start, w->end), done = 0, chunk, n;
	int64_t lo = w->start, t0 = work_now(), c0 = work_cpu();
	i128 sum = 0;
	struct echo echo, *e = io_start(w, c, &echo);

	chunk = c->method == METHOD_FORMULA ? left : WORK_CHUNK;
	w->lock.mark_ns = t0;
	if (c->gil != NULL)
		gil_take(c->gil, &w->lock);
	while (left > 0) {
		n = left < chunk ? left : chunk;
		sum += sum_range(c->method, lo, range_at(lo, n));
		lo = range_at(lo, n);
		left -= n;
		done += n;
		atomic_store_explicit(&w->done, done, memory_order_relaxed);
		between_chunks(w, c, e);
	}
	if (c->gil != NULL)
		gil_drop(c->gil, &w->lock, 1);
	else if (c->trace != NULL)
		traced_run(w, c);
	if (e != NULL)
		echo_stop(e);
	w->sum = sum;
	w->method = c->method;
	w->wall_ns = work_now() - t0;
	w->cpu_ns = work_cpu() - c0;
	atomic_store_explicit(&w->finished, 1, memory_order_release);
}

void
work_io_run(struct work *w, const struct workctx *c)
{
	struct echo echo, *e = io_start(w, c, &echo);

	while (!atomic_load(c->stop)) {
		if (c->trace != NULL)
			traced_io(w, c, e);
		else
			io_call(w, c, e);
		gil_take(c->gil, &w->lock);
		gil_drop(c->gil, &w->lock, 0);
	}
	if (e != NULL)
		echo_stop(e);
	atomic_store_explicit(&w->finished, 1, memory_order_release);
}

static void
work_report(const struct work *w, int index, int gil)
{
	char lock[80] = "";

	if (gil)
		snprintf(lock, sizeof(lock),
			 ", switches %" PRIu64 ", lock wait %.3f s",
			 w->lock.switches, w->lock.wait_ns / 1e9);
	fprintf(stderr,
		"range-sum: worker %d: %" PRId64 " %" PRId64
		": wall %.3f s, cpu %.3f s%s\n",
		index, w->start, w->end, w->wall_ns / 1e9, w->cpu_ns / 1e9,
		lock);
}

/* The kernel the workers' loops ran, and their integers per CPU ns. */
static void
kernel_report(const struct work *w, int n)
{
	uint64_t ints = 0;
	int64_t cpu = 0;
	char rate[64] = "too fast to time";
	int i;

	for (i = 0; i < n; i++) {
		ints += range_len(w[i].start, w[i].end);
		cpu += w[i].cpu_ns;
	}
	if (cpu > 0)
		snprintf(rate, sizeof(rate), "%.2f integers/ns",
			 (double)ints / (double)cpu);
	fprintf(stderr,
		"range-sum: kernel %s: %" PRIu64 " integers, cpu %.3f s, %s\n",
		kernel_name(), ints, cpu / 1e9, rate);
}

i128
work_total(const struct work *w, int n, int stats, int gil)
{
	i128 sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (stats)
			work_report(&w[i], i, gil);
		sum += w[i].sum;
	}
	if (stats && n > 0 && w[0].method == METHOD_LOOP)
		kernel_report(w, n);
	return sum;
}
