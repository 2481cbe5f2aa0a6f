/*
 * work.c: the worker's loop, shared by threads and forked processes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

/* A simulated blocking call: sleeps ns, resuming after signals. */
static void
io_wait(int64_t ns)
{
	struct timespec ts = ns_to_ts(ns);

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/*
 * --trace without the lock: a run slice from w->lock.hold_ns, when the
 * worker started or last woke, to now.
 */
static int64_t
traced_run(struct work *w, const struct workctx *c)
{
	int64_t now = work_now();

	if (c->trace != NULL && c->gil == NULL)
		trace_slice(c->trace, w->lock.tid, TRACE_RUN, w->lock.hold_ns,
			    now);
	return now;
}

/* --trace: the sleep as an io slice, after the run slice before it. */
static void
traced_io(struct work *w, const struct workctx *c)
{
	int64_t t0 = traced_run(w, c);

	io_wait(c->io_ns);
	w->lock.hold_ns = work_now();
	trace_slice(c->trace, w->lock.tid, TRACE_IO, t0, w->lock.hold_ns);
}

/* What a worker does between chunks: CPython's eval-breaker check. */
static void
between_chunks(struct work *w, const struct workctx *c)
{
	if (c->io_ns > 0) {
		/* CPython releases the GIL around a blocking call. */
		if (c->gil != NULL)
			gil_drop(c->gil, &w->lock, 0);
		if (c->trace != NULL)
			traced_io(w, c);
		else
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
	w->lock.hold_ns = t0;
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
	else if (c->trace != NULL)
		traced_run(w, c);
	w->sum = sum;
	w->method = c->method;
	w->wall_ns = work_now() - t0;
	w->cpu_ns = work_cpu() - c0;
	atomic_store_explicit(&w->finished, 1, memory_order_release);
}

void
work_io_run(struct work *w, const struct workctx *c)
{
	while (!atomic_load(c->stop)) {
		if (c->trace != NULL)
			traced_io(w, c);
		else
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
