/*
 * work.c: the worker's loop, shared by threads and forked processes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "work.h"

static int64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
work_now(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int64_t
work_cpu(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
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
	}
}

/* A simulated blocking call: sleeps ns, resuming after signals. */
static void
io_wait(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000,
			      .tv_nsec = ns % 1000000000};

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* What a worker does between chunks: CPython's eval-breaker check. */
static void
between_chunks(struct work *w, const struct workctx *c)
{
	if (c->io_ns > 0) {
		/* CPython releases the GIL around a blocking call. */
		if (c->gil != NULL)
			gil_drop(c->gil, &w->lock, 0);
		io_wait(c->io_ns);
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

	chunk = c->method == METHOD_FORMULA ? left : WORK_CHUNK;
	if (c->gil != NULL)
		gil_take(c->gil, &w->lock);
	while (left > 0) {
		n = left < chunk ? left : chunk;
		sum += sum_range(c->method, lo, range_at(lo, n));
		lo = range_at(lo, n);
		left -= n;
		done += n;
		atomic_store_explicit(&w->done, done, memory_order_relaxed);
		between_chunks(w, c);
	}
	if (c->gil != NULL)
		gil_drop(c->gil, &w->lock, 1);
	w->sum = sum;
	w->wall_ns = work_now() - t0;
	w->cpu_ns = work_cpu() - c0;
	atomic_store_explicit(&w->finished, 1, memory_order_release);
}

void
work_io_run(struct work *w, const struct workctx *c)
{
	while (!atomic_load(c->stop)) {
		io_wait(c->io_ns);
		gil_take(c->gil, &w->lock);
		gil_drop(c->gil, &w->lock, 0);
	}
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
	return sum;
}
