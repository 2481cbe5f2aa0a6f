/*
 * work.c: the worker's loop, shared by threads and forked processes:
 * the chunks, the check between them, and the simulated blocking calls
 * (echo.c makes --io-echo's).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "echo.h"
#include "range.h"
#include "trace.h"
#include "work.h"

void
work_split(struct work *w, int n, int64_t start, int64_t end)
{
	pthread_mutexattr_t ma;
	int i;

	/* The shares may be in a segment that forked workers share. */
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	/* The larger shares first, as range-split -n cuts them. */
	for (i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		range_part(start, end, (uint64_t)n, (uint64_t)i, &w[i].start,
			   &w[i].end);
		w[i].lock.tid = i + 1;
		w[i].base = w[i].start;
		w[i].lim = range_len(w[i].start, w[i].end);
		pthread_mutex_init(&w[i].cut, &ma);
	}
	pthread_mutexattr_destroy(&ma);
}

void
work_unsplit(struct work *w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		pthread_mutex_destroy(&w[i].cut);
}

/*
 * Takes the upper half of what is left of another worker's share or
 * stretch, the first found from w's neighbour on with two stretches or
 * more left, as w's own stretch; returns how many it took (0: none worth
 * it is left).
 */
static uint64_t
take_from_others(struct work *w, const struct workctx *c)
{
	struct work *v;
	uint64_t left, keep, len = 0;
	int64_t at = 0;
	int self = (int)(w - c->all), k;

	for (k = 1; k < c->n && len == 0; k++) {
		v = &c->all[(self + k) % c->n];
		pthread_mutex_lock(&v->cut);
		left = v->lim - v->off;
		if (left >= 2 * (uint64_t)WORK_STRETCH) {
			/* The owner keeps the lower half, whole stretches. */
			keep = (left / 2 + WORK_STRETCH - 1) / WORK_STRETCH *
			       WORK_STRETCH;
			at = range_at(v->base, v->off + keep);
			len = left - keep;
			v->lim = v->off + keep;
		}
		pthread_mutex_unlock(&v->cut);
	}
	if (len > 0) {
		pthread_mutex_lock(&w->cut);
		w->base = at;
		w->off = 0;
		w->lim = len;
		pthread_mutex_unlock(&w->cut);
	}
	return len;
}

/*
 * The next stretch to sum, from *at; returns its length, 0 when there is
 * nothing left.  Without c->all the whole share is one stretch.
 */
static uint64_t
take(struct work *w, const struct workctx *c, int64_t *at)
{
	uint64_t n;

	if (c->all == NULL) {
		n = w->lim - w->off;
		*at = range_at(w->base, w->off);
		w->off = w->lim;
		return n;
	}
	do {
		pthread_mutex_lock(&w->cut);
		n = w->lim - w->off;
		if (n > WORK_STRETCH)
			n = WORK_STRETCH;
		*at = range_at(w->base, w->off);
		w->off += n;
		pthread_mutex_unlock(&w->cut);
	} while (n == 0 && take_from_others(w, c) > 0);
	return n;
}

/*
 * A simulated blocking call, made without the lock: a wait of c->io_ns
 * (iowait.c); or with --io-echo (e not NULL) one request served to the
 * client of e, in two calls, as CPython's echo server thread makes
 * them: recv() and sendall() each give the lock up and take it back,
 * so between them the thread takes the lock and lets it go again, and
 * may have to wait for it.  start: when it began, if the caller has
 * just read the clock, or 0.  Returns when it ended, with --trace or
 * --stats (0 otherwise: a clock read is not free).
 */
static int64_t
io_call(struct work *w, const struct workctx *c, struct echo *e, int64_t start)
{
	int64_t t0, t1 = 0;

	if (start == 0 && c->iohist != NULL)
		start = now_ns(CLOCK_MONOTONIC);
	t0 = start;

	if (e != NULL) {
		echo_receive(e);
		if (c->gil != NULL) {
			/* --trace: the lane's take starts inside the call. */
			w->lock.mark_ns = now_ns(CLOCK_MONOTONIC);
			gil_take(c->gil, &w->lock);
			gil_drop(c->gil, &w->lock, 0);
		}
		echo_answer(e);
		if (c->iohist != NULL || c->trace != NULL)
			t1 = now_ns(CLOCK_MONOTONIC);
	} else {
		t1 = iowait_sleep(&w->io, c->io_ns, start);
	}
	if (c->iohist != NULL)
		iohist_add(c->iohist, t1 - t0);
	return t1;
}

/*
 * Readies the worker's I/O calls and its lane's start; returns its echo
 * client, if it makes --io-echo calls, or NULL.
 */
static struct echo *
io_start(struct work *w, const struct workctx *c, struct echo *e)
{
	iowait_init(&w->io);
	w->lock.mark_ns = now_ns(CLOCK_MONOTONIC);
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
static void
traced_run(struct work *w, const struct workctx *c)
{
	int64_t now;

	if (c->trace != NULL && c->gil == NULL) {
		now = now_ns(CLOCK_MONOTONIC);
		trace_slice(c->trace, w->lock.tid, TRACE_RUN, w->lock.mark_ns,
			    now);
		w->lock.mark_ns = now;
	}
}

/*
 * --trace: the call as an io slice, after the slice before it (under
 * the lock, the hold that gil_drop() ended).
 */
static void
traced_io(struct work *w, const struct workctx *c, struct echo *e)
{
	int64_t t0;

	traced_run(w, c);
	/* It began with the run slice's end, or when the lock was let go. */
	t0 = w->lock.mark_ns;
	w->lock.mark_ns = io_call(w, c, e, t0);
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
			io_call(w, c, e, 0);
		if (c->gil != NULL)
			gil_take(c->gil, &w->lock);
	} else if (c->gil != NULL && gil_drop_requested(c->gil)) {
		gil_drop(c->gil, &w->lock, 0);
		gil_take(c->gil, &w->lock);
	}
}

/*
 * Sums the share a chunk at a time, and then what it takes from others'
 * (take()).  The loop's running sum keeps the kernel's accumulators from
 * one chunk to the next (kernel.h), so that a chunk's end costs the
 * kernel's exit, the store of the count and the check, as a back-edge of
 * the interpreter's loop costs its check; a stretch that does not follow
 * the one before starts a new running sum.
 */
static i128
sum_chunks(struct work *w, const struct workctx *c, struct echo *e)
{
	uint64_t left = range_len(w->start, w->end), done = 0, n;
	int64_t at, next = w->start;
	struct runsum rs;
	i128 sum = 0;

	if (c->method == METHOD_FORMULA) {
		/* The whole share is one chunk. */
		if (left > 0) {
			atomic_store_explicit(&w->done, left,
					      memory_order_relaxed);
			between_chunks(w, c, e);
		}
		return sum_formula(w->start, w->end);
	}
	runsum_start(&rs, w->start);
	while ((left = take(w, c, &at)) > 0) {
		if (at != next) {
			sum += runsum_total(&rs);
			runsum_start(&rs, at);
		}
		next = range_at(at, left);
		/* A stretch lies in one share (others take from stretches). */
		if (at < w->start || at >= w->end)
			w->taken += left;
		while (left > 0) {
			n = left < WORK_CHUNK ? left : WORK_CHUNK;
			runsum_add(&rs, n);
			left -= n;
			done += n;
			atomic_store_explicit(&w->done, done,
					      memory_order_relaxed);
			between_chunks(w, c, e);
		}
	}
	return sum + runsum_total(&rs);
}

void
work_run(struct work *w, const struct workctx *c)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC),
		c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	i128 sum;
	struct echo echo, *e = io_start(w, c, &echo);

	w->lock.mark_ns = t0;
	if (c->gil != NULL)
		gil_take(c->gil, &w->lock);
	sum = sum_chunks(w, c, e);
	if (c->gil != NULL)
		gil_drop(c->gil, &w->lock, 1);
	else if (c->trace != NULL)
		traced_run(w, c);
	if (e != NULL)
		echo_stop(e);
	w->sum = sum;
	w->method = c->method;
	w->wall_ns = now_ns(CLOCK_MONOTONIC) - t0;
	w->cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
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
			io_call(w, c, e, 0);
		gil_take(c->gil, &w->lock);
		gil_drop(c->gil, &w->lock, 0);
	}
	if (e != NULL)
		echo_stop(e);
	atomic_store_explicit(&w->finished, 1, memory_order_release);
}
